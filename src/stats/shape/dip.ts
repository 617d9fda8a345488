// Hartigan's dip statistic (Hartigan & Hartigan 1985, Ann. Statist. 13(1); algorithm AS 217,
// Appl. Statist. 34(3)), with the conventions of R's diptest::dip (value D in [1/(2n), 1/4]).
// Pure; no I/O. The p-value lives in dip-test.ts.
import { shapeKernels } from "./kernels.js";
import { sortedFinite, type Values } from "./sample.js";

export const DIP_METHOD = "Hartigan dip, AS 217 as in R diptest::dip" as const;

export interface DipResult {
  method: typeof DIP_METHOD;
  /** Number of finite values used. */
  n: number;
  /** The dip: sup-distance between the empirical CDF and the closest unimodal CDF. */
  dip: number;
  /** 0-based index (into the sorted finite values) of the lower end of the modal interval. */
  lowIndex: number;
  /** 0-based index of the upper end of the modal interval. */
  highIndex: number;
  /** Lower end of the modal interval (diptest's `xl`). */
  modalLow: number;
  /** Upper end of the modal interval (diptest's `xu`). */
  modalHigh: number;
}

/**
 * The dip of `x` (non-finite values dropped; needs n >= 4). Equals R's `diptest::dip(x)`
 * (min.is.0 = FALSE, so D >= 1/(2n)); `lowIndex`/`highIndex` are R's `lo.hi` minus one (in
 * exactly tied geometries R on x86-64 may report the other, equally valid, interval: see DipTieRule).
 */
export function dipStatistic(x: Values): DipResult {
  const v = sortedFinite(x, 4, "dipStatistic");
  return dipOfSorted(v);
}

/**
 * How `widestGap` settles (near-)exact ties between candidate gaps. "plain": the later one wins
 * when dx >= d in float64, as diptest does where long double is double (e.g. ARM64). On x86-64,
 * diptest compares in 80-bit long double, so in exactly tied geometries (rare; from tied or
 * symmetric data) R may report the other modal interval; the dip value is the same. "later" /
 * "earlier" resolve ties within a relative 1e-12 one way or the other (used by tests).
 */
export type DipTieRule = "plain" | "later" | "earlier";

/** The dip of already sorted finite values (n >= 1); no checks. */
export function dipOfSorted(x: Float64Array, tieRule: DipTieRule = "plain"): DipResult {
  const n = x.length;
  const r = dipCounts(x, tieRule);
  return {
    method: DIP_METHOD, n, dip: r.dip / (2 * n),
    lowIndex: r.low, highIndex: r.high, modalLow: x[r.low]!, modalHigh: x[r.high]!,
  };
}

/**
 * Works in count units (distances times n). Each point i (0-based) is the ECDF step from
 * count i (lower corner) to i + 1 (upper corner). The greatest convex minorant (GCM) runs
 * through lower corners, the least concave majorant (LCM) through upper corners; both share
 * the vertex indices of the convex hull of (x_i, i). Returns twice the dip, in counts.
 */
function dipCounts(x: Float64Array, tieRule: DipTieRule): { dip: number; low: number; high: number } {
  const kernels = tieRule === "plain" && x.length >= 4 ? shapeKernels() : null;
  return kernels === null ? scalarDipCounts(x, tieRule) : kernels.dipCounts(x);
}

/** dipCounts in TypeScript: the oracle of the WASM kernel (kernels.ts dipCounts) and the default. */
export function scalarDipCounts(x: Float64Array, tieRule: DipTieRule): { dip: number; low: number; high: number } {
  const n = x.length;
  let low = 0, high = n - 1, dip = 1;
  if (n < 4 || x[n - 1] === x[0]) return { dip, low, high };
  const below = convexPredecessors(x);
  const above = concaveSuccessors(x);
  for (;;) {
    const gcm = [high]; // GCM vertices from high down to low
    while (gcm[gcm.length - 1]! > low) gcm.push(below[gcm[gcm.length - 1]!]!);
    const lcm = [low]; // LCM vertices from low up to high
    while (lcm[lcm.length - 1]! < high) lcm.push(above[lcm[lcm.length - 1]!]!);
    const gap = widestGap(x, gcm, lcm, tieRule);
    if (gap.d < dip) break;
    dip = Math.max(dip, gcmDeviation(x, gcm, gap.ig), lcmDeviation(x, lcm, gap.ih));
    const newLow = gcm[gap.ig]!, newHigh = lcm[gap.ih]!;
    if (newLow === low && newHigh === high) break; // no progress: the modal interval is final
    low = newLow;
    high = newHigh;
  }
  return { dip, low, high };
}

/** pred[j]: previous vertex of the lower convex hull of points 0..j (collinear points dropped). */
function convexPredecessors(x: Float64Array): Int32Array {
  const n = x.length;
  const pred = new Int32Array(n);
  for (let j = 1; j < n; j++) {
    let c = j - 1;
    while (c > 0) {
      const p = pred[c]!;
      // keep c when the slope (counts per unit x) rises strictly from p->c to c->j
      if ((x[j]! - x[c]!) * (c - p) < (x[c]! - x[p]!) * (j - c)) break;
      c = p;
    }
    pred[j] = c;
  }
  return pred;
}

/** succ[k]: next vertex of the upper concave hull of points k..n-1 (collinear points dropped). */
function concaveSuccessors(x: Float64Array): Int32Array {
  const n = x.length;
  const succ = new Int32Array(n);
  succ[n - 1] = n - 1;
  for (let k = n - 2; k >= 0; k--) {
    let c = k + 1;
    while (c < n - 1) {
      const s = succ[c]!;
      // keep c when the slope falls strictly from k->c to c->s
      if ((x[k]! - x[c]!) * (c - s) < (x[c]! - x[s]!) * (k - c)) break;
      c = s;
    }
    succ[k] = c;
  }
  return succ;
}

const TIE_RELATIVE = 1e-12;

/**
 * Largest vertical distance LCM - GCM on [low, high], visiting the vertices of both hulls in
 * increasing x. Returns it with `ig` (index in gcm) and `ih` (index in lcm) of the interval
 * [gcm[ig], lcm[ih]] where it occurs: the next candidate modal interval.
 */
function widestGap(x: Float64Array, gcm: number[], lcm: number[], tieRule: DipTieRule): { d: number; ig: number; ih: number } {
  const slack = tieRule === "plain" ? 0 : TIE_RELATIVE * (tieRule === "later" ? -1 : 1);
  const wins = (dx: number, d: number): boolean => dx >= d + slack * Math.abs(d);
  const gLast = gcm.length - 1, lLast = lcm.length - 1;
  let ig = gLast, ih = lLast;
  if (gLast === 1 && lLast === 1) return { d: 1, ig, ih };
  let d = 0;
  let ix = gLast - 1, iv = 1;
  do {
    const g = gcm[ix]!, l = lcm[iv]!;
    if (g <= l) {
      // GCM vertex g under the LCM segment lcm[iv-1] -> lcm[iv]
      const a = lcm[iv - 1]!;
      const dx = ((x[g]! - x[a]!) * (l - a)) / (x[l]! - x[a]!) - (g - a - 1);
      ix--;
      if (wins(dx, d)) { d = dx; ig = ix + 1; ih = iv; }
    } else {
      // LCM vertex l over the GCM segment gcm[ix+1] -> gcm[ix]
      const a = gcm[ix + 1]!;
      const dx = l - a + 1 - ((x[l]! - x[a]!) * (g - a)) / (x[g]! - x[a]!);
      iv++;
      if (wins(dx, d)) { d = dx; ig = ix + 1; ih = iv - 1; }
    }
    if (ix < 0) ix = 0;
    if (iv > lLast) iv = lLast;
  } while (gcm[ix] !== lcm[iv]);
  return { d, ig, ih };
}

/** Largest ECDF-above-GCM distance on the GCM segments from gcm[ig] down to the low end. */
function gcmDeviation(x: Float64Array, gcm: number[], ig: number): number {
  let worst = 0;
  for (let j = ig; j < gcm.length - 1; j++) {
    const b = gcm[j + 1]!, e = gcm[j]!;
    let seg = 1;
    if (e - b > 1 && x[e] !== x[b]) {
      const slope = (e - b) / (x[e]! - x[b]!);
      for (let r = b; r <= e; r++) seg = Math.max(seg, r - b + 1 - (x[r]! - x[b]!) * slope);
    }
    worst = Math.max(worst, seg);
  }
  return worst;
}

/** Largest LCM-above-ECDF distance on the LCM segments from lcm[ih] up to the high end. */
function lcmDeviation(x: Float64Array, lcm: number[], ih: number): number {
  let worst = 0;
  for (let k = ih; k < lcm.length - 1; k++) {
    const b = lcm[k]!, e = lcm[k + 1]!;
    let seg = 1;
    if (e - b > 1 && x[e] !== x[b]) {
      const slope = (e - b) / (x[e]! - x[b]!);
      for (let r = b; r <= e; r++) seg = Math.max(seg, (x[r]! - x[b]!) * slope - (r - b - 1));
    }
    worst = Math.max(worst, seg);
  }
  return worst;
}
