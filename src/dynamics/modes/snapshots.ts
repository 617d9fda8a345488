// Mode snapshots for the mode split/merge detector: the KDE modes (Silverman bandwidth) of one
// tensor or group at one checkpoint, from its exact kept values or, for large tensors and
// groups, from the stored bf16-bucket histogram itself (stats/shape/histogram-shape.ts: the
// same statistics analyze stores in extra.shape); and the bimodality check that confirms a
// split. Pure: the caller reads the store.
import type { BimodalityConfirmation } from "./split-merge.js";
import type { ModeObservation, ModeSnapshot } from "./track.js";
import { HISTOGRAM_SAMPLE_SIZE } from "../../stats/histogram-sample.js";
import { HIST_MAX_FINITE_KEY } from "../../stats/histogram.js";
import {
  BUCKET_RELATIVE_WIDTH, binnedDip, binnedFromHistogram, binnedKdeModes, binnedMoments, binnedSilvermanBandwidth, dipPValue, dipTest, fitGaussianMixture, gaussianKde, kdeModes, maxBucketMass,
} from "../../stats/shape/index.js";
import { decodeShapeExtra, type DecodedShape } from "../../store/shape-extra.js";
import { ForkingPathsError } from "../../util/errors.js";

/** KDE grid and prominence merge of the mode finder (the settings of stats/shape's shapeSummary). */
export const MODE_GRID_SIZE = 1024;
export const MODE_MIN_RELATIVE_PROMINENCE = 0.01;
/** Bimodality confirmed when the dip test's p-value is below this (default). */
export const DEFAULT_BIMODALITY_ALPHA = 0.05;
/** A degenerate (constant) snapshot gets this spread relative to max(1, |value|), so tracking stays finite. */
const DEGENERATE_SCALE_RELATIVE = 1e-12;

/** Stored shape statistics (tensor_stats extra.shape) reused when present. */
export interface StoredShape {
  dipPValue: number | null;
  bic1: number | null;
  bic2: number | null;
  silvermanModes: ModeObservation[] | null;
}

export interface ValueSnapshot extends ModeSnapshot {
  /** Exact values the bimodality check runs on; null for histogram snapshots and constant values. */
  values: Float64Array | null;
  /** Histogram snapshots: the dip test of the histogram's piecewise-linear CDF with n = all values. */
  histogramDip?: { pValue: number; n: number } | null;
  /** How the modes were obtained, with the error of the method. */
  method: string;
  stored: StoredShape | null;
}

/**
 * The stored shape of a histogram row (`extra.shape_method.method` "histogram": computed from the
 * row's own histogram with the settings of snapshotFromHistogram); null otherwise.
 */
export function storedHistogramShapeOf(extra: Record<string, unknown> | undefined): StoredShape | null {
  const decoded = decodeShapeExtra(extra);
  return decoded?.method === "histogram" ? storedShape(decoded) : null;
}

/** Reads the reusable parts of a stored `extra.shape` (from shapeSummary); null if absent or malformed. */
export function storedShapeOf(extra: Record<string, unknown> | undefined): StoredShape | null {
  const decoded = decodeShapeExtra(extra);
  return decoded === null ? null : storedShape(decoded);
}

function storedShape(d: DecodedShape): StoredShape {
  return { dipPValue: d.dipPValue, bic1: d.bic1, bic2: d.bic2, silvermanModes: d.silvermanModes };
}

function degenerate(value: number, method: string): ValueSnapshot {
  return {
    modes: [{ location: value, height: 1, mass: 1, prominence: 1 }],
    scale: DEGENERATE_SCALE_RELATIVE * Math.max(1, Math.abs(value)),
    values: null, method: `${method}; constant values: one point mode`, stored: null,
  };
}

function kdeModesOf(values: Float64Array): ModeObservation[] | null {
  try {
    return kdeModes(gaussianKde(values, { bandwidth: "silverman" }), { gridSize: MODE_GRID_SIZE, minRelativeProminence: MODE_MIN_RELATIVE_PROMINENCE });
  } catch (err) {
    if (err instanceof ForkingPathsError) return null; // degenerate sample (zero spread)
    throw err;
  }
}

function spreadOf(values: Float64Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / values.length) };
}

/** The finite values in order, as float64 (one pass to count, one to copy: no callback per value). */
function finiteValues(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  const out = new Float64Array(n);
  for (let i = 0, j = 0; j < n; i++) if (Number.isFinite(values[i]!)) out[j++] = values[i]!;
  return out;
}

/** Modes of the exact values (finite ones); stored Silverman KDE modes are reused when given. */
export function snapshotFromValues(values: ArrayLike<number>, stored: StoredShape | null = null): ValueSnapshot {
  const finite = finiteValues(values);
  const method = "exact values, Gaussian KDE (Silverman bandwidth)";
  if (finite.length === 0) return degenerate(0, `${method}; no finite values`);
  const { mean, std } = spreadOf(finite);
  if (!(std > 0)) return degenerate(mean, method);
  const reuse = stored?.silvermanModes ?? null;
  const modes = reuse ?? kdeModesOf(finite);
  if (modes === null) return degenerate(mean, method);
  return { modes, scale: std, values: finite, method: reuse !== null ? `${method}, modes stored by analyze (extra.shape)` : method, stored };
}

/**
 * Modes from a stored histogram: Silverman KDE of the distribution G that spreads each bucket's
 * count uniformly over the bucket (binnedKdeModes; n = all values), and G's dip test for the
 * bimodality check. `std` is the stored exact std (the tracking scale). `seed` and `size` are
 * unused (no sampling); they stay for the callers' signatures.
 */
export function snapshotFromHistogram(histogram: { keys: ArrayLike<number>; counts: ArrayLike<number> }, std: number | null, seed: number, size = HISTOGRAM_SAMPLE_SIZE, stored: StoredShape | null = null): ValueSnapshot {
  void seed;
  void size;
  const reused = snapshotFromHistogramMasses(histogramMasses(histogram), std, stored);
  if (reused !== null) return reused;
  const d = binnedFromHistogram(histogram);
  const n = d.total;
  if (n === 0) return degenerate(0, "bf16-bucket histogram; empty histogram");
  const mo = binnedMoments(d);
  const method = `all ${n} values through the bf16-bucket histogram (each within one bucket, ${BUCKET_RELATIVE_WIDTH} relative; CDF within ${maxBucketMass(d).toPrecision(3)}); Gaussian KDE (Silverman bandwidth) of the bucket-uniform distribution`;
  if (!(mo.m2 > 0)) return degenerate(mo.mean, method);
  let modes: ModeObservation[];
  // the histogram row's own extra.shape holds these very statistics (same call, same histogram)
  const reuse = stored !== null && stored.silvermanModes !== null && (n < 4 || stored.dipPValue !== null) ? stored : null;
  const h = binnedSilvermanBandwidth(n, mo.m2);
  // binnedKdeGrid's own check, without building the error (n = 1: one per snapshot of a one-element tensor)
  if (reuse === null && !(h > 0 && Number.isFinite(h))) return degenerate(mo.mean, method);
  try {
    modes = reuse?.silvermanModes ?? binnedKdeModes(d, h, { gridSize: MODE_GRID_SIZE, minRelativeProminence: MODE_MIN_RELATIVE_PROMINENCE });
  } catch (err) {
    if (err instanceof ForkingPathsError) return degenerate(mo.mean, method);
    throw err;
  }
  const histogramDip = n >= 4 ? { pValue: reuse?.dipPValue ?? dipPValue(binnedDip(d).dip, n), n } : null;
  return { modes, scale: std !== null && std > 0 ? std : Math.sqrt(mo.m2), values: null, histogramDip, method, stored: null };
}

/**
 * The counts snapshotFromHistogram reads from a histogram whose modes and dip are stored: the
 * finite values, the largest bucket mass of G (the +0 and -0 buckets are one atom) and whether
 * any value is non-zero (then G's variance is positive). The store sums them without reading the
 * buckets out (store/queries.ts forEachHistogramMasses); histogramMasses is the same sums here.
 */
export interface HistogramMasses {
  /** Keys strictly ascending (else binnedFromHistogram sorts them first, and nothing is reused). */
  ascending: boolean;
  /** Sum of max(0, count) over the finite buckets (magnitude <= HIST_MAX_FINITE_KEY). */
  total: number;
  /** The same over the +0 and -0 buckets. */
  zero: number;
  /** Largest max(0, count) of a non-zero finite bucket; 0 when none. */
  maxCount: number;
}

/** HistogramMasses of a histogram (counts rounded to integers, as binnedFromHistogram does). */
export function histogramMasses(histogram: { keys: ArrayLike<number>; counts: ArrayLike<number> }): HistogramMasses {
  const { keys, counts } = histogram;
  let total = 0, max = 0, zero = 0, ascending = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!, mag = key & 0x7fff;
    if (i > 0 && key <= keys[i - 1]!) ascending = false;
    const c = Math.max(0, Math.round(counts[i]!));
    if (c === 0 || mag > HIST_MAX_FINITE_KEY) continue;
    total += c;
    if (mag === 0) zero += c;
    else if (c > max) max = c;
  }
  return { ascending, total, zero, maxCount: max };
}

/**
 * snapshotFromHistogram's result when the row's stored shape (computed by analyze from this very
 * histogram) supplies the modes and the dip, the exact std is positive and G is not a single
 * atom: built from the histogram's counts alone (most snapshots of a run). Null otherwise (the
 * caller then needs the histogram itself: snapshotFromHistogram).
 */
export function snapshotFromHistogramMasses(masses: HistogramMasses, std: number | null, stored: StoredShape | null): ValueSnapshot | null {
  if (!massesGiveSnapshot(masses, std, stored)) return null;
  const n = masses.total;
  const maxMass = Math.max(masses.maxCount, masses.zero) / n;
  const method = `all ${n} values through the bf16-bucket histogram (each within one bucket, ${BUCKET_RELATIVE_WIDTH} relative; CDF within ${maxMass.toPrecision(3)}); Gaussian KDE (Silverman bandwidth) of the bucket-uniform distribution`;
  return { modes: stored.silvermanModes, scale: std!, values: null, histogramDip: n >= 4 ? { pValue: stored.dipPValue!, n } : null, method, stored: null };
}

/**
 * Whether snapshotFromHistogramMasses gives a snapshot (not null) for these arguments, without
 * building it: the histogram's buckets are then not needed (pipeline/event-held.ts).
 */
export function massesGiveSnapshot(masses: HistogramMasses, std: number | null, stored: StoredShape | null): stored is StoredShape & { silvermanModes: ModeObservation[] } {
  if (stored === null || stored.silvermanModes === null || std === null || !(std > 0)) return false;
  if (!masses.ascending || masses.total === 0 || !(masses.maxCount > 0)) return false;
  return !(masses.total >= 4 && stored.dipPValue === null);
}

/**
 * Whether a row's snapshot needs its histogram's buckets (snapshotFromHistogramMasses gives none
 * from its masses, its std and its stored extra), and the masses: what analyze holds of a
 * histogram for event detection (pipeline/event-held.ts), worked out where the row is made.
 */
export interface HeldHistogramMasses { masses: HistogramMasses; needsBuckets: boolean }

export function heldHistogramMasses(histogram: { keys: ArrayLike<number>; counts: ArrayLike<number> }, std: number | null, extra: Record<string, unknown> | undefined): HeldHistogramMasses {
  const masses = histogramMasses(histogram);
  return { masses, needsBuckets: !massesGiveSnapshot(masses, std, storedHistogramShapeOf(extra)) };
}

/**
 * Bimodality check of a snapshot: dip test p < alpha, or (exact values only) GMM-2 BIC below
 * GMM-1 BIC. Stored dip and mixture results are reused when present.
 */
export function confirmBimodality(snapshot: ValueSnapshot, alpha = DEFAULT_BIMODALITY_ALPHA, exact: boolean): BimodalityConfirmation {
  const values = snapshot.values, histogramDip = snapshot.histogramDip ?? null;
  if (histogramDip === null && (values === null || values.length < 4)) return { confirmed: false, method: "too few distinct values for a bimodality check", statistic: null, pValue: null };
  const where = exact ? "exact values" : histogramDip !== null ? `the histogram of ${histogramDip.n} values (dip of its piecewise-linear CDF)` : `${values!.length} values`;
  const pValue = snapshot.stored?.dipPValue ?? histogramDip?.pValue ?? dipTest(values!).pValue;
  if (pValue < alpha) return { confirmed: true, method: `dip test p < ${alpha} on ${where}`, statistic: pValue, pValue };
  if (!exact || values === null) return { confirmed: false, method: `dip test p < ${alpha} on ${where}`, statistic: pValue, pValue };
  let bic1 = snapshot.stored?.bic1 ?? null, bic2 = snapshot.stored?.bic2 ?? null;
  if (bic1 === null || bic2 === null) {
    try {
      bic1 = fitGaussianMixture(values, { components: 1, seed: 0 }).bic;
      bic2 = fitGaussianMixture(values, { components: 2, seed: 0 }).bic;
    } catch (err) {
      if (!(err instanceof ForkingPathsError)) throw err;
      return { confirmed: false, method: `dip test p < ${alpha} on ${where} (GMM not fitted: ${err.message})`, statistic: pValue, pValue };
    }
  }
  return { confirmed: bic2 < bic1, method: `dip test p < ${alpha} or GMM-2 BIC < GMM-1 BIC on ${where}`, statistic: bic2 - bic1, pValue };
}
