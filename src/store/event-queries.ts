// Read queries of event detection (pipeline/events.ts): what each tensor of a run holds (rows,
// trajectory bytes: the batches are cut from it), the statistics with only the columns the
// detectors read, trajectories of a range of names, and the step-0 states of artefact labels.
// Each is one streamed scan; nothing is kept after the callback.
import type { DuckDBConnection, DuckDBVector } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { decodeJson, num, numOrNull, wordOf } from "./codec.js";
import { forEachRecord, where, withRange, type TensorRange } from "./sql.js";
import type { GroupKind } from "./types.js";
import { EVENT_FRAC_ABS_LE_KEY, EVENT_FRAC_ABS_LE_REL_STD_KEY, eventExtraFrom } from "./event-values.js";
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
 * What event detection reads of a statistics row (pipeline/event-inputs.ts statisticOf and the
 * stored shape decoders): three numbers, one entry of each frac_abs_le map, and the parts of
 * `extra` that store/shape-extra.ts decodeShapeExtra reads (`extra.shape_method.method`, and of
 * `extra.shape`: dip.pValue, mixtures.fits, kde, weibull.k). Each part holds the value the whole
 * row's decoded JSON holds there, or is absent where that is absent (or not inside an object).
 * `extra.shape` is present when one of its parts is: a shape object with none of them decodes to
 * all nulls where the whole row's decodes to nulls and a method, which the detectors read alike
 * (no Silverman modes, dip p-value or BIC to reuse, weibull_k null; see event-stat-rows.test.ts).
 */
export interface EventStatValues {
  std: number | null;
  mean: number | null;
  excess_kurtosis: number | null;
  frac_abs_le: Record<string, number | null>;
  frac_abs_le_rel_std: Record<string, number | null>;
  extra?: Record<string, unknown>;
}

/**
 * A statistics row as event detection reads it: its key, and EventStatValues (quantiles, bounds,
 * the other numbers, the rest of extra and the sketch are not read).
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
  values: EventStatValues;
}

export { EVENT_FRAC_ABS_LE_KEY, EVENT_FRAC_ABS_LE_REL_STD_KEY };

/**
 * The columns of an event row: DuckDB cuts the JSON (one parse of extra_json per row, its parts
 * as JSON text: numbers are copied verbatim, so JS parses them to the same doubles as the whole
 * text) and only a few hundred bytes per row cross into JS, instead of the ~4 KB shape summary
 * with its notes, bounds and descriptions. No json_type of extra.shape: a second parse of each
 * row, which doubled DuckDB's share (the JSON functions then cost more CPU than JS's parse saved).
 */
const EVENT_STAT_COLUMNS = `std, mean, excess_kurtosis,
  json_extract(frac_abs_le_json, '$."${EVENT_FRAC_ABS_LE_KEY}"') AS frac_abs_le, json_extract(frac_abs_le_rel_std_json, '$."${EVENT_FRAC_ABS_LE_REL_STD_KEY}"') AS frac_abs_le_rel_std,
  json_extract(extra_json, ['$.shape_method.method', '$.shape.dip.pValue', '$.shape.mixtures.fits', '$.shape.kde', '$.shape.weibull.k']) AS extra_parts`;
const EVENT_STAT_SELECT = `SELECT step, name, group_kind, layer, role, kind, std, mean, excess_kurtosis, frac_abs_le, frac_abs_le_rel_std,
  extra_parts[1] AS shape_method, extra_parts[2] AS dip_p, extra_parts[3] AS fits, extra_parts[4] AS kde, extra_parts[5] AS weibull_k`;

/** A JSON fragment (or NULL: absent) decoded as decodeJson decodes the whole text; undefined when absent. */
function fragment(v: unknown): unknown {
  return v === null || v === undefined ? undefined : decodeJson(v as string);
}

/** One entry of a frac_abs_le map, as a map holding it (or nothing when absent). */
function fracMapOf(key: string, v: unknown): Record<string, number | null> {
  return v === null ? {} : { [key]: fragment(v) as number | null };
}

/**
 * A run's tensor statistics (or group statistics with `groups`) for event detection, chunk by
 * chunk as DuckDB streams them, unordered; `range` narrows tensors to a range of names. Read
 * column by column from the chunk's vectors (no row object of every column).
 */
export async function forEachEventStatRow(
  c: DuckDBConnection, f: { run: string; groups: boolean; range?: TensorRange | undefined }, onRows: (rows: EventStatRecord[]) => void,
): Promise<void> {
  if (f.groups && f.range !== undefined) throw new StoreError("group_stats", "a range of tensor names does not apply to groups");
  const w = withRange(where({ run_id: f.run }), f.range);
  const from = f.groups
    ? `(SELECT step, group_name AS name, group_kind, NULL::INTEGER AS layer, NULL::VARCHAR AS role, NULL::VARCHAR AS kind, ${EVENT_STAT_COLUMNS} FROM group_stats ${w.sql})`
    : `(SELECT step, tensor AS name, NULL::VARCHAR AS group_kind, layer, role, kind, ${EVENT_STAT_COLUMNS} FROM tensor_stats ${w.sql})`;
  const result = await c.stream(`${EVENT_STAT_SELECT} FROM ${from}`, w.params);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const v = Array.from({ length: chunk.columnCount }, (_, j) => chunk.getColumnVector(j));
    const [steps, names, groupKinds, layers, roles, kinds, std, mean, kurtosis, fal, falr, method, dipP, fits, kde, weibullK] = v as [DuckDBVector, ...DuckDBVector[]];
    const records: EventStatRecord[] = new Array(chunk.rowCount);
    for (let i = 0; i < chunk.rowCount; i++) {
      records[i] = {
        step: num(steps.getItem(i)), name: String(names!.getItem(i)),
        groupKind: f.groups ? wordOf("group_stats.group_kind", groupKinds!.getItem(i), GROUP_KINDS) : null,
        layer: numOrNull(layers!.getItem(i)),
        role: f.groups ? null : wordOf("tensor_stats.role", roles!.getItem(i), TENSOR_ROLES),
        kind: f.groups ? null : wordOf("tensor_stats.kind", kinds!.getItem(i), TENSOR_KINDS),
        values: {
          std: numOrNull(std!.getItem(i)), mean: numOrNull(mean!.getItem(i)), excess_kurtosis: numOrNull(kurtosis!.getItem(i)),
          frac_abs_le: fracMapOf(EVENT_FRAC_ABS_LE_KEY, fal!.getItem(i)), frac_abs_le_rel_std: fracMapOf(EVENT_FRAC_ABS_LE_REL_STD_KEY, falr!.getItem(i)),
          extra: eventExtraFrom(method!.getItem(i), dipP!.getItem(i), fits!.getItem(i), kde!.getItem(i), weibullK!.getItem(i), null, fragment), // the parts decodeShapeExtra reads, NULL where absent
        },
      };
    }
    onRows(records);
  }
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
