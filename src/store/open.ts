// Opening a DuckDB file as a results store: lock and format errors become StoreErrors, the
// schema is created in a new file and its version checked in an existing one.
// Existing files are never overwritten or deleted.
import { duckdb, type DuckDBConnection, type DuckDBInstance } from "./duckdb.js";
import { existsSync } from "node:fs";
import { StoreError } from "../util/errors.js";
import { stamp } from "../util/timeline.js";
import { STORE_APPLICATION, STORE_SCHEMA_VERSION, schemaStatements } from "./schema.js";

/**
 * DuckDB's buffer pool cap for a store. DuckDB's default is 80% of the machine's memory, and it
 * keeps every block a scan touched until the pool is full: a report or `events` over a 213 MB
 * store of 154 checkpoints held 170 MB of cached blocks beside everything else. Reads stream one
 * checkpoint (or one chunk) at a time, so the pool only needs the blocks in use; a cap of a few
 * times the largest scan keeps RSS bounded whatever the store's size (the OS page cache still
 * holds the file). Queries that outgrow it spill to DuckDB's temporary directory.
 */
export const STORE_MEMORY_LIMIT = "128MB";
/**
 * DuckDB worker threads: one, the thread that runs each query (a libuv thread per connection's
 * query: the CHECKPOINT of the log beside the event reads still runs beside them). With two,
 * DuckDB's background thread ran a query's task while the calling thread spun waiting for it
 * (PendingQueryResult / Executor::ExecuteTask, mutex lock and unlock in a loop: 786 of 3,100
 * DuckDB samples of a 160m analyze, ~0.4 CPU s on a 2-core machine whose workers wanted it), and a
 * store's tables are one or two row groups (122,880 rows), so a scan has one task: nothing ran in
 * parallel. 160m analyze, perf -F 2000 (load ~23): DuckDB's threads 1,854 -> 1,234 samples. The
 * many-tensor analyze (20,000 one-element tensors x 3, CLI, load ~25) peaked at 403 and 410 MB
 * against 411 and 386 with two (13.8, 15.3 CPU s vs 13.7, 16.3); with two, an earlier version of
 * it had peaked ~30 MB lower than with one, which is why two was chosen then. `events` over the
 * 154-checkpoint store used ~7% less CPU with one (11.6 vs 12.5 user s, 728 -> 714 MB).
 */
export const STORE_THREADS = 1;
/**
 * Write-ahead-log size past which DuckDB moves the log into the store file inside the commit that
 * passed it (stated so that a writer can checkpoint ahead of it between writes:
 * pipeline/batch-writer.ts). 256 MiB, not DuckDB's default 16, because a CHECKPOINT here costs
 * far more than the log it saves:
 * - a store's tables are each one row group until 122,880 rows, and a CHECKPOINT recompresses
 *   (FSST and bitpacking analysis, distinct-count sketches, checksums) every row group appended
 *   to since the last one, i.e. each whole table every time, and leaves the old blocks free in
 *   the file;
 * - the log itself grows faster than the rows: DuckDB 1.5 logs a LIST column's appended rows by
 *   whole 2,048-row vectors, so each commit re-logs the histograms of every earlier row of its
 *   vector not yet checkpointed (the demo's writes log 1.2, 2.2, 3.1, ... MB: ~92 MB for 13
 *   checkpoints of ~1.2 MB each; 20,000-row checkpoints log ~20 MB each, no re-logging).
 * At 16 MiB the demo's log was moved into the file 3 times before the close's own checkpoint,
 * 160m's once, 20,000 one-element tensors x 3 after every write; at 256 MiB none of them
 * checkpoints before the close. Measured (session 10, alternating with 16 MiB, perf samples of
 * 0.5 ms): DuckDB's threads demo 1711 -> 1381, 160m 889 -> 673; store file demo 20.3 -> 13.0 MB,
 * 160m 15.3 -> 9.1 MB; CPU s of the whole 160m analysis 4.28 -> 3.95 (5 pairs, load ~25); the
 * demo's last write logs ~13 MB instead of ~3 (~+10 ms of CPU on the critical path). A long
 * run (154 checkpoints) still checkpoints every 256 MiB of log, so a crashed run's log replay
 * stays bounded; the committed rows not yet checkpointed are held in DuckDB's buffer pool
 * (STORE_MEMORY_LIMIT, spilled beyond). An analysis's last write commits into the file instead
 * (store.ts CheckpointWriteOptions.intoFile): its rows are not logged only to be read back.
 */
export const STORE_CHECKPOINT_THRESHOLD_BYTES = 256 * 1024 * 1024;

/**
 * Compression methods DuckDB does not try when it writes a store's row groups (its
 * `disabled_compression_methods`): FSST. A CHECKPOINT analyzes every compression method for every
 * column segment it rewrites, and FSST's analysis (building a symbol table over each string
 * segment) was the largest share of it, while FSST was chosen for 3 columns only (tensor_stats'
 * quantiles_json, frac_abs_le_rel_std_json, sketch_json; the long JSON columns stay Uncompressed,
 * names and kinds take Dictionary). A run's last commit checkpoints the whole store into the file
 * on the critical path (store.ts CheckpointWriteOptions.intoFile). Measured (session 16, DuckDB
 * 1.5.6, one thread, the tables of a 410m store copied into a new file, then CHECKPOINT; 6
 * alternating pairs, load ~5): 91-122 CPU ms (mean 107) -> 64-82 (mean 73); file 16.8-17.1 ->
 * 17.3 MB. Stored values are the same (only their encoding in the file differs); stores written
 * with FSST read as before. Set on a writable store's instance once it is open (a global setting:
 * every connection's commits and checkpoints; DuckDB 1.5 ignores it among the instance's
 * start-up options).
 */
export const STORE_DISABLED_COMPRESSION = "fsst";

export interface OpenedDatabase {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** The file was created here with the current schema (nothing to migrate). */
  created: boolean;
}

/** Open (or create, unless read-only) the DuckDB file at `path` and check or create the schema. */
export async function openDatabase(path: string, readOnly: boolean): Promise<OpenedDatabase> {
  if (readOnly && !existsSync(path)) {
    throw new StoreError(path, "does not exist ---> HINT: run `forking-paths analyze` first, or check the path");
  }
  // No file and no write-ahead log: DuckDB creates the file (and takes its lock), so the schema is
  // created without first listing the tables of an empty catalog (a query, ~15 ms on DuckDB's threads).
  const absent = !readOnly && !existsSync(path) && !existsSync(`${path}.wal`);
  let instance: DuckDBInstance;
  try {
    const settings = { memory_limit: STORE_MEMORY_LIMIT, threads: String(STORE_THREADS), checkpoint_threshold: `${STORE_CHECKPOINT_THRESHOLD_BYTES / 1024 / 1024}MiB` };
    instance = await duckdb().DuckDBInstance.create(path, readOnly ? { ...settings, access_mode: "READ_ONLY" } : settings);
  } catch (err) {
    throw translateOpenError(path, err, readOnly);
  }
  stamp("store: instance created");
  const connection = await instance.connect();
  let created: boolean;
  try {
    if (!readOnly) await connection.run(`SET disabled_compression_methods = '${STORE_DISABLED_COMPRESSION}'`);
    created = absent ? (await createSchema(path, connection), true) : await ensureSchema(path, connection, readOnly);
    stamp("store: schema ready");
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    throw err;
  }
  return { instance, connection, created };
}

function translateOpenError(path: string, err: unknown, readOnly: boolean): StoreError {
  const message = err instanceof Error ? err.message : String(err);
  if (/Could not set lock|Conflicting lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    const hint = readOnly
      ? "it is being written (an analyze is running); DuckDB lets no reader in meanwhile ---> HINT: read it when that command finishes, or run `forking-paths serve <run-dir>` to analyze and serve live from one process"
      : "DuckDB allows one writer at a time ---> HINT: wait for that analysis to finish or stop it, then retry";
    return new StoreError(path, `is locked by another process${pid ? ` (PID ${pid})` : ""}; ${hint}`, { cause: err });
  }
  if (/not a valid DuckDB database|invalid|corrupt|magic/i.test(message)) {
    return new StoreError(
      path,
      `exists but is not a readable DuckDB database (${message}); it was left untouched ---> HINT: choose another output path, or move the file away`,
      { cause: err },
    );
  }
  return new StoreError(path, `could not be opened: ${message}`, { cause: err });
}

async function tableNames(connection: DuckDBConnection): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()",
  );
  return reader.getRowObjectsJS().map((r) => String(r.table_name));
}

/**
 * Creates the schema in one transaction and one round trip (CREATE TABLE, not IF NOT EXISTS: in a
 * file another process filled meanwhile it fails and changes nothing).
 */
async function createSchema(path: string, connection: DuckDBConnection): Promise<void> {
  try {
    await connection.run(["BEGIN TRANSACTION", ...schemaStatements(), "COMMIT"].join(";\n"));
  } catch (err) {
    await connection.run("ROLLBACK").catch(() => undefined);
    throw new StoreError(path, `could not create the store schema: ${(err as Error).message}`, { cause: err });
  }
}

/** Checks the schema of an existing store, or creates it in an empty database; true when created. */
async function ensureSchema(path: string, connection: DuckDBConnection, readOnly: boolean): Promise<boolean> {
  const tables = await tableNames(connection);
  if (tables.length === 0) {
    if (readOnly) throw new StoreError(path, "is an empty DuckDB database, not a forking-paths store");
    await createSchema(path, connection);
    return true;
  }
  if (!tables.includes("meta")) {
    throw new StoreError(path, `is a DuckDB database but not a forking-paths store (tables: ${tables.slice(0, 8).join(", ")}); it was left untouched ---> HINT: choose another output path`);
  }
  const rows = (await connection.runAndReadAll("SELECT key, value FROM meta")).getRowObjectsJS();
  const meta = new Map(rows.map((r) => [String(r.key), String(r.value)]));
  if (meta.get("application") !== STORE_APPLICATION) {
    throw new StoreError(path, "is a DuckDB database but not a forking-paths store (no application marker) ---> HINT: choose another output path");
  }
  const version = Number(meta.get("schema_version"));
  if (version !== STORE_SCHEMA_VERSION) {
    throw new StoreError(
      path,
      `has store schema version ${meta.get("schema_version")}, this forking-paths reads version ${STORE_SCHEMA_VERSION} ---> HINT: analyze into a new output folder, or use the forking-paths version that wrote this store`,
    );
  }
  return false;
}
