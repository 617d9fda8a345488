// Complementary error function and the standard-normal CDF and tail, accurate to ~1e-16
// absolute (p-values, KS distances). Shared by stats/ and dynamics/.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
/** Switch from the series to the continued fraction. */
const SERIES_LIMIT = 2.5;
/** Terms of the continued fraction, evaluated backwards (converged to double precision for x >= 2.5). */
const CONTINUED_FRACTION_TERMS = 120;

/**
 * erfc(x) = 1 - erf(x).
 * |x| < 2.5: erf(x) = (2/sqrt(pi)) exp(-x^2) sum_k 2^k x^(2k+1) / (1*3*...*(2k+1)), a series
 * of positive terms (no cancellation), so the absolute error of erfc is ~1e-16.
 * x >= 2.5: erfc(x) = exp(-x^2) / (sqrt(pi) (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))),
 * the Laplace continued fraction, with ~1e-15 relative error.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  let f = x;
  for (let k = CONTINUED_FRACTION_TERMS; k >= 1; k--) f = x + k / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}
