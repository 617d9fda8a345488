// `cluster status`: the state of a queued analysis from Redis: checkpoint jobs done, active,
// failed (with the typed error each recorded) and waiting, and the merge job's state. `serve`
// on the --out folder polls the same reader (openFlowStatus), so both show the same numbers.
import { existsSync } from "node:fs";
import type { Queue } from "bullmq";
import { UsageError } from "../../util/errors.js";
import { RedisUnavailableError } from "../errors.js";
import { DEFAULT_QUEUE_NAME, loadBullmq, redisConnection } from "./connection.js";
import { checkpointJobId, planPath, readClusterPlan, type ClusterPlan } from "./plan.js";

/** A status read that gets no answer from Redis within this fails (Redis down or the wrong URL). */
export const STATUS_TIMEOUT_MS = 10_000;

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

export interface FlowStatusReader {
  readonly flowId: string;
  /** The flow's state now (one read of Redis; RedisUnavailableError after STATUS_TIMEOUT_MS without an answer). */
  read(): Promise<FlowStatus>;
  close(): Promise<void>;
}

export interface FlowStatusOptions { redis: string; queue?: string; timeoutMs?: number }

/** A reader of the flow of `<dir>` (its cluster.json) or of a flow id (needs `queue` when not the default), for repeated reads. */
export async function openFlowStatus(dirOrId: string, options: FlowStatusOptions): Promise<FlowStatusReader> {
  const plan: ClusterPlan | null = existsSync(planPath(dirOrId)) ? readClusterPlan(dirOrId) : null;
  const flowId = plan?.flowId ?? dirOrId;
  const timeoutMs = options.timeoutMs ?? STATUS_TIMEOUT_MS;
  const { Queue } = await loadBullmq();
  const queue = new Queue(plan?.queue ?? options.queue ?? DEFAULT_QUEUE_NAME, { connection: redisConnection(options.redis) });
  queue.on("error", () => undefined); // a refused connection is reported by read()'s timeout
  return {
    flowId,
    read: () => withTimeout(readStatus(queue, flowId, plan, dirOrId, options.redis), timeoutMs, options.redis),
    // close() waits for a connection that may never come: disconnect after the same timeout.
    close: async () => { await withTimeout(queue.close(), timeoutMs, options.redis).catch(() => queue.disconnect()); },
  };
}

/** Status of the flow of `<dir>` or of a flow id: one read. */
export async function flowStatus(dirOrId: string, options: FlowStatusOptions): Promise<FlowStatus> {
  const reader = await openFlowStatus(dirOrId, options);
  try {
    return await reader.read();
  } finally {
    await reader.close();
  }
}

async function readStatus(queue: Queue, flowId: string, plan: ClusterPlan | null, dirOrId: string, url: string): Promise<FlowStatus> {
  const { Job } = await loadBullmq();
  const parent = await Job.fromId(queue, flowId);
  if (parent === undefined) throw new UsageError(`no flow "${flowId}" in queue "${queue.name}" at ${url}${plan !== null ? "" : ` (and no ${dirOrId}/cluster.json)`}`);
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
}

function withTimeout<T>(p: Promise<T>, ms: number, url: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new RedisUnavailableError(url, ms / 1000)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
