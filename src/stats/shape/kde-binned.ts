// Gaussian kernel density of a histogram's distribution G (each bucket uniform on its interval):
// G's mass linearly binned onto an even grid (exactly: each bucket's uniform mass spread onto the
// hat functions of the grid nodes) and convolved with the kernel sampled at the grid spacing;
// modes as kde-modes.ts finds them, heights re-evaluated exactly as (G * K_h)(t). Pure; no I/O.
import { ForkingPathsError, UsageError } from "../../util/errors.js";
import { normalCdf } from "../../util/special.js";
import { DegenerateSampleError, silvermanFactor } from "./bandwidth.js";
import type { BinnedDistribution } from "./binned.js";
import { binnedShapeKernels } from "./binned-kernels.js";
import { modesOnGrid, type KdeMode } from "./kde-modes.js";
import { convolveKernel } from "./kde.js";

/** Grid nodes per bandwidth at least (the grid is also at least `gridSize` nodes over the range). */
export const BINNED_KDE_NODES_PER_BANDWIDTH = 4;
/** Grid nodes at most (a range of outliers far beyond the bulk coarsens the grid instead). */
export const BINNED_KDE_MAX_GRID = 16_384;
/** Kernel cut at this many bandwidths: the omitted tail is below exp(-32) = 1.3e-14 of the kernel's peak. */
export const BINNED_KDE_REACH = 8;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

export interface BinnedKdeGrid {
  x: Float64Array;
  density: Float64Array;
  step: number;
  /**
   * Bound on |grid density - (G * K_h)(x)| at every node: linear binning equals convolving with
   * each kernel linearly interpolated between nodes, off by at most step^2/8 max|K_h''|, so the
   * error is at most step^2/(8 sqrt(2 pi) h^3), plus the kernel cut.
   */
  maxAbsError: number;
}

/** A bandwidth finer than the grid can resolve over the histogram's range. */
export class UnresolvedBandwidthError extends ForkingPathsError {
  constructor(h: number, step: number) {
    super("UNRESOLVED_BANDWIDTH", `binnedKdeGrid: bandwidth ${h.toPrecision(3)} is below the grid step ${step.toPrecision(3)} (the range over ${BINNED_KDE_MAX_GRID} nodes), so no modes are reported ` +
      "---> HINT: bw.SJ gives such bandwidths for heavy tails (its 1000 bins span the whole range; R's bw.SJ on the values gives the same); use the Silverman modes");
  }
}

/** scipy's Silverman bandwidth of G: (3n/4)^(-1/5) times G's standard deviation with ddof 1. */
export function binnedSilvermanBandwidth(n: number, m2: number): number {
  return silvermanFactor(n) * Math.sqrt((m2 * n) / (n - 1));
}

/** E[(X - t)+] for X uniform on [a, b] (an atom when a = b). */
function upperPartialMean(a: number, b: number, t: number): number {
  if (t <= a) return 0.5 * (a + b) - t;
  if (t >= b) return 0;
  return ((b - t) * (b - t)) / (2 * (b - a));
}

/** Density of G smoothed by K_h on a grid from min - cut h to max + cut h. */
export function binnedKdeGrid(d: BinnedDistribution, h: number, options: { gridSize?: number; cut?: number } = {}): BinnedKdeGrid {
  const { lo, step, m, reach, norm } = binnedKdeGridLayout(d, h, options);
  const x = new Float64Array(m);
  for (let i = 0; i < m; i++) x[i] = lo + i * step;
  const kernel = new Float64Array(reach + 1);
  for (let k = 0; k <= reach; k++) kernel[k] = Math.exp(-0.5 * ((k * step) / h) ** 2);
  const density = binnedShapeKernels()?.kdeGridDensity(d, lo, step, m, kernel, norm) ?? kdeGridDensity(d, lo, step, m, kernel, norm);
  return { x, density, step, maxAbsError: (step * step) / (8 * SQRT_2PI * h * h * h) + Math.exp(-0.5 * BINNED_KDE_REACH ** 2) / (h * SQRT_2PI) };
}

/** binnedKdeGrid's grid (its checks, the m nodes lo + j step, the kernel's reach in nodes, the normalisation; no loops). */
export function binnedKdeGridLayout(d: BinnedDistribution, h: number, options: { gridSize?: number; cut?: number } = {}): { lo: number; step: number; m: number; reach: number; norm: number } {
  if (!(h > 0) || !Number.isFinite(h)) throw new DegenerateSampleError("binnedKdeGrid", `bandwidth is ${h}`);
  const nb = d.count.length;
  if (nb === 0) throw new UsageError("binnedKdeGrid: empty histogram");
  const cut = options.cut ?? 3;
  const lo = d.lo[0]! - cut * h, hi = d.hi[nb - 1]! + cut * h;
  const m = Math.min(BINNED_KDE_MAX_GRID, Math.max(options.gridSize ?? 1024, Math.ceil(((hi - lo) * BINNED_KDE_NODES_PER_BANDWIDTH) / h) + 1));
  const step = (hi - lo) / (m - 1);
  if (step > h) {
    throw new UnresolvedBandwidthError(h, step);
  }
  const reach = Math.min(m - 1, Math.ceil((BINNED_KDE_REACH * h) / step));
  return { lo, step, m, reach, norm: 1 / (d.total * h * SQRT_2PI) };
}

/**
 * G's mass onto the hat functions of the m nodes lo + j step, convolved with kernel[|i - j|],
 * times norm (the oracle of the WASM kernel's kdeGridDensity).
 */
export function kdeGridDensity(d: BinnedDistribution, lo: number, step: number, m: number, kernel: Float64Array, norm: number): Float64Array {
  const nb = d.count.length;
  // weight of node j: E[hat_j(X)] = (S(x_{j-1}) - 2 S(x_j) + S(x_{j+1})) / step, S(t) = E[(X - t)+]
  const weights = new Float64Array(m);
  for (let b = 0; b < nb; b++) {
    const a = d.lo[b]!, e = d.hi[b]!, c = d.count[b]!;
    const ja = Math.floor((a - lo) / step), je = Math.floor((e - lo) / step);
    if (ja === je || !(e > a)) {
      // inside one grid interval: the hat weights are linear in X, so the bucket's mean decides them
      const j = Math.min(m - 2, Math.max(0, ja)), t = (0.5 * (a + e) - (lo + j * step)) / step;
      weights[j]! += c * (1 - t);
      weights[j + 1]! += c * t;
      continue;
    }
    // S at the nodes x_{j-1}, x_j, x_{j+1} (lo + i step, also for i = -1 and m) slides along: each computed once
    const j0 = Math.max(0, ja - 1), j1 = Math.min(m - 1, je + 2);
    let sPrev = upperPartialMean(a, e, lo + (j0 - 1) * step), sHere = upperPartialMean(a, e, lo + j0 * step);
    for (let j = j0; j <= j1; j++) {
      const sNext = upperPartialMean(a, e, lo + (j + 1) * step);
      weights[j]! += (c * (sPrev - 2 * sHere + sNext)) / step;
      sPrev = sHere;
      sHere = sNext;
    }
  }
  const density = convolveKernel(weights, kernel);
  for (let i = 0; i < m; i++) density[i]! *= norm;
  return density;
}

/** (G * K_h)(t) exactly: each bucket's uniform mass convolved with the kernel (buckets beyond the kernel cut skipped). */
export function binnedKdeEvaluate(d: BinnedDistribution, h: number, points: ArrayLike<number>): Float64Array {
  const kernels = binnedShapeKernels();
  if (kernels !== null) return kernels.kdeEvaluate(d, h, points);
  const out = new Float64Array(points.length);
  const nb = d.count.length;
  for (let p = 0; p < points.length; p++) {
    const t = points[p]!;
    let j = lowerBoundHi(d.hi, t - BINNED_KDE_REACH * h), sum = 0;
    let edge = NaN, cdfAtEdge = 0; // Phi((t - edge) / h) of the last upper edge, reused when buckets touch
    for (; j < nb && d.lo[j]! <= t + BINNED_KDE_REACH * h; j++) {
      const a = d.lo[j]!, b = d.hi[j]!, c = d.count[j]!;
      if (b - a > 1e-4 * h) {
        const fa = a === edge ? cdfAtEdge : normalCdf((t - a) / h);
        const fb = normalCdf((t - b) / h);
        sum += (c * (fa - fb)) / (b - a);
        edge = b;
        cdfAtEdge = fb;
      } else { // midpoint rule: relative error below (w/h)^2/24 < 5e-10
        const u = (t - 0.5 * (a + b)) / h;
        sum += (c * Math.exp(-0.5 * u * u)) / (h * SQRT_2PI);
      }
    }
    out[p] = sum / d.total;
  }
  return out;
}

function lowerBoundHi(his: Float64Array, v: number): number {
  let lo = 0, hi = his.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (his[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Modes of G * K_h (as kdeModes on values: grid maxima, weak ones merged, exact heights). */
export function binnedKdeModes(d: BinnedDistribution, h: number, options: { gridSize?: number; minRelativeProminence?: number } = {}): KdeMode[] {
  const kernels = binnedShapeKernels();
  if (kernels !== null) {
    // the grid, its modes and their heights in one kernel call (the same modes bit for bit: test/kernels/kde-modes-wasm.test.ts)
    const g = binnedKdeGridLayout(d, h, options.gridSize !== undefined ? { gridSize: options.gridSize } : {});
    return kernels.kdeModes(d, h, g.lo, g.step, g.m, g.reach, g.norm, options.minRelativeProminence ?? 0);
  }
  const g = binnedKdeGrid(d, h, options.gridSize !== undefined ? { gridSize: options.gridSize } : {});
  return modesOnGrid(g, (points) => binnedKdeEvaluate(d, h, points), options.minRelativeProminence ?? 0);
}
