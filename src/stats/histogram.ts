// The range-free log-linear histogram of a sketch: bucket keys (float32 bits >>> 16, the bf16
// truncation toward zero), bucket bounds, value-ordered traversal, and sorted sparse merges.
// Pure computation; no I/O.

/** Number of distinct bucket keys (16-bit key space: sign, 8 exponent bits, 7 mantissa bits). */
export const HIST_KEY_COUNT = 65536;
/** Mantissa bits kept in a key: a bucket's width is at most 2^-HIST_MANTISSA_BITS of its lower edge. */
export const HIST_MANTISSA_BITS = 7;
/** The relative width of a bucket, 2^-7: every value lies within this fraction of its magnitude from its bucket's edges. */
export const BUCKET_RELATIVE_WIDTH = 2 ** -HIST_MANTISSA_BITS;
/** Largest finite magnitude key (0x7f7f: float32 values up to 2^128). */
export const HIST_MAX_FINITE_KEY = 0x7f7f;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Bucket key of a finite number: the float32 value truncated toward zero to 7 mantissa bits,
 * as a 16-bit pattern (sign bit 15). Exact (the value is on its bucket's lower edge) for bf16
 * data. Doubles beyond the float32 range go to the largest finite bucket; doubles below the
 * smallest float32 subnormal go to the zero bucket of their sign.
 */
export function histKeyOf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  f32[0] = a;
  let bits = u32[0]!;
  if (bits >= 0x7f800000) return sign | HIST_MAX_FINITE_KEY; // rounded up to Inf
  if (f32[0]! > a) bits -= 1; // round-to-nearest went up: truncate toward zero instead
  return sign | (bits >>> 16);
}

/** 2^(e - 134) for each exponent field e (e = 0: 2^-133, the subnormal scale): a table instead of a pow per call. */
const BUCKET_SCALE = Float64Array.from({ length: 256 }, (_, e) => (e === 0 ? 2 ** -133 : 2 ** (e - 134)));

/** Lower edge of the magnitude bucket `key & 0x7fff` (0 for the zero bucket). Exact in float64. */
export function bucketMagnitudeLo(key: number): number {
  const k = key & 0x7fff;
  const e = k >>> HIST_MANTISSA_BITS;
  const m = k & 0x7f;
  return (e === 0 ? m : 128 + m) * BUCKET_SCALE[e]!;
}

/** Upper edge (exclusive) of the magnitude bucket `key & 0x7fff`. */
export function bucketMagnitudeHi(key: number): number {
  return bucketMagnitudeLo((key & 0x7fff) + 1);
}

/** True when the key is a negative-sign bucket (its values lie in (-hi, -lo]). */
export function isNegativeKey(key: number): boolean {
  return (key & 0x8000) !== 0;
}

/** Signed value interval [lo, hi] spanned by a bucket (closed, for bounds). */
export function bucketValueRange(key: number): { lo: number; hi: number } {
  const a = bucketMagnitudeLo(key), b = bucketMagnitudeHi(key);
  return isNegativeKey(key) ? { lo: -b, hi: -a } : { lo: a, hi: b };
}

/**
 * Visits the buckets of a sparse histogram (keys ascending as stored) in increasing value
 * order: negative buckets from the largest magnitude down, then positive ones upward.
 */
export function forEachBucketInValueOrder(
  keys: ArrayLike<number>,
  counts: ArrayLike<number>,
  visit: (key: number, count: number) => void,
): void {
  for (let i = keys.length - 1; i >= 0 && isNegativeKey(keys[i]!); i--) visit(keys[i]!, counts[i]!);
  for (let i = 0; i < keys.length && !isNegativeKey(keys[i]!); i++) visit(keys[i]!, counts[i]!);
}

/** Merges two sparse histograms (sorted keys, counts) into a new sorted one. */
export function mergeSparseHistograms(
  ak: readonly number[],
  ac: readonly number[],
  bk: readonly number[],
  bc: readonly number[],
): { keys: number[]; counts: number[] } {
  const keys: number[] = [], counts: number[] = [];
  let i = 0, j = 0;
  while (i < ak.length || j < bk.length) {
    const ka = i < ak.length ? ak[i]! : Infinity;
    const kb = j < bk.length ? bk[j]! : Infinity;
    if (ka === kb) {
      keys.push(ka);
      counts.push(ac[i++]! + bc[j++]!);
    } else if (ka < kb) {
      keys.push(ka);
      counts.push(ac[i++]!);
    } else {
      keys.push(kb);
      counts.push(bc[j++]!);
    }
  }
  return { keys, counts };
}

/** Sparse form (sorted keys, non-zero counts) of a dense 65536-counter histogram. */
export function sparseFromDense(dense: ArrayLike<number>): { keys: number[]; counts: number[] } {
  const keys: number[] = [], counts: number[] = [];
  for (let k = 0; k < HIST_KEY_COUNT; k++) {
    const c = dense[k]!;
    if (c !== 0) {
      keys.push(k);
      counts.push(c);
    }
  }
  return { keys, counts };
}
