// Rolling-window statistics of detrended residuals (as ewstools / pandas .rolling): each
// value is computed on the window that ENDS at its index; earlier indices are NaN.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";

export type IndicatorName = "variance" | "ac1" | "skewness" | "kurtosis" | "cv";

export type RollingStatistics = Record<IndicatorName, Float64Array>;

/** Default rolling window, as a fraction of the series length (Dakos et al. 2012). */
export const DEFAULT_ROLLING_WINDOW = 0.5;
/** Fewest points in a rolling window (kurtosis needs 4). */
export const MIN_ROLLING_POINTS = 4;

/** Window length in points: floor(fraction * n) as ewstools (fraction in (0, 1]), or an integer count > 1. */
export function windowLength(n: number, window: number): number {
  if (!(window > 0) || !Number.isFinite(window)) throw new UsageError(`rolling window must be > 0, got ${window}`);
  const w = window <= 1 ? Math.floor(window * n) : window;
  if (!Number.isInteger(w) || w > n) throw new UsageError(`rolling window of ${window} gives ${w} points for a series of ${n}; use a fraction in (0, 1] or an integer <= n`);
  if (w < MIN_ROLLING_POINTS) throw new NotEnoughPointsError(`rolling window (${window} of ${n} points)`, MIN_ROLLING_POINTS, w);
  return w;
}

/** Statistics of one window (two-pass, centred sums). */
function windowStatistics(r: Float64Array, raw: Float64Array | undefined, lo: number, hi: number): Record<IndicatorName, number> {
  const w = hi - lo;
  let mean = 0;
  for (let i = lo; i < hi; i++) mean += r[i]!;
  mean /= w;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = lo; i < hi; i++) {
    const d = r[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const variance = m2 / (w - 1);
  m2 /= w;
  m3 /= w;
  m4 /= w;
  // Adjusted Fisher-Pearson skewness G1 and excess kurtosis G2 (pandas' rolling skew/kurt).
  const skewness = (Math.sqrt(w * (w - 1)) / (w - 2)) * (m3 / Math.pow(m2, 1.5));
  const kurtosis = ((w - 1) / ((w - 2) * (w - 3))) * ((w + 1) * (m4 / (m2 * m2)) - 3 * (w - 1));
  let rawMean = 0;
  if (raw !== undefined) {
    for (let i = lo; i < hi; i++) rawMean += raw[i]!;
    rawMean /= w;
  }
  return { variance, ac1: lagOneCorrelation(r, lo, hi), skewness, kurtosis, cv: raw === undefined ? Number.NaN : Math.sqrt(variance) / rawMean };
}

/**
 * Rolling variance and lag-1 autocorrelation only, equal (bit for bit: the same sums in the same
 * order) to rollingStatistics(r, { window: w }).variance and .ac1 for an integer window w of
 * rollingStatistics' range: the surrogates of the early-warning test need nothing else.
 */
export function rollingVarianceAc1(r: Float64Array, w: number): { variance: Float64Array; ac1: Float64Array } {
  const variance = new Float64Array(r.length), ac1 = new Float64Array(r.length);
  rollingVarianceAc1Into(r, w, variance, ac1);
  return { variance, ac1 };
}

/** rollingVarianceAc1 written into `variance` and `ac1` (r.length each), for callers that reuse their buffers. */
export function rollingVarianceAc1Into(r: Float64Array, w: number, variance: Float64Array, ac1: Float64Array): void {
  const n = r.length;
  variance.fill(Number.NaN, 0, Math.min(n, w - 1));
  ac1.fill(Number.NaN, 0, Math.min(n, w - 1));
  // The sums of windowStatistics and lagOneCorrelation in their order, in two passes instead of
  // four: the window's sum is the sum of its first w - 1 values (lagOneCorrelation's, from 0 in
  // the same order) plus the last, and the centred sums share one loop (separate accumulators).
  const m = w - 1;
  for (let end = w; end <= n; end++) {
    const lo = end - w, last = end - 1;
    let sa = 0, sb = 0;
    for (let i = lo; i < last; i++) {
      sa += r[i]!;
      sb += r[i + 1]!;
    }
    const mean = (sa + r[last]!) / w, ma = sa / m, mb = sb / m;
    let m2 = 0, sab = 0, saa = 0, sbb = 0;
    for (let i = lo; i < last; i++) {
      const ri = r[i]!, d = ri - mean, a = ri - ma, b = r[i + 1]! - mb;
      m2 += d * d;
      sab += a * b;
      saa += a * a;
      sbb += b * b;
    }
    const d = r[last]! - mean;
    m2 += d * d;
    variance[last] = m2 / (w - 1);
    ac1[last] = sab / Math.sqrt(saa * sbb);
  }
}

/** Pearson correlation of r[lo..hi-2] with r[lo+1..hi-1] (pandas Series.autocorr(lag=1)). */
function lagOneCorrelation(r: Float64Array, lo: number, hi: number): number {
  const m = hi - lo - 1;
  let ma = 0, mb = 0;
  for (let i = lo; i < hi - 1; i++) {
    ma += r[i]!;
    mb += r[i + 1]!;
  }
  ma /= m;
  mb /= m;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = lo; i < hi - 1; i++) {
    const a = r[i]! - ma, b = r[i + 1]! - mb;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * variance (ddof 1), ac1 (lag-1 autocorrelation), skewness, kurtosis (excess) of the
 * residuals, and cv = std of residuals / mean of the raw (not detrended) values in the same
 * window, as ewstools (NaN when raw is not given). The window is `window` (fraction of the
 * series, default 0.5, or a point count > 1). Index i holds the statistic of [i-w+1, i].
 */
export function rollingStatistics(residuals: ArrayLike<number>, options: { window?: number; raw?: ArrayLike<number> } = {}): RollingStatistics {
  const r = Float64Array.from(residuals);
  const n = r.length;
  const raw = options.raw === undefined ? undefined : Float64Array.from(options.raw);
  if (raw !== undefined && raw.length !== n) throw new UsageError(`rollingStatistics: raw has ${raw.length} values, residuals ${n}`);
  const w = windowLength(n, options.window ?? DEFAULT_ROLLING_WINDOW);
  const out: RollingStatistics = {
    variance: new Float64Array(n).fill(Number.NaN),
    ac1: new Float64Array(n).fill(Number.NaN),
    skewness: new Float64Array(n).fill(Number.NaN),
    kurtosis: new Float64Array(n).fill(Number.NaN),
    cv: new Float64Array(n).fill(Number.NaN),
  };
  for (let end = w; end <= n; end++) {
    const stats = windowStatistics(r, raw, end - w, end);
    for (const name of Object.keys(out) as IndicatorName[]) out[name][end - 1] = stats[name];
  }
  return out;
}
