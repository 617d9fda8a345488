// Early stopping simulated on a finished run: a rule that looks only at parameter-distribution
// features (when have the weights' statistics settled?) against patience on evaluation loss.
// Pure: arrays in, a StopDecision out (steps saved, loss paid); no store access.
//
// The parameter rule ("settling"), per feature j and checkpoint i, on the axis u = ln(step + 1):
//   rate      = |x_ij - x_pj| / (u_i - u_p)            p = the feature's previous observed checkpoint
//   avgSpeed  = M_ij / (u_i - u_fj)                     M_ij = sum of |steps| of x_.j so far (path length),
//                                                       f = the feature's first observed checkpoint
//   r_ij      = rate / avgSpeed                         (1: moving at its average pace so far; 0: still)
// r is scale-free (a feature's units cancel) and compares each feature with its own history. A
// feature that has not moved yet (M = 0), or is missing or non-finite at i, has no r at i.
// The settling rate of checkpoint i is the median of the defined r_ij over features; checkpoints
// where no feature has one are skipped (neither extend nor break a streak: the next rate spans
// the gap, so movement inside it is still measured). The run stops at the first checkpoint i that
// completes `window` consecutive (non-skipped) settling rates below `threshold`, and not before
// index ceil(minFraction * (n - 1)) (a planned schedule's length is known before training).
// Loss is read only after the decision, to price it. Examples: x = c - a*step^-b settles (r ~
// b*step^-b*ln(step) -> 0); x = ln(step) never does (r = 1 for ever). Noisy features keep r high
// on densely spaced checkpoints, which delays the stop rather than causing an early one.
import { UsageError } from "../util/errors.js";
import { addAt } from "../util/typed.js";

/** Settling threshold on the median normalised rate (10% of the features' own average pace). */
export const DEFAULT_SETTLE_THRESHOLD = 0.1;
/** Consecutive settled checkpoints required. */
export const DEFAULT_SETTLE_WINDOW = 3;
/** Never stop before this fraction of the checkpoint schedule (by index). */
export const DEFAULT_MIN_CHECKPOINT_FRACTION = 0.25;
/** u = ln(step + LOG_STEP_OFFSET), so step 0 is on the axis. */
export const LOG_STEP_OFFSET = 1;
/** Evaluations without an improvement larger than minDelta before patience stops. */
export const DEFAULT_PATIENCE = 3;
export const DEFAULT_MIN_DELTA = 0;

export interface StopDecision {
  rule: string;
  stopStep: number;
  stopIndex: number;
  /** steps not trained: (lastStep - stopStep) / lastStep */
  savedFraction: number;
  /** loss at stop minus the best loss of the full run (>= 0 when the run improves to the end) */
  lossCost: number;
  lossAtStop: number;
  /** True when lossAtStop was interpolated (in ln(step + 1)) because the stop checkpoint has no loss. */
  lossInterpolated: boolean;
  /** Lowest evaluated loss at or before the stop (the checkpoint an early-stopping user keeps); NaN if none. */
  bestLossSoFar: number;
  /** Step of bestLossSoFar (null if none). */
  bestStepSoFar: number | null;
  /** Lowest evaluated loss of the whole run (NaN if none). */
  bestLossFullRun: number;
  triggered: boolean;
  /** why it stopped (or "never triggered: trained to the end") */
  reason: string;
}

export interface ParameterStopOptions {
  threshold?: number;
  window?: number;
  minFraction?: number;
}

export interface PatienceStopOptions {
  patience?: number;
  minDelta?: number;
}

const NEVER = "never triggered: trained to the end";

function checkSteps(steps: readonly number[], name: string, length: number, what: string): void {
  if (steps.length === 0) throw new UsageError(`${name}: no checkpoints`);
  if (length !== steps.length) throw new UsageError(`${name}: ${what} has ${length} entries for ${steps.length} steps ---> HINT: give one entry per step (null where missing)`);
  for (let i = 0; i < steps.length; i++) {
    if (!Number.isFinite(steps[i]!) || steps[i]! < 0) throw new UsageError(`${name}: step ${steps[i]} at index ${i} is not a non-negative number`);
    if (i > 0 && !(steps[i]! > steps[i - 1]!)) throw new UsageError(`${name}: steps must be strictly increasing (index ${i}: ${steps[i - 1]} then ${steps[i]})`);
  }
}

function logStep(step: number): number {
  return Math.log(step + LOG_STEP_OFFSET);
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The settling rate of every checkpoint: the median over features of the normalised rate r_ij
 * (see the file header); null at index 0 and where no feature has a rate.
 */
export function parameterSettlingRates(steps: readonly number[], features: readonly (readonly (number | null)[])[]): (number | null)[] {
  checkSteps(steps, "parameterSettlingRates", features.length, "features");
  const width = features[0]!.length;
  features.forEach((row, i) => {
    if (row.length !== width) throw new UsageError(`parameterSettlingRates: feature row ${i} has ${row.length} values, row 0 has ${width}`);
  });
  const first = new Array<number | null>(width).fill(null); // u of the first observation
  const prev = new Array<{ u: number; x: number } | null>(width).fill(null);
  const path = new Float64Array(width);
  return steps.map((step, i) => {
    const u = logStep(step);
    const rates: number[] = [];
    for (let j = 0; j < width; j++) {
      const x = features[i]![j];
      if (x === null || x === undefined || !Number.isFinite(x)) continue;
      const p = prev[j];
      prev[j] = { u, x };
      if (p === null || p === undefined) { first[j] = u; continue; }
      const move = Math.abs(x - p.x);
      addAt(path, j, move);
      if (path[j]! === 0) continue;
      const avgSpeed = path[j]! / (u - first[j]!);
      rates.push(move / (u - p.u) / avgSpeed);
    }
    return rates.length > 0 ? median(rates) : null;
  });
}

/** Stop when the parameters' statistics have settled; decided from `features` only (see the file header). */
export function parameterDynamicsStop(
  steps: readonly number[],
  features: readonly (readonly (number | null)[])[],
  loss: readonly (number | null)[],
  options: ParameterStopOptions = {},
): StopDecision {
  const threshold = options.threshold ?? DEFAULT_SETTLE_THRESHOLD;
  const window = options.window ?? DEFAULT_SETTLE_WINDOW;
  const minFraction = options.minFraction ?? DEFAULT_MIN_CHECKPOINT_FRACTION;
  if (!(threshold > 0)) throw new UsageError(`parameterDynamicsStop: threshold must be > 0, got ${threshold}`);
  if (!Number.isInteger(window) || window < 1) throw new UsageError(`parameterDynamicsStop: window must be a positive integer, got ${window}`);
  if (!(minFraction >= 0 && minFraction <= 1)) throw new UsageError(`parameterDynamicsStop: minFraction must be in [0, 1], got ${minFraction}`);
  checkSteps(steps, "parameterDynamicsStop", loss.length, "loss");
  const rates = parameterSettlingRates(steps, features);
  const minIndex = Math.ceil(minFraction * (steps.length - 1));
  const rule = `parameter-settling(threshold=${threshold}, window=${window}, minFraction=${minFraction})`;
  let streak = 0;
  for (let i = 1; i < steps.length; i++) {
    const r = rates[i];
    if (r === null || r === undefined) continue;
    streak = r < threshold ? streak + 1 : 0;
    if (streak >= window && i >= minIndex) {
      return decide(rule, steps, loss, i, true, `median normalised parameter rate below ${threshold} for ${window} consecutive checkpoints (last ${r.toPrecision(3)} at step ${steps[i]})`);
    }
  }
  return decide(rule, steps, loss, steps.length - 1, false, NEVER);
}

/**
 * Patience on evaluation loss: an evaluation improves when loss < best - minDelta (best is then
 * updated); stop at the evaluation that makes `patience` consecutive non-improving ones. Null
 * losses are not evaluations. The loss at stop is that evaluation's loss.
 */
export function patienceStop(steps: readonly number[], loss: readonly (number | null)[], options: PatienceStopOptions = {}): StopDecision {
  const patience = options.patience ?? DEFAULT_PATIENCE;
  const minDelta = options.minDelta ?? DEFAULT_MIN_DELTA;
  if (!Number.isInteger(patience) || patience < 1) throw new UsageError(`patienceStop: patience must be a positive integer, got ${patience}`);
  if (!(minDelta >= 0)) throw new UsageError(`patienceStop: minDelta must be >= 0, got ${minDelta}`);
  checkSteps(steps, "patienceStop", loss.length, "loss");
  const rule = `patience(patience=${patience}, minDelta=${minDelta})`;
  let best = Infinity;
  let waited = 0;
  for (let i = 0; i < steps.length; i++) {
    const l = loss[i];
    if (l === null || l === undefined || Number.isNaN(l)) continue;
    if (l < best - minDelta) {
      best = l;
      waited = 0;
      continue;
    }
    waited++;
    if (waited >= patience) {
      return decide(rule, steps, loss, i, true, `no loss improvement larger than ${minDelta} below ${best} for ${patience} consecutive evaluations (step ${steps[i]})`);
    }
  }
  return decide(rule, steps, loss, steps.length - 1, false, NEVER);
}

/** The loss at index i, or interpolated linearly in ln(step + 1) between the nearest evaluated neighbours. */
function lossAt(steps: readonly number[], loss: readonly (number | null)[], i: number): { value: number; interpolated: boolean } {
  const ok = (k: number): boolean => loss[k] !== null && loss[k] !== undefined && !Number.isNaN(loss[k]!);
  if (ok(i)) return { value: loss[i]!, interpolated: false };
  let lo = i - 1, hi = i + 1;
  while (lo >= 0 && !ok(lo)) lo--;
  while (hi < steps.length && !ok(hi)) hi++;
  if (lo < 0 && hi >= steps.length) return { value: NaN, interpolated: false };
  if (lo < 0) return { value: loss[hi]!, interpolated: true };
  if (hi >= steps.length) return { value: loss[lo]!, interpolated: true };
  const [ul, uh, u] = [logStep(steps[lo]!), logStep(steps[hi]!), logStep(steps[i]!)];
  return { value: loss[lo]! + ((loss[hi]! - loss[lo]!) * (u - ul)) / (uh - ul), interpolated: true };
}

function decide(rule: string, steps: readonly number[], loss: readonly (number | null)[], stopIndex: number, triggered: boolean, reason: string): StopDecision {
  let bestFull = Infinity, bestSoFar = Infinity, bestStep: number | null = null;
  loss.forEach((l, k) => {
    if (l === null || Number.isNaN(l)) return;
    if (l < bestFull) bestFull = l;
    if (k <= stopIndex && l < bestSoFar) { bestSoFar = l; bestStep = steps[k]!; }
  });
  const last = steps[steps.length - 1]!;
  const stopStep = steps[stopIndex]!;
  const at = lossAt(steps, loss, stopIndex);
  const bestLossFullRun = bestFull === Infinity ? NaN : bestFull;
  return {
    rule, stopStep, stopIndex, savedFraction: last > 0 ? (last - stopStep) / last : 0,
    lossCost: at.value - bestLossFullRun, lossAtStop: at.value, lossInterpolated: at.interpolated,
    bestLossSoFar: bestSoFar === Infinity ? NaN : bestSoFar, bestStepSoFar: bestStep, bestLossFullRun, triggered, reason,
  };
}
