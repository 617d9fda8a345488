// The one writer of analysis results: commits CheckpointBatches to the store, one transaction
// per checkpoint, while the next checkpoint is being analyzed (at most one write under way).
import type { CheckpointResult } from "../store/types.js";

export class BatchWriter {
  private pending: Promise<void> = Promise.resolve();

  /** `target` writes one checkpoint in one transaction: a RunClaim (store/identity.ts), or a Store bound to a run. */
  constructor(private readonly target: { writeCheckpoint(result: CheckpointResult): Promise<void> }) {}

  /**
   * Starts writing `batch` once the previous write has finished (rethrowing its error) and returns
   * without waiting for this one: the caller analyzes the next checkpoint meanwhile. flush() waits.
   */
  async write(batch: CheckpointResult): Promise<void> {
    await this.pending;
    const writing = this.target.writeCheckpoint(batch);
    writing.catch(() => {}); // surfaced by the next write() or flush()
    this.pending = writing;
  }

  /** Waits for the write under way; rethrows its error. */
  flush(): Promise<void> {
    return this.pending;
  }
}
