// The normal CDF of two arguments at once (f64x2) for the histogram statistics' per-bucket CDFs
// (binned-kde.ts kdeEvaluate, binned-fits.ts ksNormal): binned-common.ts normalCdf (fdlibm's erfc
// as src/util/special.ts computes it) lane by lane in the same operations, with the exp of its
// tail being binned-math.ts fdExp's general path, so each lane is normalCdf's value bit for bit
// (test/kernels/binned-lanes.test.ts). When the two arguments fall in different branches of erfc
// (or in one that is not vectorised: |x| >= 26, NaN), each lane is computed by normalCdf itself.
import { normalCdf } from "./binned-common";

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function sp(c: f64): v128 { return f64x2.splat(c); }
/** p z + c, as the scalar polynomials' (p * z + c). */
@inline function mad(p: v128, z: v128, c: f64): v128 { return f64x2.add(f64x2.mul(p, z), f64x2.splat(c)); }

const ERX: f64 = 8.45062911510467529297e-01;
/** Below this |x| the tail's exp argument -x^2 - 0.5625 + rs stays above -708 (fdExp's general path, no subnormal result). */
const TAIL_SIMD_MAX: f64 = 26;

/** erfc's branch of |x|: 0 (< 0.84375), 1 (< 1.25), 2 (< 1 / 0.35), 3 (< TAIL_SIMD_MAX), 4 (not vectorised). */
@inline function branchOf(a: f64): i32 {
  return a < 0.84375 ? 0 : a < 1.25 ? 1 : a < 1 / 0.35 ? 2 : a < TAIL_SIMD_MAX ? 3 : 4;
}

/** binned-math.ts fdExp for x in [-708, -1.5 ln 2] (its general path: k <= -2, 2^k normal). */
@inline function expTail(x: v128): v128 {
  const kf = f64x2.trunc(f64x2.add(f64x2.mul(sp(1.44269504088896338700e+00), x), sp(-0.5)));
  const hi = f64x2.sub(x, f64x2.mul(kf, sp(6.93147180369123816490e-01)));
  const lo = f64x2.mul(kf, sp(1.90821492927058770002e-10));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  const poly = f64x2.add(sp(1.66666666666666019037e-01), f64x2.mul(t, f64x2.add(sp(-2.77777777770155933842e-03), f64x2.mul(t,
    f64x2.add(sp(6.61375632143793436117e-05), f64x2.mul(t, f64x2.add(sp(-1.65339022054652515390e-06), f64x2.mul(t, sp(4.13813679705723846039e-08)))))))));
  const c = f64x2.sub(r, f64x2.mul(t, poly));
  const y = f64x2.sub(sp(1), f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(sp(2.0), c))), hi));
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  return f64x2.mul(y, i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52));
}

/** normalCdf of the two lanes of z. */
@inline export function normalCdf2(z: v128): v128 {
  const x = f64x2.div(f64x2.neg(z), sp(Math.SQRT2));
  const a = f64x2.abs(x);
  const b = branchOf(lane0(a));
  if (b != branchOf(lane1(a)) || b == 4) return f64x2.replace_lane(f64x2.splat(normalCdf(lane0(z))), 1, normalCdf(lane1(z)));
  let erfc: v128;
  if (b == 0) {
    const q2 = f64x2.mul(x, x);
    let p = mad(mad(mad(mad(sp(-2.37630166566501626084e-05), q2, -5.77027029648944159157e-03), q2, -2.84817495755985104766e-02), q2, -3.25042107247001499370e-01), q2, 1.28379167095512558561e-01);
    let q = mad(mad(mad(mad(mad(sp(-3.96022827877536812320e-06), q2, 1.32494738004321644526e-04), q2, 5.08130628187576562776e-03), q2, 6.50222499887672944485e-02), q2, 3.97917223959155352819e-01), q2, 1);
    erfc = f64x2.sub(sp(1), f64x2.add(x, f64x2.mul(x, f64x2.div(p, q))));
  } else {
    let t: v128;
    if (b == 1) {
      const s = f64x2.sub(a, sp(1));
      const p = mad(mad(mad(mad(mad(mad(sp(-2.16637559486879084300e-03), s, 3.54783043256182359371e-02), s, -1.10894694282396677476e-01), s, 3.18346619901161753674e-01), s, -3.72207876035701323847e-01), s, 4.14856118683748331666e-01), s, -2.36211856075265944077e-03);
      const q = mad(mad(mad(mad(mad(mad(sp(1.19844998467991074170e-02), s, 1.36370839120290507362e-02), s, 1.26171219808761642112e-01), s, 7.18286544141962662868e-02), s, 5.40397917702171048937e-01), s, 1.06420880400844228286e-01), s, 1);
      t = f64x2.sub(f64x2.sub(sp(1), sp(ERX)), f64x2.div(p, q));
    } else {
      const s = f64x2.div(sp(1), f64x2.mul(a, a));
      let r: v128, q: v128;
      if (b == 2) {
        r = mad(mad(mad(mad(mad(mad(mad(sp(-9.81432934416914548592e+00), s, -8.12874355063065934246e+01), s, -1.84605092906711035994e+02), s, -1.62396669462573470355e+02), s, -6.23753324503260060396e+01), s, -1.05586262253232909814e+01), s, -6.93858572707181764372e-01), s, -9.86494403484714822705e-03);
        q = mad(mad(mad(mad(mad(mad(mad(mad(sp(-6.04244152148580987438e-02), s, 6.57024977031928170135e+00), s, 1.08635005541779435134e+02), s, 4.29008140027567833386e+02), s, 6.45387271733267880336e+02), s, 4.34565877475229228821e+02), s, 1.37657754143519042600e+02), s, 1.96512716674392571292e+01), s, 1);
      } else {
        r = mad(mad(mad(mad(mad(mad(sp(-4.83519191608651397019e+02), s, -1.02509513161107724954e+03), s, -6.37566443368389627722e+02), s, -1.60636384855821916062e+02), s, -1.77579549177547519889e+01), s, -7.99283237680523006574e-01), s, -9.86494292470009928597e-03);
        q = mad(mad(mad(mad(mad(mad(mad(sp(-2.24409524465858183362e+01), s, 4.74528541206955367215e+02), s, 2.55305040643316442583e+03), s, 3.19985821950859553908e+03), s, 1.53672958608443695994e+03), s, 3.25792512996573918826e+02), s, 3.03380607434824582924e+01), s, 1);
      }
      const rs = f64x2.div(r, q);
      t = f64x2.div(expTail(f64x2.add(f64x2.sub(f64x2.mul(f64x2.neg(a), a), sp(0.5625)), rs)), a);
    }
    erfc = v128.bitselect(f64x2.sub(sp(2), t), t, f64x2.lt(x, sp(0)));
  }
  return f64x2.mul(sp(0.5), erfc);
}

/** normalCdf2 over n values at p in pairs, in place (to check it against normalCdf). */
export function normalCdfBatch(p: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(p + (<usize>i << 3), normalCdf2(v128.load(p + (<usize>i << 3))));
  if (i < n) store<f64>(p + (<usize>i << 3), normalCdf(load<f64>(p + (<usize>i << 3))));
}
