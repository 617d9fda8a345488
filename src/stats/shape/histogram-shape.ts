// All shape statistics of a tensor or group from its bucket histogram, in the ShapeSummary layout
// of shapeSummary (summary.ts) so the store, report and detectors read them alike; cost bounded
// by the number of occupied buckets (a few thousand at most), not by the number of values.
// Every statistic is of the histogram's distribution G (each bucket's count uniform on its
// interval; +-0 an atom at 0) with n = the histogram's total count; `bounds` says how far each
// can be from the same statistic of the values themselves. Pure; no I/O.
import { ForkingPathsError, notEnoughPointsMessage } from "../../util/errors.js";
import { BUCKET_RELATIVE_WIDTH } from "../histogram.js";
import { binnedBandwidthSJ } from "./bandwidth-binned.js";
import { binnedBimodality, binnedKsToNormal, binnedWeibullFit } from "./binned-fits.js";
import { binnedCells, binnedFromHistogram, binnedMoments, binnedQuantile, maxBucketMass, meanBucketWidth, type BinnedCells, type BinnedDistribution, type BinnedMoments, type SparseHistogram } from "./binned.js";
import { DIP_TEST_METHOD, dipPValue } from "./dip-test.js";
import { DIP_TABLE_N } from "./dip-table.js";
import { binnedDip } from "./dip-binned.js";
import { selectMixtureByBicBinned, type BinnedMixtureOptions } from "./gmm-binned.js";
import { binnedKdeModes, binnedSilvermanBandwidth } from "./kde-binned.js";
import type { ShapeSummary } from "./summary.js";
import { finiteJsonCopy } from "./json-safe.js";

/** Cells for the mixtures: adjacent buckets merged up to this fraction of min(sd, IQR / 1.349) (1/16 gave the same fits to 1e-6 on the tests, at 1.3x the cost)... */
export const MIXTURE_CELL_FRACTION = 1 / 8;
/** ...or, in the tails, up to this fraction of |x| (4 buckets): heavy tails would otherwise give hundreds of one-bucket cells. */
export const MIXTURE_CELL_RELATIVE = 1 / 32;
/** Cells at most: beyond, both merge widths double until under (values spread over many binades; keeps EM cost bounded). */
export const MAX_MIXTURE_CELLS = 1024;
/**
 * EM of the histogram mixtures: the exact path's per-value tolerance, SQUAREM-accelerated, from
 * the quantile start only. A seeded k-means++ second start (nInit 2) cost 6x more for k = 3 on
 * Gaussian-like tensors (it crawls to the iteration cap) and found the same optimum on the
 * reference fixtures; so the seed is unused at this setting.
 */
export const HISTOGRAM_MIXTURE_EM = { tol: 1e-6, nInit: 1, maxIter: 300 } as const;
/** A note warns when the mean bucket width exceeds this fraction of the sd (values far from 0 relative to their spread). */
export const COARSE_RESOLUTION_FRACTION = 0.05;
export { BUCKET_RELATIVE_WIDTH };

/**
 * Cells the histogram mixtures are fitted on: buckets merged up to max(MIXTURE_CELL_FRACTION x min(sd, IQR / 1.349), MIXTURE_CELL_RELATIVE x |x|).
 * `mo` and `iqr` (G's moments and interquartile range) are computed when not given.
 */
export function mixtureCellsOf(d: BinnedDistribution, mo: BinnedMoments = binnedMoments(d), iqr = binnedQuantile(d, 0.75) - binnedQuantile(d, 0.25)): BinnedCells {
  const sd = Math.sqrt((mo.m2 * d.total) / Math.max(1, d.total - 1));
  const scale = Math.min(sd, iqr / 1.349) || sd;
  let widen = 1, cells = binnedCells(d, scale * MIXTURE_CELL_FRACTION, MIXTURE_CELL_RELATIVE);
  while (cells.count.length > MAX_MIXTURE_CELLS && widen < 2 ** 20) {
    widen *= 2;
    cells = binnedCells(d, scale * MIXTURE_CELL_FRACTION * widen, MIXTURE_CELL_RELATIVE * widen);
  }
  return cells;
}

export interface HistogramShapeOptions {
  /** Seed of the k-means++ mixture start (default 0). */
  seed?: number;
  maxComponents?: 1 | 2 | 3;
  kdeBandwidths?: ("silverman" | "sj")[];
  gridSize?: number;
  minRelativeProminence?: number;
}

/** How far each statistic of G can be from the values' own (all deterministic). */
export interface HistogramShapeBounds {
  /** Occupied buckets, and cells the mixtures were fitted on (with the widest cell). */
  buckets: number;
  mixtureCells: number;
  mixtureCellWidth: number;
  /** sup |G - F_values| <= the largest bucket mass (0 at bucket edges). */
  cdf: number;
  /** |dip_G - dip_values| <= cdf + 1/(2n) (the dip is 1-Lipschitz in the sup norm; R's dip is at least 1/(2n)). */
  dip: number;
  /** Wasserstein-1 distance of G to the values <= the count-weighted mean bucket width. */
  valueW1: number;
  /** |k_G - k_values| of the Weibull fit (binned-fits.ts). */
  weibullK: number | null;
  /** |mean_c of G - mean_c of the values| per component of the best mixture, to first order (see histogramShapeSummary). */
  mixtureMeans: number[] | null;
  /** |BIC of G - BIC of the values| of the best mixture, to first order (mixtureBicBound). */
  mixtureBic: number | null;
}

/**
 * Shape statistics of G. Mixture means: each EM mean is a responsibility-weighted mean of values,
 * so moving every value by at most its bucket width moves it by at most the responsibility-weighted
 * mean bucket width of the component, 2^-7 E_c|x| (first order: responsibilities held fixed);
 * the within-cell expansion adds O((cell width / sd_c)^2) relative, measured far smaller.
 */
export function histogramShapeSummary(histogram: SparseHistogram, options: HistogramShapeOptions = {}): { summary: ShapeSummary; bounds: HistogramShapeBounds } | null {
  // d is not kept beyond this call (the bounds keep its bucket count only): the kernel's reused arrays
  const d = binnedFromHistogram(histogram, true);
  const n = d.total;
  if (n === 0) return null;
  const seed = options.seed ?? 0;
  const notes: string[] = [];
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ForkingPathsError)) throw e;
      notes.push(`${what}: ${e.message}`);
      return null;
    }
  };
  // Too few points: the note the statistic's NotEnoughPointsError would give, without throwing (one-element tensors).
  const counted = <T>(what: string, needed: number, by: string, f: () => T): T | null => {
    if (n >= needed) return attempt(what, f);
    notes.push(`${what}: ${notEnoughPointsMessage(by, needed, n)}`);
    return null;
  };
  const mo = binnedMoments(d);
  const sd = Math.sqrt((mo.m2 * n) / Math.max(1, n - 1));
  const iqr = binnedQuantile(d, 0.75) - binnedQuantile(d, 0.25);
  const cells = mixtureCellsOf(d, mo, iqr);
  const cdf = maxBucketMass(d);
  const emOptions: BinnedMixtureOptions = { seed, tol: HISTOGRAM_MIXTURE_EM.tol, nInit: HISTOGRAM_MIXTURE_EM.nInit, maxIter: HISTOGRAM_MIXTURE_EM.maxIter };
  const weibull = counted("weibull", 10, "binnedWeibullFit", () => binnedWeibullFit(d));
  const w1 = meanBucketWidth(d);
  if (w1 > COARSE_RESOLUTION_FRACTION * sd) notes.push(`resolution: the mean bucket width is ${(w1 / sd).toPrecision(3)} sd (values far from 0 relative to their spread); the bounds below are wide`);
  const mixtures = counted("mixtures", 3, "fitGaussianMixtureBinned", () => {
    const r = selectMixtureByBicBinned(cells, options.maxComponents ?? 3, emOptions);
    return { fits: r.fits, bestComponents: r.best.components };
  });
  const summary: ShapeSummary = {
    n, nonFinite: 0, nAnalysed: n, sampled: false, seed, cdfErrorBound95: cdf,
    bimodality: counted("bimodality", 4, "binnedBimodality", () => binnedBimodality(n, mo)),
    dip: counted("dip", 4, "binnedDip", () => {
      const r = binnedDip(d);
      return { method: DIP_TEST_METHOD, n, dip: r.dip, pValue: dipPValue(r.dip, n), asymptotic: n > DIP_TABLE_N[DIP_TABLE_N.length - 1]!, modalLow: r.modalLow, modalHigh: r.modalHigh };
    }),
    mixtures,
    kde: (options.kdeBandwidths ?? ["silverman", "sj"]).map((rule) =>
      attempt(`kde(${rule})`, () => {
        const h = rule === "silverman" ? binnedSilvermanBandwidth(n, mo.m2) : binnedBandwidthSJ(d, sd, iqr);
        return { rule, bandwidth: h, modes: binnedKdeModes(d, h, { gridSize: options.gridSize ?? 1024, minRelativeProminence: options.minRelativeProminence ?? 0.01 }) };
      }),
    ),
    weibull: weibull?.fit ?? null,
    ks: counted("ks", 2, "binnedKsToNormal", () => binnedKsToNormal(d, mo)),
    notes,
  };
  const best = mixtures?.fits.find((f) => f.components === mixtures.bestComponents);
  const bounds = best === undefined ? null : mixtureBounds(cells, best);
  return {
    summary: finiteJsonCopy(summary),
    bounds: {
      buckets: d.count.length, mixtureCells: cells.count.length, mixtureCellWidth: cells.maxWidth, cdf, dip: cdf + 1 / (2 * n),
      valueW1: w1, weibullK: weibull !== null && Number.isFinite(weibull.kErrorBound) ? weibull.kErrorBound : null,
      mixtureMeans: bounds === null ? null : bounds.means,
      mixtureBic: bounds === null ? null : bounds.bic,
    },
  };
}

type MixtureFit = { weights: number[]; means: number[]; variances: number[] };

/** The stated first-order bound on each component mean of `fit`: 2^-7 times its responsibility-weighted mean |x|. */
export function mixtureMeanBounds(cells: BinnedCells, fit: MixtureFit): number[] {
  return mixtureBounds(cells, fit).means;
}

/**
 * The stated first-order bound on |BIC of G - BIC of the values| for `fit`: moving each value by at
 * most its bucket width (2^-7 |x|) moves its log-density by at most |d log p / dx| times that, so
 * |dBIC| <= 2 sum_i |d log p(x_i) / dx| 2^-7 |x_i| (summed over the cells). For f32 data the
 * shifts average out and the measured difference is far smaller; bf16 data (values on the edges)
 * comes near it.
 */
export function mixtureBicBound(cells: BinnedCells, fit: MixtureFit): number {
  return mixtureBounds(cells, fit).bic;
}

/** Weighted normal density term of a component at x (without 1/sqrt(2 pi)). */
function componentDensity(w: number, mu: number, v: number, x: number): number {
  return (w / Math.sqrt(v)) * Math.exp((-0.5 * (x - mu) ** 2) / v);
}

/** Largest mixture order: the cells' component densities live in a fixed scratch. */
const MAX_BOUND_COMPONENTS = 8;
const densities = new Float64Array(MAX_BOUND_COMPONENTS);

/**
 * mixtureMeanBounds and mixtureBicBound in one pass over the cells: each cell's k component
 * densities are computed once (k exps per cell instead of k (k + 1) + k) and feed every sum, each
 * sum formed in the same order as the two bounds' definitions (per component, over the cells
 * ascending), so the same bits.
 */
export function mixtureBounds(cells: BinnedCells, fit: MixtureFit): { means: number[]; bic: number } {
  // the fit's arrays as typed arrays (the same values): a k = 1 fit's weights [1] are small
  // integers, another fit's doubles, and optimised code that saw one kind deopts on the other
  const weights = Float64Array.from(fit.weights), means = Float64Array.from(fit.means), variances = Float64Array.from(fit.variances);
  const k = weights.length;
  if (k > MAX_BOUND_COMPONENTS) return { means: fit.means.map((mu, c) => BUCKET_RELATIVE_WIDTH * componentMeanAbs(cells, c, mu, fit)), bic: bicBoundSum(cells, fit) };
  const num = new Float64Array(k), den = new Float64Array(k);
  let sum = 0;
  for (let b = 0; b < cells.count.length; b++) {
    const x = cells.mean[b]!, count = cells.count[b]!, spread = Math.abs(x) + Math.sqrt(cells.variance[b]!);
    let total = 0, slope = 0;
    for (let c = 0; c < k; c++) {
      const v = variances[c]!, dens = componentDensity(weights[c]!, means[c]!, v, x);
      densities[c] = dens;
      total += dens;
      slope += (dens * (means[c]! - x)) / v;
    }
    if (total > 0) sum += count * Math.abs(slope / total) * BUCKET_RELATIVE_WIDTH * spread;
    for (let c = 0; c < k; c++) {
      const r = total > 0 ? densities[c]! / total : 0;
      num[c]! += count * r * spread;
      den[c]! += count * r;
    }
  }
  return {
    means: Array.from(means, (mu, c) => BUCKET_RELATIVE_WIDTH * (den[c]! > 0 ? num[c]! / den[c]! : Math.abs(mu))),
    bic: 2 * sum,
  };
}

/** mixtureBicBound's sum, one cell at a time (beyond MAX_BOUND_COMPONENTS components). */
function bicBoundSum(cells: BinnedCells, fit: MixtureFit): number {
  let sum = 0;
  for (let b = 0; b < cells.count.length; b++) {
    const x = cells.mean[b]!;
    let total = 0, slope = 0;
    for (let c = 0; c < fit.weights.length; c++) {
      const v = fit.variances[c]!, dens = componentDensity(fit.weights[c]!, fit.means[c]!, v, x);
      total += dens;
      slope += (dens * (fit.means[c]! - x)) / v;
    }
    if (total > 0) sum += cells.count[b]! * Math.abs(slope / total) * BUCKET_RELATIVE_WIDTH * (Math.abs(x) + Math.sqrt(cells.variance[b]!));
  }
  return 2 * sum;
}

/** Responsibility-weighted mean |x| of component `at` over the cells (with the cell spread). */
function componentMeanAbs(cells: BinnedCells, at: number, mean: number, fit: MixtureFit): number {
  let num = 0, den = 0;
  for (let b = 0; b < cells.count.length; b++) {
    const x = cells.mean[b]!;
    let total = 0;
    for (let c = 0; c < fit.weights.length; c++) total += componentDensity(fit.weights[c]!, fit.means[c]!, fit.variances[c]!, x);
    const r = total > 0 ? componentDensity(fit.weights[at]!, mean, fit.variances[at]!, x) / total : 0;
    num += cells.count[b]! * r * (Math.abs(x) + Math.sqrt(cells.variance[b]!));
    den += cells.count[b]! * r;
  }
  return den > 0 ? num / den : Math.abs(mean);
}
