// The cell pass of the histogram-cell mixture EM (em-common.ts binnedEmSums) for fits of one, two
// and three components, for assembly/lib/binned-em.ts; ln of the two lanes' sums at once
// (binned-log.ts logV: Math.log's values bit for bit). binnedEmSums always runs three components, a
// smaller fit's unused ones being dummies (log-weight -Inf, inv 0) whose exp is exactly 0: every
// term they add to a sum is +-0, which leaves a sum started at +0 as it is. These passes leave
// those terms out (one or two exps per cell pair instead of three; for one component exp(0) = 1
// and log(1) = 0 exactly, so neither is computed): the same sums, bit for bit (compared with
// binnedEmSums through the whole EM run in test/kernels/shape-binned-wasm.test.ts).
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
  for (let b = 0; b < nc; b += 2) {
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
  for (let b = 0; b < nc; b += 2) {
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

