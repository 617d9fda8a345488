// Additive migration on open: tables and nullable columns added after a store was written
// (schema.ts ADDED_TABLES, ADDED_COLUMNS) are created, in one transaction, without touching any
// stored value (an added column is NULL in every existing row). A read-only store gets an empty
// session-only TEMP stand-in for a missing table; a missing column is read as NULL (queries.ts).
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { SKETCH_HISTOGRAM_ELSEWHERE, SKETCH_HISTOGRAM_KEY } from "./codec.js";
import { ADDED_COLUMNS, ADDED_TABLES, META_SKETCH_HISTOGRAMS, SKETCH_HISTOGRAMS_SEPARATE, TABLES, createTableStatement, type TableName } from "./schema.js";

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

// `,"histKeys":[...],"histCounts":[...]` as encodeJson wrote a whole TensorSketch (the two last keys).
const SKETCH_HISTOGRAM_PATTERN = String.raw`,"histKeys":\[([^\]]*)\],"histCounts":\[([^\]]*)\]`;

/**
 * Stores written before sketches dropped their histogram hold it twice (sketch_json and the
 * histograms table). In one transaction, each sketch whose histogram equals its row's histograms
 * entry gets the marker instead (codec.ts sketchToStore, text surgery: every other byte is kept),
 * and the meta key records it. Returns the rows rewritten; read-only stores are read as they are.
 * DuckDB reuses the freed space for later writes; the file itself does not shrink.
 */
export async function moveSketchHistograms(path: string, c: DuckDBConnection, readOnly: boolean): Promise<number> {
  if (readOnly) return 0;
  const meta = await c.runAndReadAll("SELECT value FROM meta WHERE key = $1", [META_SKETCH_HISTOGRAMS]);
  if (meta.getRowObjectsJS().length > 0) return 0;
  await c.run("BEGIN TRANSACTION");
  try {
    const updated = await c.run(
      `UPDATE tensor_stats SET sketch_json = regexp_replace(tensor_stats.sketch_json, $1, $2)
       FROM histograms h
       WHERE h.run_id = tensor_stats.run_id AND h.step = tensor_stats.step AND h.tensor = tensor_stats.tensor
         AND tensor_stats.sketch_json LIKE '%,"histKeys":[%'
         AND regexp_extract(tensor_stats.sketch_json, $1, 1) = array_to_string(h.keys, ',')
         AND regexp_extract(tensor_stats.sketch_json, $1, 2) = array_to_string(h.counts, ',')`,
      [SKETCH_HISTOGRAM_PATTERN, `,"${SKETCH_HISTOGRAM_KEY}":"${SKETCH_HISTOGRAM_ELSEWHERE}"`],
    );
    await c.run("INSERT INTO meta VALUES ($1, $2)", [META_SKETCH_HISTOGRAMS, SKETCH_HISTOGRAMS_SEPARATE]);
    await c.run("COMMIT");
    return Number(updated.rowsChanged);
  } catch (err) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw new StoreError(path, `could not move the sketches' histograms out of tensor_stats in this older store: ${(err as Error).message}; nothing was changed ---> HINT: check the file is writable, or open it read-only`, { cause: err });
  }
}
