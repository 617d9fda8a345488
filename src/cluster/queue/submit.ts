// `cluster submit`: discover the run once, write `<dir>/cluster.json`, and enqueue a BullMQ flow:
// one child job per checkpoint and a parent merge job that runs when every child has finished.
// A child that fails for good is moved to the parent's ignored failures (it does not block it).
import { randomUUID } from "node:crypto";
import type { FlowJob } from "bullmq";
import { UsageError } from "../../util/errors.js";
import { canonicalRunPath } from "../parts.js";
import { discoverCheckpoints, type PartAnalyzeOptions } from "../unit.js";
import { DEFAULT_QUEUE_NAME, loadBullmq, redisConnection } from "./connection.js";
import { checkpointJobId, redactRedisUrl, writePlan, type ClusterPlan } from "./plan.js";

/** Attempts of a checkpoint job (the first and the retries) before it is recorded as failed. */
export const DEFAULT_JOB_ATTEMPTS = 5;
/** First retry delay; doubles each attempt (exponential backoff). */
export const DEFAULT_BACKOFF_MS = 2000;
/** Attempts of the merge job (a transient failure, e.g. the store locked by a stalled duplicate, is retried). */
export const MERGE_ATTEMPTS = 3;

export interface SubmitOptions {
  redis: string;
  out: string;
  analyze?: PartAnalyzeOptions;
  attempts?: number;
  backoffMs?: number;
  /** The merge job merges what finished even when checkpoints failed (default false: it refuses). */
  allowMissing?: boolean;
  queue?: string;
}

export interface SubmitSummary {
  flowId: string;
  queue: string;
  dir: string;
  checkpoints: number;
  steps: number[];
}

export async function submitFlow(runPath: string, options: SubmitOptions): Promise<SubmitSummary> {
  const attempts = options.attempts ?? DEFAULT_JOB_ATTEMPTS;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (!(Number.isInteger(attempts) && attempts >= 1)) throw new UsageError(`--attempts must be a positive integer, got ${attempts}`);
  const connection = redisConnection(options.redis);
  const analyze = options.analyze ?? {};
  const steps = (await discoverCheckpoints(runPath, analyze)).map((c) => c.step);
  const queue = options.queue ?? DEFAULT_QUEUE_NAME;
  const flowId = `fp-${randomUUID().slice(0, 12)}`;
  const dir = canonicalRunPath(options.out);
  const plan: ClusterPlan = {
    format: "forking-paths-cluster", version: 1, flowId, queue, runPath: canonicalRunPath(runPath), steps, analyze, allowMissing: options.allowMissing === true,
    redis: redactRedisUrl(options.redis),
  };
  writePlan(dir, plan);
  const children: FlowJob[] = steps.map((step) => ({
    name: "checkpoint", queueName: queue, data: { dir, step },
    opts: {
      jobId: checkpointJobId(flowId, step), attempts, backoff: { type: "exponential", delay: backoffMs },
      ignoreDependencyOnFailure: true, removeOnComplete: false, removeOnFail: false,
    },
  }));
  const { FlowProducer } = await loadBullmq();
  const producer = new FlowProducer({ connection });
  try {
    await producer.add({ name: "merge", queueName: queue, data: { dir, steps }, opts: { jobId: flowId, attempts: MERGE_ATTEMPTS, backoff: { type: "exponential", delay: backoffMs } }, children });
  } finally {
    await producer.close();
  }
  return { flowId, queue, dir, checkpoints: steps.length, steps };
}
