// The distribution a bucket histogram stands for, as the histogram-based shape statistics read
// it: each bucket's count spread uniformly over the bucket's value interval (the zero buckets: an
// atom at 0). Its CDF G is piecewise linear and equals the values' CDF at every bucket edge (just
// below the edge), and lies within one bucket's mass of it inside a bucket. Moments, quantiles
// and cells (adjacent buckets merged up to a width) of G. Pure; no I/O.
import { HIST_MAX_FINITE_KEY } from "../histogram.js";

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
 */
export function binnedFromHistogram(histogram: SparseHistogram): BinnedDistribution {
  const nk = histogram.keys.length;
  let order: number[] | null = null;
  for (let i = 1; i < nk; i++) {
    if (histogram.keys[i]! <= histogram.keys[i - 1]!) {
      order = Array.from({ length: nk }, (_, j) => j).sort((a, b) => histogram.keys[a]! - histogram.keys[b]!);
      break;
    }
  }
  const keyAt = (i: number): number => histogram.keys[order === null ? i : order[i]!]!;
  const countAt = (i: number): number => Math.max(0, Math.round(histogram.counts[order === null ? i : order[i]!]!));
  const lo = new Float64Array(nk + 1), hi = new Float64Array(nk + 1), count = new Float64Array(nk + 1);
  let out = 0, total = 0, zero = 0;
  const push = (l: number, h: number, c: number): void => {
    if (out > 0 && lo[out - 1] === l && hi[out - 1] === h) count[out - 1]! += c; // duplicate key
    else {
      lo[out] = l;
      hi[out] = h;
      count[out++] = c;
    }
    total += c;
  };
  let firstPositive = 0;
  while (firstPositive < nk && keyAt(firstPositive) < 0x8000) firstPositive++;
  // negative keys (>= 0x8000), largest magnitude first
  for (let i = nk - 1; i >= firstPositive; i--) {
    const key = keyAt(i), c = countAt(i), mag = key & 0x7fff;
    if (c === 0 || mag > HIST_MAX_FINITE_KEY) continue;
    if (mag === 0) zero += c;
    else push(-magnitudeLo(mag + 1), -magnitudeLo(mag), c);
  }
  for (let i = 0; i < firstPositive; i++) {
    const key = keyAt(i), c = countAt(i);
    if (c === 0 || key > HIST_MAX_FINITE_KEY) continue;
    if (key === 0) {
      zero += c;
      continue;
    }
    if (zero > 0) {
      push(0, 0, zero);
      zero = 0;
    }
    push(magnitudeLo(key), magnitudeLo(key + 1), c);
  }
  if (zero > 0) push(0, 0, zero);
  return { lo: lo.slice(0, out), hi: hi.slice(0, out), count: count.slice(0, out), total };
}

/** Mean and central moments (divided by the total) of G. */
export interface BinnedMoments {
  mean: number;
  m2: number;
  m3: number;
  m4: number;
}

export function binnedMoments(d: BinnedDistribution): BinnedMoments {
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
  let max = 0;
  for (let j = 0; j < d.count.length; j++) max = Math.max(max, d.count[j]!);
  return d.total > 0 ? max / d.total : 0;
}

/** Count-weighted mean bucket width: a bound on the Wasserstein-1 distance between G and the values. */
export function meanBucketWidth(d: BinnedDistribution): number {
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
  const count: number[] = [], mean: number[] = [], variance: number[] = [];
  let maxWidth = 0;
  for (let j = 0; j < d.count.length; ) {
    const start = d.lo[j]!;
    let k = j, w = 0, s1 = 0;
    const limit = (end: number): number => Math.max(width, relative * (start < 0 && end > 0 ? 0 : Math.min(Math.abs(start), Math.abs(end))));
    while (k < d.count.length && (k === j || d.hi[k]! - start <= limit(d.hi[k]!))) {
      w += d.count[k]!;
      s1 += d.count[k]! * 0.5 * (d.lo[k]! + d.hi[k]!);
      k++;
    }
    const m = s1 / w;
    let s2 = 0;
    for (let i = j; i < k; i++) {
      const c = 0.5 * (d.lo[i]! + d.hi[i]!) - m, r = 0.5 * (d.hi[i]! - d.lo[i]!);
      s2 += d.count[i]! * (c * c + (r * r) / 3);
    }
    maxWidth = Math.max(maxWidth, d.hi[k - 1]! - start);
    count.push(w);
    mean.push(m);
    variance.push(s2 / w);
    j = k;
  }
  return { count: Float64Array.from(count), mean: Float64Array.from(mean), variance: Float64Array.from(variance), total: d.total, maxWidth };
}
