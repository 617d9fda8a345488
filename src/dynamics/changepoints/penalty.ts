// Default penalties (BIC-style) and the robust noise-scale estimate they need.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import type { CostKind } from "./cost.js";

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
 * The default penalty used when none is given: bicPenalty with the robust sigma for l2
 * (floored at 1e-12 times the signal variance so a noiseless step still gets a positive
 * penalty), and 3 ln n for the normal cost.
 */
export function defaultPenalty(kind: CostKind, values: ArrayLike<number>): number {
  const n = values.length;
  switch (kind) {
    case "l2": {
      const sigma = robustSigma(values);
      return bicPenalty(n, Math.max(sigma * sigma, 1e-12 * variance(values)), 1);
    }
    case "normal":
      return bicPenalty(n, 1, 2);
  }
}

function variance(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  return ss / values.length;
}
