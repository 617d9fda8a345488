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

/** A StatsPool.sketchAndCall task: what it was given (sketch count, the values' length and sum or null) and a tag. */
export function sketchAndValues(sketch: { n: number; numel: number }, values: Float32Array | null, tag: string): { numel: number; valuesLength: number | null; valuesSum: number | null; tag: string } {
  let sum = 0;
  if (values !== null) for (const v of values) if (Number.isFinite(v)) sum += v;
  return { numel: sketch.numel, valuesLength: values === null ? null : values.length, valuesSum: values === null ? null : sum, tag };
}

/** sketchAndValues, except that it throws for the tag `refused` (a task failing inside a batch). */
export function sketchAndValuesUnless(sketch: { n: number; numel: number }, values: Float32Array | null, tag: string, refused: string): ReturnType<typeof sketchAndValues> {
  if (tag === refused) throw new Error(`task refused ${tag}`);
  return sketchAndValues(sketch, values, tag);
}

/** What a task on a sketch saw of its histogram: its length and a checksum of keys and counts. */
export function histogramSeen(sketch: { histKeys: ArrayLike<number>; histCounts: ArrayLike<number> }, _values: null, tag: string): { tag: string; length: number; checksum: number } {
  let checksum = 0;
  for (let i = 0; i < sketch.histKeys.length; i++) checksum += (i + 1) * sketch.histKeys[i]! + sketch.histCounts[i]!;
  return { tag, length: sketch.histKeys.length, checksum };
}
