// TensorSummary: the derived statistics of a sketch (moments, norms, quantiles, sparsity).
// Conventions follow numpy/scipy over the finite values; undefined values are null (never NaN).
import { fracsAbsLe, quantileRelErrorBound, sketchQuantiles, type FractionEstimate, type HistogramSketch } from "./quantiles.js";
import { ldexp } from "./moment-scale.js";
import { ABS_THRESHOLD_KEYS, scaleExpOf, type TensorSketch } from "./sketch.js";

/** Quantile levels reported in every summary. */
export const SUMMARY_QUANTILES: readonly number[] = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];
/** Multiples of std used as relative thresholds of the sparsity ladder. */
export const REL_STD_THRESHOLDS: readonly number[] = [0.01, 0.1, 0.5];
const REL_STD_KEYS: readonly string[] = ["0.01", "0.1", "0.5"];
/** scipy's test for "variance is zero" in skew/kurtosis: m2 <= (resolution * mean)^2. */
const FLOAT64_RESOLUTION = 1e-15;

/**
 * Derived statistics. Moments, min/max, norms, quantiles and fractions are over the finite
 * values (n = numel - nan - inf). With n = 0: mean, std, variance, min, max, quantiles and
 * fractions are null and the norms are 0 (empty sums). skewness and excess_kurtosis are null
 * where scipy.stats gives nan (n = 0, or a constant tensor: m2 <= (1e-15 mean)^2, including n = 1).
 */
export interface TensorSummary {
  numel: number;
  nan_count: number;
  posinf_count: number;
  neginf_count: number;
  inf_count: number;
  zero_count: number;
  /** Number of finite values, the n of every statistic below. */
  finite_count: number;
  mean: number | null;
  /**
   * Population (ddof = 0) standard deviation and variance, exact for float64 data up to its max
   * (scaled sums, see moment-scale.ts); variance is null when it exceeds float64's range
   * (std > ~1.3e154) and underflows to 0 when std < ~2e-162 (not representable either).
   */
  std: number | null;
  variance: number | null;
  /** Biased skewness (scipy.stats.skew default). */
  skewness: number | null;
  /** Biased excess (Fisher) kurtosis (scipy.stats.kurtosis default). */
  excess_kurtosis: number | null;
  min: number | null;
  max: number | null;
  /** Norms of the finite values; +Infinity only when the norm itself exceeds float64's max. */
  l1: number;
  l2: number;
  linf: number;
  /** numpy "linear" quantiles from the histogram; keys "0.001" ... "0.999". */
  quantiles: Record<string, number | null>;
  /** Exact fraction of finite values with |w| <= t, t in {1e-4, 1e-3, 1e-2}. */
  frac_abs_le: Record<string, number | null>;
  /** Fraction with |w| <= k std, k in {0.01, 0.1, 0.5}: histogram estimate (see bounds). */
  frac_abs_le_rel_std: Record<string, number | null>;
  /** Guaranteed [lower, upper] interval of each frac_abs_le_rel_std value. */
  frac_abs_le_rel_std_bounds: Record<string, [number, number] | null>;
  /** Bound on |q^ - q| / |q| of the quantiles (plus 2^-133 absolute; see quantiles.ts). */
  quantile_rel_error_bound: number;
}

interface ShapeMoments {
  mean: number | null;
  std: number | null;
  variance: number | null;
  skewness: number | null;
  excess_kurtosis: number | null;
}

/** Finite x, else null (a value beyond float64's range is not representable, not infinite). */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Moments from the sketch's scaled sums (see TensorSketch): the shape moments are scale-free,
 * std and variance are scaled back (variance is null when it exceeds float64's range).
 */
function shapeMoments(s: SummarySketch): ShapeMoments {
  if (s.n === 0) return { mean: null, std: null, variance: null, skewness: null, excess_kurtosis: null };
  const e = scaleExpOf(s);
  const m2 = s.m2 / s.n;
  const degenerate = m2 <= (FLOAT64_RESOLUTION * ldexp(s.mean, -e)) ** 2;
  return {
    mean: s.mean,
    std: finiteOrNull(ldexp(Math.sqrt(m2), e)),
    variance: finiteOrNull(ldexp(m2, 2 * e)),
    skewness: degenerate ? null : s.m3 / s.n / m2 ** 1.5,
    excess_kurtosis: degenerate ? null : s.m4 / s.n / (m2 * m2) - 3,
  };
}

function keyed<T>(keys: readonly string[], values: readonly T[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i]!;
  return out;
}

/** Keys of SUMMARY_QUANTILES in summaries (String of each level), made once. */
const SUMMARY_QUANTILE_KEYS: readonly string[] = SUMMARY_QUANTILES.map(String);

/** What summarizeSketch reads: a sketch whose histogram may be in plain or typed arrays (HistogramSketch). */
export type SummarySketch = Omit<TensorSketch, "histKeys" | "histCounts"> & HistogramSketch;

/** The derived statistics of a sketch. */
export function summarizeSketch(s: SummarySketch): TensorSummary {
  const sm = shapeMoments(s);
  const std = sm.std;
  const quantiles = sketchQuantiles(s, SUMMARY_QUANTILES);
  const m = REL_STD_THRESHOLDS.length;
  let rel: (FractionEstimate | null)[];
  if (std === null) rel = new Array<FractionEstimate | null>(m).fill(null);
  else {
    const ts = new Array<number>(m);
    for (let j = 0; j < m; j++) ts[j] = REL_STD_THRESHOLDS[j]! * std;
    rel = fracsAbsLe(s, ts);
  }
  // plain loops, not per-call closures (each closure is one more function for V8 to compile, per thread)
  const absLe = new Array<number | null>(s.absLe.length);
  for (let j = 0; j < absLe.length; j++) absLe[j] = s.n === 0 ? null : s.absLe[j]! / s.n;
  const estimates = new Array<number | null>(m), bounds = new Array<[number, number] | null>(m);
  for (let j = 0; j < m; j++) {
    const f = rel[j];
    estimates[j] = f?.estimate ?? null;
    bounds[j] = f ? [f.lower, f.upper] : null;
  }
  return {
    numel: s.numel,
    nan_count: s.nan,
    posinf_count: s.posinf,
    neginf_count: s.neginf,
    inf_count: s.posinf + s.neginf,
    zero_count: s.zero,
    finite_count: s.n,
    mean: sm.mean,
    std,
    variance: sm.variance,
    skewness: sm.skewness,
    excess_kurtosis: sm.excess_kurtosis,
    min: s.min,
    max: s.max,
    l1: s.l1,
    l2: ldexp(Math.sqrt(s.l2sq), scaleExpOf(s)),
    linf: s.linf,
    quantiles: keyed(SUMMARY_QUANTILE_KEYS, quantiles),
    frac_abs_le: keyed(ABS_THRESHOLD_KEYS, absLe),
    frac_abs_le_rel_std: keyed(REL_STD_KEYS, estimates),
    frac_abs_le_rel_std_bounds: keyed(REL_STD_KEYS, bounds),
    quantile_rel_error_bound: quantileRelErrorBound(s),
  };
}
