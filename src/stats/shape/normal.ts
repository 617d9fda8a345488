// Standard normal CDF to about 1e-16 absolute, from series that need no tabulated coefficients.
// Pure; no I/O.

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(z) for z >= 0 by the all-positive series erf(z) = 2/sqrt(pi) e^{-z^2} sum_k (2z^2)^k z /
 * (1 * 3 * ... * (2k+1)) (no cancellation), for z < 3; erfc by Lentz's continued fraction above.
 */
function erfNonNegative(z: number): number {
  if (z >= 3) return 1 - erfcContinuedFraction(z);
  const z2 = z * z;
  let term = z, sum = z;
  for (let k = 1; k < 200; k++) {
    term *= (2 * z2) / (2 * k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
}

/** erfc(z) = e^{-z^2}/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))), z >= 3. */
function erfcContinuedFraction(z: number): number {
  const tiny = 1e-300;
  let f = z, c = z, d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = z + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** Standard normal cumulative distribution function Phi(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x) * SQRT1_2;
  if (z > 27) return x > 0 ? 1 : 0;
  if (z >= 3) {
    const tail = 0.5 * erfcContinuedFraction(z);
    return x > 0 ? 1 - tail : tail;
  }
  const e = erfNonNegative(z);
  return x >= 0 ? 0.5 + 0.5 * e : 0.5 - 0.5 * e;
}
