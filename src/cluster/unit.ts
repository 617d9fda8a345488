// The one place the cluster layer runs the analysis: the pipeline's unit of work (one checkpoint
// -> a typed batch of rows, pipeline/checkpoint-batch.ts) committed by its one store writer
// (pipeline/batch-writer.ts) into a part store. A shard discovers its run once and analyzes each
// assigned checkpoint; a queue job turns its step into a serializable CheckpointJob
// (pipeline/checkpoint-job.ts) and runs it. Both register the run exactly as `analyzeRun` does
// (same name, source and stored options), so the merged store is the single-process one.
import { basename, resolve } from "node:path";
import { StatsPool } from "../kernels/stats-pool.js";
import { DEFAULT_ANALYZE_WORKERS, checkShapeOptions, countBatch, selectionOf, statsOptionsOf, storedOptions, type AnalyzeOptions, type AnalyzeSummary } from "../pipeline/analyze.js";
import { BatchWriter, discardStages, withStage } from "../pipeline/batch-writer.js";
import { analyzeCheckpoint, type CheckpointBatch } from "../pipeline/checkpoint-batch.js";
import { runCheckpointJob, type CheckpointJob } from "../pipeline/checkpoint-job.js";
import type { RunCheckpoint } from "../runs/discovery.js";
import { hubRunId } from "../runs/hub-run.js";
import { isHubUrl } from "../runs/hub-url.js";
import { discoverRunSource, type RunSource, type RunSourceOptions } from "../runs/run-source.js";
import type { CheckpointStage } from "../store/staging.js";
import { Store } from "../store/store.js";
import { claimRun } from "../store/identity.js";
import { UsageError } from "../util/errors.js";

/** The analyze options a part needs; JSON-serializable (they travel in part.json and cluster.json). */
export interface PartAnalyzeOptions {
  runId?: string;
  include?: string[];
  exclude?: string[];
  steps?: number[];
  key?: string;
  keepFullMaxElements?: number;
  shape?: boolean;
  shapeSampleSize?: number;
  spectralMaxDim?: number;
  revisions?: string;
}

/** How a part is computed on this machine; changes no number, so it is not part of the part's identity. */
export interface PartExecution {
  /** Statistics worker threads (default: analyzeRun's). */
  workers?: number;
  onProgress?: AnalyzeOptions["onProgress"];
  /** hf:// runs: Hub settings of this machine (e.g. a rate-limited fetch). */
  hub?: AnalyzeOptions["hub"];
}

function runSourceOptions(options: PartAnalyzeOptions, hub?: AnalyzeOptions["hub"]): RunSourceOptions {
  return {
    ...(options.steps !== undefined && { steps: options.steps }), ...(options.revisions !== undefined && { revisions: options.revisions }), ...(hub !== undefined && { hub }),
  };
}

/** The run of a part, discovered as `analyzeRun` discovers it (checkpoints in ascending step). */
export function discoverPartRun(runPath: string, options: PartAnalyzeOptions, hub?: AnalyzeOptions["hub"]): Promise<RunSource> {
  checkShapeOptions(options);
  return discoverRunSource(runPath, runSourceOptions(options, hub));
}

/** Every checkpoint of the run, in discovery order (ascending step), as `analyzeRun` finds them. */
export async function discoverCheckpoints(runPath: string, options: PartAnalyzeOptions, hub?: AnalyzeOptions["hub"]): Promise<RunCheckpoint[]> {
  return (await discoverPartRun(runPath, options, hub)).checkpoints;
}

/**
 * The serializable unit of work for checkpoint `step` of the run: what a queue worker runs. The
 * Hub settings of the machine (`hub`) are added by the process that runs it, never serialized.
 */
export function checkpointJobOf(runPath: string, options: PartAnalyzeOptions, step: number): CheckpointJob {
  const run = runSourceOptions(options);
  return {
    source: isHubUrl(runPath) ? runPath : resolve(runPath), step, selection: selectionOf(options), options: statsOptionsOf(options),
    ...(Object.keys(run).length > 0 && { run }),
  };
}

/** Name, source and stored options of the run in a part store: those `analyzeRun` registers. */
interface PartRunIdentity { runId: string; source: string; remote: boolean }

function identityOf(runPath: string, options: PartAnalyzeOptions): PartRunIdentity {
  const remote = isHubUrl(runPath);
  const source = remote ? runPath : resolve(runPath);
  const runId = options.runId ?? (remote ? hubRunId(runPath) : basename(source));
  if (runId.length === 0) throw new UsageError(`cannot derive a run name from "${runPath}": pass a run name`);
  return { runId, source, remote };
}

/** Analyzes one step, its per-tensor rows staged into the part store as they come (analyzeCheckpoint's stage). */
type Analyze = (step: number, pool: StatsPool, onBytes: (done: number, total: number) => void, stage: CheckpointStage) => Promise<CheckpointBatch>;

/**
 * Shards: analyze the checkpoints of the discovered `run` with these steps into
 * `<partDir>/analysis.duckdb` (no events), each with the unit of work; stored ones are skipped.
 */
export function analyzeCheckpointsIntoPart(
  run: RunSource, options: PartAnalyzeOptions, steps: readonly number[], partDir: string, exec: PartExecution = {},
): Promise<AnalyzeSummary> {
  const byStep = new Map(run.checkpoints.map((c) => [c.step, c]));
  const selection = selectionOf(options);
  const stats = statsOptionsOf(options);
  for (const step of steps) if (!byStep.has(step)) throw new UsageError(`${run.source}: step ${step} is not a checkpoint of the run`);
  return intoPart({ runId: options.runId ?? run.defaultRunId, source: run.source, remote: run.remote }, options, steps, partDir, exec,
    (step, pool, onBytes, stage) => analyzeCheckpoint(byStep.get(step)!, selection, stats, pool, onBytes, {}, stage));
}

/**
 * Queue jobs: run the CheckpointJob of each step (rediscovering the run where it runs, with this
 * machine's Hub settings) into `<partDir>/analysis.duckdb` (no events); stored ones are skipped.
 */
export function runJobsIntoPart(
  runPath: string, options: PartAnalyzeOptions, steps: readonly number[], partDir: string, exec: PartExecution = {},
): Promise<AnalyzeSummary> {
  checkShapeOptions(options);
  return intoPart(identityOf(runPath, options), options, steps, partDir, exec, (step, pool, onBytes, stage) => {
    const job = checkpointJobOf(runPath, options, step);
    const withHub: CheckpointJob = exec.hub === undefined ? job : { ...job, run: { ...job.run, hub: exec.hub } };
    return runCheckpointJob(withHub, pool, onBytes, stage);
  });
}

/** Claims the run in the part store like analyzeRun, then analyzes and writes each step not yet stored. */
async function intoPart(
  id: PartRunIdentity, options: PartAnalyzeOptions, steps: readonly number[], partDir: string, exec: PartExecution, analyze: Analyze,
): Promise<AnalyzeSummary> {
  const started = Date.now();
  const store = await Store.openDir(partDir);
  const summary: AnalyzeSummary = {
    runId: id.runId, storePath: store.path, checkpoints: steps.length, analyzed: 0, skipped: 0, steps: [...steps], tensors: 0, buffers: 0, bytes: 0,
    seconds: 0, nonFinite: [], events: null, eventSeconds: 0, metrics: null, ...(id.remote && { remote: { bytesTransferred: 0, filesBytes: 0 } }),
  };
  let pool: StatsPool | undefined;
  let writer: BatchWriter | undefined;
  const stages = new Set<CheckpointStage>();
  try {
    const claim = await claimRun(store, { run_id: id.runId, source: id.source, options: storedOptions(options) });
    writer = new BatchWriter(claim);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (await claim.isCheckpointComplete(step)) {
        summary.skipped++;
        continue;
      }
      pool ??= await StatsPool.create(exec.workers ?? DEFAULT_ANALYZE_WORKERS);
      // rows staged as in analyzeRun: a checkpoint of 20,000 tensors holds no per-tensor rows in JS
      const batch = await withStage(claim, step, (stage) => analyze(step, pool!, (done, total) =>
        exec.onProgress?.({ checkpointsDone: i, checkpointsTotal: steps.length, step, bytesDone: summary.bytes + done, checkpointBytes: total, checkpointBytesDone: done }), stage), stages);
      await writer.write(batch);
      countBatch(summary, batch);
      exec.onProgress?.({ checkpointsDone: i + 1, checkpointsTotal: steps.length, step, bytesDone: summary.bytes, checkpointBytes: 0, checkpointBytesDone: 0 });
    }
    await writer.flush();
  } finally {
    await writer?.flush().catch(() => {}); // a failed write was rethrown above
    await discardStages(stages);
    await pool?.close();
    await store.close();
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}
