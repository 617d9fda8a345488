// The exact-value Gaussian-mixture EM (src/stats/shape/gmm.ts): one pass over the values for
// k = 2, 3 (emSums; the oracle is src/stats/shape/em-sums.ts), and the whole SQUAREM-accelerated
// run (exactEmRun: squarem.ts runSquarem over gmm.ts emStep, the same operations in the same
// order, with the host's Math.log, so the same bits), which saves the host a call, a parameter
// object and its garbage per EM step. Used by assembly/shape.ts only. The k = 2, 3 passes take four
// value pairs per iteration, then two, interleaved (emSumsSerial: the one-pair loop they equal bit
// for bit): each value's chain (exp, divide) is long, and four side by side keep the CPU busier
// than two (EM pass over 3,072 values: k = 2 7.9 -> 6.5 ns per value, k = 3 11.8 -> 8.3-9.7).
import { expV } from "./em-common";
import { hostLog } from "./binned-common";
import { squaremExtrapolate, squaremSteplength } from "./squarem";

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }
@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

/** Value pairs per log of the per-lane product of per-value sums (each in [1, 3]: 3^32 < 2^51). */
const LOG_BATCH: i32 = 32;

/**
 * One EM pass of k = 2 or 3 components over the n values at `xp`. par: means (k), base (k) =
 * ln w_c - ln(2 pi v_c) / 2, halfInv (k) = 1 / (2 v_c). Writes to `out` the per-component sums
 * of r, r d, r d^2 (d = x - mu_c; 3k values, component-major within each sum) and returns the
 * total log-likelihood. The oracle is emSums2/emSums3 in src/stats/shape/em-sums.ts.
 */
export function emSums(k: i32, xp: usize, n: i32, par: usize, out: usize): f64 {
  return k == 2 ? emSums2(xp, n, par, out, false) : emSums3(xp, n, par, out, false);
}

/**
 * emSums one value pair per iteration only (the pass as it was before two pairs were interleaved
 * per iteration): the reference the interleaved pass must equal bit for bit (test/kernels/shape-wasm.test.ts).
 */
export function emSumsSerial(k: i32, xp: usize, n: i32, par: usize, out: usize): f64 {
  return k == 2 ? emSums2(xp, n, par, out, true) : emSums3(xp, n, par, out, true);
}

function emSums2(xp: usize, n: i32, par: usize, out: usize, serial: bool): f64 {
  const M0 = f64x2.splat(load<f64>(par)), M1 = f64x2.splat(load<f64>(par, 8));
  const B0 = f64x2.splat(load<f64>(par, 16)), B1 = f64x2.splat(load<f64>(par, 24));
  const H0 = f64x2.splat(load<f64>(par, 32)), H1 = f64x2.splat(load<f64>(par, 40));
  const one = f64x2.splat(1);
  let a0 = f64x2.splat(0), a1 = a0, f0 = a0, f1 = a0, g0 = a0, g1 = a0, maxSum = a0, prod = one;
  let logSum: f64 = 0;
  const pairs = n >> 1;
  let i = 0;
  // four, then two value pairs per iteration, interleaved statement by statement so that the CPU
  // overlaps their dependency chains (exp, divide); each sum takes pair i's terms, then pair
  // i + 1's, ...: the one-pair loop's order. The batches of LOG_BATCH pairs end on a four-pair
  // iteration's last pair (i starts at 0 and LOG_BATCH is a multiple of 4).
  const paired = serial ? 0 : pairs;
  for (; i + 4 <= paired; i += 4) {
    const xA = v128.load(xp + (<usize>(i) << 4));
    const xB = v128.load(xp + (<usize>(i + 1) << 4));
    const xC = v128.load(xp + (<usize>(i + 2) << 4));
    const xD = v128.load(xp + (<usize>(i + 3) << 4));
    const d0A = f64x2.sub(xA, M0), d1A = f64x2.sub(xA, M1);
    const d0B = f64x2.sub(xB, M0), d1B = f64x2.sub(xB, M1);
    const d0C = f64x2.sub(xC, M0), d1C = f64x2.sub(xC, M1);
    const d0D = f64x2.sub(xD, M0), d1D = f64x2.sub(xD, M1);
    const l0A = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0A, d0A), H0));
    const l0B = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0B, d0B), H0));
    const l0C = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0C, d0C), H0));
    const l0D = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0D, d0D), H0));
    const l1A = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1A, d1A), H1));
    const l1B = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1B, d1B), H1));
    const l1C = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1C, d1C), H1));
    const l1D = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1D, d1D), H1));
    const top1A = f64x2.lt(l0A, l1A), mxA = f64x2.pmax(l0A, l1A);
    const top1B = f64x2.lt(l0B, l1B), mxB = f64x2.pmax(l0B, l1B);
    const top1C = f64x2.lt(l0C, l1C), mxC = f64x2.pmax(l0C, l1C);
    const top1D = f64x2.lt(l0D, l1D), mxD = f64x2.pmax(l0D, l1D);
    const eoA = expV(f64x2.sub(f64x2.pmin(l1A, l0A), mxA));
    const eoB = expV(f64x2.sub(f64x2.pmin(l1B, l0B), mxB));
    const eoC = expV(f64x2.sub(f64x2.pmin(l1C, l0C), mxC));
    const eoD = expV(f64x2.sub(f64x2.pmin(l1D, l0D), mxD));
    const e0A = v128.bitselect(eoA, one, top1A), e1A = v128.bitselect(one, eoA, top1A);
    const e0B = v128.bitselect(eoB, one, top1B), e1B = v128.bitselect(one, eoB, top1B);
    const e0C = v128.bitselect(eoC, one, top1C), e1C = v128.bitselect(one, eoC, top1C);
    const e0D = v128.bitselect(eoD, one, top1D), e1D = v128.bitselect(one, eoD, top1D);
    const sumA = f64x2.add(e0A, e1A), invA = f64x2.div(one, sumA);
    const sumB = f64x2.add(e0B, e1B), invB = f64x2.div(one, sumB);
    const sumC = f64x2.add(e0C, e1C), invC = f64x2.div(one, sumC);
    const sumD = f64x2.add(e0D, e1D), invD = f64x2.div(one, sumD);
    const r0A = f64x2.mul(e0A, invA), r1A = f64x2.mul(e1A, invA);
    const r0B = f64x2.mul(e0B, invB), r1B = f64x2.mul(e1B, invB);
    const r0C = f64x2.mul(e0C, invC), r1C = f64x2.mul(e1C, invC);
    const r0D = f64x2.mul(e0D, invD), r1D = f64x2.mul(e1D, invD);
    const q0A = f64x2.mul(r0A, d0A), q1A = f64x2.mul(r1A, d1A);
    const q0B = f64x2.mul(r0B, d0B), q1B = f64x2.mul(r1B, d1B);
    const q0C = f64x2.mul(r0C, d0C), q1C = f64x2.mul(r1C, d1C);
    const q0D = f64x2.mul(r0D, d0D), q1D = f64x2.mul(r1D, d1D);
    a0 = f64x2.add(a0, r0A); a1 = f64x2.add(a1, r1A);
    a0 = f64x2.add(a0, r0B); a1 = f64x2.add(a1, r1B);
    a0 = f64x2.add(a0, r0C); a1 = f64x2.add(a1, r1C);
    a0 = f64x2.add(a0, r0D); a1 = f64x2.add(a1, r1D);
    f0 = f64x2.add(f0, q0A); f1 = f64x2.add(f1, q1A);
    f0 = f64x2.add(f0, q0B); f1 = f64x2.add(f1, q1B);
    f0 = f64x2.add(f0, q0C); f1 = f64x2.add(f1, q1C);
    f0 = f64x2.add(f0, q0D); f1 = f64x2.add(f1, q1D);
    g0 = f64x2.add(g0, f64x2.mul(q0A, d0A)); g1 = f64x2.add(g1, f64x2.mul(q1A, d1A));
    g0 = f64x2.add(g0, f64x2.mul(q0B, d0B)); g1 = f64x2.add(g1, f64x2.mul(q1B, d1B));
    g0 = f64x2.add(g0, f64x2.mul(q0C, d0C)); g1 = f64x2.add(g1, f64x2.mul(q1C, d1C));
    g0 = f64x2.add(g0, f64x2.mul(q0D, d0D)); g1 = f64x2.add(g1, f64x2.mul(q1D, d1D));
    maxSum = f64x2.add(maxSum, mxA);
    maxSum = f64x2.add(maxSum, mxB);
    maxSum = f64x2.add(maxSum, mxC);
    maxSum = f64x2.add(maxSum, mxD);
    prod = f64x2.mul(prod, sumA);
    prod = f64x2.mul(prod, sumB);
    prod = f64x2.mul(prod, sumC);
    prod = f64x2.mul(prod, sumD);
    if (((i + 3) & (LOG_BATCH - 1)) == LOG_BATCH - 1) {
      logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
      prod = one;
    }
  }
  for (; i + 2 <= paired; i += 2) {
    const xA = v128.load(xp + (<usize>i << 4));
    const xB = v128.load(xp + (<usize>(i + 1) << 4));
    const d0A = f64x2.sub(xA, M0), d1A = f64x2.sub(xA, M1);
    const d0B = f64x2.sub(xB, M0), d1B = f64x2.sub(xB, M1);
    const l0A = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0A, d0A), H0));
    const l0B = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0B, d0B), H0));
    const l1A = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1A, d1A), H1));
    const l1B = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1B, d1B), H1));
    const top1A = f64x2.lt(l0A, l1A), mxA = f64x2.pmax(l0A, l1A);
    const top1B = f64x2.lt(l0B, l1B), mxB = f64x2.pmax(l0B, l1B);
    const eoA = expV(f64x2.sub(f64x2.pmin(l1A, l0A), mxA));
    const eoB = expV(f64x2.sub(f64x2.pmin(l1B, l0B), mxB));
    const e0A = v128.bitselect(eoA, one, top1A), e1A = v128.bitselect(one, eoA, top1A);
    const e0B = v128.bitselect(eoB, one, top1B), e1B = v128.bitselect(one, eoB, top1B);
    const sumA = f64x2.add(e0A, e1A), invA = f64x2.div(one, sumA);
    const sumB = f64x2.add(e0B, e1B), invB = f64x2.div(one, sumB);
    const r0A = f64x2.mul(e0A, invA), r1A = f64x2.mul(e1A, invA);
    const r0B = f64x2.mul(e0B, invB), r1B = f64x2.mul(e1B, invB);
    const q0A = f64x2.mul(r0A, d0A), q1A = f64x2.mul(r1A, d1A);
    const q0B = f64x2.mul(r0B, d0B), q1B = f64x2.mul(r1B, d1B);
    a0 = f64x2.add(a0, r0A); a1 = f64x2.add(a1, r1A);
    a0 = f64x2.add(a0, r0B); a1 = f64x2.add(a1, r1B);
    f0 = f64x2.add(f0, q0A); f1 = f64x2.add(f1, q1A);
    f0 = f64x2.add(f0, q0B); f1 = f64x2.add(f1, q1B);
    g0 = f64x2.add(g0, f64x2.mul(q0A, d0A)); g1 = f64x2.add(g1, f64x2.mul(q1A, d1A));
    g0 = f64x2.add(g0, f64x2.mul(q0B, d0B)); g1 = f64x2.add(g1, f64x2.mul(q1B, d1B));
    maxSum = f64x2.add(maxSum, mxA);
    maxSum = f64x2.add(maxSum, mxB);
    prod = f64x2.mul(prod, sumA);
    prod = f64x2.mul(prod, sumB);
    if (((i + 1) & (LOG_BATCH - 1)) == LOG_BATCH - 1) {
      logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
      prod = one;
    }
  }
  for (; i < pairs; i++) {
    const x = v128.load(xp + (<usize>i << 4));
    const d0 = f64x2.sub(x, M0), d1 = f64x2.sub(x, M1);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0, d0), H0));
    const l1 = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1, d1), H1));
    // the larger term's exp is exp(0) = 1 (expV gives exactly 1): only the other one is computed
    const top1 = f64x2.lt(l0, l1), mx = f64x2.pmax(l0, l1);
    const eo = expV(f64x2.sub(f64x2.pmin(l1, l0), mx));
    const e0 = v128.bitselect(eo, one, top1), e1 = v128.bitselect(one, eo, top1);
    const sum = f64x2.add(e0, e1), inv = f64x2.div(one, sum);
    const r0 = f64x2.mul(e0, inv), r1 = f64x2.mul(e1, inv);
    const q0 = f64x2.mul(r0, d0), q1 = f64x2.mul(r1, d1);
    a0 = f64x2.add(a0, r0); a1 = f64x2.add(a1, r1);
    f0 = f64x2.add(f0, q0); f1 = f64x2.add(f1, q1);
    g0 = f64x2.add(g0, f64x2.mul(q0, d0)); g1 = f64x2.add(g1, f64x2.mul(q1, d1));
    maxSum = f64x2.add(maxSum, mx);
    prod = f64x2.mul(prod, sum);
    if ((i & (LOG_BATCH - 1)) == LOG_BATCH - 1) {
      logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
      prod = one;
    }
  }
  logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
  store<f64>(out, hsum(a0)); store<f64>(out, hsum(a1), 8);
  store<f64>(out, hsum(f0), 16); store<f64>(out, hsum(f1), 24);
  store<f64>(out, hsum(g0), 32); store<f64>(out, hsum(g1), 40);
  let total = hsum(maxSum) + logSum;
  if (n & 1) total += emTail(2, load<f64>(xp + (<usize>(n - 1) << 3)), par, out);
  return total;
}

function emSums3(xp: usize, n: i32, par: usize, out: usize, serial: bool): f64 {
  const M0 = f64x2.splat(load<f64>(par)), M1 = f64x2.splat(load<f64>(par, 8)), M2 = f64x2.splat(load<f64>(par, 16));
  const B0 = f64x2.splat(load<f64>(par, 24)), B1 = f64x2.splat(load<f64>(par, 32)), B2 = f64x2.splat(load<f64>(par, 40));
  const H0 = f64x2.splat(load<f64>(par, 48)), H1 = f64x2.splat(load<f64>(par, 56)), H2 = f64x2.splat(load<f64>(par, 64));
  const one = f64x2.splat(1);
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, f0 = a0, f1 = a0, f2 = a0, g0 = a0, g1 = a0, g2 = a0, maxSum = a0, prod = one;
  let logSum: f64 = 0;
  const pairs = n >> 1;
  let i = 0;
  // four, then two value pairs per iteration, interleaved statement by statement so that the CPU
  // overlaps their dependency chains (exp, divide); each sum takes pair i's terms, then pair
  // i + 1's, ...: the one-pair loop's order. The batches of LOG_BATCH pairs end on a four-pair
  // iteration's last pair (i starts at 0 and LOG_BATCH is a multiple of 4).
  const paired = serial ? 0 : pairs;
  for (; i + 4 <= paired; i += 4) {
    const xA = v128.load(xp + (<usize>(i) << 4));
    const xB = v128.load(xp + (<usize>(i + 1) << 4));
    const xC = v128.load(xp + (<usize>(i + 2) << 4));
    const xD = v128.load(xp + (<usize>(i + 3) << 4));
    const d0A = f64x2.sub(xA, M0), d1A = f64x2.sub(xA, M1), d2A = f64x2.sub(xA, M2);
    const d0B = f64x2.sub(xB, M0), d1B = f64x2.sub(xB, M1), d2B = f64x2.sub(xB, M2);
    const d0C = f64x2.sub(xC, M0), d1C = f64x2.sub(xC, M1), d2C = f64x2.sub(xC, M2);
    const d0D = f64x2.sub(xD, M0), d1D = f64x2.sub(xD, M1), d2D = f64x2.sub(xD, M2);
    const l0A = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0A, d0A), H0));
    const l0B = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0B, d0B), H0));
    const l0C = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0C, d0C), H0));
    const l0D = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0D, d0D), H0));
    const l1A = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1A, d1A), H1));
    const l1B = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1B, d1B), H1));
    const l1C = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1C, d1C), H1));
    const l1D = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1D, d1D), H1));
    const l2A = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2A, d2A), H2));
    const l2B = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2B, d2B), H2));
    const l2C = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2C, d2C), H2));
    const l2D = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2D, d2D), H2));
    const top1A = f64x2.lt(l0A, l1A), pA = f64x2.pmax(l0A, l1A), qA = f64x2.pmin(l1A, l0A);
    const top1B = f64x2.lt(l0B, l1B), pB = f64x2.pmax(l0B, l1B), qB = f64x2.pmin(l1B, l0B);
    const top1C = f64x2.lt(l0C, l1C), pC = f64x2.pmax(l0C, l1C), qC = f64x2.pmin(l1C, l0C);
    const top1D = f64x2.lt(l0D, l1D), pD = f64x2.pmax(l0D, l1D), qD = f64x2.pmin(l1D, l0D);
    const top2A = f64x2.lt(pA, l2A), mxA = f64x2.pmax(pA, l2A);
    const top2B = f64x2.lt(pB, l2B), mxB = f64x2.pmax(pB, l2B);
    const top2C = f64x2.lt(pC, l2C), mxC = f64x2.pmax(pC, l2C);
    const top2D = f64x2.lt(pD, l2D), mxD = f64x2.pmax(pD, l2D);
    const eaA = expV(f64x2.sub(v128.bitselect(pA, l2A, top2A), mxA)), eqA = expV(f64x2.sub(qA, mxA));
    const eaB = expV(f64x2.sub(v128.bitselect(pB, l2B, top2B), mxB)), eqB = expV(f64x2.sub(qB, mxB));
    const eaC = expV(f64x2.sub(v128.bitselect(pC, l2C, top2C), mxC)), eqC = expV(f64x2.sub(qC, mxC));
    const eaD = expV(f64x2.sub(v128.bitselect(pD, l2D, top2D), mxD)), eqD = expV(f64x2.sub(qD, mxD));
    const epA = v128.bitselect(eaA, one, top2A), e2A = v128.bitselect(one, eaA, top2A);
    const epB = v128.bitselect(eaB, one, top2B), e2B = v128.bitselect(one, eaB, top2B);
    const epC = v128.bitselect(eaC, one, top2C), e2C = v128.bitselect(one, eaC, top2C);
    const epD = v128.bitselect(eaD, one, top2D), e2D = v128.bitselect(one, eaD, top2D);
    const e0A = v128.bitselect(eqA, epA, top1A), e1A = v128.bitselect(epA, eqA, top1A);
    const e0B = v128.bitselect(eqB, epB, top1B), e1B = v128.bitselect(epB, eqB, top1B);
    const e0C = v128.bitselect(eqC, epC, top1C), e1C = v128.bitselect(epC, eqC, top1C);
    const e0D = v128.bitselect(eqD, epD, top1D), e1D = v128.bitselect(epD, eqD, top1D);
    const sumA = f64x2.add(f64x2.add(e0A, e1A), e2A), invA = f64x2.div(one, sumA);
    const sumB = f64x2.add(f64x2.add(e0B, e1B), e2B), invB = f64x2.div(one, sumB);
    const sumC = f64x2.add(f64x2.add(e0C, e1C), e2C), invC = f64x2.div(one, sumC);
    const sumD = f64x2.add(f64x2.add(e0D, e1D), e2D), invD = f64x2.div(one, sumD);
    const r0A = f64x2.mul(e0A, invA), r1A = f64x2.mul(e1A, invA), r2A = f64x2.mul(e2A, invA);
    const r0B = f64x2.mul(e0B, invB), r1B = f64x2.mul(e1B, invB), r2B = f64x2.mul(e2B, invB);
    const r0C = f64x2.mul(e0C, invC), r1C = f64x2.mul(e1C, invC), r2C = f64x2.mul(e2C, invC);
    const r0D = f64x2.mul(e0D, invD), r1D = f64x2.mul(e1D, invD), r2D = f64x2.mul(e2D, invD);
    const q0A = f64x2.mul(r0A, d0A), q1A = f64x2.mul(r1A, d1A), q2A = f64x2.mul(r2A, d2A);
    const q0B = f64x2.mul(r0B, d0B), q1B = f64x2.mul(r1B, d1B), q2B = f64x2.mul(r2B, d2B);
    const q0C = f64x2.mul(r0C, d0C), q1C = f64x2.mul(r1C, d1C), q2C = f64x2.mul(r2C, d2C);
    const q0D = f64x2.mul(r0D, d0D), q1D = f64x2.mul(r1D, d1D), q2D = f64x2.mul(r2D, d2D);
    a0 = f64x2.add(a0, r0A); a1 = f64x2.add(a1, r1A); a2 = f64x2.add(a2, r2A);
    a0 = f64x2.add(a0, r0B); a1 = f64x2.add(a1, r1B); a2 = f64x2.add(a2, r2B);
    a0 = f64x2.add(a0, r0C); a1 = f64x2.add(a1, r1C); a2 = f64x2.add(a2, r2C);
    a0 = f64x2.add(a0, r0D); a1 = f64x2.add(a1, r1D); a2 = f64x2.add(a2, r2D);
    f0 = f64x2.add(f0, q0A); f1 = f64x2.add(f1, q1A); f2 = f64x2.add(f2, q2A);
    f0 = f64x2.add(f0, q0B); f1 = f64x2.add(f1, q1B); f2 = f64x2.add(f2, q2B);
    f0 = f64x2.add(f0, q0C); f1 = f64x2.add(f1, q1C); f2 = f64x2.add(f2, q2C);
    f0 = f64x2.add(f0, q0D); f1 = f64x2.add(f1, q1D); f2 = f64x2.add(f2, q2D);
    g0 = f64x2.add(g0, f64x2.mul(q0A, d0A)); g1 = f64x2.add(g1, f64x2.mul(q1A, d1A)); g2 = f64x2.add(g2, f64x2.mul(q2A, d2A));
    g0 = f64x2.add(g0, f64x2.mul(q0B, d0B)); g1 = f64x2.add(g1, f64x2.mul(q1B, d1B)); g2 = f64x2.add(g2, f64x2.mul(q2B, d2B));
    g0 = f64x2.add(g0, f64x2.mul(q0C, d0C)); g1 = f64x2.add(g1, f64x2.mul(q1C, d1C)); g2 = f64x2.add(g2, f64x2.mul(q2C, d2C));
    g0 = f64x2.add(g0, f64x2.mul(q0D, d0D)); g1 = f64x2.add(g1, f64x2.mul(q1D, d1D)); g2 = f64x2.add(g2, f64x2.mul(q2D, d2D));
    maxSum = f64x2.add(maxSum, mxA);
    maxSum = f64x2.add(maxSum, mxB);
    maxSum = f64x2.add(maxSum, mxC);
    maxSum = f64x2.add(maxSum, mxD);
    prod = f64x2.mul(prod, sumA);
    prod = f64x2.mul(prod, sumB);
    prod = f64x2.mul(prod, sumC);
    prod = f64x2.mul(prod, sumD);
    if (((i + 3) & (LOG_BATCH - 1)) == LOG_BATCH - 1) {
      logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
      prod = one;
    }
  }
  for (; i + 2 <= paired; i += 2) {
    const xA = v128.load(xp + (<usize>i << 4));
    const xB = v128.load(xp + (<usize>(i + 1) << 4));
    const d0A = f64x2.sub(xA, M0), d1A = f64x2.sub(xA, M1), d2A = f64x2.sub(xA, M2);
    const d0B = f64x2.sub(xB, M0), d1B = f64x2.sub(xB, M1), d2B = f64x2.sub(xB, M2);
    const l0A = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0A, d0A), H0));
    const l0B = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0B, d0B), H0));
    const l1A = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1A, d1A), H1));
    const l1B = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1B, d1B), H1));
    const l2A = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2A, d2A), H2));
    const l2B = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2B, d2B), H2));
    const top1A = f64x2.lt(l0A, l1A), pA = f64x2.pmax(l0A, l1A), qA = f64x2.pmin(l1A, l0A);
    const top1B = f64x2.lt(l0B, l1B), pB = f64x2.pmax(l0B, l1B), qB = f64x2.pmin(l1B, l0B);
    const top2A = f64x2.lt(pA, l2A), mxA = f64x2.pmax(pA, l2A);
    const top2B = f64x2.lt(pB, l2B), mxB = f64x2.pmax(pB, l2B);
    const eaA = expV(f64x2.sub(v128.bitselect(pA, l2A, top2A), mxA)), eqA = expV(f64x2.sub(qA, mxA));
    const eaB = expV(f64x2.sub(v128.bitselect(pB, l2B, top2B), mxB)), eqB = expV(f64x2.sub(qB, mxB));
    const epA = v128.bitselect(eaA, one, top2A), e2A = v128.bitselect(one, eaA, top2A);
    const epB = v128.bitselect(eaB, one, top2B), e2B = v128.bitselect(one, eaB, top2B);
    const e0A = v128.bitselect(eqA, epA, top1A), e1A = v128.bitselect(epA, eqA, top1A);
    const e0B = v128.bitselect(eqB, epB, top1B), e1B = v128.bitselect(epB, eqB, top1B);
    const sumA = f64x2.add(f64x2.add(e0A, e1A), e2A), invA = f64x2.div(one, sumA);
    const sumB = f64x2.add(f64x2.add(e0B, e1B), e2B), invB = f64x2.div(one, sumB);
    const r0A = f64x2.mul(e0A, invA), r1A = f64x2.mul(e1A, invA), r2A = f64x2.mul(e2A, invA);
    const r0B = f64x2.mul(e0B, invB), r1B = f64x2.mul(e1B, invB), r2B = f64x2.mul(e2B, invB);
    const q0A = f64x2.mul(r0A, d0A), q1A = f64x2.mul(r1A, d1A), q2A = f64x2.mul(r2A, d2A);
    const q0B = f64x2.mul(r0B, d0B), q1B = f64x2.mul(r1B, d1B), q2B = f64x2.mul(r2B, d2B);
    a0 = f64x2.add(a0, r0A); a1 = f64x2.add(a1, r1A); a2 = f64x2.add(a2, r2A);
    a0 = f64x2.add(a0, r0B); a1 = f64x2.add(a1, r1B); a2 = f64x2.add(a2, r2B);
    f0 = f64x2.add(f0, q0A); f1 = f64x2.add(f1, q1A); f2 = f64x2.add(f2, q2A);
    f0 = f64x2.add(f0, q0B); f1 = f64x2.add(f1, q1B); f2 = f64x2.add(f2, q2B);
    g0 = f64x2.add(g0, f64x2.mul(q0A, d0A)); g1 = f64x2.add(g1, f64x2.mul(q1A, d1A)); g2 = f64x2.add(g2, f64x2.mul(q2A, d2A));
    g0 = f64x2.add(g0, f64x2.mul(q0B, d0B)); g1 = f64x2.add(g1, f64x2.mul(q1B, d1B)); g2 = f64x2.add(g2, f64x2.mul(q2B, d2B));
    maxSum = f64x2.add(maxSum, mxA);
    maxSum = f64x2.add(maxSum, mxB);
    prod = f64x2.mul(prod, sumA);
    prod = f64x2.mul(prod, sumB);
    if (((i + 1) & (LOG_BATCH - 1)) == LOG_BATCH - 1) {
      logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
      prod = one;
    }
  }
  for (; i < pairs; i++) {
    const x = v128.load(xp + (<usize>i << 4));
    const d0 = f64x2.sub(x, M0), d1 = f64x2.sub(x, M1), d2 = f64x2.sub(x, M2);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(d0, d0), H0));
    const l1 = f64x2.sub(B1, f64x2.mul(f64x2.mul(d1, d1), H1));
    const l2 = f64x2.sub(B2, f64x2.mul(f64x2.mul(d2, d2), H2));
    // p = max(l0, l1), q = the other; the largest term's exp is exp(0) = 1 (expV gives exactly 1):
    // only the two others are computed, q's and (l2 largest) p's or (p largest) l2's
    const top1 = f64x2.lt(l0, l1), p = f64x2.pmax(l0, l1), q = f64x2.pmin(l1, l0);
    const top2 = f64x2.lt(p, l2), mx = f64x2.pmax(p, l2);
    const ea = expV(f64x2.sub(v128.bitselect(p, l2, top2), mx)), eq = expV(f64x2.sub(q, mx));
    const ep = v128.bitselect(ea, one, top2), e2 = v128.bitselect(one, ea, top2);
    const e0 = v128.bitselect(eq, ep, top1), e1 = v128.bitselect(ep, eq, top1);
    const sum = f64x2.add(f64x2.add(e0, e1), e2), inv = f64x2.div(one, sum);
    const r0 = f64x2.mul(e0, inv), r1 = f64x2.mul(e1, inv), r2 = f64x2.mul(e2, inv);
    const q0 = f64x2.mul(r0, d0), q1 = f64x2.mul(r1, d1), q2 = f64x2.mul(r2, d2);
    a0 = f64x2.add(a0, r0); a1 = f64x2.add(a1, r1); a2 = f64x2.add(a2, r2);
    f0 = f64x2.add(f0, q0); f1 = f64x2.add(f1, q1); f2 = f64x2.add(f2, q2);
    g0 = f64x2.add(g0, f64x2.mul(q0, d0)); g1 = f64x2.add(g1, f64x2.mul(q1, d1)); g2 = f64x2.add(g2, f64x2.mul(q2, d2));
    maxSum = f64x2.add(maxSum, mx);
    prod = f64x2.mul(prod, sum);
    if ((i & (LOG_BATCH - 1)) == LOG_BATCH - 1) {
      logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
      prod = one;
    }
  }
  logSum += Math.log(lane0(prod)) + Math.log(lane1(prod));
  store<f64>(out, hsum(a0)); store<f64>(out, hsum(a1), 8); store<f64>(out, hsum(a2), 16);
  store<f64>(out, hsum(f0), 24); store<f64>(out, hsum(f1), 32); store<f64>(out, hsum(f2), 40);
  store<f64>(out, hsum(g0), 48); store<f64>(out, hsum(g1), 56); store<f64>(out, hsum(g2), 64);
  let total = hsum(maxSum) + logSum;
  if (n & 1) total += emTail(3, load<f64>(xp + (<usize>(n - 1) << 3)), par, out);
  return total;
}

/** The last value of an odd count: its terms added to the sums at `out`; returns its log-likelihood. */
function emTail(k: i32, x: f64, par: usize, out: usize): f64 {
  let mx: f64 = -Infinity;
  for (let c = 0; c < k; c++) {
    const d = x - load<f64>(par + (<usize>c << 3));
    mx = max(mx, load<f64>(par + (<usize>(k + c) << 3)) - d * d * load<f64>(par + (<usize>(2 * k + c) << 3)));
  }
  let sum: f64 = 0;
  for (let c = 0; c < k; c++) {
    const d = x - load<f64>(par + (<usize>c << 3));
    const l = load<f64>(par + (<usize>(k + c) << 3)) - d * d * load<f64>(par + (<usize>(2 * k + c) << 3));
    sum += lane0(expV(f64x2.splat(l - mx)));
  }
  for (let c = 0; c < k; c++) {
    const d = x - load<f64>(par + (<usize>c << 3));
    const l = load<f64>(par + (<usize>(k + c) << 3)) - d * d * load<f64>(par + (<usize>(2 * k + c) << 3));
    const r = lane0(expV(f64x2.splat(l - mx))) / sum;
    const pa = out + (<usize>c << 3), pf = out + (<usize>(k + c) << 3), pg = out + (<usize>(2 * k + c) << 3);
    store<f64>(pa, load<f64>(pa) + r);
    store<f64>(pf, load<f64>(pf) + r * d);
    store<f64>(pg, load<f64>(pg) + r * d * d);
  }
  return mx + Math.log(sum);
}

/** k = 1 (src/stats/shape/em-sums.ts emSums1, scalar in value order): sums of d, d^2 into out[1], out[2], n into out[0]; the total log-likelihood. */
function emSums1(xp: usize, n: i32, par: usize, out: usize): f64 {
  const mu = ld(par, 0);
  let s1: f64 = 0, s2: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(xp, i) - mu;
    s1 += d;
    s2 += d * d;
  }
  st(out, 0, <f64>n);
  st(out, 1, s1);
  st(out, 2, s2);
  return <f64>n * ld(par, 1) - s2 * ld(par, 2);
}

// ---- the accelerated run (squarem.ts runSquarem over gmm.ts emStep), as assembly/lib/binned-em.ts for cells

const TINY: f64 = 10 * f64.EPSILON;
const MAX_BACKTRACKS: i32 = 4;
/** A parameter set: weights (3), means (3), variances (3); components k..2 unused. */
const PARAMS: usize = 72;
/** Bytes of exactEmRun's work: the pass's inputs and sums (80 each) and six parameter sets (the host's EXACT_EM_WORK). */
const EXACT_EM_WORK: i32 = 160 + 6 * <i32>PARAMS;

// one run's state: the values, k, regCovar, ln 2 pi and the pass's inputs and sums
let emX: usize = 0, emN: i32 = 0, emK: i32 = 0, emReg: f64 = 0, emLog2Pi: f64 = 0, emPar: usize = 0, emOut: usize = 0;

/** gmm.ts emStep: the mean log-likelihood at p; the parameters after the step into next. */
function emStep(p: usize, next: usize): f64 {
  const k = emK;
  for (let c = 0; c < k; c++) {
    st(emPar, c, ld(p, 3 + c));
    st(emPar, k + c, hostLog(ld(p, c)) - 0.5 * (emLog2Pi + hostLog(ld(p, 6 + c))));
    st(emPar, 2 * k + c, 0.5 / ld(p, 6 + c));
  }
  const total = k == 1 ? emSums1(emX, emN, emPar, emOut) : k == 2 ? emSums2(emX, emN, emPar, emOut, false) : emSums3(emX, emN, emPar, emOut, false);
  let mass: f64 = 0;
  for (let c = 0; c < k; c++) mass += TINY + ld(emOut, c);
  for (let c = 0; c < k; c++) {
    const s0 = TINY + ld(emOut, c), shift = ld(emOut, k + c) / s0;
    st(next, c, s0 / mass);
    st(next, 3 + c, ld(p, 3 + c) + shift);
    st(next, 6 + c, max(0, ld(emOut, 2 * k + c) / s0 - shift * shift) + emReg);
  }
  return total / <f64>emN;
}

/**
 * squarem.ts runSquarem over gmm.ts emStep on the n values at xp (k = 1, 2, 3) from the
 * parameters at `start` (w, mu, v: 3 slots each); work: EXACT_EM_WORK bytes, 16-byte aligned.
 * Writes the final parameters (9 f64), then meanLogLik, converged (1/0) and iterations to out (12 f64).
 */
export function exactEmRun(xp: usize, n: i32, k: i32, start: usize, maxIter: i32, tol: f64, regCovar: f64, log2Pi: f64, work: usize, out: usize): void {
  emX = xp; emN = n; emK = k; emReg = regCovar; emLog2Pi = log2Pi;
  emPar = work; emOut = work + 80; // 9 f64 each
  let p = work + 160, c = p + 3 * PARAMS;
  const a = p + PARAMS, b = a + PARAMS, jump = c + PARAMS;
  memory.copy(p, start, PARAMS);
  let prevLogLik: f64 = -Infinity, steps = 0, cycleSteps = 1;
  while (steps < maxIter) {
    const cycleStart = steps;
    steps++;
    const la = emStep(p, a);
    if (Math.abs(la - prevLogLik) < tol * <f64>cycleSteps) {
      finish(a, true, steps, out);
      return;
    }
    steps++;
    const lb = emStep(a, b);
    let haveC = false;
    let alpha = squaremSteplength(p, a, b, emK);
    for (let tries = 0; alpha < -1 && tries < MAX_BACKTRACKS && !haveC; alpha = (alpha - 1) / 2, tries++) {
      if (!squaremExtrapolate(p, a, b, alpha, jump, emK, emReg)) continue;
      steps++;
      const lc = emStep(jump, c);
      haveC = lc >= lb;
    }
    if (!haveC) {
      steps++;
      emStep(b, c);
    }
    prevLogLik = la;
    cycleSteps = steps - cycleStart;
    const t = p; p = c; c = t; // p = c.next
  }
  finish(p, false, steps, out);
}

/** runSquarem's done(q, converged): q, the mean log-likelihood at q (an uncounted step), converged, iterations. */
function finish(q: usize, converged: bool, steps: i32, out: usize): void {
  const scratch = emOut + 80 + 5 * PARAMS; // the sixth parameter set
  const ll = emStep(q, scratch);
  memory.copy(out, q, PARAMS);
  st(out, 9, ll);
  st(out, 10, converged ? 1 : 0);
  st(out, 11, <f64>steps);
}

/**
 * gmm.ts mStepHard over quantileLabels: the start of a fit with k components from k groups of
 * (nearly) equal count along the n sorted values at xp, the same sums in the same order. Writes
 * w (3), mu (3), v (3) to out (components k..2 unused); sums: scratch of 9 f64.
 */
export function quantileStart(xp: usize, n: i32, k: i32, regCovar: f64, sums: usize, out: usize): void {
  for (let c = 0; c < k; c++) {
    st(sums, c, TINY); // mass
    st(sums, 3 + c, 0); // sum of x
    st(sums, 6 + c, 0); // sum of squared deviations
  }
  for (let i = 0; i < n; i++) {
    const c = <i32>min(<f64>(k - 1), Math.floor(<f64>(i * k) / <f64>n));
    st(sums, c, ld(sums, c) + 1);
    st(sums, 3 + c, ld(sums, 3 + c) + ld(xp, i));
  }
  for (let c = 0; c < k; c++) st(out, 3 + c, ld(sums, 3 + c) / ld(sums, c));
  for (let i = 0; i < n; i++) {
    const c = <i32>min(<f64>(k - 1), Math.floor(<f64>(i * k) / <f64>n));
    const d = ld(xp, i) - ld(out, 3 + c);
    st(sums, 6 + c, ld(sums, 6 + c) + d * d);
  }
  let total: f64 = 0;
  for (let c = 0; c < k; c++) total += ld(sums, c);
  for (let c = 0; c < k; c++) {
    st(out, c, ld(sums, c) / total);
    st(out, 6 + c, ld(sums, 6 + c) / ld(sums, c) + regCovar);
  }
}
