// Additive migration on open: tables added after a store was written (schema.ts ADDED_TABLES)
// are created, in one transaction, without touching any stored row. A read-only store gets an
// empty session-only TEMP stand-in instead, so reads and exports see every table.
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { ADDED_TABLES, createTableStatement, type TableName } from "./schema.js";

/** Tables of ADDED_TABLES missing from the store's main schema. */
export async function missingAddedTables(c: DuckDBConnection): Promise<TableName[]> {
  const reader = await c.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()",
  );
  const present = new Set(reader.getRowObjectsJS().map((r) => String(r.table_name)));
  return ADDED_TABLES.filter((t) => !present.has(t));
}

/** Create the missing added tables (TEMP ones when read-only); returns their names. */
export async function addMissingTables(path: string, c: DuckDBConnection, readOnly: boolean): Promise<TableName[]> {
  const missing = await missingAddedTables(c);
  if (missing.length === 0) return missing;
  if (readOnly) {
    for (const t of missing) await c.run(createTableStatement(t, { temp: true }));
    return missing;
  }
  await c.run("BEGIN TRANSACTION");
  try {
    for (const t of missing) await c.run(createTableStatement(t));
    await c.run("COMMIT");
  } catch (err) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw new StoreError(path, `could not add the table(s) ${missing.join(", ")} to this older store: ${(err as Error).message}; nothing was changed ---> HINT: check the file is writable, or open it read-only`, { cause: err });
  }
  return missing;
}
