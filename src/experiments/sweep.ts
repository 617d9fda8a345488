// The study's training sweep: a fixed, ordered list of tiny-model variants (learning rate, width,
// weight decay, seed) around the preset's defaults, and the run folder each one trains into. Pure.
import { UsageError } from "../util/errors.js";
import { TRAIN_DEFAULTS, ADAMW_DEFAULTS, type TrainOptions } from "../model/index.js";

/** Checkpoints of a study run: 0, 1, 2, ... 32, then every 25 steps (30 checkpoints for 600 steps). */
export const STUDY_SAVE_SCHEDULE = { logSpacedUpTo: 32, saveEvery: 25 } as const;
/** Largest sweep `study` accepts (each tiny run is minutes of CPU). */
export const MAX_STUDY_RUNS = 64;
/** Fewest runs leave-one-run-out and cross-run verdicts need. */
export const MIN_STUDY_RUNS = 2;

export interface SweepRun {
  /** Run name: also its folder under `<out>/runs/` and its run id in the store. */
  name: string;
  lr: number;
  width: number;
  weightDecay: number;
  seed: number;
}

const BASE_LR = TRAIN_DEFAULTS.tiny.lr;
const BASE_WIDTH = 128;
const BASE_WD = ADAMW_DEFAULTS.weightDecay;

/** Variants in the order they are added: the first 8 vary one factor each around the base run. */
const VARIANTS: readonly Omit<SweepRun, "name">[] = [
  { lr: BASE_LR, width: BASE_WIDTH, weightDecay: BASE_WD, seed: 0 },
  { lr: BASE_LR / 2, width: BASE_WIDTH, weightDecay: BASE_WD, seed: 0 },
  { lr: BASE_LR * 2, width: BASE_WIDTH, weightDecay: BASE_WD, seed: 0 },
  { lr: BASE_LR, width: 64, weightDecay: BASE_WD, seed: 0 },
  { lr: BASE_LR, width: BASE_WIDTH, weightDecay: 0, seed: 0 },
  { lr: BASE_LR, width: BASE_WIDTH, weightDecay: 0.3, seed: 0 },
  { lr: BASE_LR, width: BASE_WIDTH, weightDecay: BASE_WD, seed: 1 },
  { lr: BASE_LR / 4, width: 64, weightDecay: BASE_WD, seed: 2 },
];

function runName(v: Omit<SweepRun, "name">): string {
  return `tiny-lr${v.lr.toExponential().replace("+", "")}-w${v.width}-wd${v.weightDecay}-s${v.seed}`;
}

/** The first `n` runs of the sweep; beyond the listed variants, further seeds of them in turn. */
export function studySweep(n: number): SweepRun[] {
  if (!Number.isInteger(n) || n < MIN_STUDY_RUNS || n > MAX_STUDY_RUNS) {
    throw new UsageError(`--runs must be an integer from ${MIN_STUDY_RUNS} to ${MAX_STUDY_RUNS}, got ${n}`);
  }
  const out: SweepRun[] = [];
  for (let i = 0; i < n; i++) {
    const base = VARIANTS[i % VARIANTS.length]!;
    const v = { ...base, seed: base.seed + 10 * Math.floor(i / VARIANTS.length) };
    out.push({ name: runName(v), ...v });
  }
  return out;
}

/** Training options of one sweep run (steps: the preset's unless given). */
export function sweepTrainOptions(run: SweepRun, runDir: string, o: { steps?: number; threads?: number } = {}): TrainOptions {
  return {
    out: runDir, preset: "tiny", lr: run.lr, width: run.width, weightDecay: run.weightDecay, seed: run.seed,
    saveSchedule: { ...STUDY_SAVE_SCHEDULE },
    ...(o.steps !== undefined && { steps: o.steps }),
    ...(o.threads !== undefined && { threads: o.threads }),
  };
}
