// The one writer of analysis results: commits CheckpointBatches to the store, one transaction
// per checkpoint (or per run of checkpoints that waited for the write before them), while the
// next checkpoint is being analyzed (at most one write under way).
// withStage gives a checkpoint's analysis a stage of the same store: its per-tensor rows are
// encoded as they come and held there, or staged in TEMP tables once many (store/staging.ts), so
// the write only appends (or copies) them inside its transaction.
import type { CheckpointStage } from "../store/staging.js";
import type { CheckpointResult } from "../store/types.js";
import type { CheckpointBatch } from "./checkpoint-batch.js";
import { stamp, stampLast } from "../util/timeline.js";

/**
 * Writes checkpoints in one transaction, in order: a RunClaim (store/identity.ts), or a Store
 * bound to a run. `intoFile`: the run's last write, committed into the store file rather than its
 * write-ahead log (store/store.ts CheckpointWriteOptions).
 */
export interface BatchTarget {
  writeCheckpoints(results: readonly CheckpointResult[], options?: { intoFile?: boolean }): Promise<void>;
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

/**
 * Batches handed to write() and waiting for the write under way, beyond which write() waits for
 * it; the batches that wait are written together by the next write. 2: one more batch held than
 * when every write() waited for the previous write (a batch being written, the next in hand), and
 * the demo's last batches (2-3 ready while one is written) go in one commit instead of two; with
 * 1, two (demo, load ~20: last reply -> last commit 1.2-1.4 s with 2, 1.3-1.9 s with 1, 2.5-2.8 s
 * writing one at a time).
 */
export const WRITER_MAX_WAITING = 2;

interface Waiting {
  batch: CheckpointResult;
  /** Batches still to write after this one, when the caller said. */
  remaining: number | undefined;
}

export class BatchWriter {
  private waiting: Waiting[] = [];
  /** The write under way (one transaction of the batches that were waiting), or none. */
  private writing: Promise<void> | undefined;
  /** The loop writing batches while some wait, or none. */
  private draining: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  /** Largest growth of the write-ahead log seen in one write. */
  private largestWalGrowth = 0;

  constructor(private readonly target: BatchTarget, private readonly wal?: WalControl) {}

  /**
   * Queues `batch` and returns without waiting for its write (the caller analyzes the next
   * checkpoint meanwhile), unless more than WRITER_MAX_WAITING batches wait for the write under
   * way: then once that write has ended. Rethrows an earlier write's error. The batches that wait
   * are written together, in the order given, in one transaction, once the write under way has
   * ended (each of them complete, or none): a writer that falls behind the analysis catches up with
   * one commit instead of one each (DuckDB re-logs the earlier histograms of a LIST vector at every
   * commit, store/open.ts; the demo's last write waited for 2-3 earlier ones). flush() waits.
   * With `remaining` (batches still to write after this one) and a WalControl, a write after which
   * the log would pass its threshold within the next two writes (the next one when one remains)
   * of the largest size seen is followed by a checkpoint of the log, run while the next
   * checkpoints are analyzed: the last commit of a run whose log passes the threshold would
   * otherwise pay for one, and a checkpoint decided one write ahead could still be under way when
   * the last checkpoint's rows were ready (writes grow: DuckDB re-logs LIST rows, see
   * store/open.ts). The last write is on the critical path; the price is a checkpoint every ~3
   * writes' worth of log instead of ~5 (with the 256 MiB threshold of store/open.ts the demo,
   * 160m and 20,000-tensor runs fit before it: none).
   * The write of a batch with `remaining` 0 (the run's last) commits into the store file (no log
   * to checkpoint afterwards: the last write's rows are written once, store/store.ts
   * CheckpointWriteOptions); 160m: last commit + the CHECKPOINT after it ~0.3 -> ~0.2 s.
   */
  async write(batch: CheckpointResult, options: { remaining?: number } = {}): Promise<void> {
    this.throwIfFailed();
    this.waiting.push({ batch, remaining: options.remaining });
    this.draining ??= this.drain();
    while (this.waiting.length > WRITER_MAX_WAITING && this.writing !== undefined) await this.writing.catch(() => {});
    this.throwIfFailed();
  }

  /**
   * Writes what waits, all of it in one transaction each time, until nothing waits or a write
   * failed. The batches of the next write are taken as soon as a write ends, so a write() waiting
   * for it returns then.
   */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0 && this.failure === undefined) {
        const group = this.waiting;
        this.waiting = [];
        this.writing = (async () => {
          // the workers' waiting replies are taken, and their queues refilled, before the write's
          // appends block this thread (setImmediate runs after the pending I/O callbacks)
          await new Promise<void>((resolve) => setImmediate(resolve));
          await this.writeGroup(group);
        })();
        await this.writing;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.writing = undefined;
      this.draining = undefined;
    }
  }

  private async writeGroup(group: readonly Waiting[]): Promise<void> {
    stampLast("write: last start");
    const walBefore = this.wal?.walBytes() ?? 0;
    const remaining = group.at(-1)!.remaining;
    await this.target.writeCheckpoints(group.map((w) => w.batch), remaining === 0 ? { intoFile: true } : {});
    stampLast("write: last end");
    if (group.length > 1) stamp(`write: ${group.length} checkpoints in one transaction`);
    const ahead = Math.min(remaining ?? 0, 2);
    if (this.wal !== undefined && ahead > 0) await this.checkpointAhead(this.wal, walBefore, ahead);
  }

  private async checkpointAhead(wal: WalControl, walBefore: number, writesAhead: number): Promise<void> {
    const after = wal.walBytes();
    this.largestWalGrowth = Math.max(this.largestWalGrowth, after >= walBefore ? after - walBefore : after);
    if (after > 0 && after + writesAhead * this.largestWalGrowth > wal.thresholdBytes) await wal.checkpointWal();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for every batch handed over to be written; rethrows a write's error. */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
    this.throwIfFailed();
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
