// Bulk inserts through DuckDB's appender, in the column order declared in schema.ts, one data
// chunk of up to APPEND_CHUNK_ROWS rows at a time (value-at-a-time appends of long lists are
// ~30x slower). The appender writes inside the connection's open transaction.
import { DuckDBDataChunk, DuckDBListValue, DuckDBTypeId, jsToDuckDBValue, type DuckDBConnection, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import { TABLES, type TableName } from "./schema.js";
import type { ColumnRecord } from "./codec.js";

/** Rows per data chunk (DuckDB's standard vector size). */
export const APPEND_CHUNK_ROWS = 2048;

export async function appendRows(connection: DuckDBConnection, table: TableName, rows: readonly ColumnRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = TABLES[table];
  const types: DuckDBType[] = columns.map((c) => c.type);
  const appender = await connection.createAppender(table);
  try {
    for (let start = 0; start < rows.length; start += APPEND_CHUNK_ROWS) {
      const part = rows.slice(start, start + APPEND_CHUNK_ROWS);
      const values: DuckDBValue[][] = columns.map((c) => part.map((r) => toValue(r[c.name], c.type, table, c.name)));
      const chunk = DuckDBDataChunk.create(types, part.length);
      chunk.setColumns(values);
      appender.appendDataChunk(chunk);
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
