// Exact-value Gaussian mixtures in two stages: the EM on cells of the sorted values (each cell's
// exact count, mean and variance; gmm-binned.ts's second-order EM, SQUAREM) to convergence, then
// the exact per-value EM (SQUAREM, gmm.ts) from that optimum with the same stopping rule. The
// result is a point where the exact EM stops by its own rule; the cells only choose where it
// starts, so most of the steps are taken over a few dozen cells instead of thousands of values.
// Pure; no I/O.
import type { BinnedCells } from "./binned.js";
import { fitGaussianMixtureBinned, type BinnedMixtureOptions } from "./gmm-binned.js";
import { fitGaussianMixture, fitGaussianMixtureFrom, type GaussianMixtureFit, type GaussianMixtureOptions } from "./gmm.js";
import { shapeKernels } from "./kernels.js";
import { isMarkedSortedFinite, sortedFinite, type Values } from "./sample.js";

/**
 * Cells of sorted finite values (n >= 1): `cells` equal-width intervals of [min, max] (the last
 * closed), empty ones dropped; each with its values' count, mean and variance (two passes).
 */
export function cellsOfSorted(x: Float64Array, cells: number): BinnedCells {
  const n = x.length, lo = x[0]!, width = (x[n - 1]! - lo) / cells;
  const cellOf = (v: number): number => (width > 0 ? Math.min(cells - 1, Math.floor((v - lo) / width)) : 0);
  const count: number[] = [], mean: number[] = [], variance: number[] = [];
  let maxWidth = 0;
  for (let i = 0; i < n; ) {
    const cell = cellOf(x[i]!);
    let j = i, sum = 0;
    while (j < n && cellOf(x[j]!) === cell) sum += x[j++]!;
    const m = sum / (j - i);
    let ss = 0;
    for (let t = i; t < j; t++) ss += (x[t]! - m) * (x[t]! - m);
    count.push(j - i);
    mean.push(m);
    variance.push(ss / (j - i));
    maxWidth = Math.max(maxWidth, x[j - 1]! - x[i]!);
    i = j;
  }
  return { count: Float64Array.from(count), mean: Float64Array.from(mean), variance: Float64Array.from(variance), total: n, maxWidth };
}

/** cellsOfSorted with the kernels installed (kernels.ts: the same cells), else the TypeScript loop above. */
function cellsOfSortedFast(x: Float64Array, cells: number): BinnedCells {
  return shapeKernels()?.cellsOfSorted(x, cells) ?? cellsOfSorted(x, cells);
}

/** cellsOfSorted of an array marked by markSortedFinite (never written again), computed once for its k = 2 and k = 3 fits. */
function cellsOfMarked(data: Float64Array, cells: number): BinnedCells {
  if (!isMarkedSortedFinite(data)) return cellsOfSortedFast(data, cells);
  let kept = markedCells.get(data);
  if (kept === undefined || kept.cells !== cells) markedCells.set(data, (kept = { cells, binned: cellsOfSortedFast(data, cells) }));
  return kept.binned;
}

const markedCells = new WeakMap<object, { cells: number; binned: BinnedCells }>();

export interface RefinedMixtureOptions extends Pick<GaussianMixtureOptions, "maxIter" | "tol" | "regCovar" | "seed"> {
  /** Cells of the first stage. k = 1, and samples of at most 2 x cells values, are fitted by the exact EM alone. */
  cells: number;
}

/**
 * A k-component mixture of the values by the two stages (one start each: the quantile start
 * on the cells). k = 1 (the sample mean and variance) and small samples: fitGaussianMixture with one
 * start, accelerated. `iterations` counts the exact EM steps only.
 */
export function fitGaussianMixtureRefined(x: Values, components: 1 | 2 | 3, options: RefinedMixtureOptions): GaussianMixtureFit {
  const em = { ...(options.tol === undefined ? {} : { tol: options.tol }), ...(options.maxIter === undefined ? {} : { maxIter: options.maxIter }), ...(options.regCovar === undefined ? {} : { regCovar: options.regCovar }) };
  const data = sortedFinite(x, 2 * components + 1, "fitGaussianMixture");
  if (components === 1 || data.length <= 2 * options.cells || data[0] === data[data.length - 1]) {
    return fitGaussianMixture(data, { components, nInit: 1, accelerate: true, seed: options.seed ?? 0, ...em });
  }
  const coarseOptions: BinnedMixtureOptions = { nInit: 1, seed: options.seed ?? 0, ...em };
  const coarse = fitGaussianMixtureBinned(cellsOfMarked(data, options.cells), components, coarseOptions);
  const start = { weights: Float64Array.from(coarse.weights), means: Float64Array.from(coarse.means), variances: Float64Array.from(coarse.variances) };
  return fitGaussianMixtureFrom(data, start, em);
}

/** Fits for k = 1..maxComponents (fitGaussianMixtureRefined) and the one with the lowest BIC. */
export function selectMixtureByBicRefined(x: Values, maxComponents: 1 | 2 | 3, options: RefinedMixtureOptions): { best: GaussianMixtureFit; fits: GaussianMixtureFit[] } {
  const fits: GaussianMixtureFit[] = [];
  for (let k = 1; k <= maxComponents; k++) fits.push(fitGaussianMixtureRefined(x, k as 1 | 2 | 3, options));
  return { best: fits.reduce((a, b) => (b.bic < a.bic ? b : a)), fits };
}
