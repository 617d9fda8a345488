// Bulk inserts in the column order declared in schema.ts, one data chunk of up to
// APPEND_CHUNK_ROWS rows at a time (value-at-a-time appends of long lists are ~30x slower):
// `INSERT INTO t SELECT * FROM <row source>()`, where the row source is a table function of the
// connection that fills each chunk DuckDB asks for from the rows being appended (rowSourceOf). The
// insert runs inside the connection's open transaction, like any statement, and keeps the rows'
// order (DuckDB's preserve_insertion_order, on by default).
//
// Memory is bounded by one chunk, whatever the row count: rows are encoded into column values a
// chunk at a time (never all rows' JSON at once) and DuckDB appends each chunk into the
// transaction's storage as it comes. (DuckDB's appender, used before, also copied every chunk into
// a buffer of its own first, and buffered up to ~200 k rows natively unless flushed per chunk.)
import { duckdb, type DuckDBConnection, type DuckDBDataChunk, type DuckDBType, type DuckDBTypeId, type DuckDBValue } from "./duckdb.js";
import type * as Bindings from "@duckdb/node-bindings";
import { createRequire } from "node:module";
import { endianness } from "node:os";
import { TABLES, type ColumnSpec, type TableName } from "./schema.js";
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
  const source = rowSourceOf(connection);
  if (source.job !== undefined) throw new Error("appendRows: another append is running on this connection"); // the store serializes its writes
  const job: AppendJob = { table, columns: TABLES[table], rows, encode, next: 0, error: undefined };
  source.job = job;
  const target = into === undefined ? table : [into.catalog, into.schema, into.table].map(quoteIdentifier).join(".");
  const insert = `INSERT INTO ${target} SELECT * FROM ${source.name}()`;
  try {
    try {
      await connection.run(insert);
    } catch (err) {
      // Registered inside a transaction that was rolled back since: register it again (a catalog
      // error leaves the transaction usable, and nothing was scanned) and insert once more.
      if (job.error !== undefined || !String((err as Error).message).includes(`Table Function with name ${source.name} does not exist`)) throw err;
      source.register();
      await connection.run(insert);
    }
  } catch (err) {
    throw job.error ?? err; // a row refused while filling a chunk: its own error, not the query's copy
  } finally {
    source.job = undefined;
  }
}

/** One appendRows call: its rows, encoded and handed to DuckDB a chunk at a time by the connection's row source. */
interface AppendJob {
  readonly table: TableName;
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly unknown[];
  readonly encode: ((item: unknown) => ColumnRecord) | undefined;
  /** Index of the first row not yet handed over. */
  next: number;
  /** The error that stopped the scan (an encoding or a cell refused), rethrown by appendRows. */
  error: unknown;
}

/** A table function registered on one connection that scans the connection's current AppendJob. */
interface RowSource {
  readonly name: string;
  job: AppendJob | undefined;
  /** Registers the function on the connection (in its open transaction, if any: a rollback unregisters it). */
  register(): void;
}

const rowSources = new WeakMap<DuckDBConnection, RowSource>();
let rowSourcesMade = 0;

/**
 * The connection's row source, registered on first use: `INSERT INTO t SELECT * FROM source()`
 * runs its scan (the main function below, called on this thread for each chunk while DuckDB
 * waits) and appends each chunk straight into the transaction's storage. DuckDB's appender copies
 * each chunk twice instead (into its own buffer, then into the transaction's storage on flush):
 * 410m's histograms took ~2x the CPU that way.
 */
function rowSourceOf(connection: DuckDBConnection): RowSource {
  let source = rowSources.get(connection);
  if (source !== undefined) return source;
  const made: RowSource = { name: `forking_paths_rows_${++rowSourcesMade}`, job: undefined, register: () => connection.registerTableFunction(fn) };
  const { DuckDBTableFunction } = duckdb();
  const current = (): AppendJob => {
    if (made.job === undefined) throw new Error(`${made.name}() scans the rows of an appendRows call and has none outside one`);
    return made.job;
  };
  const fn = DuckDBTableFunction.create({
    name: made.name,
    bindFunction: (bind) => {
      try {
        for (const c of current().columns) bind.addResultColumn(c.name, c.type);
      } catch (err) {
        bind.setError((err as Error).message);
      }
    },
    initFunction: () => undefined,
    mainFunction: (info, chunk) => {
      const job = made.job;
      if (job === undefined || job.error !== undefined || job.next >= job.rows.length) {
        chunk.rowCount = 0;
        return;
      }
      try {
        fillChunk(chunk, job);
      } catch (err) {
        job.error = err;
        chunk.rowCount = 0;
        info.setError((err as Error).message);
      }
    },
  });
  made.register();
  rowSources.set(connection, (source = made));
  return source;
}

/** The next chunk of `job`'s rows (up to APPEND_CHUNK_ROWS) encoded into `chunk`, in the table's column order. */
function fillChunk(chunk: DuckDBDataChunk, job: AppendJob): void {
  const { rows, encode, columns, table } = job;
  const start = job.next;
  const end = Math.min(rows.length, start + APPEND_CHUNK_ROWS);
  const records: ColumnRecord[] = new Array(end - start);
  for (let i = start; i < end; i++) records[i - start] = encode === undefined ? (rows[i] as ColumnRecord) : encode(rows[i]);
  chunk.rowCount = records.length;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const cells = records.map((r) => r[c.name]);
    if (LITTLE_ENDIAN && cells.every((v) => v instanceof NumberList)) writeNumberLists(chunk, i, cells as NumberList[], c.type);
    else if (!(LITTLE_ENDIAN && writeScalars(chunk, i, cells, c.type.typeId))) chunk.setColumnValues(i, cells.map((v) => toValue(v, c.type, table, c.name)));
  }
  job.next = end;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
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
