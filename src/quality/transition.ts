// The transition of a training run, defined once from one quality-metric series alone: the step
// where the metric crosses halfway between its two plateaus, with the interval of checkpoints
// that brackets the crossing. Pure; it does not read metrics or decide which metric to use.
//
// The rule, stated once:
// 1. Plateaus: `before` = median of the first k points, `after` = median of the last k points
//    (k = plateauPoints, default max(3, round(n / 10))).
// 2. Noise: 1.4826 x the median absolute deviation of those 2k points from their own plateau's
//    median (a robust standard deviation).
// 3. No transition unless |after - before| > minDifference and > noiseMultiple x noise.
// 4. Crossing: with halfway h = (before + after) / 2, every split c (points < c before, >= c after)
//    is charged the points on the wrong side of h (before the split beyond h toward `after`, after
//    it not beyond h). The split with the fewest wrong points wins, so isolated noisy points do
//    not move it; among tied splits the middle one (lower median) is taken.
// 5. Step: the crossing of h by the straight line between checkpoints c-1 and c, in linear step
//    (default) or in log step (for log-spaced checkpoints), clamped to the bracket.
//    Interval: [step of checkpoint c-1, step of checkpoint c] over all tied splits (the widest).
import { UsageError } from "../util/errors.js";

/** Fewest points a plateau is estimated from. */
export const MIN_PLATEAU_POINTS = 3;
/** Default plateau size as a fraction of the series length. */
export const DEFAULT_PLATEAU_FRACTION = 0.1;
/** Default: the plateaus must differ by more than this many robust noise standard deviations. */
export const DEFAULT_NOISE_MULTIPLE = 4;
/** Scale from the median absolute deviation to a standard deviation under normal noise. */
const MAD_TO_SD = 1.4826;

export interface TransitionOptions {
  /** Points per plateau estimate (default max(3, round(n / 10))). */
  plateauPoints?: number;
  /** Least absolute plateau difference that counts as a transition (default 0). */
  minDifference?: number;
  /** Least plateau difference in robust noise standard deviations (default 4). */
  noiseMultiple?: number;
  /** How the step is interpolated inside the bracketing checkpoints (default "linear"; "log" needs steps > 0). */
  interpolation?: "linear" | "log";
}

interface TransitionBase {
  /** Median of the first k points. */
  before: number;
  /** Median of the last k points. */
  after: number;
  /** Robust noise standard deviation of the plateau points. */
  noise: number;
  /** k. */
  plateauPoints: number;
}

export interface TransitionFound extends TransitionBase {
  found: true;
  /** The interpolated step of the halfway crossing. */
  step: number;
  /** Steps of the checkpoints bracketing the crossing (the widest over tied splits). */
  interval: [number, number];
  direction: "up" | "down";
  /** (before + after) / 2. */
  halfway: number;
  /** Points on the wrong side of the halfway level at the chosen split (0 for a monotone curve). */
  misplaced: number;
}

export interface NoTransition extends TransitionBase {
  found: false;
  /** Why, in one line. */
  reason: string;
}

export type Transition = TransitionFound | NoTransition;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function checkSeries(steps: ArrayLike<number>, values: ArrayLike<number>, k: number): void {
  if (steps.length !== values.length) throw new UsageError(`transition: ${steps.length} steps but ${values.length} values; give one value per checkpoint`);
  if (!(Number.isInteger(k) && k >= 1)) throw new UsageError(`transition: plateau points must be a positive integer, got ${k}`);
  if (steps.length < 2 * k) throw new UsageError(`transition: ${steps.length} checkpoints are too few for two plateaus of ${k} points ---> HINT: give at least ${2 * k} checkpoints or fewer plateau points`);
  for (let i = 0; i < steps.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new UsageError(`transition: value at checkpoint ${i} (step ${steps[i]}) is ${values[i]} ---> HINT: drop checkpoints without a finite metric first`);
    if (!Number.isFinite(steps[i]!) || (i > 0 && !(steps[i]! > steps[i - 1]!))) throw new UsageError(`transition: steps must be finite and strictly increasing; checkpoint ${i} has step ${steps[i]} ---> HINT: sort the series by step and drop duplicates`);
  }
}

/** The split(s) with the fewest points on the wrong side of `halfway`; far(i) = point i is beyond it toward `after`. */
function bestSplits(values: ArrayLike<number>, halfway: number, sign: number): { splits: number[]; misplaced: number } {
  const n = values.length;
  const far = (i: number): boolean => sign * (values[i]! - halfway) > 0;
  let totalNear = 0;
  for (let i = 0; i < n; i++) if (!far(i)) totalNear++;
  let farBefore = 0, nearBefore = 0, best = Infinity, splits: number[] = [];
  for (let c = 1; c < n; c++) {
    if (far(c - 1)) farBefore++;
    else nearBefore++;
    const cost = farBefore + (totalNear - nearBefore);
    if (cost < best) {
      best = cost;
      splits = [c];
    } else if (cost === best) splits.push(c);
  }
  return { splits, misplaced: best };
}

/** Finds the run's transition in one metric series over increasing steps (see the rule above). */
export function findTransition(steps: ArrayLike<number>, values: ArrayLike<number>, options: TransitionOptions = {}): Transition {
  const n = steps.length;
  const k = options.plateauPoints ?? Math.max(MIN_PLATEAU_POINTS, Math.round(n * DEFAULT_PLATEAU_FRACTION));
  checkSeries(steps, values, k);
  const interpolation = options.interpolation ?? "linear";
  if (interpolation === "log" && !(steps[0]! > 0)) throw new UsageError(`transition: log interpolation needs steps > 0, the first is ${steps[0]} ---> HINT: drop step 0 or use linear interpolation`);
  const head = Array.from({ length: k }, (_, i) => values[i]!), tail = Array.from({ length: k }, (_, i) => values[n - k + i]!);
  const before = median(head), after = median(tail);
  const noise = MAD_TO_SD * median([...head.map((v) => Math.abs(v - before)), ...tail.map((v) => Math.abs(v - after))]);
  const base = { before, after, noise, plateauPoints: k };
  const diff = Math.abs(after - before), minDifference = options.minDifference ?? 0, noiseMultiple = options.noiseMultiple ?? DEFAULT_NOISE_MULTIPLE;
  if (!(diff > minDifference)) return { found: false, reason: `plateaus differ by ${diff.toPrecision(3)}, not more than the minimum ${minDifference}`, ...base };
  if (!(diff > noiseMultiple * noise)) return { found: false, reason: `plateaus differ by ${diff.toPrecision(3)}, not more than ${noiseMultiple} x noise ${noise.toPrecision(3)}`, ...base };
  const sign = after > before ? 1 : -1, halfway = (before + after) / 2;
  const { splits, misplaced } = bestSplits(values, halfway, sign);
  const c = splits[(splits.length - 1) >> 1]!;
  const v0 = values[c - 1]!, v1 = values[c]!;
  const frac = v1 === v0 ? 0.5 : Math.min(1, Math.max(0, (halfway - v0) / (v1 - v0)));
  const s0 = steps[c - 1]!, s1 = steps[c]!;
  const step = interpolation === "log" ? Math.exp(Math.log(s0) + frac * (Math.log(s1) - Math.log(s0))) : s0 + frac * (s1 - s0);
  const interval: [number, number] = [steps[splits[0]! - 1]!, steps[splits[splits.length - 1]!]!];
  return { found: true, step, interval, direction: sign > 0 ? "up" : "down", halfway, misplaced, ...base };
}
