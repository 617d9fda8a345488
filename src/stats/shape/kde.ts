// Gaussian kernel density estimate in 1-D: construction with a bandwidth rule, exact evaluation
// (the sum scipy's gaussian_kde computes), and evaluation on an even grid, binned for large n.
// Pure; no I/O.
import { UsageError } from "../../util/errors.js";
import { bandwidthNrd0, bandwidthSJ, DegenerateSampleError, scottFactor, silvermanFactor } from "./bandwidth.js";
import { shapeKernels, type KdeGridLayout } from "./kernels.js";
import { sortedFinite, standardDeviation, type Values } from "./sample.js";

/**
 * "scott" / "silverman": scipy gaussian_kde's bw_method factors times the std (ddof 1);
 * "sj": R's bw.SJ (Sheather-Jones, solve-the-equation); "nrd0": R's bw.nrd0 (NOT scipy's
 * silverman); a number: the absolute bandwidth h, the std of each Gaussian kernel (scipy's
 * scalar bw_method is instead a factor: pass bw_method = h / std there).
 */
export type BandwidthSpec = "silverman" | "scott" | "sj" | "nrd0" | number;

export interface GaussianKde {
  method: "gaussian kernel density";
  n: number;
  /** The finite sample values, sorted. */
  data: Float64Array;
  /** Kernel standard deviation h. */
  bandwidth: number;
  rule: "silverman" | "scott" | "sj" | "nrd0" | "fixed";
}

/** Above this many points, kdeGrid bins the data (linear binning) instead of summing exactly. */
export const KDE_EXACT_MAX_POINTS = 2048;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Beyond 40 bandwidths exp(-u^2/2) underflows to 0 in float64: skipping those terms is exact. */
const KERNEL_REACH = 40;
/**
 * Grid densities skip kernel terms below 2^-100 of the kernel's peak (beyond |u| = 11.8): the
 * omitted terms of one data point sum to below 1e-28 of its kernel's peak height at every node
 * (they fall geometrically with ratio below exp(-11.8 delta), delta = step / h >= 6 / (m - 1)),
 * far below the rounding of the sum; the walks and convolutions stop there instead of at 40 h.
 */
export const KDE_GRID_TERM_FLOOR = 2 ** -100;
const GRID_REACH = Math.sqrt(-2 * Math.log(KDE_GRID_TERM_FLOOR));

/**
 * kdeOnEvenGrid with the installed kernels (kernels.ts) when there are: the WASM kernel sums the
 * terms with |u| <= GRID_REACH (those at or above KDE_GRID_TERM_FLOOR, up to rounding at the edge).
 */
function kdeOnGrid(data: Float64Array, h: number, lo: number, step: number, m: number): Float64Array {
  const kernels = shapeKernels();
  if (kernels === null) return kdeOnEvenGrid(data, h, lo, step, m);
  return kernels.kdeGridSums(data, h, lo, step, m, GRID_REACH, 1 / (data.length * h * SQRT_2PI)); // normalised there, as below
}

/**
 * out[i] = sum_j weights[j] kernel[|i - j|] over |i - j| < kernel.length (zero weights skipped):
 * binned weights convolved with a kernel sampled at the grid step. With the installed kernels
 * (kernels.ts) when there are; this loop is their oracle.
 */
export function convolveKernel(weights: Float64Array, kernel: Float64Array): Float64Array {
  const kernels = shapeKernels();
  if (kernels !== null) return kernels.convolve(weights, kernel);
  const m = weights.length, reach = kernel.length - 1;
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const w = weights[j]!;
    if (w === 0) continue;
    const a = Math.max(0, j - reach), b = Math.min(m - 1, j + reach);
    for (let i = a; i <= b; i++) out[i]! += w * kernel[Math.abs(i - j)]!;
  }
  return out;
}

export function gaussianKde(x: Values, options: { bandwidth?: BandwidthSpec } = {}): GaussianKde {
  const data = sortedFinite(x, 2, "gaussianKde");
  const spec = options.bandwidth ?? "silverman";
  const n = data.length;
  let bandwidth: number;
  if (typeof spec === "number") {
    if (!(spec > 0) || !Number.isFinite(spec)) throw new UsageError(`gaussianKde: bandwidth must be a positive number, got ${spec}`);
    bandwidth = spec;
  } else if (spec === "scott" || spec === "silverman") {
    const factor = spec === "scott" ? scottFactor(n) : silvermanFactor(n);
    bandwidth = factor * standardDeviation(data, 1);
  } else if (spec === "sj") {
    bandwidth = bandwidthSJ(data, "ste");
  } else if (spec === "nrd0") {
    bandwidth = bandwidthNrd0(data);
  } else {
    throw new UsageError(`gaussianKde: unknown bandwidth rule "${String(spec)}" (use silverman, scott, sj, nrd0 or a number)`);
  }
  if (!(bandwidth > 0)) throw new DegenerateSampleError("gaussianKde", `bandwidth is ${bandwidth}`);
  return { method: "gaussian kernel density", n, data, bandwidth, rule: typeof spec === "number" ? "fixed" : spec };
}

/** Exact density at each point: (1/(n h sqrt(2 pi))) sum_i exp(-((p - x_i)/h)^2 / 2). */
export function kdeEvaluate(kde: GaussianKde, points: Values): Float64Array {
  const { data, bandwidth: h, n } = kde;
  const out = new Float64Array(points.length);
  const norm = 1 / (n * h * SQRT_2PI);
  for (let j = 0; j < points.length; j++) {
    const p = points[j]!;
    let i = lowerBound(data, p - KERNEL_REACH * h);
    let sum = 0;
    for (; i < n && data[i]! <= p + KERNEL_REACH * h; i++) {
      const u = (p - data[i]!) / h;
      sum += Math.exp(-0.5 * u * u);
    }
    out[j] = sum * norm;
  }
  return out;
}

/**
 * kdeEvaluate at the m points lo + j step, by the Gaussian's recurrence along an even grid: with
 * u_j = (lo + j step - x) / h and delta = step / h, exp(-u_{j+1}^2/2) = exp(-u_j^2/2) r_j where
 * r_j = exp(-u_j delta - delta^2/2) and r_{j+1} = r_j exp(-delta^2): two products per term
 * instead of an exp. Each data point starts from its nearest node (|u| <= delta/2) and walks out
 * both ways until the term falls below KDE_GRID_TERM_FLOOR (kdeEvaluate sums until the terms
 * underflow to 0, beyond ~38.6 h: the difference is below 1e-28 of a kernel's peak), so every
 * ratio is below 1. Each term carries a relative rounding error below 4 j eps (j steps from its
 * start, j < m), so the density is kdeEvaluate's to within 4 m eps relative (1e-12 at m = 1024).
 */
export function kdeOnEvenGrid(data: Float64Array, h: number, lo: number, step: number, m: number): Float64Array {
  const out = new Float64Array(m);
  const delta = step / h, q = Math.exp(-delta * delta);
  for (let i = 0; i < data.length; i++) {
    const xi = data[i]!;
    const j0 = Math.min(m - 1, Math.max(0, Math.round((xi - lo) / step)));
    const u0 = (lo + j0 * step - xi) / h;
    const e0 = Math.exp(-0.5 * u0 * u0);
    out[j0]! += e0;
    let e = e0, r = Math.exp(-u0 * delta - 0.5 * delta * delta);
    for (let j = j0 + 1; j < m; j++) {
      e *= r;
      if (e < KDE_GRID_TERM_FLOOR) break;
      out[j]! += e;
      r *= q;
    }
    e = e0;
    r = Math.exp(u0 * delta - 0.5 * delta * delta);
    for (let j = j0 - 1; j >= 0; j--) {
      e *= r;
      if (e < KDE_GRID_TERM_FLOOR) break;
      out[j]! += e;
      r *= q;
    }
  }
  const norm = 1 / (data.length * h * SQRT_2PI);
  for (let j = 0; j < m; j++) out[j]! *= norm;
  return out;
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface KdeGrid {
  /** Even grid from min - cut h to max + cut h. */
  x: Float64Array;
  density: Float64Array;
  step: number;
  binned: boolean;
  /** Bound on |binned - exact| density at every grid point (0 when exact). */
  maxAbsError: number;
}

export interface KdeGridOptions {
  gridSize?: number;
  /** Grid reaches this many bandwidths beyond the data (R's density uses 3). */
  cut?: number;
  /** Force exact (false) or binned (true); default: binned when n > KDE_EXACT_MAX_POINTS. */
  binned?: boolean;
}

/**
 * Density on an even grid. Binned mode spreads each point linearly onto its two neighbouring
 * grid nodes and convolves with the kernel sampled at the grid spacing delta: that equals the
 * exact sum with each kernel linearly interpolated in its centre, so the absolute error is at
 * most delta^2 / 8 * max|K_h''| = delta^2 / (8 sqrt(2 pi) h^3) (relative to the peak height
 * 1/(h sqrt(2 pi)) of one kernel: (delta/h)^2 / 8).
 */
export function kdeGrid(kde: GaussianKde, options: KdeGridOptions = {}): KdeGrid {
  const { lo, step, m, binned, kernelReach: reach } = kdeGridLayout(kde, options);
  const { data, bandwidth: h, n } = kde;
  const x = new Float64Array(m);
  for (let i = 0; i < m; i++) x[i] = lo + i * step;
  if (!binned) return { x, density: kdeOnGrid(data, h, lo, step, m), step, binned, maxAbsError: 0 };
  const weights = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const pos = (data[i]! - lo) / step;
    const j = Math.min(m - 2, Math.floor(pos));
    const t = pos - j;
    weights[j]! += 1 - t;
    weights[j + 1]! += t;
  }
  const kernel = new Float64Array(reach + 1);
  for (let d = 0; d <= reach; d++) kernel[d] = Math.exp(-0.5 * ((d * step) / h) ** 2);
  const density = convolveKernel(weights, kernel);
  const norm = kdeNorm(kde);
  for (let i = 0; i < m; i++) density[i]! *= norm;
  return { x, density, step, binned, maxAbsError: (step * step) / (8 * SQRT_2PI * h * h * h) };
}

/** kdeGrid's grid (the checks, nodes and reaches; no loops): shared by kdeGrid and the kernels' kdeModes. */
export function kdeGridLayout(kde: GaussianKde, options: KdeGridOptions = {}): KdeGridLayout {
  const m = options.gridSize ?? 1024;
  if (!Number.isInteger(m) || m < 3) throw new UsageError(`kdeGrid: gridSize must be an integer >= 3, got ${m}`);
  const { data, bandwidth: h, n } = kde;
  const cut = options.cut ?? 3;
  const lo = data[0]! - cut * h, hi = data[n - 1]! + cut * h;
  const step = (hi - lo) / (m - 1);
  const binned = options.binned ?? n > KDE_EXACT_MAX_POINTS;
  // binned: the kernel below KDE_GRID_TERM_FLOOR beyond this many nodes
  const kernelReach = binned ? Math.min(m - 1, Math.ceil((GRID_REACH * h) / step)) : 0;
  return { lo, step, m, binned, reach: GRID_REACH, kernelReach };
}

/** The normalisation 1 / (n h sqrt(2 pi)) of kdeEvaluate and kdeGrid. */
export function kdeNorm(kde: GaussianKde): number {
  return 1 / (kde.n * kde.bandwidth * SQRT_2PI);
}
