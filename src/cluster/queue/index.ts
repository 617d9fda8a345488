// The analysis as a BullMQ flow on Redis: submit, workers, status. BullMQ loads on first use.
export { submitFlow, DEFAULT_JOB_ATTEMPTS, DEFAULT_BACKOFF_MS, type SubmitOptions, type SubmitSummary } from "./submit.js";
export { startWorker, isPermanent, describeError, type WorkerOptions, type WorkerEvent, type CheckpointJobResult } from "./worker.js";
export { flowStatus, openFlowStatus, STATUS_TIMEOUT_MS, type FlowStatus, type FlowStatusReader, type FailedCheckpoint, type JobStateName } from "./status.js";
export { planPath } from "./plan.js";
export { redisConnection, DEFAULT_QUEUE_NAME, DEFAULT_REDIS_PORT } from "./connection.js";
export { readClusterPlan, CLUSTER_PLAN_FILE, type ClusterPlan } from "./plan.js";
export { rateLimitedFetch, hubBucketKey, type HubRateLimit } from "./hub-rate.js";
