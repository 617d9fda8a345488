// The row tasks' shape statistics on real Pythia-shaped tensors, in this thread with the WASM
// shape kernels installed (as on the statistics workers): kept tensors (biases and LayerNorm parameters of <= 65,536 values, isKeptTensor) through
// exactShapeExtra, the others through histogramShapeExtra of their sketch's histogram. Prints
// the CPU time per tensor of each path (process.cpuUsage; the machine is shared, so wall time
// would measure the scheduler) for each of --reps passes, and a checksum of the rows' JSON, so a
// change that must keep the bytes (a faster loop) can show that it does.
// The series comes from tools/reference/pythia_series.py (see bench/analyze-pythia.ts).
// Run: node --import tsx bench/shape-rows.ts [--run $TMPDIR/fp-bench-pythia/pythia-160m/safetensors] [--steps 1000,2000] [--reps 3] [--only exact|histogram]
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverRun } from "../src/runs/discovery.js";
import { readTensorBytes } from "../src/tensor/read.js";
import { decodeToFloat32, DTYPE_IS_FLOAT } from "../src/formats/dtype.js";
import { installShapeKernels } from "../src/kernels/shape-wasm.js";
import { exactShapeExtra, histogramShapeExtra, shapeSeed } from "../src/stats/extras.js";
import { sketchOfValues } from "../src/stats/sketch-values.js";
import { isNonParameterBuffer } from "../src/tensor/names.js";
import { isKeptTensor } from "../src/pipeline/checkpoint-batch.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS } from "../src/util/limits.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const run = arg("--run", join(tmpdir(), "fp-bench-pythia", "pythia-160m", "safetensors"));
const steps = arg("--steps", "1000,2000").split(",").map(Number);
const reps = Number(arg("--reps", "3"));
const only = arg("--only", "both");
if (!installShapeKernels()) throw new Error("the WASM shape kernels are not built: run `npm run build:kernels`");

const kept: Float32Array[] = [];
const histograms: { name: string; step: number; histogram: { keys: ArrayLike<number>; counts: ArrayLike<number> } }[] = [];
for (const cp of (await discoverRun(run)).filter((c) => steps.includes(c.step))) {
  const open = await cp.open();
  for (const t of open.tensors) {
    if (!DTYPE_IS_FLOAT[t.dtype] || isNonParameterBuffer(t.name, t.dtype)) continue;
    const values = decodeToFloat32(t.dtype, await readTensorBytes(t));
    if (isKeptTensor(t, DEFAULT_KEEP_FULL_MAX_ELEMENTS)) kept.push(values);
    else {
      const s = sketchOfValues(values);
      histograms.push({ name: t.name, step: cp.step, histogram: { keys: s.histKeys, counts: s.histCounts } });
    }
  }
  await open.close();
}
if (kept.length + histograms.length === 0) throw new Error(`no tensors at steps ${steps.join(",")} under ${run}`);

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const hash = createHash("sha256");
for (let rep = 0; rep < reps; rep++) {
  let t0 = cpuMs();
  if (only !== "histogram") for (const v of kept) {
    const row = exactShapeExtra(v);
    if (rep === 0) hash.update(JSON.stringify(row));
  }
  const exact = cpuMs() - t0;
  t0 = cpuMs();
  if (only !== "exact") for (const h of histograms) {
    const row = histogramShapeExtra(h.histogram, shapeSeed("tensor", h.name, h.step));
    if (rep === 0) hash.update(JSON.stringify(row));
  }
  const hist = cpuMs() - t0;
  const per = (ms: number, n: number) => (n === 0 ? "-" : (ms / n).toFixed(2));
  console.log(`pass ${rep + 1}: exact ${kept.length} kept tensors ${exact.toFixed(0)} ms (${per(exact, kept.length)} ms each); histogram ${histograms.length} tensors ${hist.toFixed(0)} ms (${per(hist, histograms.length)} ms each)`);
}
console.log(`rows checksum ${hash.digest("hex").slice(0, 16)} (the JSON of every row of the first pass)`);
