// `worker`: processes the queue's jobs. A checkpoint job analyzes one checkpoint into its own
// part `<dir>/parts/step-<step>/` and returns the part's path; the merge job merges the parts.
// Errors that retrying cannot fix (malformed file, bad options) fail the job at once
// (UnrecoverableError, with the typed error's code and message); others are retried with backoff.
import type { Job, Processor, Worker } from "bullmq";
import { fork } from "node:child_process";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../util/errors.js";
import { partDir, writePartManifest } from "../parts.js";
import { runJobsIntoPart } from "../unit.js";
import { DEFAULT_QUEUE_NAME, loadBullmq, redisConnection } from "./connection.js";
import { hubBucketKey, rateLimitedFetch, type HubRateLimit } from "./hub-rate.js";
import { checkpointPartName, readClusterPlan } from "./plan.js";
import { describeError, isPermanent } from "./errors-permanent.js";
import type { MergeChildReply } from "./merge-child.js";

export { describeError, isPermanent };

export interface WorkerOptions {
  redis: string;
  /** Jobs processed at once by this process (default 1). */
  concurrency?: number;
  /** Statistics worker threads per job (default 1). */
  workers?: number;
  queue?: string;
  /** A job whose lock is not renewed for this long is stalled and retried elsewhere (BullMQ default 30000). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (BullMQ default 30000). */
  stalledIntervalMs?: number;
  /** Global limit on Hub HTTP requests across all workers of the queue. */
  hubRate?: HubRateLimit;
  onEvent?: (e: WorkerEvent) => void;
}

export type WorkerEvent =
  | { kind: "active"; job: string; name: string }
  | { kind: "completed"; job: string; name: string; result: unknown }
  | { kind: "failed"; job: string; name: string; error: string; final: boolean };

export interface CheckpointJobData { dir: string; step: number }
export interface MergeJobData { dir: string }

export interface CheckpointJobResult { part: string; step: number; analyzed: number; skipped: number; bytes: number; seconds: number }

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const { Worker, UnrecoverableError } = await loadBullmq();
  const connection = redisConnection(options.redis);
  const queueName = options.queue ?? DEFAULT_QUEUE_NAME;
  let hubFetch: typeof fetch | undefined;
  let rateClient: import("ioredis").Redis | undefined;
  if (options.hubRate !== undefined) {
    const { Redis } = await import("ioredis");
    rateClient = new Redis(connection);
    hubFetch = rateLimitedFetch(rateClient, hubBucketKey(queueName), options.hubRate);
  }
  const processor: Processor = async (job: Job) => {
    try {
      if (job.name === "checkpoint") return await processCheckpoint(job.data as CheckpointJobData, options.workers ?? 1, hubFetch);
      if (job.name === "merge") {
        const reply = await mergeInChild(job.data as MergeJobData);
        if (reply.ok) return reply.result;
        throw reply.error!.permanent ? new UnrecoverableError(reply.error!.line) : new Error(reply.error!.line);
      }
      throw new UsageError(`unknown job name "${job.name}"`);
    } catch (err) {
      if (isPermanent(err)) throw new UnrecoverableError(describeError(err));
      throw new Error(describeError(err), { cause: err });
    }
  };
  const worker = new Worker(queueName, processor, {
    connection, concurrency: options.concurrency ?? 1, autorun: true,
    ...(options.lockDurationMs !== undefined && { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs !== undefined && { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on("active", (job) => options.onEvent?.({ kind: "active", job: job.id ?? "", name: job.name }));
  worker.on("completed", (job, result) => options.onEvent?.({ kind: "completed", job: job.id ?? "", name: job.name, result }));
  worker.on("failed", (job, err) => {
    if (job === undefined) return;
    const final = err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    options.onEvent?.({ kind: "failed", job: job.id ?? "", name: job.name, error: err.message, final });
  });
  // Connection drops (e.g. a Redis restart) are retried by ioredis; report, do not crash.
  worker.on("error", () => undefined);
  if (rateClient !== undefined) worker.on("closed", () => void rateClient!.quit().catch(() => undefined));
  return worker;
}

async function processCheckpoint(data: CheckpointJobData, workers: number, hubFetch: typeof fetch | undefined): Promise<CheckpointJobResult> {
  const plan = readClusterPlan(data.dir);
  if (!plan.steps.includes(data.step)) throw new UsageError(`${data.dir}: step ${data.step} is not a checkpoint of the plan`);
  const folder = partDir(data.dir, checkpointPartName(data.step));
  writePartManifest(folder, {
    format: "forking-paths-part", version: 1, runPath: plan.runPath, steps: plan.steps, assigned: [data.step], assignment: { kind: "checkpoint" }, analyze: plan.analyze,
  });
  // The step's CheckpointJob, run here (the run rediscovered with this machine's Hub settings): a
  // step the run no longer has is a RunDiscoveryError, recorded without retries.
  const s = await runJobsIntoPart(plan.runPath, plan.analyze, [data.step], folder, { workers, ...(hubFetch !== undefined && { hub: { fetch: hubFetch } }) });
  return { part: folder, step: data.step, analyzed: s.analyzed, skipped: s.skipped, bytes: s.bytes, seconds: s.seconds };
}

/** The merge, in a forked child process (merge-child): the lock of the job keeps being renewed here. */
function mergeInChild(data: MergeJobData): Promise<MergeChildReply> {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self.slice(0, -extname(self).length).replace(/worker$/, "merge-child") + extname(self), [data.dir], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    let reply: MergeChildReply | undefined;
    child.once("message", (m) => (reply = m as MergeChildReply));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (reply !== undefined) resolve(reply);
      else reject(new Error(`merge process for ${data.dir} exited (code ${code}, signal ${signal}) without a result`));
    });
  });
}
