// Weibull shape k and scale lambda of |w| by the middle-80% probability-plot fit (arXiv
// 2605.18898 reports k ~ 1.205 for Gaussian initialisation). Pure; no I/O.
import { DegenerateSampleError } from "./bandwidth.js";
import { NotEnoughPointsError } from "../../util/errors.js";
import { finiteValues, isMarkedSortedFinite, type Values } from "./sample.js";
import { shapeKernels, type WeibullPlotSums } from "./kernels.js";

export const WEIBULL_METHOD = "middle-80% probability plot" as const;
/** Plotting positions kept: Bernard's median ranks F_i = (i - 0.3) / (n + 0.4) within [0.1, 0.9]. */
export const WEIBULL_F_RANGE: readonly [number, number] = [0.1, 0.9];

export interface WeibullFit {
  method: typeof WEIBULL_METHOD;
  n: number;
  /** Points in the regression (ranks with F in [0.1, 0.9] and |w| > 0). */
  nUsed: number;
  /** Shape: slope of ln(-ln(1 - F)) on ln|w|. */
  k: number;
  /** Scale: exp(-intercept / k). */
  lambda: number;
  /** Coefficient of determination of the straight-line fit. */
  r2: number;
}

/**
 * Sorts |w| (i = 1..n), gives rank i the plotting position F_i = (i - 0.3)/(n + 0.4) (Bernard's
 * approximation to the median rank), keeps the points with 0.1 <= F_i <= 0.9 and |w| > 0, and
 * regresses y = ln(-ln(1 - F)) on t = ln|w| by least squares: k = slope, lambda = exp(-b/k).
 */
export function weibullFitAbs(x: Values): WeibullFit {
  const marked = isMarkedSortedFinite(x);
  const sortedAbs = marked ? null : finiteValues(x).map(Math.abs).sort();
  const n = sortedAbs === null ? x.length : sortedAbs.length;
  if (n < 10) throw new NotEnoughPointsError("weibullFitAbs", 10, n);
  const y = plottingPositions(n);
  const kernels = marked ? shapeKernels() : null;
  const { m, mt, my, stt, sty, syy } = kernels !== null ? kernels.weibullPlotSums(x as Float64Array, y) : weibullPlotSums(sortedAbs ?? absOfSorted(x as Float64Array), y);
  if (m < 3) throw new NotEnoughPointsError("weibullFitAbs (non-zero |w| in the middle 80%)", 3, m);
  if (!(stt > 0)) throw new DegenerateSampleError("weibullFitAbs", "all |w| in the middle 80% are equal");
  const k = sty / stt;
  const intercept = my - k * mt;
  return { method: WEIBULL_METHOD, n, nUsed: m, k, lambda: Math.exp(-intercept / k), r2: (sty * sty) / (stt * syy) };
}

/** The regression's sums over the points kept from |w| ascending (a) and the plotting positions' y (the WASM kernel's oracle: kernels.ts weibullPlotSums). */
export function weibullPlotSums(a: Float64Array, y: Float64Array): WeibullPlotSums {
  const n = a.length;
  const ts = new Float64Array(n), ys = new Float64Array(n);
  let m = 0;
  for (let i = 1; i <= n; i++) {
    const f = (i - 0.3) / (n + 0.4);
    if (f < WEIBULL_F_RANGE[0] || f > WEIBULL_F_RANGE[1] || a[i - 1]! === 0) continue;
    ts[m] = Math.log(a[i - 1]!);
    ys[m++] = y[i - 1]!;
  }
  let mt = 0, my = 0;
  for (let i = 0; i < m; i++) { mt += ts[i]!; my += ys[i]!; }
  mt /= m; my /= m;
  let stt = 0, sty = 0, syy = 0;
  for (let i = 0; i < m; i++) {
    const dt = ts[i]! - mt, dy = ys[i]! - my;
    stt += dt * dt; sty += dt * dy; syy += dy * dy;
  }
  return { m, mt, my, stt, sty, syy };
}

/** |v| in ascending order from ascending finite v (exported for the kernel tests), by merging its negative part (reversed) with the rest: O(n). */
export function absOfSorted(v: Float64Array): Float64Array {
  const n = v.length, out = new Float64Array(n);
  let neg = 0;
  while (neg < n && v[neg]! < 0) neg++;
  let i = neg - 1, j = neg, o = 0;
  while (i >= 0 && j < n) out[o++] = -v[i]! <= v[j]! ? -v[i--]! : v[j++]!;
  while (i >= 0) out[o++] = -v[i--]!;
  while (j < n) out[o++] = v[j++]! + 0; // -0 to +0, as Math.abs
  return out;
}

/** ln(-ln(1 - F_i)) for the ranks i = 1..n (the regression's y), kept for the last few n (tensors of a model share a few sizes). */
function plottingPositions(n: number): Float64Array {
  let y = positionsCache.get(n);
  if (y === undefined) {
    y = new Float64Array(n);
    for (let i = 1; i <= n; i++) y[i - 1] = Math.log(-Math.log(1 - (i - 0.3) / (n + 0.4)));
    if (positionsCache.size >= POSITIONS_CACHED) positionsCache.delete(positionsCache.keys().next().value!);
    positionsCache.set(n, y);
  }
  return y;
}

/** Sample sizes whose plotting positions are kept. */
const POSITIONS_CACHED = 8;
const positionsCache = new Map<number, Float64Array>();
