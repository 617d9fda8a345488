// Pluggable hot loops of the shape statistics: the EM sums of values (gmm.ts) and of histogram
// cells (gmm-binned.ts), the exact KDE grid sums (kde.ts), the convolution of binned KDE weights
// (kde.ts, kde-binned.ts), the dip of sorted values (dip.ts), the KS distance (ks.ts) and the Weibull
// regression sums (weibull.ts). The
// plain TypeScript versions in this folder are the oracles and the default; a thread that has
// the WASM SIMD kernels (src/kernels/shape-wasm.ts, installed by the statistics workers)
// installs them here. Results agree with the oracles to rounding (test/kernels/shape-wasm.test.ts).
import { kernelSlot } from "../kernel-slot.js";
import type { BinnedCells } from "./binned.js";
import type { KdeMode } from "./kde-modes.js";
import type { EmRun, MixtureParams } from "./squarem.js";

/**
 * One EM pass over the bound values: adds to s[0..k) the sums of the responsibilities r_c, sets
 * s[k..2k) to the sums of r_c d and s[2k..3k) to those of r_c d^2 (d = x - means[c]), and returns
 * the total log-likelihood. base[c] = ln w_c - ln(2 pi v_c) / 2, halfInv[c] = 1 / (2 v_c).
 */
export type EmSumsFn = (means: Float64Array, base: Float64Array, halfInv: Float64Array, s: Float64Array) => number;

/**
 * One pass over histogram cells of the binned EM (gmm-binned.ts): adds to s0, s1, s2 (k each) the
 * second-order sums of r, r d, r d^2 (d = x - means[c]) and returns the log-likelihood.
 * base[c] = ln w_c - ln(2 pi v_c) / 2, inv[c] = 1 / v_c.
 */
export type BinnedEmSumsFn = (means: Float64Array, base: Float64Array, inv: Float64Array, s0: Float64Array, s1: Float64Array, s2: Float64Array) => number;

/** The Weibull probability-plot regression's sums (weibull.ts): points kept, means of t = ln|w| and y, centred sums. */
export interface WeibullPlotSums { m: number; mt: number; my: number; stt: number; sty: number; syy: number }

export interface ShapeKernels {
  /** Binds the values of one mixture fit (they must not change while it is used). */
  emSums(x: Float64Array): EmSumsFn;
  /** gmm.ts's accelerated EM run over the values x (squarem.ts runSquarem over its emStep, k = 1, 2, 3) from `start`, the same run bit for bit. */
  emRun(x: Float64Array, start: MixtureParams, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun;
  /** Binds the cells of one binned mixture fit (count, mean, within-cell variance; unchanged while used). */
  binnedEmSums(cells: { count: Float64Array; mean: Float64Array; variance: Float64Array }): BinnedEmSumsFn;
  /**
   * Unnormalised kernel sums on the grid lo + j step, j < m: out[j] = sum_i exp(-u^2/2),
   * u = (lo + j step - x_i) / h, over the terms with |u| <= reach (kdeOnEvenGrid's recurrence),
   * each then multiplied by norm (default 1: none).
   */
  kdeGridSums(data: Float64Array, h: number, lo: number, step: number, m: number, reach: number, norm?: number): Float64Array;
  /** bw.SJ's pair counts by bin distance (bandwidth.ts pairCounts) from the bin counts: out[0] = sum w (w - 1) / 2, out[d] = sum_b w_b w_{b+d}, d < nb. */
  binAutocorrelation(bins: Float64Array, nb: number): Float64Array;
  /**
   * bandwidth.ts pairCounts' counts of the values x (bins of binWidth, trunc(x / binWidth)): the
   * bins counted in the kernel, then binAutocorrelation or, when n^2 <= pairLoopMaxRatio bins nb,
   * its loop over pairs of occupied bins (integer sums: exact); null when a bin index leaves i32.
   */
  sjPairCounts(x: Float64Array, nb: number, binWidth: number, pairLoopMaxRatio: number): Float64Array | null;
  /** gmm-refined.ts cellsOfSorted (sorted finite values, n >= 1, cells >= 1): the same cells bit for bit. */
  cellsOfSorted(x: Float64Array, cells: number): BinnedCells;
  /**
   * bandwidth.ts bandwidthSJFromPairCounts(n, pc, scale, "ste") in the kernel (phi, fSD and the Brent
   * search, Math.pow the host's): the same bandwidth bit for bit; status 1, 2, 3: the oracle's
   * errors (TD, alph2, no solution in the range), to be thrown by the caller.
   */
  sjSolve(counts: Float64Array, binWidth: number, n: number, scale: number): { bandwidth: number; status: 0 | 1 | 2 | 3 };
  /** bandwidth.ts phi's sum over the first `terms` pair counts: exp(-delta/2) poly_order(delta) counts[i], delta = (i binWidth / h)^2. */
  sjPhiSum(counts: Float64Array, terms: number, binWidth: number, h: number, order: 4 | 6): number;
  /**
   * kde-modes.ts kdeModes of the sorted values `data` with bandwidth h on the grid `grid`
   * (kde.ts kdeGridLayout) whose densities and heights are normalised by `norm` (kdeNorm): the
   * grid density, its modes and their exact heights in one call, the same modes bit for bit.
   */
  kdeModes(data: Float64Array, h: number, grid: KdeGridLayout, norm: number, minRelativeProminence: number): KdeMode[];
  /** out[i] = sum_j weights[j] kernel[|i - j|] over |i - j| < kernel.length (convolveKernel). */
  convolve(weights: Float64Array, kernel: Float64Array): Float64Array;
  /** gmm.ts's start from quantile labels (mStepHard over quantileLabels) of k components, the same bits. */
  quantileStart(x: Float64Array, k: number, regCovar: number): MixtureParams;
  /** sample.ts sortedFiniteCopy of float32 values: the finite ones in ascending order (-0 before +0). */
  sortedFiniteF32(x: Float32Array): Float64Array;
  /** ks.ts ksDistance of sorted finite values. */
  ksDistance(s: Float64Array, mean: number, std: number): number;
  /** weibull.ts weibullPlotSums of marked sorted finite values (|v| taken by the merge) and the plotting positions' y. */
  weibullPlotSums(v: Float64Array, y: Float64Array): WeibullPlotSums;
  /** dip.ts dipCounts of sorted finite values with the plain tie rule: twice the dip in counts and the modal interval's indices. */
  dipCounts(x: Float64Array): { dip: number; low: number; high: number };
}

/** kde.ts kdeGrid's grid: m nodes lo + j step, binned or exact, the exact walks' reach (in bandwidths) and the binned kernel's (in nodes). */
export interface KdeGridLayout { lo: number; step: number; m: number; binned: boolean; reach: number; kernelReach: number }

const slot = kernelSlot<ShapeKernels>();
/** Installs the kernels for this thread (null: the TypeScript oracles); returns the previous ones. */
export const setShapeKernels = slot.set;
/** The kernels installed in this thread, or null (use the oracles). */
export const shapeKernels = slot.get;
