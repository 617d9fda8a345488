// The CPU-heavy part of a row, run on the statistics workers (StatsPool.call) so it overlaps with
// the sketching of the next tensors: the summary of a sketch (quantiles, sparsity ladder) and its
// extras (shape statistics, spectral summary). Pure functions of structured-cloneable inputs;
// the same result in any thread. Not for direct use: pipeline/checkpoint-batch.ts calls them.
import { summarizeSketch, type SummarySketch, type TensorSummary } from "../stats/summary.js";
import { exactShapeExtra, histogramShapeExtra, shapeSeed, spectralExtra } from "../stats/extras.js";
import { scalarStats, statJsonColumns, storedSketchJson, type ScalarStats, type StatJsonColumns } from "../store/codec.js";
import { eventStatValuesOf } from "../store/event-values.js";
import type { EventStatValues } from "../store/event-queries.js";
import { heldHistogramMasses, type HeldHistogramMasses } from "../dynamics/modes/snapshots.js";

/** Where the task functions live, for StatsPool.call: pipeline/row-tasks-url.ts names it without loading this module. */
export { ROW_TASKS_URL } from "./row-tasks-url.js";

export interface TensorRowTask {
  readonly name: string;
  readonly step: number;
  /** The sketch; its histogram in plain or typed arrays (a worker hands over its kernel's typed arrays). */
  readonly sketch: SummarySketch;
  /** The tensor's values when it is kept or gets a spectrum, else null. */
  readonly values: Float32Array | null;
  /** Kept tensors get the shape of their exact values. */
  readonly kept: boolean;
  /** Rows and columns of a spectral target, else null. */
  readonly spectral: { rows: number; cols: number } | null;
  /** Histogram sample size of the shape statistics (0: kept tensors only); null: no shape statistics. */
  readonly shapeSampleSize: number | null;
  /**
   * Give the row's JSON columns encoded (EncodedRowStats) instead of the objects they encode: the
   * thread that writes the row then copies text instead of taking apart and encoding objects.
   */
  readonly encode?: boolean;
  /** With `encode`: also give what event detection reads of the row (EncodedRowStats.event). */
  readonly event?: boolean;
}

/** A TensorRowTask without the sketch and values, which the worker that sketches the tensor supplies (StatsPool.sketchAndCall). */
export type TensorRowSpec = Omit<TensorRowTask, "sketch" | "values">;

export interface RowStats {
  summary: TensorSummary;
  extra?: Record<string, unknown>;
}

/** RowStats with its JSON-bound statistics (and the stored sketch) encoded as the store keeps them (store/codec.ts). */
export interface EncodedRowStats {
  stats: ScalarStats;
  json: StatJsonColumns & { sketch_json: string };
  /** What event detection reads of the row once stored (store/event-values.ts), handed to it by analyze instead of read back; when the task asks (TensorRowTask.event). */
  event?: EventStatValues;
  /** With `event`: the row's histogram masses and whether its snapshot needs the buckets (pipeline/event-held.ts holds them). */
  masses?: HeldHistogramMasses;
}

/**
 * Finite values below which no shape statistic exists (every one of them is null for a single
 * value, exact or through the histogram): such rows store `extra.shape_note` instead of an
 * all-null shape summary with its notes (~2 KB per row; 20 k one-element tensors per checkpoint
 * held 400 MB more and spent 11 CPU s more for nothing: issue 13 item 6).
 */
export const MIN_SHAPE_VALUES = 2;

/** `extra.shape_note` of a row with fewer than MIN_SHAPE_VALUES finite values, else null. */
function tooFewForShape(sketch: SummarySketch): { shape_note: string } | null {
  return sketch.n >= MIN_SHAPE_VALUES ? null : { shape_note: `${sketch.n} finite value${sketch.n === 1 ? "" : "s"}: no shape statistics (they need at least ${MIN_SHAPE_VALUES})` };
}

/** Summary and extras of one tensor (the extras of analyze's former tensorExtra). */
export function tensorRowStats(task: TensorRowTask): RowStats {
  const summary = summarizeSketch(task.sketch);
  const size = task.shapeSampleSize;
  const histogram = { keys: task.sketch.histKeys, counts: task.sketch.histCounts };
  const shape = size === null || (size === 0 && !task.kept) ? null
    : tooFewForShape(task.sketch) ?? (task.kept ? exactShapeExtra(task.values!) : histogramShapeExtra(histogram, shapeSeed("tensor", task.name, task.step), size));
  const extra = { ...shape, ...(task.spectral !== null && spectralExtra(task.values!, task.spectral.rows, task.spectral.cols)) };
  return Object.keys(extra).length > 0 ? { summary, extra } : { summary };
}

/**
 * tensorRowStats in StatsPool.sketchAndCall's form: the tensor's sketch and values, then the rest
 * of the task; encoded when the task says so (the row's histogram is then the sketch's).
 */
export function tensorRowStatsOf(sketch: SummarySketch, values: Float32Array | null, spec: TensorRowSpec): RowStats | EncodedRowStats {
  const row = tensorRowStats({ ...spec, sketch, values });
  if (spec.encode !== true) return row;
  const stats = row.extra !== undefined ? { ...row.summary, extra: row.extra } : row.summary;
  const encoded: EncodedRowStats = { stats: scalarStats(stats), json: { ...statJsonColumns(stats), sketch_json: storedSketchJson(sketch) } };
  if (spec.event === true) {
    const event = eventStatValuesOf(stats);
    encoded.event = event;
    encoded.masses = heldHistogramMasses({ keys: sketch.histKeys, counts: sketch.histCounts }, event.std, event.extra);
  }
  return encoded;
}

export interface GroupRowTask {
  readonly name: string;
  readonly step: number;
  readonly sketch: SummarySketch;
  /** Histogram sample size of the shape statistics; null (or 0): none. */
  readonly shapeSampleSize: number | null;
}

/** A GroupRowTask without the sketch, which StatsPool.callOnSketch hands over packed. */
export type GroupRowSpec = Omit<GroupRowTask, "sketch">;

/** groupRowStats in StatsPool.callOnSketch's form: the group's merged sketch, no values, then the rest of the task. */
export function groupRowStatsOf(sketch: SummarySketch, _values: null, spec: GroupRowSpec): RowStats {
  return groupRowStats({ ...spec, sketch });
}

/** Summary and shape of one group (as groupRows computes them). */
export function groupRowStats(task: GroupRowTask): RowStats {
  const summary = summarizeSketch(task.sketch);
  const size = task.shapeSampleSize;
  if (size === null || size === 0) return { summary };
  const few = tooFewForShape(task.sketch);
  if (few !== null) return { summary, extra: few };
  const extra = histogramShapeExtra({ keys: task.sketch.histKeys, counts: task.sketch.histCounts }, shapeSeed("group", task.name, task.step), size);
  return extra === null ? { summary } : { summary, extra: { ...extra } };
}
