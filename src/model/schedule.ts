// The checkpoint save schedule of a training run, Pythia-like: steps 0, 1, 2, 4, ... (powers of
// two up to `logSpacedUpTo`), then every `saveEvery` steps, and always the final step. Pure.
import { UsageError } from "../util/errors.js";

export interface SaveSchedule {
  /** Last power of two of the log-spaced start (Pythia: 512). 0 disables it (then only 0 and multiples). */
  logSpacedUpTo: number;
  /** Regular interval after the log-spaced start (Pythia: 1000). */
  saveEvery: number;
}

/** Largest number of checkpoints a schedule may produce (guards typos such as --save-every 1 on long runs). */
export const MAX_SAVE_STEPS = 100_000;

/** Checks a schedule's numbers; throws a UsageError naming the bad field. */
export function checkSaveSchedule(s: SaveSchedule): void {
  if (!(Number.isInteger(s.logSpacedUpTo) && s.logSpacedUpTo >= 0)) throw new UsageError(`save schedule: logSpacedUpTo must be a non-negative integer, got ${s.logSpacedUpTo}`);
  if (s.logSpacedUpTo > 0 && (s.logSpacedUpTo & (s.logSpacedUpTo - 1)) !== 0) throw new UsageError(`save schedule: logSpacedUpTo must be a power of two (e.g. 64, 512), got ${s.logSpacedUpTo}`);
  if (!(Number.isInteger(s.saveEvery) && s.saveEvery >= 1)) throw new UsageError(`save schedule: saveEvery must be a positive integer, got ${s.saveEvery}`);
}

/**
 * The sorted save steps of a run of `totalSteps` optimizer steps: 0, the powers of two up to
 * min(logSpacedUpTo, totalSteps), every multiple of saveEvery above that, and totalSteps.
 */
export function saveSteps(totalSteps: number, s: SaveSchedule): number[] {
  checkSaveSchedule(s);
  if (!(Number.isInteger(totalSteps) && totalSteps >= 0)) throw new UsageError(`save schedule: total steps must be a non-negative integer, got ${totalSteps}`);
  const steps = new Set<number>([0]);
  for (let p = 1; p <= s.logSpacedUpTo && p <= totalSteps; p *= 2) steps.add(p);
  const firstRegular = Math.floor(s.logSpacedUpTo / s.saveEvery) + 1;
  if ((totalSteps - firstRegular * s.saveEvery) / s.saveEvery > MAX_SAVE_STEPS) throw new UsageError(`save schedule: more than ${MAX_SAVE_STEPS} checkpoints (steps ${totalSteps}, every ${s.saveEvery}) ---> HINT: raise --save-every`);
  for (let k = firstRegular; k * s.saveEvery <= totalSteps; k++) steps.add(k * s.saveEvery);
  steps.add(totalSteps);
  return [...steps].sort((a, b) => a - b);
}

/** A default schedule for a run length: log-spaced up to 512 (Pythia) or less for short runs, then ~10 regular saves. */
export function defaultSaveSchedule(totalSteps: number): SaveSchedule {
  let logSpacedUpTo = 1;
  while (logSpacedUpTo * 2 <= Math.min(512, Math.max(1, Math.floor(totalSteps / 8)))) logSpacedUpTo *= 2;
  const saveEvery = Math.max(1, Math.ceil(totalSteps / 10));
  return { logSpacedUpTo, saveEvery };
}

/** Checkpoints per run of the dense schedule's regular part (every 1% of training). */
export const DENSE_SAVES_PER_RUN = 100;

/**
 * The dense schedule that resolves a transition: the Pythia-like log-spaced start of
 * defaultSaveSchedule (up to min(512, steps/8)) plus every ceil(steps/100) steps (every 1% of
 * training when steps is a multiple of 100).
 */
export function denseSaveSchedule(totalSteps: number): SaveSchedule {
  return { logSpacedUpTo: defaultSaveSchedule(totalSteps).logSpacedUpTo, saveEvery: Math.max(1, Math.ceil(totalSteps / DENSE_SAVES_PER_RUN)) };
}
