// Child process of the write-path memory test: writes the rows of `tensors` one-element tensors
// (as analyze hands them over: summary, shape extras, histogram and sketch) as 3 checkpoints into
// a new store at <dir>, and prints {seconds, cpuSeconds, baseRssMb, maxRssMb} as JSON, the base
// being the RSS once the store is open and the rows are built.
import { Store } from "../../../src/store/store.js";
import { sketchOfValues } from "../../../src/stats/sketch-values.js";
import { tensorRowStats } from "../../../src/pipeline/row-tasks.js";
import { DEFAULT_SHAPE_SAMPLE_SIZE } from "../../../src/stats/extras.js";
import type { TensorStatsInput } from "../../../src/store/types.js";

const [dir, tensorsArg] = process.argv.slice(2);
const tensors = Number(tensorsArg);
// 64 templates, each row a structured clone as it arrives from a worker (no strings shared between rows)
const templates = Array.from({ length: 64 }, (_, i) => {
  const sketch = sketchOfValues([Math.sin(i) * 0.05]);
  const stats = tensorRowStats({ name: `t.${i}`, step: 0, sketch, values: null, kept: false, spectral: null, shapeSampleSize: DEFAULT_SHAPE_SAMPLE_SIZE });
  return { stats, sketch };
});
const rows: TensorStatsInput[] = Array.from({ length: tensors }, (_, i) => {
  const { stats, sketch } = structuredClone(templates[i % templates.length]!);
  return {
    ...stats.summary, ...(stats.extra !== undefined && { extra: stats.extra }), tensor: `t.${i}`, layer: null, role: "other", kind: "weight", dtype: "F32", shape: [1],
    histogram: { keys: sketch.histKeys, counts: sketch.histCounts }, sketch,
  };
});
const store = await Store.openDir(dir!);
try {
  await store.putRun({ run_id: "r", source: "/x" });
  const baseRssMb = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const step of [0, 1, 2]) {
    // the garbage of the previous write collected first (run with --expose-gc): the peak is one
    // write's working set, not however much garbage V8 let accumulate (which varied by ~80 MB)
    (globalThis as { gc?: () => void }).gc?.();
    await store.writeCheckpoint("r", { checkpoint: { step, label: `checkpoint-${step}`, path: `/x/checkpoint-${step}`, format: "safetensors", n_tensors: tensors, total_bytes: 4 * tensors }, tensors: rows });
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({
    seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, baseRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
} finally {
  await store.close();
}
