// A task module for the StatsPool.call tests: pure functions run on the workers.
import { threadId, workerData } from "node:worker_threads";
export function sumOf(values: Float64Array, scale: number): number {
  let s = 0;
  for (const v of values) s += v * scale;
  return s;
}

export function fails(name: string): never {
  throw new Error(`task refused ${name}`);
}

/** The worker thread that ran the task, after `ms` of busy work (so concurrent calls overlap). */
export function threadOf(ms: number): number {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the slot stays taken
  }
  return threadId;
}

/** Whether this worker got the stats kernel compiled by its parent (workerData) instead of compiling it. */
export function inheritedStatsKernel(): boolean {
  const shared = (workerData as Record<string, Record<string, unknown>> | undefined)?.forkingPathsKernels;
  return shared?.stats instanceof WebAssembly.Module;
}
