// Additive migration on open: tables and nullable columns added after a store was written
// (schema.ts ADDED_TABLES, ADDED_COLUMNS) are created, in one transaction, without touching any
// stored value (an added column is NULL in every existing row). A read-only store gets an empty
// session-only TEMP stand-in for a missing table; a missing column is read as NULL (queries.ts).
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { ADDED_COLUMNS, ADDED_TABLES, TABLES, createTableStatement, type TableName } from "./schema.js";

/** Tables of ADDED_TABLES missing from the store's main schema. */
export async function missingAddedTables(c: DuckDBConnection): Promise<TableName[]> {
  const reader = await c.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()",
  );
  const present = new Set(reader.getRowObjectsJS().map((r) => String(r.table_name)));
  return ADDED_TABLES.filter((t) => !present.has(t));
}

/** Columns of ADDED_COLUMNS missing from tables the store has (a table created missing gets them from its DDL). */
export async function missingAddedColumns(c: DuckDBConnection): Promise<Array<{ table: TableName; column: string }>> {
  const reader = await c.runAndReadAll(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_catalog = current_database()",
  );
  const rows = reader.getRowObjectsJS();
  const tables = new Set(rows.map((r) => String(r.table_name)));
  const present = new Set(rows.map((r) => `${String(r.table_name)}.${String(r.column_name)}`));
  return ADDED_COLUMNS.filter((a) => tables.has(a.table) && !present.has(`${a.table}.${a.column}`));
}

function addColumnStatement(table: TableName, column: string): string {
  const spec = TABLES[table].find((c) => c.name === column);
  if (spec === undefined) throw new Error(`ADDED_COLUMNS names ${table}.${column}, which TABLES does not declare`);
  return `ALTER TABLE ${table} ADD COLUMN "${column}" ${spec.sql}`;
}

/** Create the missing added tables (TEMP ones when read-only) and columns (not when read-only); returns what was added. */
export async function addMissingTables(path: string, c: DuckDBConnection, readOnly: boolean): Promise<string[]> {
  const missing = await missingAddedTables(c);
  const columns = readOnly ? [] : await missingAddedColumns(c);
  if (missing.length === 0 && columns.length === 0) return [];
  if (readOnly) {
    for (const t of missing) await c.run(createTableStatement(t, { temp: true }));
    return missing;
  }
  const added = [...missing, ...columns.map((a) => `${a.table}.${a.column}`)];
  await c.run("BEGIN TRANSACTION");
  try {
    for (const t of missing) await c.run(createTableStatement(t));
    for (const a of columns) await c.run(addColumnStatement(a.table, a.column));
    await c.run("COMMIT");
  } catch (err) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw new StoreError(path, `could not add ${added.join(", ")} to this older store: ${(err as Error).message}; nothing was changed ---> HINT: check the file is writable, or open it read-only`, { cause: err });
  }
  return added;
}
