// A serializable unit of work: run source + checkpoint step + selection + options. What a
// cluster shard, a BullMQ child job or a worker process receives; runCheckpointJob turns it
// into a CheckpointBatch by rediscovering the run and analyzing that one checkpoint.
import type { StatsPool } from "../kernels/stats-pool.js";
import type { CheckpointStage } from "../store/staging.js";
import { discoverRunSource, type RunSourceOptions } from "../runs/run-source.js";
import { RunDiscoveryError } from "../util/errors.js";
import { analyzeCheckpoint, type CheckpointBatch, type CheckpointStatsOptions, type TensorSelection } from "./checkpoint-batch.js";

export interface CheckpointJob {
  /** A local run folder (absolute path) or an `hf://owner/repo[@rev]` reference, as in RunSource.source. */
  readonly source: string;
  /**
   * How the run is discovered (steps, revisions, Hub endpoint and cache). Only plain data survives
   * serialization: a custom `hub.fetch` does not (the receiving process uses its own, or the default).
   */
  readonly run?: RunSourceOptions;
  /** Step of the checkpoint in the run (its label is for display only). */
  readonly step: number;
  readonly label?: string;
  readonly selection: TensorSelection;
  readonly options: CheckpointStatsOptions;
}

/**
 * Analyzes the checkpoint a job names into its batch of rows; with a `stage` (of the store that
 * will write the batch), its per-tensor rows go there as they come (analyzeCheckpoint).
 */
export async function runCheckpointJob(job: CheckpointJob, pool: StatsPool, onBytes?: (done: number, total: number) => void, stage?: CheckpointStage): Promise<CheckpointBatch> {
  const run = await discoverRunSource(job.source, job.run ?? {});
  const checkpoint = run.checkpoints.find((c) => c.step === job.step);
  if (checkpoint === undefined) {
    throw new RunDiscoveryError(job.source, `has no checkpoint at step ${job.step} (steps: ${run.checkpoints.map((c) => c.step).join(", ")}) ---> HINT: the run changed since the job was made; re-submit it`);
  }
  return analyzeCheckpoint(checkpoint, job.selection, job.options, pool, onBytes, {}, stage);
}
