// Read queries of the results store: filters -> typed records with JSON columns parsed.
import type { DuckDBConnection, DuckDBVector } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { bytesToFloat32, decodeJson, isoOrNull, num, numOrNull, sketchFromStore, statValuesFrom, wordOf } from "./codec.js";
import { PER_CHECKPOINT_TABLES, TABLES, TABLE_ORDER, type TableName } from "./schema.js";
import type {
  BufferRecord, CheckpointRecord, EventRecord, OnlineEventRecord, GroupKind, GroupStatsRecord, IntegrityReport, MetricRecord,
  RunRecord, TensorStatsFilter, TensorStatsRecord, TrajectoryRecord, TransitionRecord,
} from "./types.js";
import { BUFFER_DTYPES, DTYPES, EVENT_KINDS, GROUP_KINDS, TENSOR_KINDS, TENSOR_ROLES } from "./vocabulary.js";
import { forEachRecord, listItems, select, where, withRange, type Row, type TensorRange } from "./sql.js";

export * from "./histogram-queries.js";
export type { TensorRange } from "./sql.js";

export async function isCheckpointComplete(c: DuckDBConnection, run: string, step: number): Promise<boolean> {
  const rows = await select(c, "SELECT complete FROM checkpoints WHERE run_id = $1 AND step = $2", [run, step]);
  return rows.length === 1 && rows[0]!.complete === true;
}

export async function listRuns(c: DuckDBConnection): Promise<RunRecord[]> {
  const rows = await select(c, "SELECT * FROM runs ORDER BY run_id");
  return rows.map((r) => ({
    run_id: String(r.run_id),
    source: String(r.source),
    created_at: isoOrNull(r.created_at) ?? "",
    options: JSON.parse(String(r.options_json)) as Record<string, unknown>,
  }));
}

export async function listCheckpoints(c: DuckDBConnection, run: string, completeOnly: boolean): Promise<CheckpointRecord[]> {
  const rows = await select(
    c,
    `SELECT * FROM checkpoints WHERE run_id = $1 ${completeOnly ? "AND complete" : ""} ORDER BY step`,
    [run],
  );
  return rows.map((r) => ({
    run_id: String(r.run_id),
    step: num(r.step),
    label: String(r.label),
    path: String(r.path),
    format: String(r.format),
    n_tensors: num(r.n_tensors),
    total_bytes: num(r.total_bytes),
    complete: r.complete === true,
    analyzed_at: isoOrNull(r.analyzed_at),
  }));
}

/** FROM clause of tensor_stats, joined with each row's histogram when sketches are read (the histogram is stored once, there). */
function tensorStatsFrom(withSketch: boolean): string {
  return withSketch
    ? "t.*, h.keys AS sketch_hist_keys, h.counts AS sketch_hist_counts FROM tensor_stats t LEFT JOIN histograms h USING (run_id, step, tensor)"
    : "* EXCLUDE (sketch_json) FROM tensor_stats";
}

export async function tensorStats(c: DuckDBConnection, f: TensorStatsFilter): Promise<TensorStatsRecord[]> {
  const w = where({ run_id: f.run, tensor: f.tensor, step: f.step, role: f.role, layer: f.layer });
  const rows = await select(c, `SELECT ${tensorStatsFrom(f.withSketch === true)} ${w.sql} ORDER BY run_id, step, tensor`, w.params);
  return rows.map((r) => tensorStatsRecordOf(r, f.withSketch === true));
}

/**
 * tensorStats chunk by chunk as DuckDB streams them, in no particular order: `onRows` gets each
 * chunk's records and nothing else is kept, so reading a run of many tensors holds one chunk.
 */
export async function forEachTensorStats(c: DuckDBConnection, f: TensorStatsFilter, onRows: (rows: TensorStatsRecord[]) => void): Promise<void> {
  const w = where({ run_id: f.run, tensor: f.tensor, step: f.step, role: f.role, layer: f.layer });
  await forEachRecord(c, `SELECT ${tensorStatsFrom(f.withSketch === true)} ${w.sql}`, w.params, (row) => tensorStatsRecordOf(row, f.withSketch === true), onRows);
}

function tensorStatsRecordOf(r: Row, withSketch: boolean): TensorStatsRecord {
  const rec: TensorStatsRecord = {
    run_id: String(r.run_id),
    step: num(r.step),
    tensor: String(r.tensor),
    layer: numOrNull(r.layer),
    role: wordOf("tensor_stats.role", r.role, TENSOR_ROLES),
    kind: wordOf("tensor_stats.kind", r.kind, TENSOR_KINDS),
    dtype: wordOf("tensor_stats.dtype", r.dtype, DTYPES),
    shape: JSON.parse(String(r.shape_json)) as number[],
    ...statValuesFrom(r),
  };
  if (withSketch && r.sketch_json !== null) rec.sketch = sketchFromStore(decodeJson(String(r.sketch_json)), listItems(r.sketch_hist_keys), listItems(r.sketch_hist_counts), `tensor_stats (${rec.run_id}, ${rec.step}, ${rec.tensor})`);
  return rec;
}

export async function groupStats(
  c: DuckDBConnection, f: { run?: string; step?: number; groupKind?: GroupKind; groupName?: string },
): Promise<GroupStatsRecord[]> {
  const w = where({ run_id: f.run, step: f.step, group_kind: f.groupKind, group_name: f.groupName });
  const rows = await select(c, `SELECT * FROM group_stats ${w.sql} ORDER BY ${TABLE_ORDER.group_stats}`, w.params);
  return rows.map(groupStatsRecordOf);
}

/** groupStats chunk by chunk as DuckDB streams them, in no particular order (forEachTensorStats for groups). */
export async function forEachGroupStats(c: DuckDBConnection, f: { run?: string; step?: number }, onRows: (rows: GroupStatsRecord[]) => void): Promise<void> {
  const w = where({ run_id: f.run, step: f.step });
  await forEachRecord(c, `SELECT * FROM group_stats ${w.sql}`, w.params, groupStatsRecordOf, onRows);
}

function groupStatsRecordOf(r: Row): GroupStatsRecord {
  return {
    run_id: String(r.run_id),
    step: num(r.step),
    group_kind: wordOf("group_stats.group_kind", r.group_kind, GROUP_KINDS),
    group_name: String(r.group_name),
    n_tensors: num(r.n_tensors),
    ...statValuesFrom(r),
  };
}

export async function buffers(c: DuckDBConnection, f: { run?: string; step?: number; tensor?: string }): Promise<BufferRecord[]> {
  const w = where({ run_id: f.run, step: f.step, tensor: f.tensor });
  const rows = await select(c, `SELECT * FROM buffers ${w.sql} ORDER BY ${TABLE_ORDER.buffers}`, w.params);
  return rows.map((r) => ({
    run_id: String(r.run_id),
    step: num(r.step),
    tensor: String(r.tensor),
    dtype: wordOf("buffers.dtype", r.dtype, BUFFER_DTYPES),
    shape: JSON.parse(String(r.shape_json)) as number[],
    numel: num(r.numel),
    role: wordOf("buffers.role", r.role, TENSOR_ROLES),
  }));
}

/** Tensor names from `from` to `to` inclusive, compared as DuckDB does (UTF-8 bytes). */
/** The (step, tensor) pairs of a run's tensor_stats, or (step, "<group_kind>:<group_name>") of its group_stats, unordered: names only, no statistics read. */
export async function statNames(c: DuckDBConnection, run: string, groups: boolean): Promise<Array<{ step: number; name: string }>> {
  const sql = groups ? "SELECT step, group_kind || ':' || group_name AS name FROM group_stats WHERE run_id = $1" : "SELECT step, tensor AS name FROM tensor_stats WHERE run_id = $1";
  return (await select(c, sql, [run])).map((r) => ({ step: num(r.step), name: String(r.name) }));
}

/** A kept tensor of a run: its name and the most elements any of its stored trajectories holds. */
export interface TrajectoryShapeRecord {
  tensor: string;
  numel: number;
}

/** The run's kept tensors in the store's order (tensor name, DuckDB's byte order), each with its largest element count; no values are read. */
export async function trajectoryShapes(c: DuckDBConnection, run: string): Promise<TrajectoryShapeRecord[]> {
  const rows = await select(c, "SELECT tensor, max(octet_length(values)) >> 2 AS numel FROM trajectories WHERE run_id = $1 GROUP BY tensor ORDER BY tensor", [run]);
  return rows.map((r) => ({ tensor: String(r.tensor), numel: num(r.numel) }));
}

/**
 * One stored trajectory as streamed: `bytes` are its float32 values, little-endian, valid only
 * during the callback (a view into the streamed chunk): read what is needed (e.g. bytesToFloat32
 * for a copy, or a DataView for a few elements), keep nothing.
 */
export interface StreamedTrajectory {
  step: number;
  tensor: string;
  bytes: Uint8Array;
}

/**
 * A run's trajectories (optionally of a range of tensor names) chunk by chunk as DuckDB streams
 * them, unordered (storage order: checkpoint by checkpoint): nothing is kept after `onRecord`. trajectories() materialises the run's values
 * (all kept tensors x all checkpoints) on both sides, DuckDB's and JS's.
 */
export async function forEachTrajectory(c: DuckDBConnection, f: { run: string; range?: TensorRange | undefined }, onRecord: (record: StreamedTrajectory) => void): Promise<void> {
  const w = withRange(where({ run_id: f.run }), f.range);
  const result = await c.stream(`SELECT step, tensor, values FROM trajectories ${w.sql}`, w.params);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const steps = chunk.getColumnVector(0), names = chunk.getColumnVector(1), values = blobColumn(chunk.getColumnVector(2));
    for (let row = 0; row < chunk.rowCount; row++) onRecord({ step: num(steps.getItem(row)), tensor: String(names.getItem(row)), bytes: values.getItemBytes(row) ?? new Uint8Array(0) });
  }
}

/** The vector as a BLOB vector with getItemBytes (checked by shape, as listColumn). */
function blobColumn(v: DuckDBVector): { getItemBytes(row: number): Uint8Array | null } {
  const blob = v as Partial<{ getItemBytes(row: number): Uint8Array | null }>;
  if (typeof blob.getItemBytes !== "function") throw new StoreError("trajectories", `column values is not a BLOB (${v.type.toString()}); the store is not one this version wrote`);
  return blob as { getItemBytes(row: number): Uint8Array | null };
}

export async function trajectories(c: DuckDBConnection, f: { run?: string; tensor?: string; step?: number; range?: TensorRange }): Promise<TrajectoryRecord[]> {
  const w = withRange(where({ run_id: f.run, tensor: f.tensor, step: f.step }), f.range);
  const rows = await select(c, `SELECT * FROM trajectories ${w.sql} ORDER BY ${TABLE_ORDER.trajectories}`, w.params);
  return rows.map((r) => ({
    run_id: String(r.run_id),
    step: num(r.step),
    tensor: String(r.tensor),
    values: bytesToFloat32(r.values as Uint8Array),
  }));
}

export async function events(c: DuckDBConnection, f: { run?: string; kind?: string; tensor?: string }): Promise<EventRecord[]> {
  const w = where({ run_id: f.run, kind: f.kind, tensor: f.tensor });
  const rows = await select(c, `SELECT * FROM events ${w.sql} ORDER BY ${TABLE_ORDER.events}`, w.params);
  return rows.map((r) => ({
    run_id: String(r.run_id),
    kind: wordOf("events.kind", r.kind, EVENT_KINDS),
    tensor: r.tensor === null ? null : String(r.tensor),
    step: numOrNull(r.step),
    step_low: numOrNull(r.step_low),
    step_high: numOrNull(r.step_high),
    strength: numOrNull(r.strength),
    evidence: decodeJson(String(r.evidence_json)),
    detector: decodeJson(String(r.detector_json)),
    // absent from a read-only store written before the column existed (migrate.ts)
    artefact: r.artefact === null || r.artefact === undefined ? null : String(r.artefact),
  }));
}

export async function onlineEvents(c: DuckDBConnection, f: { run?: string }): Promise<OnlineEventRecord[]> {
  const w = where({ run_id: f.run });
  const rows = await select(c, `SELECT * FROM online_events ${w.sql} ORDER BY ${TABLE_ORDER.online_events}`, w.params);
  return rows.map((r) => ({
    run_id: String(r.run_id),
    kind: wordOf("online_events.kind", r.kind, EVENT_KINDS),
    tensor: r.tensor === null ? null : String(r.tensor),
    step: num(r.step),
    step_low: num(r.step_low),
    strength: num(r.strength),
    known_at: num(r.known_at),
    artefact: r.artefact === null ? null : String(r.artefact),
  }));
}

export async function transitions(c: DuckDBConnection, f: { run?: string }): Promise<TransitionRecord[]> {
  const w = where({ run_id: f.run });
  const rows = await select(c, `SELECT * FROM transitions ${w.sql} ORDER BY ${TABLE_ORDER.transitions}`, w.params);
  return rows.map((r) => ({
    run_id: String(r.run_id),
    metric: String(r.metric),
    source: String(r.source),
    chosen_by: String(r.chosen_by) === "explicit" ? "explicit" : "default order",
    found: Boolean(r.found),
    step: numOrNull(r.step),
    step_low: numOrNull(r.step_low),
    step_high: numOrNull(r.step_high),
    before: numOrNull(r.before),
    after: numOrNull(r.after),
    noise: numOrNull(r.noise),
    n_points: num(r.n_points),
    detail: decodeJson(String(r.detail_json)) as Record<string, unknown>,
  }));
}

export async function metrics(c: DuckDBConnection, f: { run?: string; source?: string; name?: string }): Promise<MetricRecord[]> {
  const w = where({ run_id: f.run, source: f.source, name: f.name });
  const rows = await select(c, `SELECT * FROM metrics ${w.sql} ORDER BY ${TABLE_ORDER.metrics}`, w.params);
  return rows.map((r) => ({
    run_id: String(r.run_id),
    source: String(r.source),
    step: num(r.step),
    name: String(r.name),
    value: numOrNull(r.value),
  }));
}

/** Every row of a table, ordered, without timestamp columns (they differ between runs). */
export async function dumpTable(c: DuckDBConnection, table: TableName): Promise<Row[]> {
  const timestamps = TABLES[table].filter((col) => col.sql.startsWith("TIMESTAMP")).map((col) => `"${col.name}"`);
  const columns = timestamps.length ? `* EXCLUDE (${timestamps.join(", ")})` : "*";
  return select(c, `SELECT ${columns} FROM ${table} ORDER BY ${TABLE_ORDER[table]}`);
}

const TABLE_KEYS: Record<string, string> = {
  tensor_stats: "run_id, step, tensor",
  histograms: "run_id, step, tensor",
  group_stats: "run_id, step, group_kind, group_name",
  group_histograms: "run_id, step, group_kind, group_name",
  buffers: "run_id, step, tensor",
  trajectories: "run_id, step, tensor",
};

export async function checkIntegrity(c: DuckDBConnection): Promise<IntegrityReport> {
  const problems: string[] = [];
  for (const table of PER_CHECKPOINT_TABLES) {
    const key = TABLE_KEYS[table]!;
    const dup = await select(c, `SELECT ${key}, count(*) AS n FROM ${table} GROUP BY ${key} HAVING count(*) > 1 LIMIT 5`);
    for (const d of dup) problems.push(`${table}: ${num(d.n)} rows for (${key.split(", ").map((k) => String(d[k])).join(", ")})`);
    const orphans = await select(
      c,
      `SELECT DISTINCT t.run_id, t.step FROM ${table} t LEFT JOIN checkpoints k ON k.run_id = t.run_id AND k.step = t.step
       WHERE k.complete IS DISTINCT FROM true LIMIT 5`,
    );
    for (const o of orphans) problems.push(`${table}: rows for run ${String(o.run_id)} step ${num(o.step)}, which is not marked complete`);
  }
  const counts = await select(
    c,
    `SELECT k.run_id, k.step, k.n_tensors,
       (SELECT count(*) FROM tensor_stats t WHERE t.run_id = k.run_id AND t.step = k.step) +
       (SELECT count(*) FROM buffers b WHERE b.run_id = k.run_id AND b.step = k.step) AS stored
     FROM checkpoints k WHERE k.complete`,
  );
  for (const r of counts) {
    if (num(r.stored) !== num(r.n_tensors)) {
      problems.push(`checkpoint ${String(r.run_id)} step ${num(r.step)}: n_tensors ${num(r.n_tensors)} but ${num(r.stored)} tensor and buffer rows`);
    }
  }
  return { ok: problems.length === 0, problems };
}
