// The cell pass of the histogram-cell mixture EM (em-common.ts binnedEmSums) for fits of one, two
// and three components, for assembly/lib/binned-em.ts; ln of the two lanes' sums at once
// (binned-log.ts logV: Math.log's values bit for bit). binnedEmSums always runs three components, a
// smaller fit's unused ones being dummies (log-weight -Inf, inv 0) whose exp is exactly 0: every
// term they add to a sum is +-0, which leaves a sum started at +0 as it is. These passes leave
// those terms out (one or two exps per cell pair instead of three; for one component exp(0) = 1
// and log(1) = 0 exactly, so neither is computed): the same sums, bit for bit (compared with
// binnedEmSums through the whole EM run in test/kernels/shape-binned-wasm.test.ts). The k = 2, 3
// passes take two cell pairs per iteration, statement by statement interleaved, so that the CPU
// overlaps their long dependency chains (exp, divide, log): each sum still takes pair b's terms,
// then pair b + 2's, as the one-pair loop (which finishes the last one or two pairs) does.
import { expV } from "./em-common";
import { logV } from "./binned-log";

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }

/** binnedEmSums with k = 2 (par, out: its layout; out's third component gets 0). */
export function binnedEmSums2(cnt: usize, mean: usize, vr: usize, nc: i32, par: usize, out: usize): f64 {
  const M0 = f64x2.splat(load<f64>(par)), M1 = f64x2.splat(load<f64>(par, 8));
  const B0 = f64x2.splat(load<f64>(par, 24)), B1 = f64x2.splat(load<f64>(par, 32));
  const I0 = f64x2.splat(load<f64>(par, 48)), I1 = f64x2.splat(load<f64>(par, 56));
  const zero = f64x2.splat(0), half = f64x2.splat(0.5), one = f64x2.splat(1), two = f64x2.splat(2);
  let a0 = zero, a1 = zero, f0 = zero, f1 = zero, g0 = zero, g1 = zero;
  let logLik: f64 = 0;
  let b = 0;
  // two cell pairs per iteration, interleaved (each sum takes pair b's terms, then pair b + 2's)
  for (; b + 4 <= nc; b += 4) {
    const oA = <usize>b << 3;
    const oB = <usize>(b + 2) << 3;
    const nA = v128.load(cnt + oA);
    const nB = v128.load(cnt + oB);
    const mA = v128.load(mean + oA);
    const mB = v128.load(mean + oB);
    const vA = v128.load(vr + oA);
    const vB = v128.load(vr + oB);
    const d0A = f64x2.sub(mA, M0), d1A = f64x2.sub(mA, M1);
    const d0B = f64x2.sub(mB, M0), d1B = f64x2.sub(mB, M1);
    const l0A = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0A, d0A)), I0));
    const l0B = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0B, d0B)), I0));
    const l1A = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1A, d1A)), I1));
    const l1B = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1B, d1B)), I1));
    const q0A = f64x2.neg(f64x2.mul(d0A, I0)), q1A = f64x2.neg(f64x2.mul(d1A, I1));
    const q0B = f64x2.neg(f64x2.mul(d0B, I0)), q1B = f64x2.neg(f64x2.mul(d1B, I1));
    const mxA = f64x2.pmax(l0A, l1A);
    const mxB = f64x2.pmax(l0B, l1B);
    const e0A = expV(f64x2.sub(l0A, mxA)), e1A = expV(f64x2.sub(l1A, mxA));
    const e0B = expV(f64x2.sub(l0B, mxB)), e1B = expV(f64x2.sub(l1B, mxB));
    const sA = f64x2.add(e0A, e1A), invA = f64x2.div(one, sA);
    const sB = f64x2.add(e0B, e1B), invB = f64x2.div(one, sB);
    const r0A = f64x2.mul(e0A, invA), r1A = f64x2.mul(e1A, invA);
    const r0B = f64x2.mul(e0B, invB), r1B = f64x2.mul(e1B, invB);
    const L1A = f64x2.add(f64x2.mul(r0A, q0A), f64x2.mul(r1A, q1A));
    const L1B = f64x2.add(f64x2.mul(r0B, q0B), f64x2.mul(r1B, q1B));
    const u0A = f64x2.sub(q0A, L1A), u1A = f64x2.sub(q1A, L1A);
    const u0B = f64x2.sub(q0B, L1B), u1B = f64x2.sub(q1B, L1B);
    const p0A = f64x2.mul(r0A, u0A), p1A = f64x2.mul(r1A, u1A);
    const p0B = f64x2.mul(r0B, u0B), p1B = f64x2.mul(r1B, u1B);
    const L2A = f64x2.add(f64x2.sub(f64x2.mul(p0A, q0A), f64x2.mul(r0A, I0)), f64x2.sub(f64x2.mul(p1A, q1A), f64x2.mul(r1A, I1)));
    const L2B = f64x2.add(f64x2.sub(f64x2.mul(p0B, q0B), f64x2.mul(r0B, I0)), f64x2.sub(f64x2.mul(p1B, q1B), f64x2.mul(r1B, I1)));
    const llA = f64x2.mul(nA, f64x2.add(mxA, f64x2.mul(f64x2.mul(half, vA), L2A)));
    const llB = f64x2.mul(nB, f64x2.add(mxB, f64x2.mul(f64x2.mul(half, vB), L2B)));
    const lsA = logV(sA);
    const lsB = logV(sB);
    logLik += lane0(llA) + lane1(llA) + lane0(nA) * lane0(lsA) + (lane1(nA) * lane1(lsA));
    logLik += lane0(llB) + lane1(llB) + lane0(nB) * lane0(lsB) + (lane1(nB) * lane1(lsB));
    const hvA = f64x2.mul(half, vA), nvA = f64x2.mul(nA, vA);
    const hvB = f64x2.mul(half, vB), nvB = f64x2.mul(nB, vB);
    const w0A = f64x2.pmax(zero, f64x2.add(r0A, f64x2.mul(hvA, f64x2.sub(f64x2.mul(p0A, u0A), f64x2.mul(r0A, f64x2.add(I0, L2A))))));
    const w0B = f64x2.pmax(zero, f64x2.add(r0B, f64x2.mul(hvB, f64x2.sub(f64x2.mul(p0B, u0B), f64x2.mul(r0B, f64x2.add(I0, L2B))))));
    const w1A = f64x2.pmax(zero, f64x2.add(r1A, f64x2.mul(hvA, f64x2.sub(f64x2.mul(p1A, u1A), f64x2.mul(r1A, f64x2.add(I1, L2A))))));
    const w1B = f64x2.pmax(zero, f64x2.add(r1B, f64x2.mul(hvB, f64x2.sub(f64x2.mul(p1B, u1B), f64x2.mul(r1B, f64x2.add(I1, L2B))))));
    const nw0A = f64x2.mul(nA, w0A), nw1A = f64x2.mul(nA, w1A);
    const nw0B = f64x2.mul(nB, w0B), nw1B = f64x2.mul(nB, w1B);
    a0 = f64x2.add(a0, nw0A); a1 = f64x2.add(a1, nw1A);
    a0 = f64x2.add(a0, nw0B); a1 = f64x2.add(a1, nw1B);
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0A, d0A), f64x2.mul(p0A, nvA)));
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0B, d0B), f64x2.mul(p0B, nvB)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1A, d1A), f64x2.mul(p1A, nvA)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1B, d1B), f64x2.mul(p1B, nvB)));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0A, d0A), d0A), f64x2.mul(nvA, f64x2.add(f64x2.mul(two, f64x2.mul(p0A, d0A)), r0A))));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0B, d0B), d0B), f64x2.mul(nvB, f64x2.add(f64x2.mul(two, f64x2.mul(p0B, d0B)), r0B))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1A, d1A), d1A), f64x2.mul(nvA, f64x2.add(f64x2.mul(two, f64x2.mul(p1A, d1A)), r1A))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1B, d1B), d1B), f64x2.mul(nvB, f64x2.add(f64x2.mul(two, f64x2.mul(p1B, d1B)), r1B))));
  }
  for (; b < nc; b += 2) {
    const o = <usize>b << 3, last = b + 1 == nc;
    const n = last ? f64x2.replace_lane(f64x2.splat(load<f64>(cnt + o)), 1, 0) : v128.load(cnt + o);
    const m = last ? f64x2.splat(load<f64>(mean + o)) : v128.load(mean + o);
    const v = last ? f64x2.splat(load<f64>(vr + o)) : v128.load(vr + o);
    const d0 = f64x2.sub(m, M0), d1 = f64x2.sub(m, M1);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0, d0)), I0));
    const l1 = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1, d1)), I1));
    const q0 = f64x2.neg(f64x2.mul(d0, I0)), q1 = f64x2.neg(f64x2.mul(d1, I1));
    const mx = f64x2.pmax(l0, l1);
    const e0 = expV(f64x2.sub(l0, mx)), e1 = expV(f64x2.sub(l1, mx));
    const s = f64x2.add(e0, e1), inv = f64x2.div(one, s);
    const r0 = f64x2.mul(e0, inv), r1 = f64x2.mul(e1, inv);
    const L1 = f64x2.add(f64x2.mul(r0, q0), f64x2.mul(r1, q1));
    const u0 = f64x2.sub(q0, L1), u1 = f64x2.sub(q1, L1);
    const p0 = f64x2.mul(r0, u0), p1 = f64x2.mul(r1, u1);
    const L2 = f64x2.add(f64x2.sub(f64x2.mul(p0, q0), f64x2.mul(r0, I0)), f64x2.sub(f64x2.mul(p1, q1), f64x2.mul(r1, I1)));
    const ll = f64x2.mul(n, f64x2.add(mx, f64x2.mul(f64x2.mul(half, v), L2)));
    const ls = logV(s); // both lanes' Math.log at once (an odd last cell's copy is not added)
    logLik += lane0(ll) + lane1(ll) + lane0(n) * lane0(ls) + (last ? 0 : lane1(n) * lane1(ls));
    const hv = f64x2.mul(half, v), nv = f64x2.mul(n, v);
    const w0 = f64x2.pmax(zero, f64x2.add(r0, f64x2.mul(hv, f64x2.sub(f64x2.mul(p0, u0), f64x2.mul(r0, f64x2.add(I0, L2))))));
    const w1 = f64x2.pmax(zero, f64x2.add(r1, f64x2.mul(hv, f64x2.sub(f64x2.mul(p1, u1), f64x2.mul(r1, f64x2.add(I1, L2))))));
    const nw0 = f64x2.mul(n, w0), nw1 = f64x2.mul(n, w1);
    a0 = f64x2.add(a0, nw0); a1 = f64x2.add(a1, nw1);
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0, d0), f64x2.mul(p0, nv)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1, d1), f64x2.mul(p1, nv)));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0, d0), d0), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p0, d0)), r0))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1, d1), d1), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p1, d1)), r1))));
  }
  store<f64>(out, hsum(a0)); store<f64>(out, hsum(a1), 8); store<f64>(out, 0, 16);
  store<f64>(out, hsum(f0), 24); store<f64>(out, hsum(f1), 32); store<f64>(out, 0, 40);
  store<f64>(out, hsum(g0), 48); store<f64>(out, hsum(g1), 56); store<f64>(out, 0, 64);
  return logLik;
}

/**
 * binnedEmSums with k = 1: every responsibility is exp(0) / 1 = 1 exactly, r' = 1 (q - q) = 0 and
 * ln s = 0, so the sums take only the component's own terms (out: its layout; components 1, 2 get 0).
 */
export function binnedEmSums1(cnt: usize, mean: usize, vr: usize, nc: i32, par: usize, out: usize): f64 {
  const M0 = f64x2.splat(load<f64>(par)), B0 = f64x2.splat(load<f64>(par, 24)), I0 = f64x2.splat(load<f64>(par, 48));
  const zero = f64x2.splat(0), half = f64x2.splat(0.5), one = f64x2.splat(1), two = f64x2.splat(2);
  let a0 = zero, f0 = zero, g0 = zero;
  let logLik: f64 = 0;
  for (let b = 0; b < nc; b += 2) {
    const o = <usize>b << 3, last = b + 1 == nc;
    const n = last ? f64x2.replace_lane(f64x2.splat(load<f64>(cnt + o)), 1, 0) : v128.load(cnt + o);
    const m = last ? f64x2.splat(load<f64>(mean + o)) : v128.load(mean + o);
    const v = last ? f64x2.splat(load<f64>(vr + o)) : v128.load(vr + o);
    const d0 = f64x2.sub(m, M0);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0, d0)), I0));
    const q0 = f64x2.neg(f64x2.mul(d0, I0));
    const r0 = one; // e0 = exp(l0 - l0) = 1, s = 1, r0 = e0 / s = 1
    const L1 = f64x2.mul(r0, q0);
    const u0 = f64x2.sub(q0, L1);
    const p0 = f64x2.mul(r0, u0);
    const L2 = f64x2.sub(f64x2.mul(p0, q0), f64x2.mul(r0, I0));
    const ll = f64x2.mul(n, f64x2.add(l0, f64x2.mul(f64x2.mul(half, v), L2)));
    logLik += lane0(ll) + lane1(ll) + lane0(n) * 0.0 + (last ? 0 : lane1(n) * 0.0); // n ln 1
    const hv = f64x2.mul(half, v), nv = f64x2.mul(n, v);
    const w0 = f64x2.pmax(zero, f64x2.add(r0, f64x2.mul(hv, f64x2.sub(f64x2.mul(p0, u0), f64x2.mul(r0, f64x2.add(I0, L2))))));
    const nw0 = f64x2.mul(n, w0);
    a0 = f64x2.add(a0, nw0);
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0, d0), f64x2.mul(p0, nv)));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0, d0), d0), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p0, d0)), r0))));
  }
  store<f64>(out, hsum(a0)); store<f64>(out, 0, 8); store<f64>(out, 0, 16);
  store<f64>(out, hsum(f0), 24); store<f64>(out, 0, 32); store<f64>(out, 0, 40);
  store<f64>(out, hsum(g0), 48); store<f64>(out, 0, 56); store<f64>(out, 0, 64);
  return logLik;
}

/** binnedEmSums itself (k = 3) with the two lanes' logs taken at once (logV: Math.log's values). */
export function binnedEmSums3(cnt: usize, mean: usize, vr: usize, nc: i32, par: usize, out: usize): f64 {
  const M0 = f64x2.splat(load<f64>(par)), M1 = f64x2.splat(load<f64>(par, 8)), M2 = f64x2.splat(load<f64>(par, 16));
  const B0 = f64x2.splat(load<f64>(par, 24)), B1 = f64x2.splat(load<f64>(par, 32)), B2 = f64x2.splat(load<f64>(par, 40));
  const I0 = f64x2.splat(load<f64>(par, 48)), I1 = f64x2.splat(load<f64>(par, 56)), I2 = f64x2.splat(load<f64>(par, 64));
  const zero = f64x2.splat(0), half = f64x2.splat(0.5), one = f64x2.splat(1), two = f64x2.splat(2);
  let a0 = zero, a1 = zero, a2 = zero, f0 = zero, f1 = zero, f2 = zero, g0 = zero, g1 = zero, g2 = zero;
  let logLik: f64 = 0;
  let b = 0;
  // two cell pairs per iteration, interleaved (each sum takes pair b's terms, then pair b + 2's)
  for (; b + 4 <= nc; b += 4) {
    const oA = <usize>b << 3;
    const oB = <usize>(b + 2) << 3;
    const nA = v128.load(cnt + oA);
    const nB = v128.load(cnt + oB);
    const mA = v128.load(mean + oA);
    const mB = v128.load(mean + oB);
    const vA = v128.load(vr + oA);
    const vB = v128.load(vr + oB);
    const d0A = f64x2.sub(mA, M0), d1A = f64x2.sub(mA, M1), d2A = f64x2.sub(mA, M2);
    const d0B = f64x2.sub(mB, M0), d1B = f64x2.sub(mB, M1), d2B = f64x2.sub(mB, M2);
    const l0A = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0A, d0A)), I0));
    const l0B = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0B, d0B)), I0));
    const l1A = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1A, d1A)), I1));
    const l1B = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1B, d1B)), I1));
    const l2A = f64x2.sub(B2, f64x2.mul(f64x2.mul(half, f64x2.mul(d2A, d2A)), I2));
    const l2B = f64x2.sub(B2, f64x2.mul(f64x2.mul(half, f64x2.mul(d2B, d2B)), I2));
    const q0A = f64x2.neg(f64x2.mul(d0A, I0)), q1A = f64x2.neg(f64x2.mul(d1A, I1)), q2A = f64x2.neg(f64x2.mul(d2A, I2)); // d log N / dx
    const mxA = f64x2.pmax(f64x2.pmax(l0A, l1A), l2A);
    const q0B = f64x2.neg(f64x2.mul(d0B, I0)), q1B = f64x2.neg(f64x2.mul(d1B, I1)), q2B = f64x2.neg(f64x2.mul(d2B, I2)); // d log N / dx
    const mxB = f64x2.pmax(f64x2.pmax(l0B, l1B), l2B);
    const e0A = expV(f64x2.sub(l0A, mxA)), e1A = expV(f64x2.sub(l1A, mxA)), e2A = expV(f64x2.sub(l2A, mxA));
    const e0B = expV(f64x2.sub(l0B, mxB)), e1B = expV(f64x2.sub(l1B, mxB)), e2B = expV(f64x2.sub(l2B, mxB));
    const sA = f64x2.add(f64x2.add(e0A, e1A), e2A), invA = f64x2.div(one, sA);
    const sB = f64x2.add(f64x2.add(e0B, e1B), e2B), invB = f64x2.div(one, sB);
    const r0A = f64x2.mul(e0A, invA), r1A = f64x2.mul(e1A, invA), r2A = f64x2.mul(e2A, invA);
    const r0B = f64x2.mul(e0B, invB), r1B = f64x2.mul(e1B, invB), r2B = f64x2.mul(e2B, invB);
    const L1A = f64x2.add(f64x2.add(f64x2.mul(r0A, q0A), f64x2.mul(r1A, q1A)), f64x2.mul(r2A, q2A));
    const L1B = f64x2.add(f64x2.add(f64x2.mul(r0B, q0B), f64x2.mul(r1B, q1B)), f64x2.mul(r2B, q2B));
    const u0A = f64x2.sub(q0A, L1A), u1A = f64x2.sub(q1A, L1A), u2A = f64x2.sub(q2A, L1A);
    const u0B = f64x2.sub(q0B, L1B), u1B = f64x2.sub(q1B, L1B), u2B = f64x2.sub(q2B, L1B);
    const p0A = f64x2.mul(r0A, u0A), p1A = f64x2.mul(r1A, u1A), p2A = f64x2.mul(r2A, u2A); // r_c'
    const L2A = f64x2.add(f64x2.add(
      f64x2.sub(f64x2.mul(p0A, q0A), f64x2.mul(r0A, I0)),
      f64x2.sub(f64x2.mul(p1A, q1A), f64x2.mul(r1A, I1))),
      f64x2.sub(f64x2.mul(p2A, q2A), f64x2.mul(r2A, I2)));
    const p0B = f64x2.mul(r0B, u0B), p1B = f64x2.mul(r1B, u1B), p2B = f64x2.mul(r2B, u2B); // r_c'
    const L2B = f64x2.add(f64x2.add(
      f64x2.sub(f64x2.mul(p0B, q0B), f64x2.mul(r0B, I0)),
      f64x2.sub(f64x2.mul(p1B, q1B), f64x2.mul(r1B, I1))),
      f64x2.sub(f64x2.mul(p2B, q2B), f64x2.mul(r2B, I2)));
    const llA = f64x2.mul(nA, f64x2.add(mxA, f64x2.mul(f64x2.mul(half, vA), L2A)));
    const llB = f64x2.mul(nB, f64x2.add(mxB, f64x2.mul(f64x2.mul(half, vB), L2B)));
    const lsA = logV(sA);
    const lsB = logV(sB);
    logLik += lane0(llA) + lane1(llA) + lane0(nA) * lane0(lsA) + (lane1(nA) * lane1(lsA));
    logLik += lane0(llB) + lane1(llB) + lane0(nB) * lane0(lsB) + (lane1(nB) * lane1(lsB));
    const hvA = f64x2.mul(half, vA), nvA = f64x2.mul(nA, vA);
    const hvB = f64x2.mul(half, vB), nvB = f64x2.mul(nB, vB);
    const w0A = f64x2.pmax(zero, f64x2.add(r0A, f64x2.mul(hvA, f64x2.sub(f64x2.mul(p0A, u0A), f64x2.mul(r0A, f64x2.add(I0, L2A))))));
    const w0B = f64x2.pmax(zero, f64x2.add(r0B, f64x2.mul(hvB, f64x2.sub(f64x2.mul(p0B, u0B), f64x2.mul(r0B, f64x2.add(I0, L2B))))));
    const w1A = f64x2.pmax(zero, f64x2.add(r1A, f64x2.mul(hvA, f64x2.sub(f64x2.mul(p1A, u1A), f64x2.mul(r1A, f64x2.add(I1, L2A))))));
    const w1B = f64x2.pmax(zero, f64x2.add(r1B, f64x2.mul(hvB, f64x2.sub(f64x2.mul(p1B, u1B), f64x2.mul(r1B, f64x2.add(I1, L2B))))));
    const w2A = f64x2.pmax(zero, f64x2.add(r2A, f64x2.mul(hvA, f64x2.sub(f64x2.mul(p2A, u2A), f64x2.mul(r2A, f64x2.add(I2, L2A))))));
    const w2B = f64x2.pmax(zero, f64x2.add(r2B, f64x2.mul(hvB, f64x2.sub(f64x2.mul(p2B, u2B), f64x2.mul(r2B, f64x2.add(I2, L2B))))));
    const nw0A = f64x2.mul(nA, w0A), nw1A = f64x2.mul(nA, w1A), nw2A = f64x2.mul(nA, w2A);
    const nw0B = f64x2.mul(nB, w0B), nw1B = f64x2.mul(nB, w1B), nw2B = f64x2.mul(nB, w2B);
    a0 = f64x2.add(a0, nw0A); a1 = f64x2.add(a1, nw1A); a2 = f64x2.add(a2, nw2A);
    a0 = f64x2.add(a0, nw0B); a1 = f64x2.add(a1, nw1B); a2 = f64x2.add(a2, nw2B);
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0A, d0A), f64x2.mul(p0A, nvA)));
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0B, d0B), f64x2.mul(p0B, nvB)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1A, d1A), f64x2.mul(p1A, nvA)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1B, d1B), f64x2.mul(p1B, nvB)));
    f2 = f64x2.add(f2, f64x2.add(f64x2.mul(nw2A, d2A), f64x2.mul(p2A, nvA)));
    f2 = f64x2.add(f2, f64x2.add(f64x2.mul(nw2B, d2B), f64x2.mul(p2B, nvB)));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0A, d0A), d0A), f64x2.mul(nvA, f64x2.add(f64x2.mul(two, f64x2.mul(p0A, d0A)), r0A))));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0B, d0B), d0B), f64x2.mul(nvB, f64x2.add(f64x2.mul(two, f64x2.mul(p0B, d0B)), r0B))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1A, d1A), d1A), f64x2.mul(nvA, f64x2.add(f64x2.mul(two, f64x2.mul(p1A, d1A)), r1A))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1B, d1B), d1B), f64x2.mul(nvB, f64x2.add(f64x2.mul(two, f64x2.mul(p1B, d1B)), r1B))));
    g2 = f64x2.add(g2, f64x2.add(f64x2.mul(f64x2.mul(nw2A, d2A), d2A), f64x2.mul(nvA, f64x2.add(f64x2.mul(two, f64x2.mul(p2A, d2A)), r2A))));
    g2 = f64x2.add(g2, f64x2.add(f64x2.mul(f64x2.mul(nw2B, d2B), d2B), f64x2.mul(nvB, f64x2.add(f64x2.mul(two, f64x2.mul(p2B, d2B)), r2B))));
  }
  for (; b < nc; b += 2) {
    // an odd last cell is paired with a copy of itself of count 0
    const o = <usize>b << 3, last = b + 1 == nc;
    const n = last ? f64x2.replace_lane(f64x2.splat(load<f64>(cnt + o)), 1, 0) : v128.load(cnt + o);
    const m = last ? f64x2.splat(load<f64>(mean + o)) : v128.load(mean + o);
    const v = last ? f64x2.splat(load<f64>(vr + o)) : v128.load(vr + o);
    const d0 = f64x2.sub(m, M0), d1 = f64x2.sub(m, M1), d2 = f64x2.sub(m, M2);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0, d0)), I0));
    const l1 = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1, d1)), I1));
    const l2 = f64x2.sub(B2, f64x2.mul(f64x2.mul(half, f64x2.mul(d2, d2)), I2));
    const q0 = f64x2.neg(f64x2.mul(d0, I0)), q1 = f64x2.neg(f64x2.mul(d1, I1)), q2 = f64x2.neg(f64x2.mul(d2, I2)); // d log N / dx
    const mx = f64x2.pmax(f64x2.pmax(l0, l1), l2);
    const e0 = expV(f64x2.sub(l0, mx)), e1 = expV(f64x2.sub(l1, mx)), e2 = expV(f64x2.sub(l2, mx));
    const s = f64x2.add(f64x2.add(e0, e1), e2), inv = f64x2.div(one, s);
    const r0 = f64x2.mul(e0, inv), r1 = f64x2.mul(e1, inv), r2 = f64x2.mul(e2, inv);
    const L1 = f64x2.add(f64x2.add(f64x2.mul(r0, q0), f64x2.mul(r1, q1)), f64x2.mul(r2, q2));
    const u0 = f64x2.sub(q0, L1), u1 = f64x2.sub(q1, L1), u2 = f64x2.sub(q2, L1);
    const p0 = f64x2.mul(r0, u0), p1 = f64x2.mul(r1, u1), p2 = f64x2.mul(r2, u2); // r_c'
    const L2 = f64x2.add(f64x2.add(
      f64x2.sub(f64x2.mul(p0, q0), f64x2.mul(r0, I0)),
      f64x2.sub(f64x2.mul(p1, q1), f64x2.mul(r1, I1))),
      f64x2.sub(f64x2.mul(p2, q2), f64x2.mul(r2, I2)));
    const ll = f64x2.mul(n, f64x2.add(mx, f64x2.mul(f64x2.mul(half, v), L2)));
    const ls = logV(s);
    logLik += lane0(ll) + lane1(ll) + lane0(n) * lane0(ls) + (last ? 0 : lane1(n) * lane1(ls));
    const hv = f64x2.mul(half, v), nv = f64x2.mul(n, v);
    // r_c'' = r_c' (q_c - L1) + r_c (-inv_c - L2); a_c = max(0, r_c + r_c'' v / 2)
    const w0 = f64x2.pmax(zero, f64x2.add(r0, f64x2.mul(hv, f64x2.sub(f64x2.mul(p0, u0), f64x2.mul(r0, f64x2.add(I0, L2))))));
    const w1 = f64x2.pmax(zero, f64x2.add(r1, f64x2.mul(hv, f64x2.sub(f64x2.mul(p1, u1), f64x2.mul(r1, f64x2.add(I1, L2))))));
    const w2 = f64x2.pmax(zero, f64x2.add(r2, f64x2.mul(hv, f64x2.sub(f64x2.mul(p2, u2), f64x2.mul(r2, f64x2.add(I2, L2))))));
    const nw0 = f64x2.mul(n, w0), nw1 = f64x2.mul(n, w1), nw2 = f64x2.mul(n, w2);
    a0 = f64x2.add(a0, nw0); a1 = f64x2.add(a1, nw1); a2 = f64x2.add(a2, nw2);
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0, d0), f64x2.mul(p0, nv)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1, d1), f64x2.mul(p1, nv)));
    f2 = f64x2.add(f2, f64x2.add(f64x2.mul(nw2, d2), f64x2.mul(p2, nv)));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0, d0), d0), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p0, d0)), r0))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1, d1), d1), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p1, d1)), r1))));
    g2 = f64x2.add(g2, f64x2.add(f64x2.mul(f64x2.mul(nw2, d2), d2), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p2, d2)), r2))));
  }
  store<f64>(out, hsum(a0)); store<f64>(out, hsum(a1), 8); store<f64>(out, hsum(a2), 16);
  store<f64>(out, hsum(f0), 24); store<f64>(out, hsum(f1), 32); store<f64>(out, hsum(f2), 40);
  store<f64>(out, hsum(g0), 48); store<f64>(out, hsum(g1), 56); store<f64>(out, hsum(g2), 64);
  return logLik;
}

