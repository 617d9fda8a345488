// Local check that a change found by the piecewise-linear search is abrupt, not curvature:
// near each breakpoint, two lines (one per side) must beat one quadratic over both sides by
// more than the penalty, with the noise scale raised to the local move per checkpoint.
// A smooth curve is locally a quadratic, so a break that PELT placed only to bend a line
// along a curve is dropped; a level shift or a kink is not a quadratic.

import { UsageError } from "../../util/errors.js";

/**
 * Points taken on each side of a breakpoint (fewer when the neighbouring breakpoint or the
 * series end is closer). Local, so the gain of a misfit curve does not grow with the length
 * of the series as the gain of a one-line fit over a whole segment does. Measured (100 seeds,
 * with ABRUPT_MOVEMENT_FACTOR 0.5): exp(-x/2) + N(0, 0.03^2) at Pythia steps, x = ln(1 +
 * step): window 15 -> 0% false alarms, 25 -> 6%; slope breaks of 1..2 sd per point
 * (test/dynamics/changepoints-linear.test.ts): window 15 -> recall 111/150, 25 -> 144/150.
 */
export const ABRUPT_DEFAULT_WINDOW = 25;

export interface AbruptCheck {
  /** Breakpoint index (first point of the new segment). */
  index: number;
  /** RSS of one quadratic in x over [lo, hi) minus the RSS of a line on [lo, index) plus a line on [index, hi). */
  gain: number;
  lo: number;
  hi: number;
  /** Gain needed: penalty x max(1, (movementFactor x move / sigma)^2), move = the larger median |y[i+1] - y[i]| within [lo, index) or within [index, hi). */
  threshold: number;
  kept: boolean;
}

/**
 * Statistics of trained weights are nearly deterministic curves (std of a 30-checkpoint tiny
 * run: noise 6e-5 on a range of 0.02), where the noise alone makes every bend of the curve
 * "significant". So the local scale is at least this times the median absolute move between
 * consecutive checkpoints on either side (the larger side; the move across the change itself
 * is in neither): a change must also be large compared with how far the series moves per
 * checkpoint there. On noisy series (median move 0.95 sigma) the noise dominates. Measured:
 * factor 1 -> slope-break recall 48/150 (steep trends raise the bar), 0.5 -> 144/150 (window
 * 25); smooth-trend nulls stay <= 8% with 0.5. The curvature scale (median |pseudo-residual|
 * per side) instead of the move let 11-32% of the Pythia-step power-law nulls through.
 */
export const ABRUPT_MOVEMENT_FACTOR = 0.5;

export interface AbruptOptions {
  /** Penalty per change of the search (units of y^2). */
  penalty: number;
  /** Noise sd the penalty was derived from (penalty = k sigma^2); > 0. */
  sigma: number;
  /** Points per side (default ABRUPT_DEFAULT_WINDOW). */
  window?: number;
  /** Default ABRUPT_MOVEMENT_FACTOR. */
  movementFactor?: number;
}

/** Median of |y[i+1] - y[i]| over consecutive pairs inside [lo, hi); 0 when none. */
function medianAbsoluteMove(y: ArrayLike<number>, lo: number, hi: number): number {
  const moves: number[] = [];
  for (let i = lo; i + 1 < hi; i++) moves.push(Math.abs(y[i + 1]! - y[i]!));
  if (moves.length === 0) return 0;
  moves.sort((a, b) => a - b);
  const m = moves.length >> 1;
  return moves.length % 2 === 1 ? moves[m]! : 0.5 * (moves[m - 1]! + moves[m]!);
}

/** Least-squares polynomial of degree 1 or 2 in x over [lo, hi): residual sum of squares (x centred and scaled). */
export function polynomialRss(x: ArrayLike<number>, y: ArrayLike<number>, lo: number, hi: number, degree: 1 | 2): number {
  const m = hi - lo;
  if (m <= degree + 1) return 0;
  let xm = 0, ym = 0;
  for (let i = lo; i < hi; i++) { xm += x[i]!; ym += y[i]!; }
  xm /= m; ym /= m;
  let scale = 0;
  for (let i = lo; i < hi; i++) scale = Math.max(scale, Math.abs(x[i]! - xm));
  if (!(scale > 0)) scale = 1;
  // Gram-Schmidt on the basis 1, u, u^2 (u centred, scaled): exact least squares by projection.
  const k = degree + 1;
  const basis: Float64Array[] = [];
  for (let d = 0; d < k; d++) {
    const v = Float64Array.from({ length: m }, (_, j) => ((x[lo + j]! - xm) / scale) ** d);
    for (const q of basis) {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += v[j]! * q[j]!;
      for (let j = 0; j < m; j++) v[j] = v[j]! - dot * q[j]!;
    }
    let norm = 0;
    for (let j = 0; j < m; j++) norm += v[j]! * v[j]!;
    if (!(norm > 1e-20 * m)) continue; // degenerate (repeated x): drop the direction
    norm = Math.sqrt(norm);
    basis.push(v.map((t) => t / norm));
  }
  const r = Float64Array.from({ length: m }, (_, j) => y[lo + j]! - ym);
  for (const q of basis.slice(1)) {
    let dot = 0;
    for (let j = 0; j < m; j++) dot += r[j]! * q[j]!;
    for (let j = 0; j < m; j++) r[j] = r[j]! - dot * q[j]!;
  }
  let rss = 0;
  for (let j = 0; j < m; j++) rss += r[j]! * r[j]!;
  return rss;
}

/** gain of two lines over one quadratic on [lo, hi) split at index. */
function localGain(x: ArrayLike<number>, y: ArrayLike<number>, lo: number, index: number, hi: number): number {
  return polynomialRss(x, y, lo, hi, 2) - polynomialRss(x, y, lo, index, 1) - polynomialRss(x, y, index, hi, 1);
}

/**
 * Backward elimination: compute every breakpoint's local gain with windows of up to `window`
 * points per side, bounded by the neighbouring kept breakpoints; drop the one with the lowest
 * gain / threshold among those with gain <= threshold; repeat until all kept ones pass.
 * bkps follow costs/cost.ts (last = n). Returns the kept breakpoints (last = n) and the last check
 * of every candidate.
 */
export function confirmAbruptChanges(x: ArrayLike<number>, y: ArrayLike<number>, bkps: readonly number[], options: AbruptOptions): { bkps: number[]; checks: AbruptCheck[] } {
  const n = y.length;
  const { penalty, sigma } = options;
  const window = options.window ?? ABRUPT_DEFAULT_WINDOW;
  const rho = options.movementFactor ?? ABRUPT_MOVEMENT_FACTOR;
  if (x.length !== n) throw new UsageError(`confirmAbruptChanges: ${x.length} x coordinates for ${n} values`);
  if (!Number.isInteger(window) || window < 3) throw new UsageError(`confirmAbruptChanges: window must be an integer >= 3, got ${window}`);
  if (!(sigma > 0) || !(penalty >= 0) || !(rho >= 0)) throw new UsageError(`confirmAbruptChanges: need sigma > 0, penalty >= 0, movementFactor >= 0; got ${sigma}, ${penalty}, ${rho}`);
  const kept = bkps.slice(0, -1);
  const checks = new Map<number, AbruptCheck>();
  for (;;) {
    let weakest = -1;
    for (let c = 0; c < kept.length; c++) {
      const index = kept[c]!;
      const lo = Math.max(c === 0 ? 0 : kept[c - 1]!, index - window);
      const hi = Math.min(c + 1 < kept.length ? kept[c + 1]! : n, index + window);
      const gain = localGain(x, y, lo, index, hi);
      const move = Math.max(medianAbsoluteMove(y, lo, index), medianAbsoluteMove(y, index, hi));
      const threshold = penalty * Math.max(1, ((rho * move) / sigma) ** 2);
      checks.set(index, { index, gain, lo, hi, threshold, kept: gain > threshold });
      const ratio = (check: AbruptCheck) => check.gain / Math.max(check.threshold, 1e-300);
      if (!(gain > threshold) && (weakest < 0 || ratio(checks.get(index)!) < ratio(checks.get(kept[weakest]!)!))) weakest = c;
    }
    if (weakest < 0) break;
    kept.splice(weakest, 1);
  }
  for (const check of checks.values()) check.kept = kept.includes(check.index);
  return { bkps: [...kept, n], checks: bkps.slice(0, -1).map((b) => checks.get(b)!) };
}
