// Copies complete checkpoints from another store file (a part written by a shard or a queue job)
// into this one, row for row: the values are DuckDB's own, so the copy is exact. Used by the
// cluster merge; the part file is attached read-only and detached afterwards.
import type { DuckDBConnection } from "@duckdb/node-api";
import { PER_CHECKPOINT_TABLES, TABLES, type TableName } from "./schema.js";

/** Alias under which the part file is attached while its rows are copied. */
const PART_ALIAS = "fp_part";

function columnList(table: TableName): string {
  return TABLES[table].map((c) => `"${c.name}"`).join(", ");
}

/** Attach `partPath` read-only; the caller must call `detachPart` (also on failure). */
export async function attachPart(c: DuckDBConnection, partPath: string): Promise<void> {
  await c.run(`ATTACH '${partPath.replaceAll("'", "''")}' AS ${PART_ALIAS} (READ_ONLY)`);
}

export async function detachPart(c: DuckDBConnection): Promise<void> {
  await c.run(`DETACH ${PART_ALIAS}`);
}

/**
 * Inside the caller's transaction: replace each (runId, step) of `steps` by the part's rows of
 * every per-checkpoint table and its checkpoints row (which must be complete in the part).
 */
export async function copyCheckpoints(c: DuckDBConnection, runId: string, steps: readonly number[]): Promise<void> {
  for (const step of steps) {
    for (const table of [...PER_CHECKPOINT_TABLES, "checkpoints"] as const) {
      const cols = columnList(table);
      await c.run(`DELETE FROM main.${table} WHERE run_id = $1 AND step = $2`, [runId, step]);
      const complete = table === "checkpoints" ? " AND complete" : "";
      await c.run(`INSERT INTO main.${table} (${cols}) SELECT ${cols} FROM ${PART_ALIAS}.${table} WHERE run_id = $1 AND step = $2${complete}`, [runId, step]);
    }
  }
}
