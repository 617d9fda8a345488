// The distribution a bucket histogram stands for, as the histogram-based shape statistics read
// it: each bucket's count spread uniformly over the bucket's value interval (the zero buckets: an
// atom at 0). Its CDF G is piecewise linear and equals the values' CDF at every bucket edge (just
// below the edge), and lies within one bucket's mass of it inside a bucket. Moments, quantiles
// and cells (adjacent buckets merged up to a width) of G. Pure; no I/O.
import { HIST_MAX_FINITE_KEY } from "../histogram.js";
import { binnedShapeKernels } from "./binned-kernels.js";

/** HIST_MAX_FINITE_KEY in a module constant: an imported binding costs a getter call per bucket under tsx. */
const MAX_FINITE_KEY = HIST_MAX_FINITE_KEY;

/** 2^(e - 134) for the 256 exponent fields (stats/histogram.ts's bucketMagnitudeLo without a pow per bucket). */
const BUCKET_SCALE = Float64Array.from({ length: 256 }, (_, e) => 2 ** (e - 134));

/** bucketMagnitudeLo of a magnitude key (0 < key <= 0x7f80), exact. */
function magnitudeLo(key: number): number {
  const e = key >>> 7, m = key & 0x7f; // HIST_MANTISSA_BITS = 7 (a literal: an imported binding costs a getter call per bucket under tsx)
  return e === 0 ? m * 2 ** -133 : (128 + m) * BUCKET_SCALE[e]!;
}

/** A sparse bucket histogram as stored: 16-bit bucket keys (stats/histogram.ts) and counts. */
export interface SparseHistogram {
  keys: ArrayLike<number>;
  counts: ArrayLike<number>;
}

/** Value-ordered disjoint intervals [lo, hi] (lo = hi: an atom) with their counts. */
export interface BinnedDistribution {
  lo: Float64Array;
  hi: Float64Array;
  count: Float64Array;
  /** Sum of the counts. */
  total: number;
}

/**
 * Occupied buckets of a histogram in value order; +0 and -0 buckets become one atom at 0;
 * non-finite keys are skipped. Keys ascending (as stored) are read in one pass; others are sorted first.
 * `scratch`: the caller uses the result only until its next `scratch` call (in this thread), so
 * the WASM kernel may give it in arrays it reuses (histogramShapeSummary: one per histogram).
 */
export function binnedFromHistogram(histogram: SparseHistogram, scratch = false): BinnedDistribution {
  const nk = histogram.keys.length;
  let keys: ArrayLike<number> = histogram.keys, counts: ArrayLike<number> = histogram.counts;
  for (let i = 1; i < nk; i++) {
    if (keys[i]! <= keys[i - 1]!) {
      const order = Array.from({ length: nk }, (_, j) => j).sort((a, b) => histogram.keys[a]! - histogram.keys[b]!);
      keys = order.map((j) => histogram.keys[j]!);
      counts = order.map((j) => histogram.counts[j]!);
      break;
    }
  }
  const kernels = binnedShapeKernels();
  if (kernels !== null) return kernels.fromHistogram(keys, counts, scratch);
  const lo = new Float64Array(nk + 1), hi = new Float64Array(nk + 1), count = new Float64Array(nk + 1);
  let out = 0, total = 0, zero = 0;
  let firstPositive = 0;
  while (firstPositive < nk && keys[firstPositive]! < 0x8000) firstPositive++;
  // negative keys (>= 0x8000), largest magnitude first
  for (let i = nk - 1; i >= firstPositive; i--) {
    const c = Math.max(0, Math.round(counts[i]!)), mag = keys[i]! & 0x7fff;
    if (c === 0 || mag > MAX_FINITE_KEY) continue;
    if (mag === 0) zero += c;
    else {
      out = pushBucket(lo, hi, count, out, -magnitudeLo(mag + 1), -magnitudeLo(mag), c);
      total += c;
    }
  }
  for (let i = 0; i < firstPositive; i++) {
    const key = keys[i]!, c = Math.max(0, Math.round(counts[i]!));
    if (c === 0 || key > MAX_FINITE_KEY) continue;
    if (key === 0) {
      zero += c;
      continue;
    }
    if (zero > 0) {
      out = pushBucket(lo, hi, count, out, 0, 0, zero);
      total += zero;
      zero = 0;
    }
    out = pushBucket(lo, hi, count, out, magnitudeLo(key), magnitudeLo(key + 1), c);
    total += c;
  }
  if (zero > 0) {
    out = pushBucket(lo, hi, count, out, 0, 0, zero);
    total += zero;
  }
  return { lo: lo.slice(0, out), hi: hi.slice(0, out), count: count.slice(0, out), total };
}

/** Appends the bucket [l, h] with count c after the first `out` (adds to the last one when it is the same: a duplicate key); returns the new length. */
function pushBucket(lo: Float64Array, hi: Float64Array, count: Float64Array, out: number, l: number, h: number, c: number): number {
  if (out > 0 && lo[out - 1] === l && hi[out - 1] === h) {
    count[out - 1]! += c;
    return out;
  }
  lo[out] = l;
  hi[out] = h;
  count[out] = c;
  return out + 1;
}

/** Mean and central moments (divided by the total) of G. */
export interface BinnedMoments {
  mean: number;
  m2: number;
  m3: number;
  m4: number;
}

export function binnedMoments(d: BinnedDistribution): BinnedMoments {
  const kernels = binnedShapeKernels();
  if (kernels !== null) return kernels.moments(d);
  let sum = 0;
  for (let j = 0; j < d.count.length; j++) sum += d.count[j]! * 0.5 * (d.lo[j]! + d.hi[j]!);
  const mean = sum / d.total;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let j = 0; j < d.count.length; j++) {
    // uniform on centre +- r about the mean: E(x-mu)^k from the offset c and r
    const c = 0.5 * (d.lo[j]! + d.hi[j]!) - mean, r = 0.5 * (d.hi[j]! - d.lo[j]!), r2 = r * r, c2 = c * c, w = d.count[j]!;
    m2 += w * (c2 + r2 / 3);
    m3 += w * c * (c2 + r2);
    m4 += w * (c2 * c2 + 2 * c2 * r2 + (r2 * r2) / 5);
  }
  return { mean, m2: m2 / d.total, m3: m3 / d.total, m4: m4 / d.total };
}

/** Quantile of G at probability p (the linear interpolation inside the bucket holding it). */
export function binnedQuantile(d: BinnedDistribution, p: number): number {
  const target = Math.min(1, Math.max(0, p)) * d.total;
  let before = 0;
  for (let j = 0; j < d.count.length; j++) {
    const c = d.count[j]!;
    if (before + c >= target || j === d.count.length - 1) return d.lo[j]! + Math.min(1, Math.max(0, (target - before) / c)) * (d.hi[j]! - d.lo[j]!);
    before += c;
  }
  return NaN;
}

/** Largest bucket mass as a fraction of the total: the bound on sup |G - F_values|. */
export function maxBucketMass(d: BinnedDistribution): number {
  const kernels = binnedShapeKernels();
  if (kernels !== null) return kernels.spread(d).maxBucketMass;
  let max = 0;
  for (let j = 0; j < d.count.length; j++) max = Math.max(max, d.count[j]!);
  return d.total > 0 ? max / d.total : 0;
}

/** Count-weighted mean bucket width: a bound on the Wasserstein-1 distance between G and the values. */
export function meanBucketWidth(d: BinnedDistribution): number {
  const kernels = binnedShapeKernels();
  if (kernels !== null) return kernels.spread(d).meanBucketWidth;
  let s = 0;
  for (let j = 0; j < d.count.length; j++) s += d.count[j]! * (d.hi[j]! - d.lo[j]!);
  return d.total > 0 ? s / d.total : 0;
}

/** Adjacent buckets merged into cells: count, mean and within-cell variance of G on each. */
export interface BinnedCells {
  count: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
  total: number;
  /** Widest cell (hi - lo). */
  maxWidth: number;
}

/**
 * Merges value-ordered buckets into cells no wider than max(`width`, `relative` x the cell's
 * smallest |x|) (a bucket wider than that stays a cell of its own). Each cell keeps G's exact
 * count, mean and variance on it.
 */
export function binnedCells(d: BinnedDistribution, width: number, relative = 0): BinnedCells {
  const kernels = binnedShapeKernels();
  if (kernels !== null) return kernels.cells(d, width, relative);
  const nb = d.count.length;
  const count = new Float64Array(nb), mean = new Float64Array(nb), variance = new Float64Array(nb);
  let maxWidth = 0, out = 0;
  for (let j = 0; j < nb; ) {
    const start = d.lo[j]!;
    let k = j, w = 0, s1 = 0;
    for (; k < nb; k++) {
      const end = d.hi[k]!;
      // no wider than max(width, relative x the smallest |x| of [start, end])
      if (k > j && !(end - start <= Math.max(width, relative * (start < 0 && end > 0 ? 0 : Math.min(Math.abs(start), Math.abs(end)))))) break;
      w += d.count[k]!;
      s1 += d.count[k]! * 0.5 * (d.lo[k]! + end);
    }
    const m = s1 / w;
    let s2 = 0;
    for (let i = j; i < k; i++) {
      const c = 0.5 * (d.lo[i]! + d.hi[i]!) - m, r = 0.5 * (d.hi[i]! - d.lo[i]!);
      s2 += d.count[i]! * (c * c + (r * r) / 3);
    }
    maxWidth = Math.max(maxWidth, d.hi[k - 1]! - start);
    count[out] = w;
    mean[out] = m;
    variance[out++] = s2 / w;
    j = k;
  }
  return { count: count.slice(0, out), mean: mean.slice(0, out), variance: variance.slice(0, out), total: d.total, maxWidth };
}
