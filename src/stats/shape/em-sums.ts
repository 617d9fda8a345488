// The pass over the values of one accelerated EM step of a 1-D Gaussian mixture (gmm.ts's
// emStep): per-component sums of r, r d, r d^2 and the total log-likelihood. Plain TypeScript:
// the oracle of the WASM kernel (assembly/shape.ts emSums) and the default. Per value it takes
// k - 1 exps (the largest term is exp(0) = 1, not computed) and no log: ln sum_c exp(l_c - max)
// is summed as the log of products of LOG_BATCH terms, each in [1, k], so the product stays
// below 3^32 (the same sum to a few ulps). Pure.
import type { EmSumsFn } from "./kernels.js";

/** EmSumsFn over the values x (k = 1, 2 or 3 components, from means.length). */
export function scalarEmSums(x: Float64Array): EmSumsFn {
  return (means, base, halfInv, s) => {
    const k = means.length;
    return k === 2 ? emSums2(x, means, base, halfInv, s) : k === 3 ? emSums3(x, means, base, halfInv, s) : emSums1(x, means[0]!, base[0]!, halfInv[0]!, s);
  };
}

/** Values per log of a product of per-value sums (each in [1, 3]: 3^32 < 2^51). */
const LOG_BATCH = 32;

/** k = 1: every responsibility is 1. s = [s0, s1, s2]; returns the total log-likelihood. */
function emSums1(x: Float64Array, mu: number, base: number, halfInv: number, s: Float64Array): number {
  let s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - mu;
    s1 += d;
    s2 += d * d;
  }
  s[0]! += x.length;
  s[1] = s1;
  s[2] = s2;
  return x.length * base - s2 * halfInv;
}

/** k = 2: s = [s0 (2), s1 (2), s2 (2)]; returns the total log-likelihood. */
function emSums2(x: Float64Array, mu: Float64Array, base: Float64Array, halfInv: Float64Array, s: Float64Array): number {
  const m0 = mu[0]!, m1 = mu[1]!, b0 = base[0]!, b1 = base[1]!, h0 = halfInv[0]!, h1 = halfInv[1]!;
  let a0 = s[0]!, a1 = s[1]!, f0 = 0, f1 = 0, g0 = 0, g1 = 0, maxSum = 0, logSum = 0, prod = 1;
  for (let i = 0; i < x.length; i++) {
    const d0 = x[i]! - m0, d1 = x[i]! - m1;
    const l0 = b0 - d0 * d0 * h0, l1 = b1 - d1 * d1 * h1;
    let e0 = 1, e1 = 1;
    if (l0 >= l1) {
      e1 = Math.exp(l1 - l0);
      maxSum += l0;
    } else {
      e0 = Math.exp(l0 - l1);
      maxSum += l1;
    }
    const sum = e0 + e1, inv = 1 / sum, r0 = e0 * inv, r1 = e1 * inv;
    a0 += r0;
    a1 += r1;
    f0 += r0 * d0;
    f1 += r1 * d1;
    g0 += r0 * d0 * d0;
    g1 += r1 * d1 * d1;
    prod *= sum;
    if ((i + 1) % LOG_BATCH === 0) {
      logSum += Math.log(prod);
      prod = 1;
    }
  }
  s[0] = a0; s[1] = a1; s[2] = f0; s[3] = f1; s[4] = g0; s[5] = g1;
  return maxSum + logSum + Math.log(prod);
}

/** k = 3: s = [s0 (3), s1 (3), s2 (3)]; returns the total log-likelihood. */
function emSums3(x: Float64Array, mu: Float64Array, base: Float64Array, halfInv: Float64Array, s: Float64Array): number {
  const m0 = mu[0]!, m1 = mu[1]!, m2 = mu[2]!, b0 = base[0]!, b1 = base[1]!, b2 = base[2]!, h0 = halfInv[0]!, h1 = halfInv[1]!, h2 = halfInv[2]!;
  let a0 = s[0]!, a1 = s[1]!, a2 = s[2]!, f0 = 0, f1 = 0, f2 = 0, g0 = 0, g1 = 0, g2 = 0, maxSum = 0, logSum = 0, prod = 1;
  for (let i = 0; i < x.length; i++) {
    const d0 = x[i]! - m0, d1 = x[i]! - m1, d2 = x[i]! - m2;
    const l0 = b0 - d0 * d0 * h0, l1 = b1 - d1 * d1 * h1, l2 = b2 - d2 * d2 * h2;
    let e0 = 1, e1 = 1, e2 = 1;
    if (l0 >= l1 && l0 >= l2) {
      e1 = Math.exp(l1 - l0);
      e2 = Math.exp(l2 - l0);
      maxSum += l0;
    } else if (l1 >= l2) {
      e0 = Math.exp(l0 - l1);
      e2 = Math.exp(l2 - l1);
      maxSum += l1;
    } else {
      e0 = Math.exp(l0 - l2);
      e1 = Math.exp(l1 - l2);
      maxSum += l2;
    }
    const sum = e0 + e1 + e2, inv = 1 / sum, r0 = e0 * inv, r1 = e1 * inv, r2 = e2 * inv;
    a0 += r0;
    a1 += r1;
    a2 += r2;
    f0 += r0 * d0;
    f1 += r1 * d1;
    f2 += r2 * d2;
    g0 += r0 * d0 * d0;
    g1 += r1 * d1 * d1;
    g2 += r2 * d2 * d2;
    prod *= sum;
    if ((i + 1) % LOG_BATCH === 0) {
      logSum += Math.log(prod);
      prod = 1;
    }
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = f0; s[4] = f1; s[5] = f2; s[6] = g0; s[7] = g1; s[8] = g2;
  return maxSum + logSum + Math.log(prod);
}

