// Shape and spectral extras of the analysis rows: shapeSummary of a tensor's exact values (kept
// tensors) or of a seeded sample drawn from the bf16-bucket histogram (large tensors, groups),
// with the method and its error bounds; and the spectral summary of 2-D weight matrices. Pure.
import { ForkingPathsError } from "../util/errors.js";
import type { TensorRole } from "../tensor/names.js";
import { selectMixtureByBic, shapeSummary, type ShapeSummary } from "../stats/shape/index.js";
import { spectralSummary, type SpectralSummary } from "../stats/spectral.js";
import { deriveSeed } from "../runs/synth-process.js";
import { dkwBound95, HISTOGRAM_SAMPLE_SIZE, sampleFromHistogram } from "./snapshots.js";

/**
 * Values drawn from a histogram for the shape of a large tensor or a group. The same size (and
 * seed, shapeSeed) as the event detectors' histogram snapshots, so both see the same sample.
 * Smaller is not cheaper below 2049: the KDE then sums exactly instead of binning (stats/shape/kde.ts).
 */
export const DEFAULT_SHAPE_SAMPLE_SIZE = HISTOGRAM_SAMPLE_SIZE;
/**
 * Value error of a histogram sample: each value lies in its true value's bf16 bucket (7 mantissa
 * bits), whose width is at most 2^-7 of the value's magnitude (exact buckets for bf16 data).
 */
export const HISTOGRAM_VALUE_REL_ERROR = 2 ** -7;
/**
 * EM settings of the mixtures fitted to a histogram sample: scikit-learn GaussianMixture's own
 * defaults (tol 1e-3, one initialisation) instead of the exact path's tol 1e-6 and three
 * initialisations, which cost 7-20x more on 4096 values. Well-separated components: means
 * within the sample's noise of the exact fit (test/pipeline/shape-rows.test.ts). Strongly
 * overlapping ones: the 2-3 component fits may stop at another local optimum (measured: a mean
 * off by 1/3 sd, BIC by ~10), so BIC comparisons of sample fits are approximate; the mode
 * detector uses BIC only on exact values.
 */
export const SAMPLE_MIXTURE_EM = { tol: 1e-3, nInit: 1 } as const;
/** Matrices with min(rows, cols) up to this get a spectral summary (eigenvalues of the small Gram matrix, O(m^3)). */
export const DEFAULT_SPECTRAL_MAX_DIM = 256;

/** How `extra.shape` was computed, stored beside it as `extra.shape_method`. */
export interface ShapeMethod {
  method: "histogram_sample" | "exact";
  /** Values in the tensor or group (finite ones for exact values). */
  n: number;
  /** Values shapeSummary analysed. */
  sample_size: number;
  seed: number;
  /** Bound on |sample value - true value| / |true value| (0 for exact values). */
  value_rel_error_bound: number;
  /** DKW bound at 95% on sup |F_sample - F_values| (0 when every value is analysed). */
  cdf_error_bound_95: number;
  /** EM convergence tolerance and initialisations of the Gaussian mixtures. */
  mixture_em: { tol: number; n_init: number };
  description: string;
}

export interface ShapeExtra {
  shape: ShapeSummary;
  shape_method: ShapeMethod;
}

type Histogram = { keys: ArrayLike<number>; counts: ArrayLike<number> };

/** Seed of a target's histogram sample at a step: the event detectors' (pipeline/events.ts) with seed 0. */
export function shapeSeed(target: "tensor" | "group", name: string, step: number): number {
  return deriveSeed(0, target, name, step);
}

/** Shape of exact values (kept tensors): shapeSummary as is (it samples SHAPE_SAMPLE_SIZE values beyond that). */
export function exactShapeExtra(values: ArrayLike<number>): ShapeExtra {
  const shape = shapeSummary(values);
  return {
    shape,
    shape_method: {
      method: "exact", n: shape.n - shape.nonFinite, sample_size: shape.nAnalysed, seed: shape.seed, value_rel_error_bound: 0,
      cdf_error_bound_95: shape.cdfErrorBound95, mixture_em: { tol: 1e-6, n_init: 3 },
      description: shape.sampled ? `seeded uniform sample of ${shape.nAnalysed} of the exact values (seed ${shape.seed})` : "all exact values",
    },
  };
}

/**
 * Shape of a large tensor or group from its histogram: shapeSummary of `size` values drawn by
 * sampleFromHistogram (all of them when the histogram holds fewer), mixtures fitted with
 * SAMPLE_MIXTURE_EM. Null when the histogram is empty.
 */
export function histogramShapeExtra(histogram: Histogram, seed: number, size = DEFAULT_SHAPE_SAMPLE_SIZE): ShapeExtra | null {
  let total = 0;
  for (let i = 0; i < histogram.counts.length; i++) total += Math.max(0, Math.round(histogram.counts[i]!));
  if (total === 0) return null;
  const sample = sampleFromHistogram(histogram, size, seed);
  const sampled = total > size;
  const base = shapeSummary(sample, { maxComponents: 1, seed, sampleSize: sample.length });
  const shape: ShapeSummary = { ...base, mixtures: sampleMixtures(sample, seed, base.notes), n: total, sampled, cdfErrorBound95: sampled ? dkwBound95(sample.length) : 0 };
  const cdf = sampled ? dkwBound95(sample.length) : 0;
  return {
    shape: withoutNonFinite(shape),
    shape_method: {
      method: "histogram_sample", n: total, sample_size: sample.length, seed, value_rel_error_bound: HISTOGRAM_VALUE_REL_ERROR, cdf_error_bound_95: cdf,
      mixture_em: { tol: SAMPLE_MIXTURE_EM.tol, n_init: SAMPLE_MIXTURE_EM.nInit },
      description: (sampled ? `seeded uniform sample without replacement of ${sample.length} of ${total} values` : `all ${total} values`) +
        ` reconstructed from the bf16-bucket histogram (seed ${seed}), each within ${HISTOGRAM_VALUE_REL_ERROR} relative of a true value` +
        (sampled ? `; sample CDF within ${cdf.toFixed(4)} of the histogram's (DKW, 95%)` : ""),
    },
  };
}

/** Mixtures with 1-3 components on a histogram sample (as shapeSummary's, with the sample EM settings). */
function sampleMixtures(sample: Float64Array, seed: number, notes: string[]): ShapeSummary["mixtures"] {
  try {
    const r = selectMixtureByBic(sample, 3, { seed, ...SAMPLE_MIXTURE_EM });
    return { fits: r.fits, bestComponents: r.best.components };
  } catch (e) {
    if (!(e instanceof ForkingPathsError)) throw e;
    if (!notes.some((n) => n.startsWith("mixtures:"))) notes.push(`mixtures: ${e.message}`);
    return null;
  }
}

/** Deep copy with every non-finite number replaced by null (as shapeSummary's output). */
function withoutNonFinite<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v))) as T;
}

const SPECTRAL_ROLES: ReadonlySet<TensorRole> = new Set(["attn.qkv", "attn.q", "attn.k", "attn.v", "attn.out", "mlp.in", "mlp.gate", "mlp.up", "mlp.out"]);

/** Attention and MLP weight matrices (not embeddings) with min(rows, cols) in 1..maxDim; 0 disables. */
export function isSpectralTarget(cls: { role: TensorRole; kind: string }, shape: readonly number[], maxDim: number): boolean {
  if (maxDim <= 0 || cls.kind !== "weight" || !SPECTRAL_ROLES.has(cls.role) || shape.length !== 2) return false;
  const m = Math.min(shape[0]!, shape[1]!);
  return m >= 1 && m <= maxDim;
}

/** SpectralSummary as stored in `extra.spectral`: eigenvalues as a plain array, alpha also at top level (null without a fit). */
export type StoredSpectral = Omit<SpectralSummary, "eigenvalues"> & { eigenvalues: number[]; alpha: number | null };

/**
 * `extra.spectral` of a rows x cols row-major matrix, JSON-ready; when the spectrum cannot be
 * computed (non-finite values, no convergence) `spectral` is null and `spectral_note` says why.
 */
export function spectralExtra(values: ArrayLike<number>, rows: number, cols: number): { spectral: StoredSpectral | null; spectral_note?: string } {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return { spectral: null, spectral_note: "non-finite values: no spectrum" };
  try {
    const s = spectralSummary(values, rows, cols);
    return { spectral: withoutNonFinite({ ...s, eigenvalues: Array.from(s.eigenvalues), alpha: s.powerLaw?.alpha ?? null }) };
  } catch (e) {
    if (!(e instanceof ForkingPathsError)) throw e;
    return { spectral: null, spectral_note: e.message };
  }
}
