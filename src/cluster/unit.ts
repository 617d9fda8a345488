// The one place the cluster layer calls the analysis pipeline: discover a run's checkpoints the
// way `analyzeRun` does, and analyze a chosen set of them into a part store without detecting
// events. When the pipeline exposes its unit of work (checkpoint -> typed rows + one store
// writer), these two functions are what gets re-pointed.
import { resolve } from "node:path";
import { analyzeRun, type AnalyzeOptions, type AnalyzeSummary } from "../pipeline/analyze.js";
import { discoverRun, type RunCheckpoint } from "../runs/discovery.js";
import { discoverHubRun } from "../runs/hub-run.js";
import { isHubUrl } from "../runs/hub-url.js";

/** The analyze options a part needs; JSON-serializable (they travel in part.json and queue jobs). */
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

/** Every checkpoint of the run, in discovery order (ascending step), as `analyzeRun` finds them. */
export async function discoverCheckpoints(runPath: string, options: PartAnalyzeOptions, hub?: AnalyzeOptions["hub"]): Promise<RunCheckpoint[]> {
  if (isHubUrl(runPath)) return discoverHubRun(runPath, { ...(options.revisions !== undefined && { revisions: options.revisions }), ...(hub !== undefined && { hub }) });
  return discoverRun(resolve(runPath), options.steps !== undefined ? { steps: options.steps } : {});
}

/** How a part is computed on this machine; changes no number, so it is not part of the part's identity. */
export interface PartExecution {
  /** Statistics worker threads (default: analyzeRun's). */
  workers?: number;
  onProgress?: AnalyzeOptions["onProgress"];
  /** hf:// runs: Hub settings of this machine (e.g. a rate-limited fetch). */
  hub?: AnalyzeOptions["hub"];
}

/** Analyze the checkpoints with these steps into `<partDir>/analysis.duckdb` (no events); stored ones are skipped. */
export function analyzeSteps(
  runPath: string, options: PartAnalyzeOptions, steps: readonly number[], partDir: string, exec: PartExecution = {},
): Promise<AnalyzeSummary> {
  const wanted = new Set(steps);
  return analyzeRun(runPath, {
    ...options, out: partDir, events: false, checkpointFilter: (cp) => wanted.has(cp.step),
    ...(exec.workers !== undefined && { workers: exec.workers }),
    ...(exec.onProgress !== undefined && { onProgress: exec.onProgress }),
    ...(exec.hub !== undefined && { hub: exec.hub }),
  });
}
