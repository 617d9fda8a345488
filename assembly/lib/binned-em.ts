// The histogram-cell mixture EM run (gmm-binned.ts runEm: squarem.ts runSquarem over emStep and
// assembly/shape.ts's cell pass), for assembly/shape-binned.ts.
import { hostLog, ld, st } from "./binned-common";

// ---- the histogram-cell Gaussian mixture EM (gmm-binned.ts runEm: squarem.ts runSquarem over emStep)

// exp(x) of the cell EM pass: assembly/shape.ts's expV, copied so the EM run here gives the same
// bits as gmm-binned.ts driving that kernel's binnedEmSums (a Cody-Waite reduction and a degree-12
// Taylor polynomial; 0 below -708).
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const SHIFTER: f64 = 6755399441055744.0;
const EXP_MIN: f64 = -708.0;
const EXP_MAX: f64 = 709.0;

@inline function expV(x: v128): v128 {
  const xc = f64x2.pmin(f64x2.pmax(x, f64x2.splat(EXP_MIN)), f64x2.splat(EXP_MAX));
  const t = f64x2.add(f64x2.mul(xc, f64x2.splat(LOG2E)), f64x2.splat(SHIFTER));
  const n = f64x2.sub(t, f64x2.splat(SHIFTER));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)));
  let p = f64x2.splat(2.08767569878680989792e-9);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.50521083854417187751e-8));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.75573192239858906526e-7));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.75573192239858906526e-6));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.48015873015873015873e-5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.98412698412698412698e-4));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.38888888888888888889e-3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(8.33333333333333333333e-3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(4.16666666666666666667e-2));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.66666666666666666667e-1));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  const y = f64x2.mul(p, scale);
  return v128.and(y, f64x2.ge(x, f64x2.splat(EXP_MIN)));
}

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }

/** assembly/shape.ts binnedEmSums, unchanged: one pass over the cells (3 components, dummies with base -Inf). */
function binnedEmSums(cnt: usize, mean: usize, vr: usize, nc: i32, par: usize, out: usize): f64 {
  const M0 = f64x2.splat(load<f64>(par)), M1 = f64x2.splat(load<f64>(par, 8)), M2 = f64x2.splat(load<f64>(par, 16));
  const B0 = f64x2.splat(load<f64>(par, 24)), B1 = f64x2.splat(load<f64>(par, 32)), B2 = f64x2.splat(load<f64>(par, 40));
  const I0 = f64x2.splat(load<f64>(par, 48)), I1 = f64x2.splat(load<f64>(par, 56)), I2 = f64x2.splat(load<f64>(par, 64));
  const zero = f64x2.splat(0), half = f64x2.splat(0.5), one = f64x2.splat(1), two = f64x2.splat(2);
  let a0 = zero, a1 = zero, a2 = zero, f0 = zero, f1 = zero, f2 = zero, g0 = zero, g1 = zero, g2 = zero;
  let logLik: f64 = 0;
  for (let b = 0; b < nc; b += 2) {
    const o = <usize>b << 3, last = b + 1 == nc;
    const n = last ? f64x2.replace_lane(f64x2.splat(load<f64>(cnt + o)), 1, 0) : v128.load(cnt + o);
    const m = last ? f64x2.splat(load<f64>(mean + o)) : v128.load(mean + o);
    const v = last ? f64x2.splat(load<f64>(vr + o)) : v128.load(vr + o);
    const d0 = f64x2.sub(m, M0), d1 = f64x2.sub(m, M1), d2 = f64x2.sub(m, M2);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0, d0)), I0));
    const l1 = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1, d1)), I1));
    const l2 = f64x2.sub(B2, f64x2.mul(f64x2.mul(half, f64x2.mul(d2, d2)), I2));
    const q0 = f64x2.neg(f64x2.mul(d0, I0)), q1 = f64x2.neg(f64x2.mul(d1, I1)), q2 = f64x2.neg(f64x2.mul(d2, I2));
    const mx = f64x2.pmax(f64x2.pmax(l0, l1), l2);
    const e0 = expV(f64x2.sub(l0, mx)), e1 = expV(f64x2.sub(l1, mx)), e2 = expV(f64x2.sub(l2, mx));
    const s = f64x2.add(f64x2.add(e0, e1), e2), inv = f64x2.div(one, s);
    const r0 = f64x2.mul(e0, inv), r1 = f64x2.mul(e1, inv), r2 = f64x2.mul(e2, inv);
    const L1 = f64x2.add(f64x2.add(f64x2.mul(r0, q0), f64x2.mul(r1, q1)), f64x2.mul(r2, q2));
    const u0 = f64x2.sub(q0, L1), u1 = f64x2.sub(q1, L1), u2 = f64x2.sub(q2, L1);
    const p0 = f64x2.mul(r0, u0), p1 = f64x2.mul(r1, u1), p2 = f64x2.mul(r2, u2);
    const L2 = f64x2.add(f64x2.add(
      f64x2.sub(f64x2.mul(p0, q0), f64x2.mul(r0, I0)),
      f64x2.sub(f64x2.mul(p1, q1), f64x2.mul(r1, I1))),
      f64x2.sub(f64x2.mul(p2, q2), f64x2.mul(r2, I2)));
    const ll = f64x2.mul(n, f64x2.add(mx, f64x2.mul(f64x2.mul(half, v), L2)));
    logLik += lane0(ll) + lane1(ll) + lane0(n) * Math.log(lane0(s)) + (last ? 0 : lane1(n) * Math.log(lane1(s)));
    const hv = f64x2.mul(half, v), nv = f64x2.mul(n, v);
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

const TINY: f64 = 10 * f64.EPSILON;
const MAX_BACKTRACKS: i32 = 4;
/** A parameter set: weights (3), means (3), variances (3); components k..2 unused. */
const PARAMS: usize = 72;

// EM state of one run: the cells, k, regCovar, ln 2 pi and the pass's scratch (par, out: 9 f64 each)
let emCnt: usize = 0, emMean: usize = 0, emVar: usize = 0, emCells: i32 = 0, emK: i32 = 0;
let emReg: f64 = 0, emTotal: f64 = 0, emLog2Pi: f64 = 0, emPar: usize = 0, emOut: usize = 0;

/** gmm-binned.ts emStep: the mean log-likelihood at p; the parameters after the step into next. */
function emStep(p: usize, next: usize): f64 {
  const k = emK;
  for (let c = 0; c < 3; c++) {
    st(emPar, c, c < k ? ld(p, 3 + c) : 0);
    st(emPar, 3 + c, c < k ? hostLog(ld(p, c)) + -0.5 * (emLog2Pi + hostLog(ld(p, 6 + c))) : -Infinity);
    st(emPar, 6 + c, c < k ? 1 / ld(p, 6 + c) : 0);
  }
  const logLik = binnedEmSums(emCnt, emMean, emVar, emCells, emPar, emOut);
  let total: f64 = 0;
  for (let c = 0; c < k; c++) total += TINY + ld(emOut, c);
  for (let c = 0; c < k; c++) {
    const s0 = TINY + ld(emOut, c), s1 = 0 + ld(emOut, 3 + c), s2 = 0 + ld(emOut, 6 + c);
    const shift = s1 / s0;
    st(next, c, s0 / total);
    st(next, 3 + c, ld(p, 3 + c) + shift);
    st(next, 6 + c, max(0, s2 / s0 - shift * shift) + emReg);
  }
  return logLik / emTotal;
}

/** squarem.ts steplength over the k used entries of each field. */
function steplength(p: usize, p1: usize, p2: usize): f64 {
  let rr: f64 = 0, vv: f64 = 0;
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < emK; c++) {
      const i = 3 * f + c;
      const r = ld(p1, i) - ld(p, i), v = ld(p2, i) - 2 * ld(p1, i) + ld(p, i);
      rr += r * r;
      vv += v * v;
    }
  }
  return vv > 0 ? -max(1, Math.sqrt(rr / vv)) : -1;
}

/** squarem.ts extrapolate into out; false when it is not a valid mixture. */
function extrapolate(p: usize, p1: usize, p2: usize, alpha: f64, out: usize): bool {
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < emK; c++) {
      const i = 3 * f + c;
      const r = ld(p1, i) - ld(p, i), v = ld(p2, i) - 2 * ld(p1, i) + ld(p, i);
      st(out, i, ld(p, i) - 2 * alpha * r + alpha * alpha * v);
    }
  }
  let total: f64 = 0;
  for (let c = 0; c < emK; c++) {
    if (!(ld(out, c) > 0) || !(ld(out, 6 + c) >= emReg)) return false;
    total += ld(out, c);
  }
  for (let c = 0; c < emK; c++) st(out, c, ld(out, c) / total);
  return true;
}

/**
 * squarem.ts runSquarem over gmm-binned.ts emStep on nc cells (cnt, mean, vr) from the k-component
 * parameters at `start` (w, mu, v: 3 slots each); work: scratch of 672 bytes. Writes the
 * final parameters (9 f64), then meanLogLik, converged (1/0) and iterations to out (12 f64).
 */
export function binnedEmRun(cnt: usize, mean: usize, vr: usize, nc: i32, total: f64, k: i32, start: usize, maxIter: i32, tol: f64, regCovar: f64, log2Pi: f64, work: usize, out: usize): void {
  emCnt = cnt; emMean = mean; emVar = vr; emCells = nc; emK = k; emReg = regCovar; emTotal = total; emLog2Pi = log2Pi;
  emPar = work; emOut = work + 80; // 9 f64 each, 16-byte aligned
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
    let alpha = steplength(p, a, b);
    for (let tries = 0; alpha < -1 && tries < MAX_BACKTRACKS && !haveC; alpha = (alpha - 1) / 2, tries++) {
      if (!extrapolate(p, a, b, alpha, jump)) continue;
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
    // p = c.next: swap the slots
    const t = p; p = c; c = t;
  }
  finish(p, false, steps, out);
}

/** runSquarem's done(q, converged): q, the mean log-likelihood at q (an uncounted step), converged, iterations. */
function finish(q: usize, converged: bool, steps: i32, out: usize): void {
  const scratch = emOut + 80 + 5 * PARAMS; // past the run's parameter slots
  const ll = emStep(q, scratch);
  memory.copy(out, q, PARAMS);
  st(out, 9, ll);
  st(out, 10, converged ? 1 : 0);
  st(out, 11, <f64>steps);
}
