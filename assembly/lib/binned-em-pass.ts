// The cell pass of the histogram-cell mixture EM (em-common.ts binnedEmSums) for fits of one and
// two components, for assembly/lib/binned-em.ts. binnedEmSums always runs three components, a
// smaller fit's unused ones being dummies (log-weight -Inf, inv 0) whose exp is exactly 0: every
// term they add to a sum is +-0, which leaves a sum started at +0 as it is. These passes leave
// those terms out (one or two exps per cell pair instead of three; for one component exp(0) = 1
// and log(1) = 0 exactly, so neither is computed): the same sums, bit for bit (compared with
// binnedEmSums through the whole EM run in test/kernels/shape-binned-wasm.test.ts).
import { expV } from "./em-common";

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
    logLik += lane0(ll) + lane1(ll) + lane0(n) * Math.log(lane0(s)) + (last ? 0 : lane1(n) * Math.log(lane1(s)));
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
