// `cluster status`: the state of a queued analysis from Redis: checkpoint jobs done, active,
// failed (with the typed error each recorded) and waiting, and the merge job's state.
import { existsSync } from "node:fs";
import { UsageError } from "../../util/errors.js";
import { loadBullmq, redisConnection } from "./connection.js";
import { checkpointJobId, planPath, readClusterPlan } from "./plan.js";

export type JobStateName = "done" | "active" | "failed" | "waiting" | "missing";

export interface FailedCheckpoint { step: number; error: string; attempts: number }

export interface FlowStatus {
  flowId: string;
  dir: string | null;
  checkpoints: number;
  counts: Record<JobStateName, number>;
  failed: FailedCheckpoint[];
  /** State of the merge job: done, failed (with its error), or waiting for the checkpoints. */
  merge: { state: JobStateName; error?: string; result?: unknown };
}

function stateName(state: string): JobStateName {
  if (state === "completed") return "done";
  if (state === "active") return "active";
  if (state === "failed") return "failed";
  if (state === "unknown") return "missing";
  return "waiting"; // waiting, delayed (backoff), prioritized, waiting-children
}

/** Status of the flow of `<dir>` (its cluster.json) or of a flow id (needs `queue` when not the default). */
export async function flowStatus(dirOrId: string, options: { redis: string; queue?: string }): Promise<FlowStatus> {
  const isDir = existsSync(planPath(dirOrId));
  const plan = isDir ? readClusterPlan(dirOrId) : null;
  const flowId = plan?.flowId ?? dirOrId;
  const { Queue, Job } = await loadBullmq();
  const queue = new Queue(plan?.queue ?? options.queue ?? "forking-paths", { connection: redisConnection(options.redis) });
  try {
    const parent = await Job.fromId(queue, flowId);
    if (parent === undefined) throw new UsageError(`no flow "${flowId}" in queue "${queue.name}" at ${options.redis}${isDir ? "" : ` (and no ${dirOrId}/cluster.json)`}`);
    const steps = plan?.steps ?? (parent.data as { steps?: number[] }).steps ?? [];
    const counts: Record<JobStateName, number> = { done: 0, active: 0, failed: 0, waiting: 0, missing: 0 };
    const failed: FailedCheckpoint[] = [];
    for (const step of steps) {
      const job = await Job.fromId(queue, checkpointJobId(flowId, step));
      const state = job === undefined ? "missing" : stateName(await job.getState());
      counts[state]++;
      if (state === "failed") failed.push({ step, error: job!.failedReason, attempts: job!.attemptsMade });
    }
    const mergeState = stateName(await parent.getState());
    const merge: FlowStatus["merge"] = { state: mergeState };
    if (mergeState === "failed") merge.error = parent.failedReason;
    if (mergeState === "done") merge.result = parent.returnvalue;
    return { flowId, dir: plan === null ? null : dirOrId, checkpoints: steps.length, counts, failed, merge };
  } finally {
    await queue.close();
  }
}
