// The one writer of analysis results: commits CheckpointBatches to the store, one transaction
// per checkpoint, while the next checkpoint is being analyzed (at most one write under way).
// withStage gives a checkpoint's analysis a stage of the same store: its per-tensor rows are
// encoded as they come and held there, or staged in TEMP tables once many (store/staging.ts), so
// the write only appends (or copies) them inside its transaction.
import type { CheckpointStage } from "../store/staging.js";
import type { CheckpointResult } from "../store/types.js";
import type { CheckpointBatch } from "./checkpoint-batch.js";
import { stampLast } from "../util/timeline.js";

/** Writes one checkpoint in one transaction: a RunClaim (store/identity.ts), or a Store bound to a run. */
export interface BatchTarget {
  writeCheckpoint(result: CheckpointResult): Promise<void>;
}

/** A BatchTarget that also stages per-tensor rows for the checkpoint of `step` (RunClaim). */
export interface StagingTarget extends BatchTarget {
  stageCheckpoint(step: number): Promise<CheckpointStage>;
}

/**
 * The store's write-ahead log, for a writer that moves it into the file between writes (Store
 * walBytes / checkpointWal) rather than let the commit that passes `thresholdBytes` do it.
 */
export interface WalControl {
  readonly thresholdBytes: number;
  walBytes(): number;
  checkpointWal(): Promise<void>;
}

export class BatchWriter {
  private pending: Promise<void> = Promise.resolve();
  /** Largest growth of the write-ahead log seen in one write. */
  private largestWalGrowth = 0;

  constructor(private readonly target: BatchTarget, private readonly wal?: WalControl) {}

  /**
   * Starts writing `batch` once the previous write has finished (rethrowing its error) and returns
   * without waiting for this one: the caller analyzes the next checkpoint meanwhile. flush() waits.
   * With `remaining` (batches still to write after this one) and a WalControl, a write after which
   * the log would pass its threshold within the next two writes (the next one when one remains)
   * of the largest size seen is followed by a checkpoint of the log, run while the next
   * checkpoints are analyzed: the last commit of a run whose log passes the threshold would
   * otherwise pay for one, and a checkpoint decided one write ahead could still be under way when
   * the last checkpoint's rows were ready (writes grow: DuckDB re-logs LIST rows, see
   * store/open.ts). The last write is on the critical path; the price is a checkpoint every ~3
   * writes' worth of log instead of ~5 (with the 256 MiB threshold of store/open.ts the demo,
   * 160m and 20,000-tensor runs fit before it: none).
   */
  async write(batch: CheckpointResult, options: { remaining?: number } = {}): Promise<void> {
    await this.pending;
    stampLast("write: last start");
    const walBefore = this.wal?.walBytes() ?? 0;
    let writing = this.target.writeCheckpoint(batch);
    writing.then(() => stampLast("write: last end"), () => {});
    const ahead = Math.min(options.remaining ?? 0, 2);
    if (this.wal !== undefined && ahead > 0) writing = writing.then(() => this.checkpointAhead(this.wal!, walBefore, ahead));
    writing.catch(() => {}); // surfaced by the next write() or flush()
    this.pending = writing;
  }

  private async checkpointAhead(wal: WalControl, walBefore: number, writesAhead: number): Promise<void> {
    const after = wal.walBytes();
    this.largestWalGrowth = Math.max(this.largestWalGrowth, after >= walBefore ? after - walBefore : after);
    if (after > 0 && after + writesAhead * this.largestWalGrowth > wal.thresholdBytes) await wal.checkpointWal();
  }

  /** Waits for the write under way; rethrows its error. */
  flush(): Promise<void> {
    return this.pending;
  }
}

/**
 * Runs `analyze` with a new stage of `target` for checkpoint `step` (analyzeCheckpoint's `stage`)
 * and returns its batch, which names the stage; writing the batch to `target` commits the staged
 * rows. When `analyze` fails, the stage is discarded (nothing of it reaches the store). `made`
 * collects the stage, so that a caller whose batches may go unwritten (an analysis that failed
 * on an earlier checkpoint) discards them (discardStages) and leaves no TEMP table behind in a
 * store that stays open.
 */
export async function withStage(target: Pick<StagingTarget, "stageCheckpoint">, step: number, analyze: (stage: CheckpointStage) => Promise<CheckpointBatch>, made?: Set<CheckpointStage>): Promise<CheckpointBatch> {
  const stage = await target.stageCheckpoint(step);
  made?.add(stage);
  try {
    return await analyze(stage);
  } catch (err) {
    await stage.discard();
    throw err;
  }
}

/** Discards the stages never written (committed ones are left alone); never throws. */
export async function discardStages(stages: Iterable<CheckpointStage>): Promise<void> {
  await Promise.all([...stages].map((s) => s.discard()));
}
