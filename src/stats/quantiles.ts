// Quantiles, |w| <= t fractions and densities read from a sketch's log-linear histogram,
// each with its stated error bound. Pure computation.
//
// Quantile convention and bound. Let x_(0) <= ... <= x_(n-1) be the sorted finite values.
// - "inverted_cdf" (numpy method "inverted_cdf"): the order statistic x_(j), j = max(0, ceil(q n) - 1).
// - "linear" (numpy's default): (1 - g) x_(i) + g x_(i+1), i = floor((n - 1) q), g = (n - 1) q - i.
// Each order statistic is estimated by its bucket's representative (the bucket midpoint; the
// lower edge when `keysExact`, where it is the value itself; 0 for the two zero buckets),
// clamped to [min, max]. A bucket [lo, hi) has hi - lo <= 2^-7 lo for normal float32 magnitudes
// and hi - lo = 2^-133 below 2^-126, so for every order statistic |x^ - x| <= 2^-8 |x| + 2^-133.
// Hence:
//   inverted_cdf: |q^ - q| <= 2^-8 |q| + 2^-133;
//   linear:       |q^ - q| <= 2^-8 max(|x_(i)|, |x_(i+1)|) + 2^-133  (= 2^-8 |q| + 2^-133 when
//                 x_(i) and x_(i+1) have the same sign).
// With keysExact both are exact up to float64 rounding of the interpolation.
// Float64 data beyond the float32 range sit in the top finite bucket, where no bound holds: an
// order statistic estimated from that bucket, when the sketch's min or max lies beyond the
// float32 range on that side, is null (unknown) instead of a silently clamped value; the
// extremes (rank 0 and n-1) are min and max themselves, exact. Every non-null quantile keeps
// the stated bound.
import {
  HIST_MAX_FINITE_KEY,
  bucketMagnitudeHi,
  bucketMagnitudeLo,
  isNegativeKey,
} from "./histogram.js";
import type { TensorSketch } from "./sketch.js";

/**
 * What the quantiles and fractions read of a sketch: its count, extremes, key exactness and
 * histogram, whose keys and counts may be plain or typed arrays (a statistics worker reads them
 * as typed arrays straight from its kernel: kernels/packed-sketch.ts).
 */
export type HistogramSketch = Pick<TensorSketch, "n" | "min" | "max" | "keysExact"> & {
  histKeys: ArrayLike<number>;
  histCounts: ArrayLike<number>;
};

/** Relative part of the quantile error bound for sketches whose keys are not exact. */
export const QUANTILE_REL_ERROR = 2 ** -8;
/** Absolute part of the bound (matters only for float32 subnormal magnitudes). */
export const QUANTILE_ABS_ERROR = 2 ** -133;

export type QuantileMethod = "linear" | "inverted_cdf";

/** Relative error bound of this sketch's quantiles (0 when its keys are exact). */
export function quantileRelErrorBound(s: Pick<TensorSketch, "keysExact">): number {
  return s.keysExact ? 0 : QUANTILE_REL_ERROR;
}

/**
 * Bucket keys in increasing value order and their cumulative counts, built once per sketch.
 * Fields are set in one order by one constructor (one hidden class in every thread).
 */
class OrderedBuckets {
  constructor(
    readonly keys: Int32Array,
    /** cum[i] = number of values in buckets 0..i (value order). */
    readonly cum: Float64Array,
    /** Buckets filled (all of them for ascending keys, as stored). */
    readonly length: number,
  ) {}
}

// The histogram loops below take the keys as an Int32Array and the counts as a Float64Array
// (the form a statistics worker reads from its kernel and the analysis hands over), and the
// sketch's scalars as arguments, never the sketch object itself: sketches reach them built in
// several places (kernel, structured clone, spread, JSON), whose hidden classes differ, and
// plain arrays of another elements kind each cost the optimised code a deopt and a recompile in
// every thread. Plain arrays are copied once (keys are int32: every use below goes through
// `& 0x7fff` / `& 0x8000`, which convert to int32 as Int32Array's store does; counts are numbers).

/** The keys as an Int32Array (the same array when it is one). */
function int32Keys(keys: ArrayLike<number>): Int32Array {
  return keys instanceof Int32Array ? keys : Int32Array.from(keys);
}

/** The counts as a Float64Array (the same array when it is one). */
function float64Counts(counts: ArrayLike<number>): Float64Array {
  return counts instanceof Float64Array ? counts : Float64Array.from(counts);
}

function bucketRepresentative(key: number, exact: boolean): number {
  const lo = bucketMagnitudeLo(key);
  const mag = (key & 0x7fff) === 0 ? 0 : exact ? lo : (lo + bucketMagnitudeHi(key)) / 2;
  return isNegativeKey(key) ? -mag : mag;
}

/** orderBuckets' arrays, reused from call to call (grown as needed): a summary is computed per tensor. */
let orderedKeys = new Int32Array(0);
let orderedCum = new Float64Array(0);

/**
 * The buckets in increasing value order, as histogram.ts's forEachBucketInValueOrder visits
 * them (negative keys from the end, then the others from the start), in one pass into reused
 * typed arrays: valid until the next call. Representatives are computed only for the buckets
 * the quantiles land in.
 */
function orderBuckets(hk: Int32Array, hc: Float64Array): OrderedBuckets {
  const nk = hk.length;
  if (orderedKeys.length < nk) {
    orderedKeys = new Int32Array(Math.max(nk, 2 * orderedKeys.length));
    orderedCum = new Float64Array(orderedKeys.length);
  }
  const keys = orderedKeys, cum = orderedCum;
  let total = 0, out = 0;
  for (let i = nk - 1; i >= 0 && isNegativeKey(hk[i]!); i--) {
    total += hc[i]!;
    keys[out] = hk[i]!;
    cum[out++] = total;
  }
  for (let i = 0; i < nk && !isNegativeKey(hk[i]!); i++) {
    total += hc[i]!;
    keys[out] = hk[i]!;
    cum[out++] = total;
  }
  return new OrderedBuckets(keys, cum, out);
}

/** Largest finite float32: float64 values beyond it share the top histogram bucket. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Estimate of the order statistic of 0-based rank r (binary search on cumulative counts) of n
 * finite values with extremes min, max; NaN when it lies in the top bucket of a side whose
 * extreme is beyond the float32 range (unknown).
 */
function orderStatistic(ob: OrderedBuckets, r: number, n: number, min: number | null, max: number | null, exact: boolean): number {
  if (r === 0 && min !== null) return min;
  if (r === n - 1 && max !== null) return max;
  const cum = ob.cum;
  let lo = 0, hi = ob.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > r) hi = mid; else lo = mid + 1;
  }
  const key = ob.keys[lo]!;
  if ((key & 0x7fff) === HIST_MAX_FINITE_KEY) {
    const beyond = isNegativeKey(key) ? (min ?? 0) < -FLOAT32_MAX : (max ?? 0) > FLOAT32_MAX;
    if (beyond) return NaN;
  }
  const v = bucketRepresentative(key, exact);
  return Math.min(Math.max(v, min ?? v), max ?? v);
}

function quantileFrom(ob: OrderedBuckets, n: number, min: number | null, max: number | null, exact: boolean, q: number, method: QuantileMethod): number {
  if (method === "inverted_cdf") {
    return orderStatistic(ob, Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1)), n, min, max, exact);
  }
  const pos = (n - 1) * q;
  const i = Math.floor(pos);
  const g = pos - i;
  const a = orderStatistic(ob, i, n, min, max, exact);
  if (g === 0 || i + 1 >= n) return a;
  const b = orderStatistic(ob, i + 1, n, min, max, exact);
  return g < 0.5 ? a + (b - a) * g : b - (b - a) * (1 - g);
}

/** Quantiles (q in [0, 1]) of the finite values; null for an empty sketch. */
export function sketchQuantiles(s: HistogramSketch, qs: readonly number[], method: QuantileMethod = "linear"): (number | null)[] {
  const out = new Array<number | null>(qs.length).fill(null);
  const n = s.n;
  if (n === 0) return out;
  const ob = orderBuckets(int32Keys(s.histKeys), float64Counts(s.histCounts));
  const min = s.min, max = s.max, exact = s.keysExact;
  for (let j = 0; j < qs.length; j++) {
    const q = qs[j]!;
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level ${q} is outside [0, 1]`);
    const v = quantileFrom(ob, n, min, max, exact, q, method);
    out[j] = Number.isNaN(v) ? null : v;
  }
  return out;
}

/** One quantile; see sketchQuantiles. */
export function sketchQuantile(s: HistogramSketch, q: number, method: QuantileMethod = "linear"): number | null {
  return sketchQuantiles(s, [q], method)[0]!;
}

/** Estimate and guaranteed bounds of the fraction of finite values with |w| <= t. */
export interface FractionEstimate {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * Fraction of finite values with |w| <= t from the histogram. `lower`/`upper` always contain
 * the true fraction; they coincide when no value lies in a bucket straddling t (for exact keys:
 * whenever t is a bucket edge). The estimate spreads straddling buckets uniformly.
 */
export function fracAbsLe(s: HistogramSketch, t: number): FractionEstimate | null {
  return fracsAbsLe(s, [t])[0]!;
}

/**
 * fracAbsLe at several thresholds in one pass over the buckets (each bucket's bounds computed
 * once); each threshold's sums are formed in the same order as fracAbsLe's, so the same bits.
 */
export function fracsAbsLe(s: HistogramSketch, ts: readonly number[]): (FractionEstimate | null)[] {
  const m = ts.length, n = s.n;
  const out = new Array<FractionEstimate | null>(m).fill(null);
  if (n === 0) return out;
  const below = new Float64Array(m), straddle = new Float64Array(m), partial = new Float64Array(m);
  thresholdSums(int32Keys(s.histKeys), float64Counts(s.histCounts), s.keysExact, Float64Array.from(ts), below, straddle, partial);
  for (let j = 0; j < m; j++) out[j] = { estimate: (below[j]! + partial[j]!) / n, lower: below[j]! / n, upper: (below[j]! + straddle[j]!) / n };
  return out;
}

/**
 * fracsAbsLe's pass over the buckets: per threshold, the counts below it, straddling it, and the
 * straddling ones' part below it. With keys strictly ascending (as stored and as the kernel gives
 * them) and finite, each sign's buckets have increasing magnitudes, so the buckets below a
 * threshold are a prefix of each sign's run (found by binary search) and at most one bucket of
 * each sign straddles it: the counts are added in the same order as thresholdSumsPerBucket adds
 * them (key order), so the same bits, without two bucket edges and m tests per bucket.
 */
function thresholdSums(hk: Int32Array, hc: Float64Array, exact: boolean, ts: Float64Array, below: Float64Array, straddle: Float64Array, partial: Float64Array): void {
  const nk = hk.length;
  if (!strictlyAscending(hk)) return thresholdSumsPerBucket(hk, hc, exact, ts, below, straddle, partial);
  // ascending: the negative keys are the run from `split`, and each run's largest magnitude is its last key
  let split = 0, hi = nk;
  while (split < hi) {
    const mid = (split + hi) >>> 1;
    if (hk[mid]! < 0x8000) split = mid + 1;
    else hi = mid;
  }
  const finite = nk === 0 || (hk[0]! >= 0 && hk[nk - 1]! <= 0xffff && (split === 0 || hk[split - 1]! <= HIST_MAX_FINITE_KEY) && (split === nk || (hk[nk - 1]! & 0x7fff) <= HIST_MAX_FINITE_KEY));
  if (!finite) return thresholdSumsPerBucket(hk, hc, exact, ts, below, straddle, partial);
  for (let j = 0; j < ts.length; j++) {
    const t = ts[j]!;
    thresholdRun(hk, hc, 0, split, exact, t, below, straddle, partial, j);
    thresholdRun(hk, hc, split, nk, exact, t, below, straddle, partial, j);
  }
}

/** True when every key is larger than the one before (one comparison per key). */
function strictlyAscending(hk: Int32Array): boolean {
  for (let i = 1; i < hk.length; i++) if (!(hk[i]! > hk[i - 1]!)) return false;
  return true;
}

/** thresholdSums over the buckets [from, to) of one sign (magnitudes increasing) for threshold j (t). */
function thresholdRun(hk: Int32Array, hc: Float64Array, from: number, to: number, exact: boolean, t: number, below: Float64Array, straddle: Float64Array, partial: Float64Array, j: number): void {
  // first bucket not wholly below t (exact keys: lower edge above t)
  let lo = from, hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((exact ? bucketMagnitudeLo(hk[mid]!) : bucketMagnitudeHi(hk[mid]!)) <= t) lo = mid + 1;
    else hi = mid;
  }
  let sum = below[j]!;
  for (let i = from; i < lo; i++) sum += hc[i]!;
  below[j] = sum;
  if (exact || lo === to) return;
  const key = hk[lo]!, c = hc[lo]!, bl = bucketMagnitudeLo(key);
  if (bl <= t) {
    const bh = bucketMagnitudeHi(key);
    straddle[j]! += c;
    partial[j]! += c * Math.min(1, (t - bl) / (bh - bl));
  }
}

/** thresholdSums one bucket at a time, every threshold tested at each (any key order): the oracle, and the path for keys not strictly ascending. */
export function thresholdSumsPerBucket(hk: Int32Array, hc: Float64Array, exact: boolean, ts: Float64Array, below: Float64Array, straddle: Float64Array, partial: Float64Array): void {
  const m = ts.length;
  for (let i = 0; i < hk.length; i++) {
    const key = hk[i]!, c = hc[i]!;
    const lo = bucketMagnitudeLo(key), hi = bucketMagnitudeHi(key);
    for (let j = 0; j < m; j++) {
      const t = ts[j]!;
      if (exact ? lo <= t : hi <= t) below[j]! += c;
      else if (lo <= t) {
        straddle[j]! += c;
        partial[j]! += c * Math.min(1, (t - lo) / (hi - lo));
      }
    }
  }
}

/** thresholdSums, exported for its test against thresholdSumsPerBucket. */
export { thresholdSums as thresholdSumsByRuns };

/** Counts and density of the finite values on the linear grid of `bins` bins over [lo, hi]. */
export interface GridDensity {
  edges: number[];
  /** Expected counts per bin (buckets spread uniformly over their width). */
  counts: number[];
  /** counts / (n * bin width): integrates to the fraction of values inside [lo, hi]. */
  density: number[];
}

/** Density of the sketched values on any linear grid, from the histogram. */
export function densityOnGrid(s: TensorSketch, lo: number, hi: number, bins: number): GridDensity {
  if (!(hi > lo) || !(bins >= 1) || !Number.isInteger(bins)) {
    throw new RangeError(`densityOnGrid: need lo < hi and a positive integer bin count (got ${lo}, ${hi}, ${bins})`);
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < s.histKeys.length; i++) {
    const key = s.histKeys[i]!, c = s.histCounts[i]!;
    const a = bucketMagnitudeLo(key), b = bucketMagnitudeHi(key);
    let vlo = isNegativeKey(key) ? -b : a, vhi = isNegativeKey(key) ? -a : b;
    if (s.keysExact || (key & 0x7fff) === 0) vlo = vhi = isNegativeKey(key) ? -a : a;
    spreadOverGrid(counts, lo, width, vlo, vhi, c);
  }
  const norm = s.n > 0 ? 1 / (s.n * width) : 0;
  return { edges, counts, density: counts.map((c) => c * norm) };
}

/** Adds `count` values spread uniformly over [vlo, vhi] (a point mass when equal) to the bins. */
function spreadOverGrid(counts: number[], lo: number, width: number, vlo: number, vhi: number, count: number): void {
  const bins = counts.length;
  if (vhi === vlo) {
    const b = Math.floor((vlo - lo) / width);
    if (b >= 0 && b < bins) counts[b]! += count;
    else if (b === bins && vlo === lo + bins * width) counts[bins - 1]! += count;
    return;
  }
  const first = Math.max(0, Math.floor((vlo - lo) / width));
  const last = Math.min(bins - 1, Math.floor((vhi - lo) / width));
  for (let b = first; b <= last; b++) {
    const overlap = Math.min(vhi, lo + (b + 1) * width) - Math.max(vlo, lo + b * width);
    if (overlap > 0) counts[b]! += (count * overlap) / (vhi - vlo);
  }
}
