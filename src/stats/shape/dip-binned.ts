// Hartigan's dip of a distribution given at knots x_0 < ... < x_m by its CDF just below each knot
// (L_i) and at it (U_i; U_i > L_i for an atom), linear between knots (from U_i to L_{i+1}). The
// ECDF of n values is the case L_i = i, U_i = i + 1 (flat between values), and then this is
// AS 217 exactly as dip.ts computes it; a histogram's piecewise-linear CDF G (each bucket uniform)
// is the case L_i = U_i except at the atom at 0. The algorithm is dip.ts's with heights L (for the
// greatest convex minorant, through lower corners) and U (for the least concave majorant, through
// upper corners) in place of the ranks. Pure; no I/O.
import type { BinnedDistribution } from "./binned.js";
import { binnedShapeKernels } from "./binned-kernels.js";

export const DIP_BINNED_METHOD = "Hartigan dip (AS 217) of the histogram's piecewise-linear CDF" as const;

export interface CornerDip {
  /** The dip, in the units of L and U divided by 2 (so divide by the total mass for a probability). */
  dip: number;
  lowIndex: number;
  highIndex: number;
}

/** Knots of G: bucket edges in value order with G's mass below (L) and up to (U) each knot. */
export function histogramKnots(d: BinnedDistribution): { x: Float64Array; lower: Float64Array; upper: Float64Array } {
  const x: number[] = [], lower: number[] = [], upper: number[] = [];
  let cum = 0;
  const knot = (at: number, below: number, upTo: number): void => {
    if (x.length > 0 && x[x.length - 1] === at) upper[upper.length - 1] = upTo; // shared edge of adjacent buckets
    else {
      x.push(at);
      lower.push(below);
      upper.push(upTo);
    }
  };
  for (let j = 0; j < d.count.length; j++) {
    const c = d.count[j]!;
    if (d.hi[j]! === d.lo[j]!) knot(d.lo[j]!, cum, cum + c); // atom
    else {
      knot(d.lo[j]!, cum, cum);
      knot(d.hi[j]!, cum + c, cum + c);
    }
    cum += c;
  }
  return { x: Float64Array.from(x), lower: Float64Array.from(lower), upper: Float64Array.from(upper) };
}

/**
 * Twice the dip (in mass units) and the modal interval's knot indices; `start` is the dip's
 * initial value (twice the smallest reported dip: 1 for R's ECDF convention, 0 for G).
 */
export function dipOfCorners(x: Float64Array, lo: Float64Array, up: Float64Array, start: number): CornerDip {
  const n = x.length;
  let low = 0, high = n - 1, dip = start;
  if (n < 2 || x[n - 1] === x[0]) return { dip: dip / 2, lowIndex: low, highIndex: high };
  const below = convexPredecessors(x, lo);
  const above = concaveSuccessors(x, up);
  for (;;) {
    const gcm = [high];
    while (gcm[gcm.length - 1]! > low) gcm.push(below[gcm[gcm.length - 1]!]!);
    const lcm = [low];
    while (lcm[lcm.length - 1]! < high) lcm.push(above[lcm[lcm.length - 1]!]!);
    const gap = widestGap(x, lo, up, gcm, lcm);
    if (gap.d < dip) break;
    dip = Math.max(dip, gcmDeviation(x, lo, up, gcm, gap.ig), lcmDeviation(x, lo, up, lcm, gap.ih));
    const newLow = gcm[gap.ig]!, newHigh = lcm[gap.ih]!;
    if (newLow === low && newHigh === high) break;
    low = newLow;
    high = newHigh;
  }
  return { dip: dip / 2, lowIndex: low, highIndex: high };
}

/**
 * pred[j]: previous vertex of the lower convex hull of points 0..j. dip.ts walks the pred chain
 * from j - 1 for every j, O(n^2) on concave stretches (G's knots are nearly collinear there); a
 * point dropped from the hull of 0..j is never on the hull of 0..j' > j, so a stack (Andrew's
 * monotone chain) gives the same pred in O(n).
 */
function convexPredecessors(x: Float64Array, h: Float64Array): Int32Array {
  const n = x.length;
  const pred = new Int32Array(n);
  const stack = new Int32Array(n);
  let top = 0; // stack[0..top] is the hull chain of 0..j-1
  stack[0] = 0;
  for (let j = 1; j < n; j++) {
    while (top > 0) {
      const c = stack[top]!, p = stack[top - 1]!;
      if ((x[j]! - x[c]!) * (h[c]! - h[p]!) < (x[c]! - x[p]!) * (h[j]! - h[c]!)) break;
      top--;
    }
    pred[j] = stack[top]!;
    stack[++top] = j;
  }
  return pred;
}

/** succ[k]: next vertex of the upper concave hull of points k..n-1 (the mirror of convexPredecessors). */
function concaveSuccessors(x: Float64Array, h: Float64Array): Int32Array {
  const n = x.length;
  const succ = new Int32Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  stack[0] = n - 1;
  succ[n - 1] = n - 1;
  for (let k = n - 2; k >= 0; k--) {
    while (top > 0) {
      const c = stack[top]!, s = stack[top - 1]!;
      if ((x[k]! - x[c]!) * (h[c]! - h[s]!) < (x[c]! - x[s]!) * (h[k]! - h[c]!)) break;
      top--;
    }
    succ[k] = stack[top]!;
    stack[++top] = k;
  }
  return succ;
}

/** Largest LCM - GCM over [low, high] at the hulls' vertices (dip.ts's widestGap with L and U). */
function widestGap(x: Float64Array, lo: Float64Array, up: Float64Array, gcm: number[], lcm: number[]): { d: number; ig: number; ih: number } {
  const gLast = gcm.length - 1, lLast = lcm.length - 1;
  let ig = gLast, ih = lLast;
  if (gLast === 1 && lLast === 1) return { d: Infinity, ig, ih }; // the first pass always continues (dip.ts returns 1 in counts)
  let d = 0;
  let ix = gLast - 1, iv = 1;
  do {
    const g = gcm[ix]!, l = lcm[iv]!;
    if (g <= l) {
      const a = lcm[iv - 1]!;
      const dx = up[a]! + ((x[g]! - x[a]!) * (up[l]! - up[a]!)) / (x[l]! - x[a]!) - lo[g]!;
      ix--;
      if (dx >= d) { d = dx; ig = ix + 1; ih = iv; }
    } else {
      const a = gcm[ix + 1]!;
      const dx = up[l]! - (lo[a]! + ((x[l]! - x[a]!) * (lo[g]! - lo[a]!)) / (x[g]! - x[a]!));
      iv++;
      if (dx >= d) { d = dx; ig = ix + 1; ih = iv - 1; }
    }
    if (ix < 0) ix = 0;
    if (iv > lLast) iv = lLast;
  } while (gcm[ix] !== lcm[iv]);
  return { d, ig, ih };
}

function gcmDeviation(x: Float64Array, lo: Float64Array, up: Float64Array, gcm: number[], ig: number): number {
  let worst = 0;
  for (let j = ig; j < gcm.length - 1; j++) {
    const b = gcm[j + 1]!, e = gcm[j]!;
    const slope = x[e] !== x[b] ? (lo[e]! - lo[b]!) / (x[e]! - x[b]!) : 0;
    for (let r = b; r <= e; r++) worst = Math.max(worst, up[r]! - (lo[b]! + (x[r]! - x[b]!) * slope));
  }
  return worst;
}

function lcmDeviation(x: Float64Array, lo: Float64Array, up: Float64Array, lcm: number[], ih: number): number {
  let worst = 0;
  for (let k = ih; k < lcm.length - 1; k++) {
    const b = lcm[k]!, e = lcm[k + 1]!;
    const slope = x[e] !== x[b] ? (up[e]! - up[b]!) / (x[e]! - x[b]!) : 0;
    for (let r = b; r <= e; r++) worst = Math.max(worst, up[b]! + (x[r]! - x[b]!) * slope - lo[r]!);
  }
  return worst;
}

/** The dip of G (a probability, no 1/(2n) floor) and its modal interval. */
export function binnedDip(d: BinnedDistribution): { dip: number; modalLow: number; modalHigh: number } {
  const kernels = binnedShapeKernels();
  if (kernels !== null) {
    const r = kernels.dip(d);
    return { dip: r.dip / d.total, modalLow: r.modalLow, modalHigh: r.modalHigh };
  }
  const k = histogramKnots(d);
  const r = dipOfCorners(k.x, k.lower, k.upper, 0);
  return { dip: r.dip / d.total, modalLow: k.x[r.lowIndex]!, modalHigh: k.x[r.highIndex]! };
}
