// Per-tensor rows of one checkpoint staged while it is analyzed (issue 13 item 6): the rows of
// tensor_stats, histograms and trajectories are held here as they come, and once they outgrow
// STAGE_MEMORY_ROWS / STAGE_MEMORY_BYTES they are appended, a chunk at a time, into TEMP tables of
// the store's connection (native memory, never in the store file), so an analysis holds a bounded
// amount of per-tensor rows in JS whatever the tensor count. The checkpoint's write, inside its
// one transaction, appends the rows held here straight into the store's tables (one copy: the
// usual checkpoint of a few hundred tensors never touches a TEMP table), or, once spilled, copies
// the TEMP tables (INSERT ... SELECT) and drops them; a checkpoint that fails drops them unread,
// so nothing stored changes. Not for direct use: Store.stageCheckpoint makes one,
// Store.writeCheckpoint commits it.
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { appendRows, type AppendTarget } from "./append.js";
import { encodedTensorStatsColumns, histogramColumns, tensorStatsColumns, trajectoryColumns, type ColumnRecord, type EncodedTensorRow } from "./codec.js";
import type { TensorStatsInput, TrajectoryInput } from "./types.js";

/** Tables whose rows are staged (one row per tensor); the others are few and written from the batch. */
const STAGED_TABLES = ["tensor_stats", "histograms", "trajectories"] as const;
type StagedTable = (typeof STAGED_TABLES)[number];

/** Names of the stage tables on a connection (TEMP tables live as long as it, or until dropped). */
export async function stageTables(c: DuckDBConnection): Promise<string[]> {
  const reader = await c.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'stage\\_%' ESCAPE '\\' ORDER BY table_name");
  return reader.getRowObjectsJS().map((r) => String(r.table_name));
}

/** Serialized access to the store's connection (Store's write queue). */
export type StageConnection = <T>(fn: (c: DuckDBConnection) => Promise<T>) => Promise<T>;

let stagesMade = 0;

/**
 * Rows a stage holds in JS before it spills them to TEMP tables. Below it (a checkpoint of up to
 * a few thousand tensors) the write appends them once, into the store's tables; the TEMP tables'
 * second copy (create, append, INSERT ... SELECT, drop: ~4x the CPU of the direct append on the
 * demo's 52-tensor checkpoints) is paid only by many-tensor checkpoints, whose rows would
 * otherwise all be held until the write.
 */
export const STAGE_MEMORY_ROWS = 2_048;
/** Estimated bytes of held rows (histogram buckets, kept values, ~4 KB of statistics per row) above which a stage spills. */
export const STAGE_MEMORY_BYTES = 32 * 1024 * 1024;
/** Rough JS bytes of one tensor row beyond its histogram (summary, extras, sketch fields). */
const ROW_BASE_BYTES = 4_096;
/** Once spilled, rows go to the TEMP tables this many at a time (however small the appends). */
export const SPILL_CHUNK_ROWS = 256;

/** Column records of the staged tables, encoded as the rows come (so the write only appends them). */
interface HeldRecords {
  tensor_stats: ColumnRecord[];
  histograms: ColumnRecord[];
  trajectories: ColumnRecord[];
}

/**
 * The staged per-tensor rows of checkpoint `step` of run `runId` in one store, held here until
 * they spill; spills run in the store's queue, in call order. Rows keep their order in the store.
 */
export class CheckpointStage {
  private tensorRows = 0;
  private trajectoryRows = 0;
  private state: "open" | "committed" | "dropped" = "open";
  /** Rows not yet in TEMP tables (all of them until the stage spills), in order, encoded. */
  private held: HeldRecords = { tensor_stats: [], histograms: [], trajectories: [] };
  private heldBytes = 0;
  /** Whether the TEMP tables exist (the stage spilled); their creation and appends run in the store's queue, in call order. */
  private spilled = false;

  private constructor(private readonly onConnection: StageConnection, readonly runId: string, readonly step: number, private readonly id: number) {}

  /** An empty stage; its TEMP tables are created only if it spills. */
  static async create(onConnection: StageConnection, runId: string, step: number): Promise<CheckpointStage> {
    return new CheckpointStage(onConnection, runId, step, ++stagesMade);
  }

  /**
   * Rows of the next tensors (in order) and the kept values among them, encoded at once (between
   * worker replies, not in the checkpoint's write); a row the store would refuse throws here.
   */
  async append(tensors: readonly (TensorStatsInput | EncodedTensorRow)[], trajectories: readonly TrajectoryInput[]): Promise<void> {
    this.checkOpen();
    const { runId, step, held } = this;
    for (const t of tensors) {
      held.tensor_stats.push("json" in t ? encodedTensorStatsColumns(runId, step, t) : tensorStatsColumns(runId, step, t));
      if (t.histogram !== undefined) held.histograms.push({ run_id: runId, step, tensor: t.tensor, ...histogramColumns(t.histogram) });
      this.heldBytes += ROW_BASE_BYTES + 16 * (t.histogram?.keys.length ?? 0);
    }
    for (const t of trajectories) {
      held.trajectories.push(trajectoryColumns(runId, step, t.tensor, t.values));
      this.heldBytes += t.values.byteLength;
    }
    this.tensorRows += tensors.length;
    this.trajectoryRows += trajectories.length;
    const rows = held.tensor_stats.length + held.trajectories.length;
    if (this.spilled ? rows >= SPILL_CHUNK_ROWS : rows > STAGE_MEMORY_ROWS || this.heldBytes > STAGE_MEMORY_BYTES) await this.spill();
  }

  /** Moves the held rows into the TEMP tables (created by the first spill). */
  private spill(): Promise<void> {
    const records = this.takeHeld();
    const create = !this.spilled;
    this.spilled = true;
    return this.onConnection(async (c) => {
      this.checkOpen();
      if (create) for (const table of STAGED_TABLES) await c.run(`CREATE TEMP TABLE ${this.tableOf(table)} AS SELECT * FROM ${table} LIMIT 0`);
      for (const table of STAGED_TABLES) await appendRows(c, table, records[table], (r) => r, this.appendTarget(table));
    });
  }

  /** The held records, no longer held. */
  private takeHeld(): HeldRecords {
    const records = this.held;
    this.held = { tensor_stats: [], histograms: [], trajectories: [] };
    this.heldBytes = 0;
    return records;
  }

  /** open (rows may still come), committed (written with its checkpoint) or dropped (discarded unwritten). */
  get status(): "open" | "committed" | "dropped" {
    return this.state;
  }

  /** Rows staged so far. */
  get counts(): { tensors: number; trajectories: number } {
    return { tensors: this.tensorRows, trajectories: this.trajectoryRows };
  }

  /**
   * Inside the write transaction of (runId, step) on the store's connection: copies the staged
   * rows into the store's tables, in the order staged, and drops the stage (a rollback restores
   * it). Rows never spilled are appended straight into the store's tables.
   */
  async copyInto(c: DuckDBConnection, runId: string, step: number): Promise<void> {
    this.checkOpen();
    if (runId !== this.runId || step !== this.step) {
      throw new StoreError(`run "${runId}" step ${step}`, `was handed the staged rows of run "${this.runId}" step ${this.step}: a bug in the caller`);
    }
    // the store's queue runs this after every spill of this stage (they were queued first); the
    // rows held since the last spill come after the spilled ones. The held records stay held
    // until the commit: a rolled-back write can be retried.
    for (const table of STAGED_TABLES) {
      if (this.spilled) {
        await c.run(`INSERT INTO ${table} SELECT * FROM ${this.tableOf(table)}`);
        await c.run(`DROP TABLE ${this.tableOf(table)}`);
      }
      await appendRows(c, table, this.held[table], (r) => r);
    }
  }

  /** After the transaction of copyInto committed. */
  markCommitted(): void {
    this.state = "committed";
    this.release();
  }

  /** Drops the staged rows unwritten (a failed analysis or write); idempotent, never throws. */
  async discard(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "dropped";
    this.release();
    if (!this.spilled) return;
    await this.onConnection(async (c) => {
      for (const table of STAGED_TABLES) await c.run(`DROP TABLE IF EXISTS ${this.tableOf(table)}`);
    }).catch(() => undefined); // a closed store dropped its TEMP tables already
  }

  /** Lets go of the held rows (the batch naming this stage may live on). */
  private release(): void {
    this.takeHeld();
  }

  private tableOf(table: StagedTable): string {
    return `temp.main.${this.appendTarget(table).table}`;
  }

  private appendTarget(table: StagedTable): AppendTarget {
    return { table: `stage_${this.id}_${table}`, schema: "main", catalog: "temp" };
  }

  private checkOpen(): void {
    if (this.state !== "open") throw new StoreError(`run "${this.runId}" step ${this.step}`, `staged rows were already ${this.state}`);
  }
}
