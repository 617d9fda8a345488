// Shape and spectral extras of the analysis rows: shapeSummary of a tensor's exact values (kept
// tensors), or the same statistics computed from the bf16-bucket histogram itself (large tensors,
// groups; stats/shape/histogram-shape.ts), with the method and its error bounds; and the spectral
// summary of 2-D weight matrices. Pure. (Which tensors get a spectrum: tensor/names.ts isSpectralTarget.)
import { ForkingPathsError } from "../util/errors.js";
import { deriveSeed } from "../util/rng.js";
import { BUCKET_RELATIVE_WIDTH, HISTOGRAM_MIXTURE_EM, histogramShapeSummary, shapeSummary, type HistogramShapeBounds, type ShapeSummary } from "./shape/index.js";
import { allFinite, spectralSummary, type PowerLawFit, type SpectralSummary } from "./spectral.js";

/**
 * DEFAULT_SHAPE_SAMPLE_SIZE is kept for the CLI's --shape-sample: a positive value turns histogram
 * shapes on (0: kept tensors only); the histogram path analyses every value through its bucket, so
 * the size itself is unused (HISTOGRAM_SAMPLE_SIZE is defined as it). DEFAULT_SPECTRAL_MAX_DIM: matrices
 * with min(rows, cols) up to it get a spectral summary (eigenvalues of the small Gram matrix, O(m^3)).
 * Both live in util/limits.ts (light for the main thread).
 */
import { DEFAULT_SHAPE_SAMPLE_SIZE, DEFAULT_SPECTRAL_MAX_DIM } from "../util/limits.js";
export { DEFAULT_SHAPE_SAMPLE_SIZE, DEFAULT_SPECTRAL_MAX_DIM };

/** How `extra.shape` was computed, stored beside it as `extra.shape_method`. */
export interface ShapeMethod {
  method: "histogram" | "exact";
  /** Values in the tensor or group (finite ones for exact values). */
  n: number;
  /** Values the statistics describe (all n for the histogram: each through its bucket). */
  sample_size: number;
  /** Seed of the k-means++ mixture starts (exact values: also of the sample beyond 20,000 values). */
  seed: number;
  /** Bound on |value used - true value| / |true value| (0 for exact values). */
  value_rel_error_bound: number;
  /** Bound on sup |F_used - F_values|: exact values, DKW at 95% for a sample (0 when all are used); histogram, the largest bucket mass (deterministic). */
  cdf_error_bound_95: number;
  /**
   * EM convergence tolerance, initialisations and acceleration of the Gaussian mixtures; exact
   * values: the cells of the first stage (gmm-refined.ts) of the fits with k >= 2 over more than 2 x cells values.
   */
  mixture_em: { tol: number; n_init: number; acceleration: "squarem-backtracking"; cells?: number };
  description: string;
  /** Histogram only: the deterministic bounds of each statistic against the same statistic of the values. */
  bounds?: {
    buckets: number; mixture_cells: number; mixture_cell_width: number; cdf: number; dip: number; value_w1: number;
    weibull_k: number | null; mixture_means: number[] | null; mixture_bic: number | null;
  };
}

export interface ShapeExtra {
  shape: ShapeSummary;
  shape_method: ShapeMethod;
}

type Histogram = { keys: ArrayLike<number>; counts: ArrayLike<number> };

/** Seed of a target's shape statistics at a step: the event detectors' (pipeline/events.ts) with seed 0. */
export function shapeSeed(target: "tensor" | "group", name: string, step: number): number {
  return deriveSeed(0, target, name, step);
}

/**
 * EM of the exact-value mixtures in the analysis rows: the histogram mixtures' settings
 * (HISTOGRAM_MIXTURE_EM: tol 1e-6 per value, one start by quantiles, SQUAREM-accelerated with
 * backtracking, stopped on a cycle's gain per EM step: stats/shape/squarem.ts), so
 * kept and histogram rows are fitted alike. Same fixed points as plain EM; on slowly converging
 * fits (k = 2, 3 on unimodal tensors) plain EM crawls for hundreds of steps; the accelerated one
 * takes ~60 on average (Pythia-160m kept tensors: 190 of 196 fits converge within the 300-step
 * cap, against 189 with the former SQUAREM, per-step stop and plain fall-back, in 1.2x the steps). One start instead of
 * shapeSummary's three (quantiles + two seeded k-means++) costs a third; on well-separated
 * mixtures it finds the same optimum (test/fixtures/shape), on an overfitted k it can stop at
 * another local optimum (bimodal600 with k = 3); the BIC choice was the same on every fixture.
 * Direct calls of shapeSummary keep its defaults (the scikit-learn reference tests).
 * k >= 2 over more than 128 values: two stages (stats/shape/gmm-refined.ts), the EM on 64
 * equal-width cells of the values (exact count, mean, variance each) to convergence, then the
 * exact accelerated EM from there with the same stopping rule. Pythia-160m kept tensors (98, step
 * 1000): 3,210 exact steps instead of 11,947, 1 of 196 k >= 2 fits at the 300-step cap instead of 6,
 * the same BIC choice (k = 1) on all 98, where k >= 2 loses by 9 to 24. On these unimodal
 * tensors the k = 2, 3 fits are weakly determined: between the one-stage and the two-stage run,
 * both stopped by the same rule, means move by up to 0.64 sd, weights by up to 0.31, and the
 * log-likelihood by -1.3 to +4.1 nats (higher in 107 fits, lower in 60, median +0.002).
 */
export const EXACT_MIXTURE_EM = { tol: HISTOGRAM_MIXTURE_EM.tol, nInit: HISTOGRAM_MIXTURE_EM.nInit, maxIter: HISTOGRAM_MIXTURE_EM.maxIter, accelerate: true, cells: 64 } as const;

/** Shape of exact values (kept tensors): shapeSummary (it samples SHAPE_SAMPLE_SIZE values beyond that) with EXACT_MIXTURE_EM. */
export function exactShapeExtra(values: ArrayLike<number>): ShapeExtra {
  const shape = shapeSummary(values, { mixtureEm: EXACT_MIXTURE_EM });
  return {
    shape,
    shape_method: {
      method: "exact", n: shape.n - shape.nonFinite, sample_size: shape.nAnalysed, seed: shape.seed, value_rel_error_bound: 0,
      cdf_error_bound_95: shape.cdfErrorBound95, mixture_em: { tol: EXACT_MIXTURE_EM.tol, n_init: EXACT_MIXTURE_EM.nInit, acceleration: "squarem-backtracking", cells: EXACT_MIXTURE_EM.cells },
      description: shape.sampled ? `seeded uniform sample of ${shape.nAnalysed} of the exact values (seed ${shape.seed})` : "all exact values",
    },
  };
}

/**
 * Shape of a large tensor or group from its histogram (histogramShapeSummary): every statistic of
 * the distribution G that spreads each bucket's count uniformly over the bucket, n = all values.
 * `seed` seeds the k-means++ mixture start; `size` is unused (see DEFAULT_SHAPE_SAMPLE_SIZE).
 * Null when the histogram is empty.
 */
export function histogramShapeExtra(histogram: Histogram, seed: number, size = DEFAULT_SHAPE_SAMPLE_SIZE): ShapeExtra | null {
  void size;
  const r = histogramShapeSummary(histogram, { seed });
  if (r === null) return null;
  const b = r.bounds;
  return {
    shape: r.summary,
    shape_method: {
      method: "histogram", n: r.summary.n, sample_size: r.summary.n, seed, value_rel_error_bound: BUCKET_RELATIVE_WIDTH, cdf_error_bound_95: b.cdf,
      mixture_em: { tol: HISTOGRAM_MIXTURE_EM.tol, n_init: HISTOGRAM_MIXTURE_EM.nInit, acceleration: "squarem-backtracking" },
      description: histogramDescription(r.summary.n, b),
      bounds: {
        buckets: b.buckets, mixture_cells: b.mixtureCells, mixture_cell_width: b.mixtureCellWidth, cdf: b.cdf, dip: b.dip, value_w1: b.valueW1,
        weibull_k: b.weibullK, mixture_means: b.mixtureMeans, mixture_bic: b.mixtureBic,
      },
    },
  };
}

function histogramDescription(n: number, b: HistogramShapeBounds): string {
  const g = (x: number | null) => (x === null ? "n/a" : x.toPrecision(3));
  return `all ${n} values through the bf16-bucket histogram (${b.buckets} occupied buckets, each value within ${BUCKET_RELATIVE_WIDTH} relative of its bucket): ` +
    `CDF exact at bucket edges, within ${g(b.cdf)} (largest bucket mass) inside; dip within ${g(b.dip)}; KDE on the bucket-uniform distribution, ` +
    `which is within ${g(b.valueW1)} (mean bucket width) of the values in Wasserstein-1; mixtures by EM on ${b.mixtureCells} cells ` +
    `(means within ${b.mixtureMeans === null ? "n/a" : b.mixtureMeans.map(g).join(", ")}, BIC within ${g(b.mixtureBic)}, to first order); Weibull k within ${g(b.weibullK)}`;
}

/**
 * A number as a JSON round trip gives it back: non-finite numbers become null (as shapeSummary's
 * output) and -0 becomes 0.
 */
function jsonNumber(x: number): number | null {
  return Number.isFinite(x) ? (x === 0 ? 0 : x) : null;
}

/** SpectralSummary as stored in `extra.spectral`: eigenvalues as a plain array, alpha also at top level (null without a fit). */
export type StoredSpectral = Omit<SpectralSummary, "eigenvalues"> & { eigenvalues: number[]; alpha: number | null };

/**
 * The stored form of a SpectralSummary, built directly: the object (keys in this order) that a
 * JSON round trip of `{ ...s, eigenvalues: Array.from(s.eigenvalues), alpha }` would give, numbers
 * through jsonNumber. (Non-finite numbers are stored as null although the type says number.)
 */
function storedSpectral(s: SpectralSummary): StoredSpectral {
  const eigenvalues: number[] = [];
  for (let i = 0; i < s.eigenvalues.length; i++) eigenvalues.push(jsonNumber(s.eigenvalues[i]!) as number);
  const p = s.powerLaw;
  const powerLaw = p === null ? null : {
    alpha: jsonNumber(p.alpha), xmin: jsonNumber(p.xmin), ks: jsonNumber(p.ks), nTail: jsonNumber(p.nTail), sigma: jsonNumber(p.sigma),
  } as PowerLawFit;
  return {
    rows: jsonNumber(s.rows), cols: jsonNumber(s.cols), normalization: jsonNumber(s.normalization), eigenvalues,
    lambdaMax: jsonNumber(s.lambdaMax), spectralNorm: jsonNumber(s.spectralNorm), stableRank: jsonNumber(s.stableRank),
    powerLaw, alpha: p === null ? null : jsonNumber(p.alpha),
  } as StoredSpectral;
}

/**
 * `extra.spectral` of a rows x cols row-major matrix, JSON-ready; when the spectrum cannot be
 * computed (non-finite values, no convergence) `spectral` is null and `spectral_note` says why.
 */
export function spectralExtra(values: ArrayLike<number>, rows: number, cols: number): { spectral: StoredSpectral | null; spectral_note?: string } {
  if (!allFinite(values)) return { spectral: null, spectral_note: "non-finite values: no spectrum" };
  try {
    return { spectral: storedSpectral(spectralSummary(values, rows, cols)) };
  } catch (e) {
    if (!(e instanceof ForkingPathsError)) throw e;
    return { spectral: null, spectral_note: e.message };
  }
}
