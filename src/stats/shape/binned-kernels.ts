// Pluggable per-bucket loops of the histogram shape statistics (binned-fits.ts, kde-binned.ts,
// bandwidth-binned.ts, dip-binned.ts). The plain TypeScript versions in those files are the
// oracles and the default; a thread with the WASM kernel (src/kernels/shape-binned-wasm.ts,
// installed with the other shape kernels) installs it here. The kernel computes the oracles'
// arithmetic in their order with the host's own exp, log, log1p, cos and sin, so its results are
// the oracles' bit for bit (test/kernels/shape-binned-wasm.test.ts).
import type { BinnedCells, BinnedDistribution, BinnedMoments } from "./binned.js";
import type { KdeMode } from "./kde-modes.js";
import type { EmRun, MixtureParams } from "./squarem.js";
import { kernelSlot } from "../kernel-slot.js";

export interface BinnedShapeKernels {
  /**
   * binnedFromHistogram of ascending keys (the kernel keeps the result for the statistics that
   * follow); with `scratch`, its arrays are the kernel's own, valid until the next `scratch` call.
   */
  fromHistogram(keys: ArrayLike<number>, counts: ArrayLike<number>, scratch?: boolean): BinnedDistribution;
  /** binnedMoments. */
  moments(d: BinnedDistribution): BinnedMoments;
  /** maxBucketMass and meanBucketWidth. */
  spread(d: BinnedDistribution): { maxBucketMass: number; meanBucketWidth: number };
  /** binnedCells. */
  cells(d: BinnedDistribution, width: number, relative: number): BinnedCells;
  /** binnedKsToNormal's distance: sup |G - Phi((x - mean) / std)|. */
  ksNormal(d: BinnedDistribution, mean: number, std: number): number;
  /** binnedKdeEvaluate: (G * K_h)(t) at each point. */
  kdeEvaluate(d: BinnedDistribution, h: number, points: ArrayLike<number>): Float64Array;
  /** binnedKdeGrid's density on the m nodes lo + j step (hat weights convolved with `kernel`, times norm). */
  kdeGridDensity(d: BinnedDistribution, lo: number, step: number, m: number, kernel: Float64Array, norm: number): Float64Array;
  /**
   * binnedKdeModes on the grid binnedKdeGridLayout gives (m nodes lo + j step, the kernel sampled
   * to `reach` nodes, densities times norm): grid, modes and exact heights in one call, bit for bit.
   */
  kdeModes(d: BinnedDistribution, h: number, lo: number, step: number, m: number, reach: number, norm: number, minRelativeProminence: number): KdeMode[];
  /** binnedPairCounts' counts (nb of them) from R's bins of `width`, first..first + len - 1, by an FFT of `size`. */
  pairCounts(d: BinnedDistribution, width: number, first: number, len: number, size: number, nb: number): Float64Array;
  /** dipOfCorners of histogramKnots(d) from 0: the halved dip in mass units and the modal interval's ends. */
  dip(d: BinnedDistribution): { dip: number; modalLow: number; modalHigh: number };
  /** binnedWeibullFit's regression sums over ranks first..last of n: [m, st, sy, stt, sty, syy, eta]. */
  weibullSums(d: BinnedDistribution, n: number, first: number, last: number): Float64Array;
  /**
   * gmm-binned.ts's EM run on the cells from `start` (runSquarem over emStep, the cell pass being
   * the shape kernel's binnedEmSums, src/kernels/shape-wasm.ts): the same run, bit for bit.
   */
  emRun(cells: Pick<BinnedCells, "count" | "mean" | "variance" | "total">, start: MixtureParams, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun;
}

const slot = kernelSlot<BinnedShapeKernels>();
/** Installs the kernels for this thread (null: the TypeScript oracles); returns the previous ones. */
export const setBinnedShapeKernels = slot.set;
/** The kernels installed in this thread, or null (use the oracles). */
export const binnedShapeKernels = slot.get;
