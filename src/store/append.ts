// Bulk inserts through DuckDB's appender, in the column order declared in schema.ts, one data
// chunk of up to APPEND_CHUNK_ROWS rows at a time (value-at-a-time appends of long lists are
// ~30x slower). The appender writes inside the connection's open transaction.
//
// Memory is bounded by one chunk, whatever the row count: rows are encoded into column values a
// chunk at a time (never all rows' JSON at once), the one native data chunk is reused, and the
// appender is flushed after every chunk (it otherwise buffers up to ~200 k rows natively and then
// copies them into the transaction: a 20 k-row checkpoint of one-element tensors took RSS from
// 256 to 439 MB that way).
import { duckdb, type DuckDBConnection, type DuckDBDataChunk, type DuckDBType, type DuckDBTypeId, type DuckDBValue } from "./duckdb.js";
import type * as Bindings from "@duckdb/node-bindings";
import { createRequire } from "node:module";
import { endianness } from "node:os";
import { TABLES, type TableName } from "./schema.js";
import { NumberList, type ColumnRecord } from "./codec.js";

export { NumberList } from "./codec.js";

// node-api's own native layer, for the typed-array copies of NumberList columns (the same
// version node-api loads: it is node-api's dependency); loaded with the client, on first use
// (native.ts: declaring the tables does not load DuckDB).
let nativeLayer: typeof Bindings | undefined;
const bindings = (): typeof Bindings => (nativeLayer ??= createRequire(import.meta.url)("@duckdb/node-bindings") as typeof Bindings);

/** Typed-array copies assume little-endian memory, as DuckDB's vectors on x86 and ARM are. */
const LITTLE_ENDIAN = endianness() === "LE";

/** Rows per data chunk (DuckDB's standard vector size). */
export const APPEND_CHUNK_ROWS = 2048;

/** Another table with `table`'s columns to append into (e.g. a TEMP staging table, staging.ts). */
export interface AppendTarget {
  readonly table: string;
  readonly schema: string;
  readonly catalog: string;
}

/** Append `rows` to `table` (or to `into`, a table with its columns); items are turned into column records by `encode` one chunk at a time. */
export async function appendRows<T>(connection: DuckDBConnection, table: TableName, rows: readonly T[], encode: (item: T) => ColumnRecord, into?: AppendTarget): Promise<void>;
export async function appendRows(connection: DuckDBConnection, table: TableName, rows: readonly ColumnRecord[]): Promise<void>;
export async function appendRows(connection: DuckDBConnection, table: TableName, rows: readonly unknown[], encode?: (item: unknown) => ColumnRecord, into?: AppendTarget): Promise<void> {
  if (rows.length === 0) return;
  const columns = TABLES[table];
  const types: DuckDBType[] = columns.map((c) => c.type);
  const appender = into === undefined ? await connection.createAppender(table) : await connection.createAppender(into.table, into.schema, into.catalog);
  let chunk: DuckDBDataChunk | undefined;
  try {
    for (let start = 0; start < rows.length; start += APPEND_CHUNK_ROWS) {
      const end = Math.min(rows.length, start + APPEND_CHUNK_ROWS);
      const records: ColumnRecord[] = new Array(end - start);
      for (let i = start; i < end; i++) records[i - start] = encode === undefined ? (rows[i] as ColumnRecord) : encode(rows[i]);
      if (chunk === undefined) chunk = duckdb().DuckDBDataChunk.create(types);
      else chunk.reset();
      chunk.rowCount = records.length;
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i]!;
        const cells = records.map((r) => r[c.name]);
        if (LITTLE_ENDIAN && cells.every((v) => v instanceof NumberList)) writeNumberLists(chunk, i, cells as NumberList[], c.type);
        else if (!(LITTLE_ENDIAN && writeScalars(chunk, i, cells, c.type.typeId))) chunk.setColumnValues(i, cells.map((v) => toValue(v, c.type, table, c.name)));
      }
      appender.appendDataChunk(chunk);
      appender.flushSync();
    }
    appender.closeSync(); // flushes
  } catch (err) {
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // the first error is the one to report; the caller rolls the transaction back
    }
    throw err;
  }
}

/**
 * Per-row scratch of writeNumberLists: a row's items as 32-bit words (INTEGER items, or BIGINT
 * items as (low, high) halves), grown to the longest row seen and reused (every word a row uses
 * is written before it is copied: none is left from an earlier row). A histogram row has at most
 * HIST_KEY_COUNT items, so it stays under 1 MB whatever the chunk's row count.
 */
let rowWords: Uint32Array<ArrayBuffer> = new Uint32Array(0);
/** (offset, length) list entries of one chunk as uint64 (low, high) halves, reused for every chunk. */
const entryWords = new Uint32Array(4 * APPEND_CHUNK_ROWS);

/** rowWords with room for `n` words (its contents undefined). */
function rowScratch(n: number): Uint32Array<ArrayBuffer> {
  if (rowWords.length < n) rowWords = new Uint32Array(Math.max(n, 2 * rowWords.length));
  return rowWords;
}

/**
 * Column `column` of `chunk` (its row count set) from one NumberList per row, written straight
 * into the list's child vector row by row: Int32Array items (histogram keys) copied from their
 * own buffer, other items through a reused scratch row (BIGINT counts as int64 halves); the list
 * entries (offset, length) in one copy. No array per chunk: the former chunk-sized copies
 * (zero-filled, then copied again) cost page faults on every chunk.
 */
function writeNumberLists(chunk: DuckDBDataChunk, column: number, lists: readonly NumberList[], type: DuckDBType): void {
  const native = bindings();
  const { DuckDBTypeId } = duckdb();
  const itemType = type.typeId === DuckDBTypeId.LIST ? (type as { valueType: DuckDBType }).valueType.typeId : undefined;
  if (itemType !== DuckDBTypeId.INTEGER && itemType !== DuckDBTypeId.BIGINT) throw new TypeError(`a number list cannot fill a ${type} column`);
  if (lists.length > APPEND_CHUNK_ROWS) throw new RangeError(`${lists.length} rows in one data chunk (at most ${APPEND_CHUNK_ROWS})`);
  let total = 0;
  for (let row = 0; row < lists.length; row++) total += lists[row]!.items.length;
  const vector = native.data_chunk_get_vector(chunk.chunk, column);
  native.list_vector_reserve(vector, total);
  native.list_vector_set_size(vector, total);
  const child = native.list_vector_get_child(vector);
  const itemBytes = itemType === DuckDBTypeId.INTEGER ? 4 : 8;
  let at = 0;
  for (let row = 0; row < lists.length; row++) {
    const values = lists[row]!.items;
    const n = values.length;
    // offsets and lengths are below 2^32 (a chunk's items fit in memory): high halves 0
    entryWords[4 * row] = at;
    entryWords[4 * row + 1] = 0;
    entryWords[4 * row + 2] = n;
    entryWords[4 * row + 3] = 0;
    if (n === 0) continue;
    if (itemBytes === 4 && values instanceof Int32Array) {
      native.copy_data_to_vector(child, 4 * at, values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
    } else if (itemBytes === 4) {
      const words = rowScratch(n);
      for (let j = 0; j < n; j++) words[j] = values[j]! | 0; // int32 keys (codec.ts checks)
      native.copy_data_to_vector(child, 4 * at, words.buffer, 0, 4 * n);
    } else {
      // BIGINT items as (low, high) 32-bit halves: the counts are non-negative safe integers (codec.ts checks)
      const words = rowScratch(2 * n);
      for (let j = 0; j < n; j++) {
        const v = values[j]!;
        const low = v >>> 0; // v mod 2^32 (v a non-negative safe integer)
        words[2 * j] = low;
        words[2 * j + 1] = (v - low) / 4294967296;
      }
      native.copy_data_to_vector(child, 8 * at, words.buffer, 0, 8 * n);
    }
    at += n;
  }
  if (lists.length > 0) native.copy_data_to_vector(vector, 0, entryWords.buffer, 0, 16 * lists.length);
}

/** Validity bits of a chunk's vector as 32-bit words (a 64-bit mask word is two of them, low first, little-endian). */
const validityWords = new Uint32Array(APPEND_CHUNK_ROWS / 32);

/**
 * Column `column` of `chunk` (its row count set) from plain cells, written straight into the
 * vector: DOUBLE from numbers, BIGINT from safe integers, INTEGER from int32s (one typed-array
 * copy each), VARCHAR from strings (one native assignment each); null or undefined cells are
 * NULL. The same values node-api's setColumnValues writes, without its per-column copy of the
 * vector out and back, its per-cell DuckDBValue conversions or its BigInt validity masks.
 * Returns false, writing nothing, when a cell is of another kind or the type is another one
 * (the caller then takes node-api's path, which converts or refuses it as before).
 */
function writeScalars(chunk: DuckDBDataChunk, column: number, cells: readonly unknown[], typeId: DuckDBTypeId): boolean {
  const native = bindings();
  const { DuckDBTypeId } = duckdb();
  const n = cells.length;
  let nulls = 0;
  if (typeId === DuckDBTypeId.VARCHAR) {
    for (let row = 0; row < n; row++) {
      const v = cells[row];
      if (v === null || v === undefined) nulls++;
      else if (typeof v !== "string") return false;
    }
    const vector = native.data_chunk_get_vector(chunk.chunk, column);
    for (let row = 0; row < n; row++) {
      const v = cells[row];
      if (typeof v === "string") native.vector_assign_string_element(vector, row, v);
    }
    if (nulls > 0) writeValidity(vector, cells);
    return true;
  }
  let data: Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;
  if (typeId === DuckDBTypeId.DOUBLE) {
    const out = new Float64Array(n);
    for (let row = 0; row < n; row++) {
      const v = cells[row];
      if (typeof v === "number") out[row] = v;
      else if (v === null || v === undefined) nulls++;
      else return false;
    }
    data = out;
  } else if (typeId === DuckDBTypeId.BIGINT) {
    const out = new Uint32Array(2 * n); // (low, high) 32-bit halves of each int64, two's complement
    for (let row = 0; row < n; row++) {
      const v = cells[row];
      if (typeof v === "number" && Number.isSafeInteger(v)) {
        const high = Math.floor(v / 4294967296);
        out[2 * row] = v - high * 4294967296;
        out[2 * row + 1] = high >>> 0;
      } else if (v === null || v === undefined) nulls++;
      else return false;
    }
    data = out;
  } else if (typeId === DuckDBTypeId.INTEGER) {
    const out = new Int32Array(n);
    for (let row = 0; row < n; row++) {
      const v = cells[row];
      if (typeof v === "number" && (v | 0) === v && !Object.is(v, -0)) out[row] = v;
      else if (v === null || v === undefined) nulls++;
      else return false;
    }
    data = out;
  } else {
    return false;
  }
  const vector = native.data_chunk_get_vector(chunk.chunk, column);
  if (n > 0) native.copy_data_to_vector(vector, 0, data.buffer, data.byteOffset, data.byteLength);
  if (nulls > 0) writeValidity(vector, cells);
  return true;
}

/** Marks the rows of `vector` whose cell is null or undefined as NULL (the others valid). */
function writeValidity(vector: Bindings.Vector, cells: readonly unknown[]): void {
  const native = bindings();
  const words = Math.ceil(cells.length / 64) * 2;
  validityWords.fill(0xffffffff, 0, words);
  for (let row = 0; row < cells.length; row++) {
    const v = cells[row];
    if (v === null || v === undefined) validityWords[row >>> 5]! &= ~(1 << (row & 31));
  }
  native.vector_ensure_validity_writable(vector);
  native.copy_data_to_vector_validity(vector, 0, validityWords.buffer, 0, words * 4);
}

function toValue(value: unknown, type: DuckDBType, table: string, column: string): DuckDBValue {
  const { DuckDBListValue, DuckDBTypeId, jsToDuckDBValue } = duckdb();
  // Long lists (histograms) arrive already built with exact item types; skip per-item conversion.
  if (value instanceof DuckDBListValue) return value;
  if (value instanceof NumberList) return new DuckDBListValue(Array.from(value.items, (v) => (type.typeId === DuckDBTypeId.LIST && (type as { valueType: DuckDBType }).valueType.typeId === DuckDBTypeId.BIGINT ? BigInt(v) : v)));
  if (typeof value === "number" && (type.typeId === DuckDBTypeId.BIGINT || type.typeId === DuckDBTypeId.INTEGER) && !Number.isSafeInteger(value)) {
    throw new TypeError(`${table}.${column}: ${value} is not an integer`);
  }
  // jsToDuckDBValue checks the value against the column type (bigint/number, lists, blobs, dates).
  return jsToDuckDBValue((value ?? null) as never, type);
}
