// Shared pieces of the histogram shape-statistics kernel (assembly/shape-binned.ts): the host's
// Math functions it imports (so its results are the TypeScript oracles' bit for bit; exp and log
// are computed in the kernel, bit for bit the same: binned-math.ts), f64/i32
// loads and stores by index, and erfc / the normal CDF as src/util/special.ts computes them.

@external("env", "exp") export declare function hostExp(x: f64): f64;
@external("env", "log") export declare function hostLog(x: f64): f64;
@external("env", "log1p") export declare function hostLog1p(x: f64): f64;
@external("env", "cos") export declare function hostCos(x: f64): f64;
@external("env", "sin") export declare function hostSin(x: f64): f64;

import { fdExp } from "./binned-math";

@inline export function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline export function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
@inline export function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline export function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

export const SQRT_2PI: f64 = Math.sqrt(2 * Math.PI);

// ---- erfc and the normal CDF: src/util/special.ts (fdlibm's s_erf.c coefficients), same operations

const ERX: f64 = 8.45062911510467529297e-01;

@inline function smallErf(x: f64): f64 {
  const z = x * x;
  const p = (((-2.37630166566501626084e-05 * z + -5.77027029648944159157e-03) * z + -2.84817495755985104766e-02) * z + -3.25042107247001499370e-01) * z + 1.28379167095512558561e-01;
  const q = ((((-3.96022827877536812320e-06 * z + 1.32494738004321644526e-04) * z + 5.08130628187576562776e-03) * z + 6.50222499887672944485e-02) * z + 3.97917223959155352819e-01) * z + 1;
  return x + x * (p / q);
}

function erfcTail(a: f64): f64 {
  if (a < 1.25) {
    const s = a - 1;
    const p = (((((-2.16637559486879084300e-03 * s + 3.54783043256182359371e-02) * s + -1.10894694282396677476e-01) * s + 3.18346619901161753674e-01) * s + -3.72207876035701323847e-01) * s + 4.14856118683748331666e-01) * s + -2.36211856075265944077e-03;
    const q = (((((1.19844998467991074170e-02 * s + 1.36370839120290507362e-02) * s + 1.26171219808761642112e-01) * s + 7.18286544141962662868e-02) * s + 5.40397917702171048937e-01) * s + 1.06420880400844228286e-01) * s + 1;
    return 1 - ERX - p / q;
  }
  if (a >= 28) return 0;
  const s = 1 / (a * a);
  let rs: f64;
  if (a < 1 / 0.35) {
    const r = ((((((-9.81432934416914548592e+00 * s + -8.12874355063065934246e+01) * s + -1.84605092906711035994e+02) * s + -1.62396669462573470355e+02) * s + -6.23753324503260060396e+01) * s + -1.05586262253232909814e+01) * s + -6.93858572707181764372e-01) * s + -9.86494403484714822705e-03;
    const q = (((((((-6.04244152148580987438e-02 * s + 6.57024977031928170135e+00) * s + 1.08635005541779435134e+02) * s + 4.29008140027567833386e+02) * s + 6.45387271733267880336e+02) * s + 4.34565877475229228821e+02) * s + 1.37657754143519042600e+02) * s + 1.96512716674392571292e+01) * s + 1;
    rs = r / q;
  } else {
    const r = (((((-4.83519191608651397019e+02 * s + -1.02509513161107724954e+03) * s + -6.37566443368389627722e+02) * s + -1.60636384855821916062e+02) * s + -1.77579549177547519889e+01) * s + -7.99283237680523006574e-01) * s + -9.86494292470009928597e-03;
    const q = ((((((-2.24409524465858183362e+01 * s + 4.74528541206955367215e+02) * s + 2.55305040643316442583e+03) * s + 3.19985821950859553908e+03) * s + 1.53672958608443695994e+03) * s + 3.25792512996573918826e+02) * s + 3.03380607434824582924e+01) * s + 1;
    rs = r / q;
  }
  return fdExp(-a * a - 0.5625 + rs) / a;
}

function erfc(x: f64): f64 {
  const a = Math.abs(x);
  if (isNaN(x)) return NaN;
  if (a < 0.84375) return 1 - smallErf(x);
  const t = erfcTail(a);
  return x < 0 ? 2 - t : t;
}

@inline export function normalCdf(z: f64): f64 { return 0.5 * erfc(-z / Math.SQRT2); }
