// The worker pool an analysis runs on, in a module light enough to load first: the CLI starts
// the pool before it loads the rest of the analysis (the store, DuckDB), so the workers load their
// modules and WASM kernels on the other core meanwhile (issue 11: start-up off the critical path).
// The row tasks' module (the shape statistics, ~40 modules) is named by its URL, not imported:
// it is the workers' to load (they preload it), not the main thread's.
import { StatsPool } from "../kernels/stats-pool.js";
import { ROW_TASKS_URL } from "./row-tasks-url.js";

export const DEFAULT_ANALYZE_WORKERS = 2;

/**
 * A pool of `workers` statistics workers (0: in-thread) that preload the analysis's task module;
 * close it when done. It is returned once its workers are started (StatsPool.create's `early`):
 * the first checkpoint's tasks are posted while they get ready.
 */
export function createAnalyzePool(workers: number = DEFAULT_ANALYZE_WORKERS): Promise<StatsPool> {
  return StatsPool.create(workers, { preload: [ROW_TASKS_URL], early: true });
}
