// The Gaussian-mixture EM's shared SIMD pieces: expV (exp of two f64 lanes) and the cell pass of
// the histogram-cell EM (binnedEmSums). Used by assembly/shape.ts (one EM step per call, driven by
// src/stats/shape/gmm-binned.ts) and assembly/lib/binned-em.ts (the whole EM run in the kernel), so
// both give the same bits. Not a general math library: expV is for arguments <= 709.

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }

// exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 (Cody-Waite, |r| <= ln 2 / 2), exp(r)
// by its Taylor polynomial of degree 12 (truncation below 2e-16 relative), 2^n from the bits.
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const SHIFTER: f64 = 6755399441055744.0; // 1.5 * 2^52: adding it rounds to an integer kept in the low bits
/** Below this, expV returns 0 (exp is below 3.3e-308 there; 2^n would need a subnormal). */
const EXP_MIN: f64 = -708.0;
const EXP_MAX: f64 = 709.0;

@inline export function expV(x: v128): v128 {
  // pmin/pmax: one instruction each (min/max's NaN rules cost several; NaN is masked below)
  const xc = f64x2.pmin(f64x2.pmax(x, f64x2.splat(EXP_MIN)), f64x2.splat(EXP_MAX));
  const t = f64x2.add(f64x2.mul(xc, f64x2.splat(LOG2E)), f64x2.splat(SHIFTER));
  const n = f64x2.sub(t, f64x2.splat(SHIFTER));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)));
  let p = f64x2.splat(2.08767569878680989792e-9); // 1/12!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.50521083854417187751e-8)); // 1/11!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.75573192239858906526e-7)); // 1/10!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.75573192239858906526e-6)); // 1/9!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.48015873015873015873e-5)); // 1/8!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.98412698412698412698e-4)); // 1/7!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.38888888888888888889e-3)); // 1/6!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(8.33333333333333333333e-3)); // 1/5!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(4.16666666666666666667e-2)); // 1/4!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.66666666666666666667e-1)); // 1/3!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  const y = f64x2.mul(p, scale);
  return v128.and(y, f64x2.ge(x, f64x2.splat(EXP_MIN))); // 0 below EXP_MIN (and for NaN)
}


/**
 * One EM pass of the histogram-cell mixture (src/stats/shape/gmm-binned.ts, its oracle) over nc
 * cells (count, mean, within-cell variance at cnt, mean, vr), two cells per f64x2, always with 3
 * components: a fit with fewer passes dummies (log-weight -Inf, inv 0), which get r = 0 and add
 * nothing. par: means (3), logW + logNorm (3), inv = 1 / v_c (3). Writes the per-component sums
 * s0 (3), s1 (3), s2 (3) to `out` and returns the log-likelihood sum over the cells.
 */
export function binnedEmSums(cnt: usize, mean: usize, vr: usize, nc: i32, par: usize, out: usize): f64 {
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
    logLik += lane0(ll) + lane1(ll) + lane0(n) * Math.log(lane0(s)) + (last ? 0 : lane1(n) * Math.log(lane1(s)));
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

