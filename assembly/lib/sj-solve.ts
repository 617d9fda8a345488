// Sheather-Jones's equation for the bandwidth (src/stats/shape/bandwidth.ts: phi's sums, phiTerms,
// fSD and R's Brent search, its oracle) in the shape kernel: the same arithmetic in the same order,
// Math.pow taken from the host (imported), so the same bandwidth bit for bit and no host call per
// phi. For assembly/shape.ts.
import { expV } from "./em-common";

@external("env", "pow") declare function hostPow(x: f64, y: f64): f64;

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function hsum(v: v128): f64 { return lane0(v) + f64x2.extract_lane(v, 1); }

/**
 * Sheather-Jones (src/stats/shape/bandwidth.ts phi): sum over i < iMax of exp(-delta/2) poly(delta)
 * counts[i], delta = (i binWidth / h)^2, poly = delta^2 - 6 delta + 3 (order 4) or
 * delta^3 - 15 delta^2 + 45 delta - 15 (order 6).
 */
export function sjPhiSum(counts: usize, iMax: i32, binWidth: f64, h: f64, order: i32): f64 {
  return phiSum(counts, iMax, binWidth, h, order, false);
}

/** sjPhiSum two index pairs per iteration only (the loop the interleaved one equals bit for bit; for the tests). */
export function sjPhiSumSerial(counts: usize, iMax: i32, binWidth: f64, h: f64, order: i32): f64 {
  return phiSum(counts, iMax, binWidth, h, order, true);
}

/** phi's term of the two indices in idx (delta = (i binWidth / h)^2) times their counts at p. */
@inline function phiTerm(idx: v128, BW: v128, H: v128, half: v128, order: i32, p: usize): v128 {
  let delta = f64x2.div(f64x2.mul(idx, BW), H);
  delta = f64x2.mul(delta, delta);
  const poly = order == 4
    ? f64x2.add(f64x2.mul(delta, f64x2.sub(delta, f64x2.splat(6))), f64x2.splat(3))
    : f64x2.sub(f64x2.mul(delta, f64x2.add(f64x2.mul(delta, f64x2.sub(delta, f64x2.splat(15))), f64x2.splat(45))), f64x2.splat(15));
  return f64x2.mul(f64x2.mul(expV(f64x2.mul(delta, half)), poly), v128.load(p));
}

function phiSum(counts: usize, iMax: i32, binWidth: f64, h: f64, order: i32, serial: bool): f64 {
  const BW = f64x2.splat(binWidth), H = f64x2.splat(h), half = f64x2.splat(-0.5);
  let acc = f64x2.splat(0), idx = f64x2.replace_lane(f64x2.splat(0), 1, 1);
  const two = f64x2.splat(2), four = f64x2.splat(4), six = f64x2.splat(6), eight = f64x2.splat(8);
  let i = 0;
  // four, then two index pairs per iteration: their terms (exp's long chain) computed side by side,
  // added in index order (the indices i + 2, i + 4, i + 6 are exact small integers, as idx's sums)
  const paired = serial ? 0 : iMax;
  for (; i + 8 <= paired; i += 8) {
    const ta = phiTerm(idx, BW, H, half, order, counts + (<usize>i << 3));
    const tb = phiTerm(f64x2.add(idx, two), BW, H, half, order, counts + (<usize>(i + 2) << 3));
    const tc = phiTerm(f64x2.add(idx, four), BW, H, half, order, counts + (<usize>(i + 4) << 3));
    const td = phiTerm(f64x2.add(idx, six), BW, H, half, order, counts + (<usize>(i + 6) << 3));
    acc = f64x2.add(acc, ta);
    acc = f64x2.add(acc, tb);
    acc = f64x2.add(acc, tc);
    acc = f64x2.add(acc, td);
    idx = f64x2.add(idx, eight);
  }
  for (; i + 4 <= paired; i += 4) {
    const ta = phiTerm(idx, BW, H, half, order, counts + (<usize>i << 3));
    const tb = phiTerm(f64x2.add(idx, two), BW, H, half, order, counts + (<usize>(i + 2) << 3));
    acc = f64x2.add(acc, ta);
    acc = f64x2.add(acc, tb);
    idx = f64x2.add(idx, four);
  }
  for (; i + 2 <= iMax; i += 2) {
    acc = f64x2.add(acc, phiTerm(idx, BW, H, half, order, counts + (<usize>i << 3)));
    idx = f64x2.add(idx, two);
  }
  let sum = hsum(acc);
  if (i < iMax) {
    let delta = (<f64>i * binWidth) / h;
    delta *= delta;
    const poly = order == 4 ? delta * delta - 6 * delta + 3 : delta * delta * delta - 15 * delta * delta + 45 * delta - 15;
    sum += lane0(expV(f64x2.splat(-delta / 2))) * poly * load<f64>(counts + (<usize>i << 3));
  }
  return sum;
}

/** R's DELMAX: phi's terms stop where (i binWidth / h)^2 reaches it. */
const DELMAX: f64 = 1000;

/** bandwidth.ts phiTerms (a NaN start gives 0 terms, as the host's copy of NaN counts did). */
function phiTerms(len: i32, binWidth: f64, h: f64): i32 {
  const start = min(<f64>len, max(0, Math.floor((Math.sqrt(DELMAX) * h) / binWidth)));
  if (isNaN(start)) return 0;
  let i = <i32>start;
  while (i > 0 && beyond(i - 1, binWidth, h)) i--;
  while (i < len && !beyond(i, binWidth, h)) i++;
  return i;
}

@inline function beyond(i: i32, binWidth: f64, h: f64): bool {
  const delta = (<f64>i * binWidth) / h;
  return delta * delta >= DELMAX;
}

// the pair counts and n of the current solve
let sCounts: usize = 0;
let sLen: i32 = 0;
let sBinWidth: f64 = 0;
let sN: f64 = 0;

/** bandwidth.ts phi (with the kernel's sum). */
function phi(order: i32, h: f64): f64 {
  const n = sN;
  let sum = sjPhiSum(sCounts, phiTerms(sLen, sBinWidth, h), sBinWidth, h, order);
  sum = order == 4 ? 2 * sum + n * 3 : 2 * sum - 15 * n;
  return (sum / (n * (n - 1) * hostPow(h, <f64>(order + 1)))) / Math.sqrt(2 * Math.PI);
}

let sC1: f64 = 0;
let sAlph2: f64 = 0;

/** bandwidth.ts fSD. */
function fSD(h: f64): f64 {
  return hostPow(sC1 / phi(4, sAlph2 * hostPow(h, 5.0 / 7.0)), 1.0 / 5.0) - h;
}

/**
 * bandwidth.ts bandwidthSJFromPairCounts(n, pc, scale, "ste") over the len pair counts at `counts`:
 * returns the bandwidth, with a status at `status` (i32): 0 solved, 1 TD not finite or <= 0, 2 alph2
 * not finite, 3 no sign change within 99 widenings (the host throws what the oracle throws).
 */
export function sjSolve(counts: usize, len: i32, binWidth: f64, n: f64, scale: f64, status: usize): f64 {
  sCounts = counts;
  sLen = len;
  sBinWidth = binWidth;
  sN = n;
  store<i32>(status, 0);
  const a = 1.24 * scale * hostPow(n, -1.0 / 7.0);
  const b = 1.23 * scale * hostPow(n, -1.0 / 9.0);
  sC1 = 1 / (2 * Math.sqrt(Math.PI) * n);
  const td = -phi(6, b);
  if (!isFinite(td) || td <= 0) {
    store<i32>(status, 1);
    return NaN;
  }
  const hmax = 1.144 * scale * hostPow(n, -1.0 / 5.0);
  let lower = 0.1 * hmax, upper = hmax;
  sAlph2 = 1.357 * hostPow(phi(4, a) / td, 1.0 / 7.0);
  if (!isFinite(sAlph2)) {
    store<i32>(status, 2);
    return NaN;
  }
  for (let attempt = 1; fSD(lower) * fSD(upper) > 0; attempt++) {
    if (attempt > 99) {
      store<i32>(status, 3);
      return NaN;
    }
    if (attempt % 2) upper *= 1.2;
    else lower /= 1.2;
  }
  return brentRoot(lower, upper, fSD(lower), fSD(upper), 0.1 * lower, 1000);
}

/** bandwidth.ts brentRoot over fSD (R's uniroot step rules). */
function brentRoot(ax: f64, bx: f64, fa0: f64, fb0: f64, tol: f64, maxIter: i32): f64 {
  const EPS: f64 = 2.220446049250313e-16;
  let a = ax, b = bx, fa = fa0, fb = fb0, c = a, fc = fa;
  if (fa == 0) return a;
  if (fb == 0) return b;
  for (let it = 0; it <= maxIter; it++) {
    const prevStep = b - a;
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tolAct = 2 * EPS * Math.abs(b) + tol / 2;
    let step = (c - b) / 2;
    if (Math.abs(step) <= tolAct || fb == 0) return b;
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      const cb = c - b;
      let p: f64, q: f64;
      if (a == c) {
        const t1 = fb / fa; // secant
        p = cb * t1;
        q = 1 - t1;
      } else {
        const qq = fa / fc, t1 = fb / fc, t2 = fb / fa; // inverse quadratic
        p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1));
        q = (qq - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) step = p / q;
    }
    if (Math.abs(step) < tolAct) step = step > 0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += step;
    fb = fSD(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}
