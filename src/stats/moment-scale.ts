// Power-of-two scaling of float64 power sums (the BLAS dnrm2 idea at block granularity): data
// whose max |x| is beyond 2^±200 has its sums of x^2..x^4 kept divided by 2^(k e), so they
// neither overflow (|x| > ~1e77 for x^4, ~1e154 for x^2) nor underflow. Pure arithmetic.

/** Data with MOMENT_SCALE_MIN <= max|x| < MOMENT_SCALE_MAX (or all zero) is not scaled (e = 0). */
export const MOMENT_SCALE_MAX = 2 ** 200;
export const MOMENT_SCALE_MIN = 2 ** -200;
/** Lowest scale exponent (2^-e stays a normal double); subnormal data uses it. */
const MIN_SCALE_EXP = -1022;

const bits = new DataView(new ArrayBuffer(8));

/** 2^k for an integer k in [-1022, 1023], built from its bits (exact). */
function pow2(k: number): number {
  bits.setUint32(0, (k + 1023) << 20);
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

/**
 * The scale exponent of a set of finite values with max |x| = linf: 0 in the unscaled band,
 * else floor(log2 linf) (so max |x| / 2^e is in [1, 2)), at least -1022. Monotone in linf
 * (apart from linf = 0), so the exponent of a union is that of the larger part.
 */
export function momentScaleExp(linf: number): number {
  if (linf === 0 || (linf >= MOMENT_SCALE_MIN && linf < MOMENT_SCALE_MAX)) return 0;
  bits.setFloat64(0, linf);
  const biased = (bits.getUint32(0) >>> 20) & 0x7ff;
  return Math.max(MIN_SCALE_EXP, biased - 1023);
}

/** x * 2^k for any integer k (exact unless the result is subnormal, 0 or beyond the range). */
export function ldexp(x: number, k: number): number {
  if (k === 0 || x === 0 || !Number.isFinite(x)) return x;
  let y = x, r = k;
  while (r > 1023) { y *= pow2(1023); r -= 1023; }
  while (r < -1022) {
    if (y === 0) return y;
    y *= pow2(-1022); r += 1022;
  }
  return y * pow2(r);
}
