// The histogram-cell mixture EM run (gmm-binned.ts runEm: squarem.ts runSquarem over emStep and
// assembly/shape.ts's cell pass), for assembly/shape-binned.ts.
import { ld, st } from "./binned-common";
import { fdLog } from "./binned-math";
import { binnedEmSums1, binnedEmSums2, binnedEmSums3 } from "./binned-em-pass";
import { squaremExtrapolate, squaremSteplength } from "./squarem";

// ---- the histogram-cell Gaussian mixture EM (gmm-binned.ts runEm: squarem.ts runSquarem over emStep)

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }

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
    st(emPar, 3 + c, c < k ? fdLog(ld(p, c)) + -0.5 * (emLog2Pi + fdLog(ld(p, 6 + c))) : -Infinity);
    st(emPar, 6 + c, c < k ? 1 / ld(p, 6 + c) : 0);
  }
  const logLik = k == 1 ? binnedEmSums1(emCnt, emMean, emVar, emCells, emPar, emOut)
    : k == 2 ? binnedEmSums2(emCnt, emMean, emVar, emCells, emPar, emOut)
    : binnedEmSums3(emCnt, emMean, emVar, emCells, emPar, emOut);
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
