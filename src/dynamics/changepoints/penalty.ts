// Default penalties (BIC-style) and the robust noise-scale estimate they need.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import type { CostKind } from "./costs/index.js";

/** 1 / Phi^-1(3/4): makes the median absolute deviation a consistent estimate of sigma. */
export const MAD_TO_SIGMA = 1.482602218505602;

/**
 * Noise standard deviation estimated from first differences, robust to level shifts:
 * sigma = 1.4826 * median(|d - median(d)|) / sqrt(2),  d_i = x_{i+1} - x_i.
 * (Differencing removes the piecewise-constant mean except at the few changes; the MAD
 * ignores those; sqrt(2) because var(d) = 2 sigma^2 for white noise.)
 */
export function robustSigma(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 3) throw new NotEnoughPointsError("robustSigma", 3, n);
  const diffs = new Float64Array(n - 1);
  for (let i = 0; i + 1 < n; i++) diffs[i] = values[i + 1]! - values[i]!;
  const centre = median(diffs);
  const deviations = diffs.map((d) => Math.abs(d - centre));
  return (MAD_TO_SIGMA * median(deviations)) / Math.SQRT2;
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : 0.5 * (sorted[m - 1]! + sorted[m]!);
}

/**
 * BIC penalty per change for a cost that is sigma2 * (-2 log-likelihood) up to constants:
 *   penalty = (paramsPerSegment + 1) * sigma2 * ln(n)
 * (each change adds one location and paramsPerSegment segment parameters).
 * l2 cost (mean only): paramsPerSegment = 1, sigma2 = noise variance -> 2 sigma^2 ln n.
 * normal cost (mean and variance; the cost is already -2 log-likelihood): paramsPerSegment
 * = 2, sigma2 = 1 -> 3 ln n.
 */
export function bicPenalty(n: number, sigma2: number, paramsPerSegment: number): number {
  if (!(n >= 2)) throw new NotEnoughPointsError("bicPenalty", 2, n);
  if (!(sigma2 >= 0) || !Number.isFinite(sigma2)) throw new UsageError(`bicPenalty: sigma2 must be finite and >= 0, got ${sigma2}`);
  if (!(paramsPerSegment >= 0)) throw new UsageError(`bicPenalty: paramsPerSegment must be >= 0, got ${paramsPerSegment}`);
  return (paramsPerSegment + 1) * sigma2 * Math.log(n);
}

/**
 * Noise standard deviation about a smooth trend, robust to a few level shifts and kinks:
 * the pseudo-residuals of Gasser, Sroka & Jennen-Steinmetz (1986),
 *   e_i = (a_i y_{i-1} + b_i y_{i+1} - y_i) / sqrt(a_i^2 + b_i^2 + 1),
 *   a_i = (x_{i+1} - x_i) / (x_{i+1} - x_{i-1}),  b_i = (x_i - x_{i-1}) / (x_{i+1} - x_{i-1}),
 * (the residual of y_i from the line through its two neighbours, scaled so var(e_i) = sigma^2
 * for white noise; exactly 0 on any straight line in x, small on a smooth curve), then
 * sigma = 1.4826 * median(|e - median(e)|). A jump or a kink spoils only 1-2 of the e_i,
 * which the median ignores. x must be strictly increasing.
 */
export function pseudoResidualSigma(x: ArrayLike<number>, values: ArrayLike<number>): number {
  const e = pseudoResiduals(x, values);
  const centre = median(e);
  return MAD_TO_SIGMA * median(e.map((d) => Math.abs(d - centre)));
}

/** The pseudo-residuals e_1 .. e_{n-2} of pseudoResidualSigma (entry k belongs to point k + 1). */
export function pseudoResiduals(x: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (x.length !== n) throw new UsageError(`pseudoResidualSigma: ${x.length} x coordinates for ${n} values`);
  if (n < 3) throw new NotEnoughPointsError("pseudoResidualSigma", 3, n);
  const e = new Float64Array(n - 2);
  for (let i = 1; i + 1 < n; i++) {
    const span = x[i + 1]! - x[i - 1]!;
    if (!(x[i]! > x[i - 1]! && x[i + 1]! > x[i]!)) throw new UsageError(`pseudoResidualSigma: x must be strictly increasing (index ${i})`);
    const a = (x[i + 1]! - x[i]!) / span, b = (x[i]! - x[i - 1]!) / span;
    e[i - 1] = (a * values[i - 1]! + b * values[i + 1]! - values[i]!) / Math.sqrt(a * a + b * b + 1);
  }
  return e;
}

/** Relative variance floor of the default penalties, so a noiseless signal still gets a positive penalty. */
export const PENALTY_VARIANCE_FLOOR_RELATIVE = 1e-12;
/** Smallest n in the ln n of the linear cost's BIC penalty (see derivePenalty). */
export const LINEAR_PENALTY_MIN_N = 100;

/** A penalty with the numbers it came from, for event evidence. */
export interface PenaltyDerivation {
  penalty: number;
  /** Noise standard deviation used (null for the normal cost, whose units are log-likelihood). */
  sigma: number | null;
  /** How sigma and the penalty were obtained, in words with the numbers. */
  rule: string;
}

/**
 * The default penalty used when none is given, with its derivation:
 * - l2: bicPenalty(n, sigma^2, 1) = 2 sigma^2 ln n, sigma = robustSigma (MAD of first differences);
 * - normal: 3 ln n;
 * - linear: bicPenalty(max(n, LINEAR_PENALTY_MIN_N), sigma^2, 2) = 3 sigma^2 ln max(n, 100)
 *   (each change adds a location, an intercept and a slope), sigma = pseudoResidualSigma(x,
 *   values) (x default: the index). The floor on n: at n = 30 the MAD of 28 pseudo-residuals
 *   is a noisy sigma and plain BIC put a change in 22/100 straight lines plus noise (tiny-run
 *   steps, PELT alone); with ln 100 it was 12/100 (test/dynamics/changepoints-linear.test.ts).
 * sigma^2 is floored at 1e-12 x the signal variance.
 */
export function derivePenalty(kind: CostKind, values: ArrayLike<number>, x?: ArrayLike<number>): PenaltyDerivation {
  const n = values.length;
  const floor = PENALTY_VARIANCE_FLOOR_RELATIVE * variance(values);
  switch (kind) {
    case "l2": {
      const sigma = robustSigma(values);
      const penalty = bicPenalty(n, Math.max(sigma * sigma, floor), 1);
      return { penalty, sigma, rule: `BIC 2 sigma^2 ln n with n = ${n}, sigma = ${sigma.toPrecision(6)} = 1.4826 MAD(first differences) / sqrt 2` };
    }
    case "normal":
      return { penalty: bicPenalty(n, 1, 2), sigma: null, rule: `BIC 3 ln n with n = ${n} (the normal cost is -2 log-likelihood)` };
    case "linear": {
      const xs = x ?? Float64Array.from({ length: n }, (_, i) => i);
      const sigma = pseudoResidualSigma(xs, values);
      const nLog = Math.max(n, LINEAR_PENALTY_MIN_N);
      const penalty = bicPenalty(nLog, Math.max(sigma * sigma, floor), 2);
      return {
        penalty, sigma,
        rule:
          `BIC 3 sigma^2 ln max(n, ${LINEAR_PENALTY_MIN_N}) (location, intercept, slope per change) with n = ${n}, sigma = ${sigma.toPrecision(6)} = ` +
          `1.4826 MAD of the Gasser-Sroka-Jennen-Steinmetz pseudo-residuals (each point against the line through its neighbours in x)`,
      };
    }
  }
}

/** The default penalty (derivePenalty(...).penalty). */
export function defaultPenalty(kind: CostKind, values: ArrayLike<number>, x?: ArrayLike<number>): number {
  return derivePenalty(kind, values, x).penalty;
}

function variance(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  return ss / values.length;
}
