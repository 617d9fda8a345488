// Histogram reads of the results store: one histogram, a run's histograms streamed into typed
// arrays, and the sums that mode snapshots need computed inside DuckDB.
import type { DuckDBConnection, DuckDBListVector, DuckDBVector } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { num } from "./codec.js";
import { forEachRecord, select, where, withRange, type Param, type Row, type TensorRange } from "./sql.js";
import type { GroupKind, HistogramRecord } from "./types.js";

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
  await streamHistograms(c, `SELECT step, tensor AS name, keys, counts FROM histograms ${w.sql} ${order}`, w.params, f.transient === true, onRecord);
}

/** forEachHistogram for group histograms; `name` is `<group_kind>:<group_name>`. */
export async function forEachGroupHistogram(
  c: DuckDBConnection, f: { run: string; step?: number | undefined; group?: { kind: GroupKind; name: string } | undefined; ordered?: boolean; transient?: boolean }, onRecord: (record: StepHistogramRecord) => void,
): Promise<void> {
  const w = where({ run_id: f.run, step: f.step, group_kind: f.group?.kind, group_name: f.group?.name });
  const order = f.ordered === true ? "ORDER BY group_kind, group_name, step" : "";
  await streamHistograms(c, `SELECT step, group_kind || ':' || group_name AS name, keys, counts FROM group_histograms ${w.sql} ${order}`, w.params, f.transient === true, onRecord);
}

/** Buckets of a run's stored histograms (tensors, or groups; tensors optionally in a range of names); only the lists' lengths are read. */
export async function histogramBuckets(c: DuckDBConnection, f: { run: string; groups: boolean; range?: TensorRange | undefined }): Promise<number> {
  const w = withRange(where({ run_id: f.run }), f.groups ? undefined : f.range);
  const rows = await select(c, `SELECT coalesce(sum(len(keys)), 0) AS buckets FROM ${f.groups ? "group_histograms" : "histograms"} ${w.sql}`, w.params);
  return num(rows[0]!.buckets);
}

/**
 * Columns (step, name, keys, counts) -> records, one streamed chunk at a time. The buckets go
 * from the LIST columns' child vectors straight into Int32Array / Float64Array (the BIGINT counts
 * converted once per chunk, countItems), or are views of them when `transient`: JS arrays of the
 * values (getColumnsJS) held about 30 bytes per bucket on the JS heap, and a materialised result
 * the whole answer in native memory at once.
 */
async function streamHistograms(c: DuckDBConnection, sql: string, params: Param[], transient: boolean, onRecord: (record: StepHistogramRecord) => void): Promise<void> {
  const result = await c.stream(sql, params);
  let scratch: Float64Array = new Float64Array(0); // transient counts: one buffer for every row
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const steps = chunk.getColumnVector(0), names = chunk.getColumnVector(1);
    const keys = listColumn(chunk.getColumnVector(2), "keys"), counts = listColumn(chunk.getColumnVector(3), "counts");
    const keyItems = typedItems(keys, Int32Array), countWords = int64Words(counts), countValues = countWords === null ? typedItems(counts, Float64Array) : null;
    for (let row = 0; row < chunk.rowCount; row++) {
      const rowCounts = countWords !== null ? int64Row(counts, countWords, row, transient ? (scratch = grown(scratch, counts.getEntryLength(row))) : null) : listInto(counts, countValues, row, Float64Array, transient);
      onRecord({ step: num(steps.getItem(row)), name: String(names.getItem(row)), keys: listInto(keys, keyItems, row, Int32Array, transient), counts: rowCounts });
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
export async function forEachHistogramMasses(c: DuckDBConnection, f: { run: string; groups: boolean; maxFiniteKey: number; range?: TensorRange | undefined }, onRecord: (record: HistogramMassRecord) => void): Promise<void> {
  if (!Number.isInteger(f.maxFiniteKey)) throw new StoreError("histograms", `maxFiniteKey must be an integer, got ${f.maxFiniteKey}`);
  const table = f.groups ? "group_histograms" : "histograms";
  const name = f.groups ? "group_kind || ':' || group_name" : "tensor";
  const finite = `(k & 32767) <= ${f.maxFiniteKey}`;
  const w = withRange(where({ run_id: f.run }), f.groups ? undefined : f.range);
  const sql = `SELECT step, name, bool_and(prev IS NULL OR k > prev) AS ascending,
      sum(CASE WHEN ${finite} THEN greatest(c, 0) ELSE 0 END)::BIGINT AS total,
      sum(CASE WHEN (k & 32767) = 0 THEN greatest(c, 0) ELSE 0 END)::BIGINT AS zero,
      max(CASE WHEN (k & 32767) <> 0 AND ${finite} THEN greatest(c, 0) ELSE 0 END)::BIGINT AS max_count
    FROM (SELECT step, ${name} AS name, unnest(keys) AS k, unnest(counts) AS c, unnest(list_prepend(NULL, keys[1:len(keys) - 1])) AS prev FROM ${table} ${w.sql})
    GROUP BY step, name
    UNION ALL SELECT step, ${name} AS name, true, 0, 0, 0 FROM ${table} ${w.sql} AND len(keys) = 0`;
  await forEachRecord(c, sql, w.params, (r) => ({ step: num(r.step), name: String(r.name), ascending: r.ascending === true, total: num(r.total), zero: num(r.zero), maxCount: num(r.max_count) }), (rows) => {
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

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The child items of a BIGINT LIST vector (NOT NULL) as 32-bit words (little-endian: low word
 * first); null when they are not a BigInt64Array on a little-endian machine.
 */
function int64Words(list: DuckDBListVector): Int32Array | null {
  const items = (list.childVector as Partial<{ items: unknown }>).items;
  if (!(items instanceof BigInt64Array) || !LITTLE_ENDIAN) return null;
  return new Int32Array(items.buffer, items.byteOffset, items.length * 2);
}

/**
 * One row of a BIGINT LIST as doubles, into `into` (a view of its first items) or a new array:
 * each int64 is hi * 2^32 + lo, exact below 2^53 and otherwise rounded once to nearest, as DuckDB's
 * cast to DOUBLE (the cast in SQL took about twice the scan's time).
 */
function int64Row(list: DuckDBListVector, words: Int32Array, row: number, into: Float64Array | null): Float64Array {
  const offset = list.getEntryOffset(row), n = list.getEntryLength(row);
  const out = into === null ? new Float64Array(n) : into.subarray(0, n);
  for (let i = 0, w = 2 * offset; i < n; i++, w += 2) out[i] = words[w + 1]! * 4294967296 + (words[w]! >>> 0);
  return out;
}

/** `buffer` if it holds n items, else a larger one. */
function grown(buffer: Float64Array, n: number): Float64Array {
  return buffer.length >= n ? buffer : new Float64Array(Math.max(n, 2 * buffer.length));
}

/** Items of one row of a LIST vector (NOT NULL lists of numbers): a new typed array, or a view of `items` when `view`. */
function listInto<T extends Int32Array | Float64Array>(list: DuckDBListVector, items: T | null, row: number, Type: { new (n: number): T }, view: boolean): T {
  const offset = list.getEntryOffset(row), n = list.getEntryLength(row);
  if (items !== null) return (view ? items.subarray(offset, offset + n) : items.slice(offset, offset + n)) as T;
  const out = new Type(n), child = list.childVector;
  for (let i = 0; i < n; i++) out[i] = Number(child.getItem(offset + i));
  return out;
}
