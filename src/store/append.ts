// Bulk inserts through DuckDB's appender, in the column order declared in schema.ts, one data
// chunk of up to APPEND_CHUNK_ROWS rows at a time (value-at-a-time appends of long lists are
// ~30x slower). The appender writes inside the connection's open transaction.
//
// Memory is bounded by one chunk, whatever the row count: rows are encoded into column values a
// chunk at a time (never all rows' JSON at once), the one native data chunk is reused, and the
// appender is flushed after every chunk (it otherwise buffers up to ~200 k rows natively and then
// copies them into the transaction: a 20 k-row checkpoint of one-element tensors took RSS from
// 256 to 439 MB that way).
import { DuckDBDataChunk, DuckDBListValue, DuckDBTypeId, jsToDuckDBValue, type DuckDBConnection, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import { TABLES, type TableName } from "./schema.js";
import type { ColumnRecord } from "./codec.js";

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
      const values: DuckDBValue[][] = columns.map((c) => records.map((r) => toValue(r[c.name], c.type, table, c.name)));
      if (chunk === undefined) chunk = DuckDBDataChunk.create(types);
      else chunk.reset();
      chunk.rowCount = records.length;
      chunk.setColumns(values);
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

function toValue(value: unknown, type: DuckDBType, table: string, column: string): DuckDBValue {
  // Long lists (histograms) arrive already built with exact item types; skip per-item conversion.
  if (value instanceof DuckDBListValue) return value;
  if (typeof value === "number" && (type.typeId === DuckDBTypeId.BIGINT || type.typeId === DuckDBTypeId.INTEGER) && !Number.isSafeInteger(value)) {
    throw new TypeError(`${table}.${column}: ${value} is not an integer`);
  }
  // jsToDuckDBValue checks the value against the column type (bigint/number, lists, blobs, dates).
  return jsToDuckDBValue((value ?? null) as never, type);
}
