// Read queries of the results store: filters -> typed records with JSON columns parsed.
import type { DuckDBConnection, DuckDBListVector, DuckDBVector } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { bytesToFloat32, decodeJson, isoOrNull, num, numOrNull, sketchFromStore, statValuesFrom, wordOf } from "./codec.js";
import { PER_CHECKPOINT_TABLES, TABLES, TABLE_ORDER, type TableName } from "./schema.js";
import type {
  BufferRecord, CheckpointRecord, EventRecord, OnlineEventRecord, GroupKind, GroupStatsRecord, HistogramRecord, IntegrityReport, MetricRecord,
  RunRecord, TensorStatsFilter, TensorStatsRecord, TrajectoryRecord, TransitionRecord,
} from "./types.js";
import { BUFFER_DTYPES, DTYPES, EVENT_KINDS, GROUP_KINDS, TENSOR_KINDS, TENSOR_ROLES } from "./vocabulary.js";

type Row = Record<string, unknown>;
type Param = string | number;

async function select(c: DuckDBConnection, sql: string, params: Param[] = []): Promise<Row[]> {
  const reader = await c.runAndReadAll(sql, params);
  // Column-wise conversion, then rows: several times faster than getRowObjectsJS on wide tables.
  const names = reader.columnNames();
  const columns = reader.getColumnsJS() as unknown[][];
  const n = columns[0]?.length ?? 0;
  const rows: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: Row = {};
    for (let j = 0; j < names.length; j++) row[names[j]!] = columns[j]![i];
    rows[i] = row;
  }
  return rows;
}

/**
 * The records of `sql` chunk by chunk as DuckDB streams them, in no particular order: `onRows`
 * gets each chunk's records (made by `recordOf`) and nothing else is kept.
 */
async function forEachRecord<R>(c: DuckDBConnection, sql: string, params: Param[], recordOf: (row: Row) => R, onRows: (rows: R[]) => void): Promise<void> {
  const result = await c.stream(sql, params);
  const names = result.columnNames();
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const columns = chunk.getColumns() as unknown[][];
    const records: R[] = new Array(chunk.rowCount);
    for (let i = 0; i < chunk.rowCount; i++) {
      const row: Row = {};
      for (let j = 0; j < names.length; j++) row[names[j]!] = columns[j]![i];
      records[i] = recordOf(row);
    }
    onRows(records);
  }
}

/** WHERE clause from optional equality filters (undefined entries are skipped). */
function where(filters: Record<string, Param | undefined>): { sql: string; params: Param[] } {
  const parts: string[] = [];
  const params: Param[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    params.push(value);
    parts.push(`"${column}" = $${params.length}`);
  }
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
}

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

/** A LIST column's items whether read as JS (an array) or as a DuckDB value (streamed chunks: { items }). */
function listItems(v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Array.isArray((v as { items?: unknown }).items)) return (v as { items: unknown[] }).items;
  return v;
}

function histogramFrom(rows: Row[]): HistogramRecord | null {
  if (rows.length === 0) return null;
  const keys = rows[0]!.keys as number[];
  const counts = rows[0]!.counts as (bigint | number)[];
  return { keys: Int32Array.from(keys), counts: Float64Array.from(counts, (x) => Number(x)) };
}

export async function histogram(c: DuckDBConnection, run: string, step: number, tensor: string): Promise<HistogramRecord | null> {
  return histogramFrom(
    await select(c, "SELECT keys, counts FROM histograms WHERE run_id = $1 AND step = $2 AND tensor = $3", [run, step, tensor]),
  );
}

export async function groupHistogram(
  c: DuckDBConnection, run: string, step: number, groupKind: GroupKind, groupName: string,
): Promise<HistogramRecord | null> {
  return histogramFrom(
    await select(
      c,
      "SELECT keys, counts FROM group_histograms WHERE run_id = $1 AND step = $2 AND group_kind = $3 AND group_name = $4",
      [run, step, groupKind, groupName],
    ),
  );
}

/** A stored histogram with the (step, tensor) or (step, group) it belongs to. */
export interface StepHistogramRecord extends HistogramRecord {
  step: number;
  /** Tensor name, or `<group_kind>:<group_name>` for group histograms. */
  name: string;
}

/** Every histogram of a run (optionally of one tensor, at one step, or in a range of tensor names) in one query, ordered by name and step. */
export async function histogramsOfRun(c: DuckDBConnection, run: string, tensor?: string, step?: number, range?: TensorRange): Promise<StepHistogramRecord[]> {
  const records: StepHistogramRecord[] = [];
  await forEachHistogram(c, { run, tensor, step, range, ordered: true }, (r) => records.push(r));
  return records;
}

/** Every group histogram of a run (optionally at one step, of one group) in one query; `name` is `<group_kind>:<group_name>`. */
export async function groupHistogramsOfRun(c: DuckDBConnection, run: string, step?: number, group?: { kind: GroupKind; name: string }): Promise<StepHistogramRecord[]> {
  const records: StepHistogramRecord[] = [];
  await forEachGroupHistogram(c, { run, step, group, ordered: true }, (r) => records.push(r));
  return records;
}

/** Which histograms to read: a run, optionally one tensor, one step, a range of names; `ordered` by name then step (else as stored). */
export interface HistogramFilter {
  run: string;
  tensor?: string | undefined;
  step?: number | undefined;
  range?: TensorRange | undefined;
  ordered?: boolean;
  /**
   * Hand out each record's keys and counts as views into the streamed chunk, valid only during
   * `onRecord` (no copy, no garbage per histogram: the 154-checkpoint report's two passes copied
   * 27.6 M buckets each, and the garbage held ~100 MB of RSS until V8 collected it). Default false.
   */
  transient?: boolean;
}

/**
 * Histograms chunk by chunk as DuckDB streams them: each record's typed arrays are filled from
 * the result's vectors (no JS array per histogram, no materialised result), and nothing is kept
 * after `onRecord` returns. Unordered reads follow the table's storage order (checkpoint by
 * checkpoint), so a filter on `step` reads only that checkpoint's blocks.
 */
export async function forEachHistogram(c: DuckDBConnection, f: HistogramFilter, onRecord: (record: StepHistogramRecord) => void): Promise<void> {
  const w = withRange(where({ run_id: f.run, tensor: f.tensor, step: f.step }), f.range);
  const order = f.ordered === true ? "ORDER BY tensor, step" : "";
  await streamHistograms(c, `SELECT step, tensor AS name, keys, counts::DOUBLE[] FROM histograms ${w.sql} ${order}`, w.params, f.transient === true, onRecord);
}

/** forEachHistogram for group histograms; `name` is `<group_kind>:<group_name>`. */
export async function forEachGroupHistogram(
  c: DuckDBConnection, f: { run: string; step?: number | undefined; group?: { kind: GroupKind; name: string } | undefined; ordered?: boolean; transient?: boolean }, onRecord: (record: StepHistogramRecord) => void,
): Promise<void> {
  const w = where({ run_id: f.run, step: f.step, group_kind: f.group?.kind, group_name: f.group?.name });
  const order = f.ordered === true ? "ORDER BY group_kind, group_name, step" : "";
  await streamHistograms(c, `SELECT step, group_kind || ':' || group_name AS name, keys, counts::DOUBLE[] FROM group_histograms ${w.sql} ${order}`, w.params, f.transient === true, onRecord);
}

/**
 * Columns (step, name, keys, counts) -> records, one streamed chunk at a time. The buckets go
 * from the LIST columns' child vectors straight into Int32Array / Float64Array (counts read as
 * DOUBLE, exact below 2^53), or are views of them when `transient`: JS arrays of the values
 * (getColumnsJS) held about 30 bytes per bucket on the JS heap, and a materialised result the
 * whole answer in native memory at once.
 */
async function streamHistograms(c: DuckDBConnection, sql: string, params: Param[], transient: boolean, onRecord: (record: StepHistogramRecord) => void): Promise<void> {
  const result = await c.stream(sql, params);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const steps = chunk.getColumnVector(0), names = chunk.getColumnVector(1);
    const keys = listColumn(chunk.getColumnVector(2), "keys"), counts = listColumn(chunk.getColumnVector(3), "counts");
    const keyItems = typedItems(keys, Int32Array), countItems = typedItems(counts, Float64Array);
    for (let row = 0; row < chunk.rowCount; row++) {
      onRecord({ step: num(steps.getItem(row)), name: String(names.getItem(row)), keys: listInto(keys, keyItems, row, Int32Array, transient), counts: listInto(counts, countItems, row, Float64Array, transient) });
    }
  }
}

/**
 * The counts of one stored histogram that mode snapshots need when the row's shape is stored
 * (dynamics/modes/snapshots.ts histogramMasses): whether its keys are strictly ascending, the
 * finite values (bucket magnitude up to HIST_MAX_FINITE_KEY, negative counts as 0), those in the
 * +-0 buckets, and the largest count of a non-zero finite bucket (0 when none).
 */
export interface HistogramMassRecord {
  step: number;
  /** Tensor name, or `<group_kind>:<group_name>` for group histograms. */
  name: string;
  ascending: boolean;
  total: number;
  zero: number;
  maxCount: number;
}

/**
 * HistogramMassRecords of every histogram of a run (tensors, or groups), summed inside DuckDB in
 * one query: no bucket is handed to JS. Reading the buckets checkpoint by checkpoint cost one scan
 * of the table's LIST columns per checkpoint (a run's histograms are one row group), 5 CPU s and
 * ~250 MB of native memory at 154 checkpoints of Pythia-70m; this is one scan. Counts are
 * integers summed exactly (HUGEINT); the store's counts stay below 2^53. Unordered.
 */
export async function forEachHistogramMasses(c: DuckDBConnection, f: { run: string; groups: boolean; maxFiniteKey: number }, onRecord: (record: HistogramMassRecord) => void): Promise<void> {
  if (!Number.isInteger(f.maxFiniteKey)) throw new StoreError("histograms", `maxFiniteKey must be an integer, got ${f.maxFiniteKey}`);
  const table = f.groups ? "group_histograms" : "histograms";
  const name = f.groups ? "group_kind || ':' || group_name" : "tensor";
  const finite = `(k & 32767) <= ${f.maxFiniteKey}`;
  const sql = `SELECT step, name, bool_and(prev IS NULL OR k > prev) AS ascending,
      sum(CASE WHEN ${finite} THEN greatest(c, 0) ELSE 0 END)::BIGINT AS total,
      sum(CASE WHEN (k & 32767) = 0 THEN greatest(c, 0) ELSE 0 END)::BIGINT AS zero,
      max(CASE WHEN (k & 32767) <> 0 AND ${finite} THEN greatest(c, 0) ELSE 0 END)::BIGINT AS max_count
    FROM (SELECT step, ${name} AS name, unnest(keys) AS k, unnest(counts) AS c, unnest(list_prepend(NULL, keys[1:len(keys) - 1])) AS prev FROM ${table} WHERE run_id = $1)
    GROUP BY step, name
    UNION ALL SELECT step, ${name} AS name, true, 0, 0, 0 FROM ${table} WHERE run_id = $1 AND len(keys) = 0`;
  await forEachRecord(c, sql, [f.run], (r) => ({ step: num(r.step), name: String(r.name), ascending: r.ascending === true, total: num(r.total), zero: num(r.zero), maxCount: num(r.max_count) }), (rows) => {
    for (const r of rows) onRecord(r);
  });
}

/** The vector as a LIST vector (checked by shape: a value import of the class would load the whole API module eagerly). */
function listColumn(v: DuckDBVector, column: string): DuckDBListVector {
  if (typeof (v as Partial<DuckDBListVector>).getEntryOffset !== "function") throw new StoreError("histograms", `column ${column} is not a LIST (${v.type.toString()}); the store is not one this version wrote`);
  return v as DuckDBListVector;
}

/** The child items of a LIST vector as one typed array of `Type` (DuckDB's flat numeric vectors hold one), or null. */
function typedItems<T extends Int32Array | Float64Array>(list: DuckDBListVector, Type: { new (n: number): T }): T | null {
  const items = (list.childVector as Partial<{ items: unknown }>).items;
  return items instanceof Type ? items : null;
}

/** Items of one row of a LIST vector (NOT NULL lists of numbers): a new typed array, or a view of `items` when `view`. */
function listInto<T extends Int32Array | Float64Array>(list: DuckDBListVector, items: T | null, row: number, Type: { new (n: number): T }, view: boolean): T {
  const offset = list.getEntryOffset(row), n = list.getEntryLength(row);
  if (items !== null) return (view ? items.subarray(offset, offset + n) : items.slice(offset, offset + n)) as T;
  const out = new Type(n), child = list.childVector;
  for (let i = 0; i < n; i++) out[i] = child.getItem(offset + i) as number;
  return out;
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
export interface TensorRange {
  readonly from: string;
  readonly to: string;
}

function withRange(w: { sql: string; params: Param[] }, range: TensorRange | undefined): { sql: string; params: Param[] } {
  if (range === undefined) return w;
  const params = [...w.params, range.from, range.to];
  const clause = `tensor BETWEEN $${params.length - 1} AND $${params.length}`;
  return { sql: w.sql === "" ? `WHERE ${clause}` : `${w.sql} AND ${clause}`, params };
}

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
 * A run's trajectories chunk by chunk as DuckDB streams them, unordered (storage order: checkpoint
 * by checkpoint): nothing is kept after `onRecord`. trajectories() materialises the run's values
 * (all kept tensors x all checkpoints) on both sides, DuckDB's and JS's.
 */
export async function forEachTrajectory(c: DuckDBConnection, f: { run: string }, onRecord: (record: StreamedTrajectory) => void): Promise<void> {
  const result = await c.stream("SELECT step, tensor, values FROM trajectories WHERE run_id = $1", [f.run]);
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
