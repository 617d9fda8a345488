// Input handling shared by the shape statistics: finite-value extraction, sorting, moments, and
// the seeded uniform sample that stands in for a large tensor. Pure; no I/O.
import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { shapeKernels } from "./kernels.js";

/** Values accepted by every shape function. */
export type Values = Float64Array | readonly number[];

/**
 * Large tensors are analysed on a seeded uniform sample (without replacement) of this many
 * values. With N = 20,000 the sample's empirical CDF is within eps = sqrt(ln(2/alpha) / (2N))
 * of the tensor's (Dvoretzky-Kiefer-Wolfowitz): eps = 0.0096 at alpha = 0.05, so a KS distance
 * or a dip (both sup-distances between CDFs) from the sample is within about 0.01 of the full
 * tensor's with probability 0.95.
 */
export const SHAPE_SAMPLE_SIZE = 20_000;

/** Copy of the finite values of `x` (NaN and +-Inf dropped; they are counted elsewhere). */
export function finiteValues(x: ArrayLike<number>): Float64Array {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) count++;
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) out[j++] = v;
  }
  return out;
}

/**
 * finiteValues(x).sort() (ascending, -0 before +0, as Float64Array.prototype.sort), the same
 * array; for float32 values (kept tensors) by a radix sort of their bits, in O(n) instead of a
 * comparison sort: the same values in the same order (equal keys are equal values); in the
 * shape kernel when it is installed (radixSortedFinite is its oracle).
 */
export function sortedFiniteCopy(x: ArrayLike<number>): Float64Array {
  if (!(x instanceof Float32Array) || x.length < RADIX_MIN_VALUES) return finiteValues(x).sort();
  return shapeKernels()?.sortedFiniteF32(x) ?? radixSortedFinite(x);
}

/** Below this many values the comparison sort is as fast as the four counting passes. */
const RADIX_MIN_VALUES = 64;
/** radixSortedFinite's scratch, grown as needed (one call at a time per thread). */
let radixKeys = new Uint32Array(0), radixSwap = new Uint32Array(0);
const radixCounts = new Int32Array(4 * 256);

/**
 * The finite values of x sorted by an LSD radix sort (four 8-bit digits) of order-preserving
 * keys of their bits: sign bit flipped for +, all bits for -, so -0 sorts before +0 and keys
 * order as the values. A digit shared by every key is skipped.
 */
export function radixSortedFinite(x: Float32Array): Float64Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  if (radixKeys.length < x.length) {
    radixKeys = new Uint32Array(x.length);
    radixSwap = new Uint32Array(x.length);
  }
  let keys = radixKeys, swap = radixSwap;
  const counts = radixCounts;
  counts.fill(0);
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000) continue; // NaN, +-Infinity
    const key = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
    keys[n++] = key;
    counts[key & 0xff]!++;
    counts[256 + ((key >>> 8) & 0xff)]!++;
    counts[512 + ((key >>> 16) & 0xff)]!++;
    counts[768 + (key >>> 24)]!++;
  }
  for (let digit = 0; digit < 4; digit++) {
    const base = digit * 256, shift = digit * 8;
    let sum = 0, shared = false;
    for (let d = 0; d < 256; d++) {
      const c = counts[base + d]!;
      if (c === n) shared = true;
      counts[base + d] = sum;
      sum += c;
    }
    if (shared) continue;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      swap[counts[base + ((key >>> shift) & 0xff)]!++] = key;
    }
    const t = keys;
    keys = swap;
    swap = t;
  }
  // back to the float32 bits, then widened
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    swap[i] = key & 0x80000000 ? key ^ 0x80000000 : ~key;
  }
  const floats = new Float32Array(swap.buffer, 0, n), out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = floats[i]!;
  return out;
}

/** Finite values of `x`, sorted ascending, checked to number at least `needed`. */
export function sortedFinite(x: ArrayLike<number>, needed: number, what: string): Float64Array {
  const v = sortedFiniteValues.has(x) ? (x as Float64Array) : finiteValues(x);
  if (v.length < needed) throw new NotEnoughPointsError(what, needed, v.length);
  return v === x || isSortedAscending(v) ? v : v.sort();
}

/** Arrays marked by markSortedFinite: sortedFinite hands them back as they are (no copy, no check). */
const sortedFiniteValues = new WeakSet<object>();

/**
 * Marks `v` (finite, in Float64Array.prototype.sort's order, never written again) so that every
 * statistic given it reads it in place instead of copying and re-checking it: shapeSummary's
 * values, shared by its nine statistics. Returns `v`.
 */
export function markSortedFinite(v: Float64Array): Float64Array {
  sortedFiniteValues.add(v);
  return v;
}

/** True when `v` was marked by markSortedFinite. */
export function isMarkedSortedFinite(v: ArrayLike<number>): v is Float64Array {
  return sortedFiniteValues.has(v);
}

/**
 * True when `v` is already in the order Float64Array.prototype.sort gives (-0 before +0), so
 * sorting it again is skipped: shapeSummary sorts its values once for all its statistics.
 */
function isSortedAscending(v: Float64Array): boolean {
  for (let i = 1; i < v.length; i++) {
    const a = v[i - 1]!, b = v[i]!;
    if (a > b || (a === 0 && b === 0 && Object.is(b, -0) && !Object.is(a, -0))) return false;
  }
  return true;
}

/** Central moments of a sample: mean and sums of powers of deviations (two-pass, float64). */
export interface CentralSums {
  n: number;
  mean: number;
  /** Sum of (x - mean)^2. */
  s2: number;
  s3: number;
  s4: number;
}

/**
 * centralSums(x); of an array marked by markSortedFinite (never written again) computed once and
 * kept with it: shapeSummary's bimodality, KS and both bandwidths read the same sums.
 */
export function centralSums(x: ArrayLike<number>): CentralSums {
  if (!sortedFiniteValues.has(x)) return centralSumsOf(x);
  let sums = markedSums.get(x);
  if (sums === undefined) markedSums.set(x, (sums = centralSumsOf(x)));
  return sums;
}

/** The central sums of marked arrays, computed once each (centralSums). */
const markedSums = new WeakMap<object, CentralSums>();

function centralSumsOf(x: ArrayLike<number>): CentralSums {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = sum / n;
  let s2 = 0, s3 = 0, s4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    const d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  return { n, mean, s2, s3, s4 };
}

/** Sample standard deviation with `ddof` (1: divide by n - 1). */
export function standardDeviation(x: ArrayLike<number>, ddof = 1): number {
  const c = centralSums(x);
  return Math.sqrt(c.s2 / (c.n - ddof));
}

/**
 * Seeded uniform sample of `size` values drawn without replacement from `values` (Floyd's
 * algorithm: O(size) memory whatever the tensor size), returned in the original index order.
 * If `size >= values.length`, all values are returned (a copy). Same seed, same sample.
 */
export function seededSample(values: ArrayLike<number>, size: number, seed: number): Float64Array {
  if (!Number.isInteger(size) || size < 0) throw new UsageError(`seededSample: size must be a non-negative integer, got ${size}`);
  const n = values.length;
  if (size >= n) return Float64Array.from(values);
  const rng = new Rng(seed);
  const out = new Float64Array(size);
  if (n <= SAMPLE_BITMAP_MAX) {
    // the same draws marked in a byte per index, read back in index order: no Set, no sort
    const chosen = new Uint8Array(n);
    for (let j = n - size; j < n; j++) {
      const t = rng.int(j + 1);
      chosen[chosen[t] === 1 ? j : t] = 1;
    }
    for (let i = 0, o = 0; o < size; i++) if (chosen[i] === 1) out[o++] = values[i]!;
    return out;
  }
  const chosen = new Set<number>();
  for (let j = n - size; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const idx = Float64Array.from(chosen).sort();
  for (let i = 0; i < size; i++) out[i] = values[idx[i]!]!;
  return out;
}

/** Up to this many values, seededSample marks its draws in an n-byte array instead of a Set (same sample). */
const SAMPLE_BITMAP_MAX = 1 << 24;
