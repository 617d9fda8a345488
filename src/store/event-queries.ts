// Read queries of event detection (pipeline/events.ts): what each tensor of a run holds (rows,
// trajectory bytes: the batches are cut from it), the statistics with only the columns the
// detectors read, trajectories of a range of names, and the step-0 states of artefact labels.
// Each is one streamed scan; nothing is kept after the callback.
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { decodeJson, num, numOrNull, wordOf } from "./codec.js";
import { forEachRecord, where, withRange, type Row, type TensorRange } from "./sql.js";
import type { GroupKind, StatValues } from "./types.js";
import { GROUP_KINDS, TENSOR_KINDS, TENSOR_ROLES, type TensorKind, type TensorRole } from "./vocabulary.js";

/** One tensor of a run: its statistic rows, its stored trajectories and their bytes, its histograms' buckets. */
export interface TensorExtentRecord {
  tensor: string;
  rows: number;
  trajectories: number;
  trajectoryBytes: number;
  histogramBuckets: number;
}

/**
 * Every tensor of a run with its statistic rows, trajectories (all steps) and their bytes, and
 * histogram buckets, in the store's name order (UTF-8 bytes), streamed: no statistics, values or
 * buckets read (only the lists' lengths).
 */
export async function forEachTensorExtent(c: DuckDBConnection, run: string, onRecord: (record: TensorExtentRecord) => void): Promise<void> {
  const sql = `SELECT s.tensor, s.n AS n_rows, coalesce(t.n, 0) AS n_trajectories, coalesce(t.bytes, 0) AS bytes, coalesce(h.buckets, 0) AS buckets
    FROM (SELECT tensor, count(*) AS n FROM tensor_stats WHERE run_id = $1 GROUP BY tensor) s
    LEFT JOIN (SELECT tensor, count(*) AS n, sum(octet_length(values)) AS bytes FROM trajectories WHERE run_id = $1 GROUP BY tensor) t USING (tensor)
    LEFT JOIN (SELECT tensor, sum(len(keys)) AS buckets FROM histograms WHERE run_id = $1 GROUP BY tensor) h USING (tensor)
    ORDER BY s.tensor`;
  await forEachRecord(c, sql, [run], (r) => ({ tensor: String(r.tensor), rows: num(r.n_rows), trajectories: num(r.n_trajectories), trajectoryBytes: num(r.bytes), histogramBuckets: num(r.buckets) }), (records) => {
    for (const r of records) onRecord(r);
  });
}

/**
 * A statistics row as event detection reads it: the numbers, frac_abs_le, frac_abs_le_rel_std and
 * extra decoded (quantiles, bounds, shape and sketch are not read; `quantiles` is empty).
 */
export interface EventStatRecord {
  step: number;
  /** Tensor name, or the group's name. */
  name: string;
  /** Groups only. */
  groupKind: GroupKind | null;
  /** Tensors only (null for groups). */
  layer: number | null;
  role: TensorRole | null;
  kind: TensorKind | null;
  values: StatValues;
}

const EVENT_STAT_COLUMNS = "numel, nan_count, posinf_count, neginf_count, zero_count, finite_count, mean, std, variance, skewness, excess_kurtosis, min, max, l1, l2, linf, frac_abs_le_json, frac_abs_le_rel_std_json, extra_json";

/** The statistic values of a lean row, decoded as codec.ts statValuesFrom decodes them. */
function eventValuesOf(r: Row): StatValues {
  const s: StatValues = {
    numel: num(r.numel), nan_count: num(r.nan_count), posinf_count: num(r.posinf_count), neginf_count: num(r.neginf_count), zero_count: num(r.zero_count),
    finite_count: num(r.finite_count),
    mean: numOrNull(r.mean), std: numOrNull(r.std), variance: numOrNull(r.variance), skewness: numOrNull(r.skewness), excess_kurtosis: numOrNull(r.excess_kurtosis),
    min: numOrNull(r.min), max: numOrNull(r.max), l1: numOrNull(r.l1), l2: numOrNull(r.l2), linf: numOrNull(r.linf),
    quantiles: {},
    frac_abs_le: decodeJson(r.frac_abs_le_json as string) as Record<string, number | null>,
    frac_abs_le_rel_std: decodeJson(r.frac_abs_le_rel_std_json as string) as Record<string, number | null>,
  };
  if (r.extra_json !== null && r.extra_json !== undefined) s.extra = decodeJson(r.extra_json as string) as Record<string, unknown>;
  return s;
}

/**
 * A run's tensor statistics (or group statistics with `groups`) for event detection, chunk by
 * chunk as DuckDB streams them, unordered; `range` narrows tensors to a range of names.
 */
export async function forEachEventStatRow(
  c: DuckDBConnection, f: { run: string; groups: boolean; range?: TensorRange | undefined }, onRows: (rows: EventStatRecord[]) => void,
): Promise<void> {
  if (f.groups && f.range !== undefined) throw new StoreError("group_stats", "a range of tensor names does not apply to groups");
  const w = withRange(where({ run_id: f.run }), f.range);
  const sql = f.groups
    ? `SELECT step, group_kind, group_name, ${EVENT_STAT_COLUMNS} FROM group_stats ${w.sql}`
    : `SELECT step, tensor, layer, role, kind, ${EVENT_STAT_COLUMNS} FROM tensor_stats ${w.sql}`;
  const recordOf = f.groups
    ? (r: Row): EventStatRecord => ({ step: num(r.step), name: String(r.group_name), groupKind: wordOf("group_stats.group_kind", r.group_kind, GROUP_KINDS), layer: null, role: null, kind: null, values: eventValuesOf(r) })
    : (r: Row): EventStatRecord => ({
      step: num(r.step), name: String(r.tensor), groupKind: null, layer: numOrNull(r.layer),
      role: wordOf("tensor_stats.role", r.role, TENSOR_ROLES), kind: wordOf("tensor_stats.kind", r.kind, TENSOR_KINDS), values: eventValuesOf(r),
    });
  await forEachRecord(c, sql, w.params, recordOf, onRows);
}

/** What the optimizer-artefact rule reads of a step-0 row (dynamics/artefacts.ts InitialState's inputs). */
export interface InitialStateRecord {
  /** Tensor name, or the group's name. */
  name: string;
  numel: number;
  nonFinite: number;
  min: number | null;
  max: number | null;
}

/**
 * The rows of a run at `step` as the artefact rule reads them (tensors, or groups with `groups`:
 * in group kind, group name order, so a name shared by two kinds comes first as groupStats lists it), streamed.
 */
export async function forEachInitialState(c: DuckDBConnection, f: { run: string; step: number; groups: boolean }, onRecord: (record: InitialStateRecord) => void): Promise<void> {
  const sql = f.groups
    ? "SELECT group_name AS name, numel, nan_count, posinf_count, neginf_count, min, max FROM group_stats WHERE run_id = $1 AND step = $2 ORDER BY group_kind, group_name"
    : "SELECT tensor AS name, numel, nan_count, posinf_count, neginf_count, min, max FROM tensor_stats WHERE run_id = $1 AND step = $2";
  await forEachRecord(c, sql, [f.run, f.step], (r) => ({
    name: String(r.name), numel: num(r.numel), nonFinite: num(r.nan_count) + num(r.posinf_count) + num(r.neginf_count), min: numOrNull(r.min), max: numOrNull(r.max),
  }), (records) => {
    for (const r of records) onRecord(r);
  });
}
