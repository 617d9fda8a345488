// The results store: one DuckDB file per analysis. Writes of one checkpoint are a single
// transaction that replaces that (run, step) and marks it complete, so re-runs are idempotent
// and an interrupted analysis resumes without partial checkpoints. Reads live in queries.ts.
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { StoreError } from "../util/errors.js";
import { stamp, stampLast } from "../util/timeline.js";
import { appendRows } from "./append.js";
import { attachPart, copyCheckpoints, detachPart } from "./import.js";
import {
  bufferColumns, checkpointColumns, eventColumns, onlineEventColumns, groupStatsColumns, histogramColumns, metricColumns,
  tensorStatsColumns, trajectoryColumns, transitionColumns,
} from "./codec.js";
import { addMissingTables, moveSketchHistograms } from "./migrate.js";
import { openDatabase, STORE_CHECKPOINT_THRESHOLD_BYTES } from "./open.js";
import { CheckpointStage, stageTables } from "./staging.js";
import { checkPruningRows, deleteReplacedPruning, pruningColumns, pruningRows } from "./pruning.js";
import * as q from "./queries.js";
import * as eq from "./event-queries.js";
import { forEachSeriesStatRow, type SeriesStatRecord } from "./series-queries.js";
import { PER_CHECKPOINT_TABLES, TABLE_NAMES, TABLE_ORDER, type TableName } from "./schema.js";
import type {
  BufferRecord, CheckpointInfo, HistogramData, CheckpointRecord, CheckpointResult, EventInput, EventRecord, OnlineEventInput, OnlineEventRecord, GroupKind, GroupStatsRecord,
  HistogramRecord, IntegrityReport, MetricInput, MetricRecord, PruningFilter, PruningInput, PruningRecord, RunInput, RunRecord, TensorStatsFilter, TensorStatsRecord,
  TrajectoryRecord, TransitionInput, TransitionRecord,
} from "./types.js";

/** File name of the store inside an output folder. */
export const STORE_FILE_NAME = "analysis.duckdb";

/** How a checkpoint write commits (Store.writeCheckpoints). */
export interface CheckpointWriteOptions {
  /**
   * Commit by moving the store's write-ahead log and this transaction's rows into the file (the
   * run's last write, with nothing written after it for a while): DuckDB then checkpoints inside
   * the commit and, for a commit of more than `auto_checkpoint_skip_wal_threshold` (100 kB), does
   * not write the transaction to the log first. A commit logs every LIST row of its 2,048-row
   * vectors not yet in the file (open.ts), so the last write of 160m logged ~9 MB only for a
   * CHECKPOINT to read it back into the file next; committed this way it is written once. The
   * commit is as atomic and durable as a logged one (it returns once the file holds the rows; a
   * crash before leaves the file and the log as they were). When DuckDB cannot checkpoint then
   * (another connection's transaction is open), the commit is logged as usual.
   */
  readonly intoFile?: boolean;
}

export interface StoreOpenOptions {
  /** Open without writing (several readers may share a file no writer holds). */
  readOnly?: boolean;
}

// DuckDB lets two instances in one process attach the same file, which corrupts it: refuse.
const openInThisProcess = new Set<string>();

export class Store {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The CHECKPOINT of checkpointWalBeside under way (or done); writes and close() wait for it. */
  private besideCheckpoint: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Open the store file at `path` (a .duckdb file), creating it unless `readOnly`. */
  static async open(path: string, options: StoreOpenOptions = {}): Promise<Store> {
    const full = resolve(path);
    if (openInThisProcess.has(full)) {
      throw new StoreError(full, "is already open in this process ---> HINT: reuse the open Store or close it first");
    }
    openInThisProcess.add(full);
    try {
      const { instance, connection, created } = await openDatabase(full, options.readOnly === true);
      try {
        // a store created now has every table and the sketches' histogram marker (schemaStatements)
        if (!created) {
          await addMissingTables(full, connection, options.readOnly === true);
          await moveSketchHistograms(full, connection, options.readOnly === true);
        }
      } catch (err) {
        connection.closeSync();
        instance.closeSync();
        throw err;
      }
      return new Store(full, options.readOnly === true, instance, connection);
    } catch (err) {
      openInThisProcess.delete(full);
      throw err;
    }
  }

  /**
   * Create `outDir` if needed (a StoreError saying why it cannot be), as openDir does first: a
   * caller that opens the store later still fails at once on a bad output folder.
   */
  static createDir(outDir: string): void {
    createOutputFolder(outDir);
  }

  /** Create `outDir` if needed and open `outDir/analysis.duckdb`. */
  static async openDir(outDir: string, options: StoreOpenOptions = {}): Promise<Store> {
    if (options.readOnly !== true) createOutputFolder(outDir);
    return Store.open(join(outDir, STORE_FILE_NAME), options);
  }

  /** Close the connection and release the file lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    await this.besideCheckpoint;
    this.closed = true;
    stampLast("store: close start");
    this.connection.closeSync();
    this.instance.closeSync();
    stampLast("store: close end");
    openInThisProcess.delete(this.path);
  }

  // ---- writes ----

  /** Register a run, or update its source and options (created_at is kept). */
  putRun(run: RunInput): Promise<void> {
    return this.write(async (c) => {
      await c.run(
        `INSERT INTO runs VALUES ($1, $2, now()::TIMESTAMP, $3)
         ON CONFLICT (run_id) DO UPDATE SET source = excluded.source, options_json = excluded.options_json`,
        [run.run_id, run.source, JSON.stringify(run.options ?? {})],
      );
    });
  }

  /** List checkpoints as known but not yet analyzed (complete = false); existing rows are kept. */
  registerCheckpoints(runId: string, checkpoints: readonly CheckpointInfo[]): Promise<void> {
    return this.transaction(async (c) => {
      await this.requireRun(c, runId);
      for (const cp of checkpoints) {
        await c.run(
          `INSERT INTO checkpoints VALUES ($1, $2, $3, $4, $5, $6, $7, false, NULL) ON CONFLICT (run_id, step) DO NOTHING`,
          [runId, cp.step, cp.label, cp.path, cp.format, cp.n_tensors, cp.total_bytes],
        );
      }
    });
  }

  /**
   * A stage for the per-tensor rows of checkpoint `step` of `runId`, filled while it is analyzed
   * and written by writeCheckpoint (result.stage); the rows are held encoded, or in TEMP tables
   * once many (staging.ts), never in the file before that write.
   */
  stageCheckpoint(runId: string, step: number): Promise<CheckpointStage> {
    return CheckpointStage.create((fn) => this.write(fn), runId, step);
  }

  /**
   * A stage of the store `opening` will give (stageCheckpoint), made before it is open: a
   * checkpoint is analyzed while the store opens, its rows held by the stage; a spill waits for
   * the store (and fails with its opening's error). Spills keep their order.
   */
  static stageCheckpointWhenOpen(opening: Promise<Store>, runId: string, step: number): Promise<CheckpointStage> {
    return CheckpointStage.create((fn) => opening.then((store) => store.write(fn)), runId, step);
  }

  /** Whether `outDir` holds no store yet (neither its file nor a write-ahead log): opening it creates an empty one. */
  static isAbsentDir(outDir: string): boolean {
    const path = join(outDir, STORE_FILE_NAME);
    return !existsSync(path) && !existsSync(`${path}.wal`);
  }

  /** The path of the store of `outDir` (Store.openDir's `path`). */
  static pathOfDir(outDir: string): string {
    return resolve(join(outDir, STORE_FILE_NAME));
  }

  /**
   * Write everything computed for one checkpoint in ONE transaction: delete the (run, step)
   * rows of every per-checkpoint table, insert the new rows (the staged ones first), mark the
   * checkpoint complete. A failed write discards the stage.
   */
  writeCheckpoint(runId: string, result: CheckpointResult, claim?: RunClaimWrite): Promise<void> {
    return this.writeCheckpoints(runId, [result], claim);
  }

  /**
   * Write several checkpoints in ONE transaction, in the order given, each as writeCheckpoint
   * writes it (the stored rows are those of one write per checkpoint in that order): either all
   * are complete afterwards or none. One commit instead of several: DuckDB logs a LIST column's
   * rows by whole 2,048-row vectors, so each commit re-logs every earlier histogram of its vector
   * not yet checkpointed (open.ts), and a writer that fell behind catches up with one commit
   * (pipeline/batch-writer.ts). A failed write discards every stage.
   */
  async writeCheckpoints(runId: string, results: readonly CheckpointResult[], claim?: RunClaimWrite, options: CheckpointWriteOptions = {}): Promise<void> {
    try {
      await this.transaction(async (c) => {
        if (claim !== undefined) await applyRunClaim(c, claim);
        await this.requireRun(c, runId);
        for (const result of results) await this.checkpointRows(c, runId, result);
        stampLast("store: checkpoint rows appended");
      }, { intoFile: options.intoFile === true });
      stampLast("store: checkpoint rows committed");
      for (const result of results) result.stage?.markCommitted();
    } finally {
      for (const result of results) await result.stage?.discard();
    }
  }

  /** Inside a write transaction: replaces the rows of one checkpoint and marks it complete. */
  private async checkpointRows(c: DuckDBConnection, runId: string, result: CheckpointResult): Promise<void> {
    const step = result.checkpoint.step;
    if (!Number.isSafeInteger(step)) throw new StoreError(this.path, `checkpoint step ${step} is not an integer`);
    // one round trip for the 7 deletes (literals: a run name is quoted as SQL quotes strings)
    const run = `'${runId.replaceAll("'", "''")}'`;
    await c.run([...PER_CHECKPOINT_TABLES, "checkpoints"].map((table) => `DELETE FROM ${table} WHERE run_id = ${run} AND step = ${step};`).join("\n"));
    await result.stage?.copyInto(c, runId, step);
    // Rows are encoded a chunk at a time inside appendRows: memory stays at one chunk's columns.
    await appendRows(c, "tensor_stats", result.tensors, (t) => tensorStatsColumns(runId, step, t));
    await appendRows(c, "histograms", withHistogram(result.tensors), (t) => ({ run_id: runId, step, tensor: t.tensor, ...histogramColumns(t.histogram) }));
    const groups = result.groups ?? [];
    await appendRows(c, "group_stats", groups, (g) => groupStatsColumns(runId, step, g));
    await appendRows(c, "group_histograms", withHistogram(groups), (g) => ({ run_id: runId, step, group_kind: g.group_kind, group_name: g.group_name, ...histogramColumns(g.histogram) }));
    await appendRows(c, "buffers", result.buffers ?? [], (b) => bufferColumns(runId, step, b));
    await appendRows(c, "trajectories", result.trajectories ?? [], (t) => trajectoryColumns(runId, step, t.tensor, t.values));
    await appendRows(c, "checkpoints", [checkpointColumns(runId, result.checkpoint, true, new Date())]);
  }

  /** Bytes of the store's write-ahead log: committed writes not yet in the file (0 when none). */
  walBytes(): number {
    try {
      return statSync(`${this.path}.wal`).size;
    } catch {
      return 0;
    }
  }

  /**
   * Moves the write-ahead log into the store file now (CHECKPOINT), after every earlier operation.
   * DuckDB does it on its own inside the commit that takes the log past STORE_CHECKPOINT_THRESHOLD
   * (open.ts); a writer that knows more writes follow does it between them instead, so that the
   * last write (on the critical path) does not pay for it.
   */
  checkpointWal(): Promise<void> {
    return this.write(async (c) => {
      await c.run("CHECKPOINT");
    });
  }

  /**
   * Starts moving the write-ahead log into the store file on a second connection once every
   * earlier operation is done, and returns at once: reads go on meanwhile (DuckDB runs a
   * CHECKPOINT beside other connections' read transactions), later writes wait for it, and
   * close() then has little left to move. Nothing to do without a log. A failed checkpoint is
   * left to close() (the log still holds every commit).
   */
  checkpointWalBeside(): void {
    if (this.readOnly || this.closed) return;
    const earlier = this.queue, previous = this.besideCheckpoint;
    this.besideCheckpoint = (async () => {
      await previous;
      await earlier;
      if (this.walBytes() === 0) return;
      let side: DuckDBConnection | undefined;
      try {
        stamp("store: log checkpoint beside start");
        side = await this.instance.connect();
        await side.run("CHECKPOINT");
        stamp("store: log checkpoint beside end");
      } catch {
        // close() checkpoints what is left
      } finally {
        side?.closeSync();
      }
    })();
  }

  /**
   * Copy the complete checkpoints `steps` of run `runId` from the store file `partPath` (closed
   * elsewhere) in ONE transaction, row for row; the run must be registered here.
   */
  importCheckpoints(partPath: string, runId: string, steps: readonly number[]): Promise<void> {
    return this.write(async (c) => {
      await attachPart(c, resolve(partPath));
      try {
        await c.run("BEGIN TRANSACTION");
        try {
          await this.requireRun(c, runId);
          await copyCheckpoints(c, runId, steps);
        } catch (err) {
          await c.run("ROLLBACK").catch(() => undefined);
          throw err;
        }
        await c.run("COMMIT");
      } finally {
        await detachPart(c);
      }
    });
  }

  /** Replace the events of a run (only those of `kind` when given). */
  replaceEvents(runId: string, events: readonly EventInput[], options: { kind?: string } = {}): Promise<void> {
    return this.transaction(async (c) => {
      await this.requireRun(c, runId);
      if (options.kind === undefined) await c.run("DELETE FROM events WHERE run_id = $1", [runId]);
      else await c.run("DELETE FROM events WHERE run_id = $1 AND kind = $2", [runId, options.kind]);
      await appendRows(c, "events", events.map((e) => eventColumns(runId, e)));
      // online events derive from the statistics and the stored events: stale once these change
      await c.run("DELETE FROM online_events WHERE run_id = $1", [runId]);
    });
  }

  /** Replace the online (causal) events of a run. */
  replaceOnlineEvents(runId: string, events: readonly OnlineEventInput[]): Promise<void> {
    return this.transaction(async (c) => {
      await this.requireRun(c, runId);
      await c.run("DELETE FROM online_events WHERE run_id = $1", [runId]);
      await appendRows(c, "online_events", events.map((e) => onlineEventColumns(runId, e)));
    });
  }

  /** Replace the metrics of a run that come from `source` (e.g. "trainer_state", "eval"). */
  putMetrics(runId: string, source: string, metrics: readonly MetricInput[]): Promise<void> {
    return this.transaction(async (c) => {
      await this.requireRun(c, runId);
      await c.run("DELETE FROM metrics WHERE run_id = $1 AND source = $2", [runId, source]);
      await appendRows(c, "metrics", metrics.map((m) => metricColumns(runId, source, m)));
    });
  }

  /** Replace the run's stored transition (null: delete it, e.g. no transition metric any more). */
  putTransition(runId: string, transition: TransitionInput | null): Promise<void> {
    return this.transaction(async (c) => {
      await this.requireRun(c, runId);
      await c.run("DELETE FROM transitions WHERE run_id = $1", [runId]);
      if (transition !== null) await appendRows(c, "transitions", [transitionColumns(runId, transition)]);
    });
  }

  /**
   * Store evaluated pruning results of a run in ONE transaction; a row replaces the stored one
   * with the same (step, method, scope, sparsity, seed). The run must be registered.
   */
  putPruning(runId: string, rows: readonly PruningInput[]): Promise<void> {
    return this.transaction(async (c) => {
      checkPruningRows(this.path, runId, rows);
      await this.requireRun(c, runId);
      await deleteReplacedPruning(c, runId, rows);
      await appendRows(c, "pruning", rows.map((r) => pruningColumns(runId, r)));
    });
  }

  /** Delete a run and everything stored for it. */
  deleteRun(runId: string): Promise<void> {
    return this.transaction(async (c) => deleteRunRows(c, runId));
  }

  // ---- reads ----

  isCheckpointComplete(runId: string, step: number): Promise<boolean> {
    return this.read((c) => q.isCheckpointComplete(c, runId, step));
  }
  listRuns(): Promise<RunRecord[]> {
    return this.read((c) => q.listRuns(c));
  }
  listCheckpoints(runId: string, options: { completeOnly?: boolean } = {}): Promise<CheckpointRecord[]> {
    return this.read((c) => q.listCheckpoints(c, runId, options.completeOnly === true));
  }
  tensorStats(filter: TensorStatsFilter = {}): Promise<TensorStatsRecord[]> {
    return this.read((c) => q.tensorStats(c, filter));
  }
  /** tensorStats streamed chunk by chunk, in no particular order (many rows in bounded memory). */
  forEachTensorStats(filter: TensorStatsFilter, onRows: (rows: TensorStatsRecord[]) => void): Promise<void> {
    return this.read((c) => q.forEachTensorStats(c, filter, onRows));
  }
  histogram(runId: string, step: number, tensor: string): Promise<HistogramRecord | null> {
    return this.read((c) => q.histogram(c, runId, step, tensor));
  }
  /** All histograms of a run (optionally one tensor, one step, or a range of tensor names) in one query: [{step, name: tensor, keys, counts}]. */
  histograms(filter: { run: string; tensor?: string; step?: number; range?: q.TensorRange }): Promise<q.StepHistogramRecord[]> {
    return this.read((c) => q.histogramsOfRun(c, filter.run, filter.tensor, filter.step, filter.range));
  }
  /** Histograms streamed record by record, unordered (storage order: checkpoint by checkpoint); nothing is kept after `onRecord`. */
  forEachHistogram(filter: q.HistogramFilter, onRecord: (record: q.StepHistogramRecord) => void): Promise<void> {
    return this.read((c) => q.forEachHistogram(c, filter, onRecord));
  }
  /** Group histograms streamed record by record, unordered; `name` is "<group_kind>:<group_name>". */
  forEachGroupHistogram(filter: { run: string; step?: number; group?: { kind: GroupKind; name: string }; transient?: boolean }, onRecord: (record: q.StepHistogramRecord) => void): Promise<void> {
    return this.read((c) => q.forEachGroupHistogram(c, filter, onRecord));
  }
  /** Per stored histogram of a run (or group histogram), the counts mode snapshots reuse, summed in DuckDB (no bucket is read into JS). */
  forEachHistogramMasses(filter: { run: string; groups: boolean; maxFiniteKey: number; range?: q.TensorRange | undefined }, onRecord: (record: q.HistogramMassRecord) => void): Promise<void> {
    return this.read((c) => q.forEachHistogramMasses(c, filter, onRecord));
  }
  /** All group histograms of a run (optionally one step, one group) in one query: [{step, name: "<group_kind>:<group_name>", keys, counts}]. */
  groupHistograms(filter: { run: string; step?: number; group?: { kind: GroupKind; name: string } }): Promise<q.StepHistogramRecord[]> {
    return this.read((c) => q.groupHistogramsOfRun(c, filter.run, filter.step, filter.group));
  }
  /** groupStats streamed chunk by chunk, in no particular order. */
  forEachGroupStats(filter: { run?: string; step?: number }, onRows: (rows: GroupStatsRecord[]) => void): Promise<void> {
    return this.read((c) => q.forEachGroupStats(c, filter, onRows));
  }

  /** A run's tensor (or group) statistics as the report draws them, streamed (series-queries.ts). */
  forEachSeriesStatRow(filter: { run: string; groups: boolean }, onRows: (rows: SeriesStatRecord[]) => void): Promise<void> {
    return this.read((c) => forEachSeriesStatRow(c, filter, onRows));
  }
  groupStats(filter: { run?: string; step?: number; groupKind?: GroupKind; groupName?: string } = {}): Promise<GroupStatsRecord[]> {
    return this.read((c) => q.groupStats(c, filter));
  }
  groupHistogram(runId: string, step: number, groupKind: GroupKind, groupName: string): Promise<HistogramRecord | null> {
    return this.read((c) => q.groupHistogram(c, runId, step, groupKind, groupName));
  }
  buffers(filter: { run?: string; step?: number; tensor?: string } = {}): Promise<BufferRecord[]> {
    return this.read((c) => q.buffers(c, filter));
  }
  /** `range`: only tensors whose names fall in it (batched loading of many tensors in few queries). */
  /** The (step, name) pairs of a run's tensor or group statistics (groups: "<group_kind>:<group_name>"), unordered; no statistics read. */
  statNames(runId: string, groups: boolean): Promise<Array<{ step: number; name: string }>> {
    return this.read((c) => q.statNames(c, runId, groups));
  }
  /** The run's kept tensors (store order) with their largest element count; no values read. */
  trajectoryShapes(runId: string): Promise<q.TrajectoryShapeRecord[]> {
    return this.read((c) => q.trajectoryShapes(c, runId));
  }
  /** Buckets of a run's histograms (tensors, or groups; tensors optionally in a range of names); no bucket read. */
  histogramBuckets(filter: { run: string; groups: boolean; range?: q.TensorRange | undefined }): Promise<number> {
    return this.read((c) => q.histogramBuckets(c, filter));
  }
  /** Every tensor of a run with its statistic rows and trajectory bytes, in name order; no statistics read (event detection's batches). */
  forEachTensorExtent(runId: string, onRecord: (record: eq.TensorExtentRecord) => void): Promise<void> {
    return this.read((c) => eq.forEachTensorExtent(c, runId, onRecord));
  }
  /** Statistics rows with only what event detection reads, streamed, unordered (tensors optionally in a range of names). */
  forEachEventStatRow(filter: { run: string; groups: boolean; range?: q.TensorRange | undefined }, onRows: (rows: eq.EventStatRecord[]) => void): Promise<void> {
    return this.read((c) => eq.forEachEventStatRow(c, filter, onRows));
  }
  /** The rows of a run at one step as the optimizer-artefact rule reads them, streamed. */
  forEachInitialState(filter: { run: string; step: number; groups: boolean }, onRecord: (record: eq.InitialStateRecord) => void): Promise<void> {
    return this.read((c) => eq.forEachInitialState(c, filter, onRecord));
  }
  /** A run's trajectories streamed, unordered; each record's bytes are valid during `onRecord` only. */
  forEachTrajectory(filter: { run: string; range?: q.TensorRange | undefined }, onRecord: (record: q.StreamedTrajectory) => void): Promise<void> {
    return this.read((c) => q.forEachTrajectory(c, filter, onRecord));
  }
  trajectories(filter: { run?: string; tensor?: string; step?: number; range?: q.TensorRange } = {}): Promise<TrajectoryRecord[]> {
    return this.read((c) => q.trajectories(c, filter));
  }
  events(filter: { run?: string; kind?: string; tensor?: string } = {}): Promise<EventRecord[]> {
    return this.read((c) => q.events(c, filter));
  }
  metrics(filter: { run?: string; source?: string; name?: string } = {}): Promise<MetricRecord[]> {
    return this.read((c) => q.metrics(c, filter));
  }
  /** Stored transitions (at most one per run), ordered by run_id. */
  /** Online events, sorted by run, then the step at which each became known. */
  onlineEvents(filter: { run?: string } = {}): Promise<OnlineEventRecord[]> {
    return this.read((c) => q.onlineEvents(c, filter));
  }

  transitions(filter: { run?: string } = {}): Promise<TransitionRecord[]> {
    return this.read((c) => q.transitions(c, filter));
  }
  /** Pruning results ordered by run_id, step, method, scope, sparsity, seed. */
  pruning(filter: PruningFilter = {}): Promise<PruningRecord[]> {
    return this.read((c) => pruningRows(c, filter));
  }
  /** Consistency of what is stored: no duplicates, complete checkpoints whole, no orphan rows. */
  checkIntegrity(): Promise<IntegrityReport> {
    return this.read((c) => q.checkIntegrity(c));
  }
  /** All rows of a table in a fixed order (timestamps excluded), for comparisons and debugging. */
  dumpTable(table: TableName): Promise<Record<string, unknown>[]> {
    return this.read((c) => q.dumpTable(c, table));
  }

  /** TEMP tables of checkpoints staged (stageCheckpoint) and neither written nor discarded yet. */
  stagedTables(): Promise<string[]> {
    return this.read((c) => stageTables(c));
  }

  /** Write one Parquet file per table into `outDir`; returns their paths. */
  exportParquet(outDir: string): Promise<string[]> {
    return this.read(async (c) => {
      mkdirSync(outDir, { recursive: true });
      const paths: string[] = [];
      for (const table of TABLE_NAMES) {
        const file = resolve(outDir, `${table}.parquet`);
        const literal = `'${file.replaceAll("'", "''")}'`;
        await c.run(`COPY (SELECT * FROM ${table} ORDER BY ${TABLE_ORDER[table]}) TO ${literal} (FORMAT PARQUET)`);
        paths.push(file);
      }
      return paths;
    });
  }

  // ---- plumbing ----

  /** Run `fn` after every earlier operation on this store (one connection, one transaction at a time). */
  private serialize<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError(this.path, "is closed"));
    const next = this.queue.then(() => fn(this.connection));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private read<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.serialize(fn);
  }

  private write<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.readOnly) return Promise.reject(new StoreError(this.path, "was opened read-only; cannot write"));
    const checkpoint = this.besideCheckpoint; // one started before this write (it waits for the writes before it)
    return this.serialize(async (c) => {
      await checkpoint;
      try {
        return await fn(c);
      } catch (err) {
        if (err instanceof StoreError) throw err;
        throw new StoreError(this.path, `write failed: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  private transaction<T>(fn: (c: DuckDBConnection) => Promise<T>, options: CheckpointWriteOptions = {}): Promise<T> {
    return this.write(async (c) => {
      await c.run("BEGIN TRANSACTION");
      let result: T;
      try {
        result = await fn(c);
      } catch (err) {
        await c.run("ROLLBACK").catch(() => undefined);
        throw err;
      }
      if (options.intoFile === true) await commitIntoFile(c);
      else await c.run("COMMIT");
      return result;
    });
  }

  private async requireRun(c: DuckDBConnection, runId: string): Promise<void> {
    const reader = await c.runAndReadAll("SELECT count(*) AS n FROM runs WHERE run_id = $1", [runId]);
    if (Number(reader.getRowObjectsJS()[0]!.n) === 0) {
      throw new StoreError(this.path, `run "${runId}" is not registered ---> HINT: call putRun({ run_id: "${runId}", source }) first`);
    }
  }
}

/**
 * COMMIT with the checkpoint threshold at 0 for the commit (CheckpointWriteOptions.intoFile): the
 * commit checkpoints the file. The threshold is the instance's (global): back to the store's
 * after the commit, whether it succeeded or not (writes are serialized: no other commit sees it).
 */
async function commitIntoFile(c: DuckDBConnection): Promise<void> {
  await c.run("SET checkpoint_threshold = '0B'");
  try {
    await c.run("COMMIT");
  } finally {
    await c.run(`SET checkpoint_threshold = '${STORE_CHECKPOINT_THRESHOLD_BYTES / 1024 / 1024}MiB'`);
  }
}

/** mkdir -p with the environment's failures (a file in the way, no permission, read-only disk) as one-line StoreErrors. */
function createOutputFolder(outDir: string): void {
  const full = resolve(outDir);
  try {
    // Level by level: Node's recursive mkdir can spin forever under /proc.
    const missing: string[] = [];
    let at = full;
    while (!existsSync(at)) {
      missing.push(at);
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
    }
    if (!statSync(at).isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: "ENOTDIR" });
    for (const dir of missing.reverse()) mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way (the output location must be a folder)"
      : code === "EACCES" || code === "EPERM" ? "permission denied"
      : code === "EROFS" ? "the file system is read-only"
      : code === "ENOENT" ? "its parent cannot be created"
      : `${code ?? "error"}: ${(err as Error).message}`;
    throw new StoreError(full, `cannot create the output folder: ${why} ---> HINT: choose another --out`, { cause: err });
  }
}

/** Registering a run in the same transaction as its first checkpoint (see identity.ts). */
export interface RunClaimWrite {
  readonly run: RunInput;
  /** Delete every row of the run first (--reanalyze). */
  readonly replace: boolean;
}

async function deleteRunRows(c: DuckDBConnection, runId: string): Promise<void> {
  for (const table of TABLE_NAMES) await c.run(`DELETE FROM ${table} WHERE run_id = $1`, [runId]);
}

async function applyRunClaim(c: DuckDBConnection, claim: RunClaimWrite): Promise<void> {
  if (claim.replace) await deleteRunRows(c, claim.run.run_id);
  await c.run(
    `INSERT INTO runs VALUES ($1, $2, now()::TIMESTAMP, $3)
     ON CONFLICT (run_id) DO UPDATE SET source = excluded.source, options_json = excluded.options_json`,
    [claim.run.run_id, claim.run.source, JSON.stringify(claim.run.options ?? {})],
  );
}

function withHistogram<T extends { histogram?: HistogramData }>(items: readonly T[]): Array<T & { histogram: HistogramData }> {
  return items.filter((item): item is T & { histogram: HistogramData } => item.histogram !== undefined);
}
