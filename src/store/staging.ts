// Per-tensor rows of one checkpoint staged while it is analyzed (issue 13 item 6): the rows of
// tensor_stats, histograms and trajectories are appended, a chunk at a time as they come, into
// TEMP tables of the store's connection (native memory, never in the store file), so an analysis
// holds no per-tensor rows in JS whatever the tensor count. The checkpoint's write copies them
// into the store's tables inside its one transaction (INSERT ... SELECT: DuckDB's threads do the
// copy, not this one) and drops them; a checkpoint that fails drops them unread, so nothing
// stored changes. Not for direct use: Store.stageCheckpoint makes one, Store.writeCheckpoint
// commits it.
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { appendRows, type AppendTarget } from "./append.js";
import { histogramColumns, tensorStatsColumns, trajectoryColumns } from "./codec.js";
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
 * The staged per-tensor rows of checkpoint `step` of run `runId` in one store. Appends run in
 * the store's queue, in call order; their rows keep that order in the store.
 */
export class CheckpointStage {
  private tensorRows = 0;
  private trajectoryRows = 0;
  private state: "open" | "committed" | "dropped" = "open";

  private constructor(private readonly onConnection: StageConnection, readonly runId: string, readonly step: number, private readonly id: number) {}

  /** Creates the stage's TEMP tables (empty copies of the staged tables' columns). */
  static async create(onConnection: StageConnection, runId: string, step: number): Promise<CheckpointStage> {
    const stage = new CheckpointStage(onConnection, runId, step, ++stagesMade);
    await onConnection(async (c) => {
      for (const table of STAGED_TABLES) await c.run(`CREATE TEMP TABLE ${stage.tableOf(table)} AS SELECT * FROM ${table} LIMIT 0`);
    });
    return stage;
  }

  /** Rows of the next tensors (in order) and the kept values among them. */
  append(tensors: readonly TensorStatsInput[], trajectories: readonly TrajectoryInput[]): Promise<void> {
    this.checkOpen();
    const { runId, step } = this;
    return this.onConnection(async (c) => {
      this.checkOpen();
      await appendRows(c, "tensor_stats", tensors, (t) => tensorStatsColumns(runId, step, t), this.appendTarget("tensor_stats"));
      const withHistogram = tensors.filter((t) => t.histogram !== undefined);
      await appendRows(c, "histograms", withHistogram, (t) => ({ run_id: runId, step, tensor: t.tensor, ...histogramColumns(t.histogram!) }), this.appendTarget("histograms"));
      await appendRows(c, "trajectories", trajectories, (t) => trajectoryColumns(runId, step, t.tensor, t.values), this.appendTarget("trajectories"));
      this.tensorRows += tensors.length;
      this.trajectoryRows += trajectories.length;
    });
  }

  /** Rows staged so far. */
  get counts(): { tensors: number; trajectories: number } {
    return { tensors: this.tensorRows, trajectories: this.trajectoryRows };
  }

  /**
   * Inside the write transaction of (runId, step) on the store's connection: copies the staged
   * rows into the store's tables, in the order staged, and drops the stage (a rollback restores it).
   */
  async copyInto(c: DuckDBConnection, runId: string, step: number): Promise<void> {
    this.checkOpen();
    if (runId !== this.runId || step !== this.step) {
      throw new StoreError(`run "${runId}" step ${step}`, `was handed the staged rows of run "${this.runId}" step ${this.step}: a bug in the caller`);
    }
    for (const table of STAGED_TABLES) {
      await c.run(`INSERT INTO ${table} SELECT * FROM ${this.tableOf(table)}`);
      await c.run(`DROP TABLE ${this.tableOf(table)}`);
    }
  }

  /** After the transaction of copyInto committed. */
  markCommitted(): void {
    this.state = "committed";
  }

  /** Drops the staged rows unwritten (a failed analysis or write); idempotent, never throws. */
  async discard(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "dropped";
    await this.onConnection(async (c) => {
      for (const table of STAGED_TABLES) await c.run(`DROP TABLE IF EXISTS ${this.tableOf(table)}`);
    }).catch(() => undefined); // a closed store dropped its TEMP tables already
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
