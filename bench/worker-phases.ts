// What a statistics worker does per tensor between receiving a "tensor" request and posting its
// result, phase by phase, in this thread with the worker's kernels installed: the read (file
// range into the kernel, or into a buffer for kept tensors), the sketch pass, the sketch read
// back, its packing, the row task (summary, histogram shape, exact shape of kept tensors), the
// reply's structured clone (v8.serialize: what postMessage does, and deserialize: the main
// thread's side). CPU ms per tensor (process.cpuUsage; the machine is shared) per class: large
// (histogram shape) and kept (exact shape). Also a checksum of the rows' JSON: a change that
// must keep the bytes shows that it does.
// Run: node --import tsx bench/worker-phases.ts [--run /tmp/path-bench/pythia-160m/safetensors] [--steps 1000,2000] [--reps 3]
import { createHash } from "node:crypto";
import { serialize, deserialize } from "node:v8";
import { discoverRun } from "../src/runs/discovery.js";
import { DTYPE_IS_FLOAT, DTYPE_ITEMSIZE, decodeToFloat32 } from "../src/formats/dtype.js";
import type { TensorRef } from "../src/formats/tensor-ref.js";
import { installShapeKernels } from "../src/kernels/shape-wasm.js";
import { installSpectralKernels } from "../src/kernels/spectral-wasm.js";
import { readFileRangeInto, StatsJobHost } from "../src/kernels/stats-host.js";
import { unpackSketch } from "../src/kernels/packed-sketch.js";
import { summarizeSketch } from "../src/stats/summary.js";
import { exactShapeExtra, histogramShapeExtra, shapeSeed } from "../src/stats/extras.js";
import { isKeptTensor } from "../src/pipeline/checkpoint-batch.js";
import { isNonParameterBuffer } from "../src/tensor/names.js";
import { isContiguousView } from "../src/tensor/read.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS } from "../src/util/limits.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const run = arg("--run", "/tmp/path-bench/pythia-160m/safetensors");
const steps = arg("--steps", "1000,2000").split(",").map(Number);
const reps = Number(arg("--reps", "3"));
installShapeKernels();
installSpectralKernels();
const host = new StatsJobHost();

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const PHASES = ["read", "sketch", "finish", "pack", "summary", "shape", "post", "receive"] as const;
type Phase = (typeof PHASES)[number];
type Totals = Record<Phase, number> & { tensors: number; bytes: number };
const zero = (): Totals => ({ read: 0, sketch: 0, finish: 0, pack: 0, summary: 0, shape: 0, post: 0, receive: 0, tensors: 0, bytes: 0 });

interface Target { ref: TensorRef; step: number; path: string; offset: number; length: number; kept: boolean }
const targets: Target[] = [];
for (const cp of (await discoverRun(run)).filter((c) => steps.includes(c.step))) {
  const open = await cp.open();
  for (const t of open.tensors) {
    if (!DTYPE_IS_FLOAT[t.dtype] || isNonParameterBuffer(t.name, t.dtype)) continue;
    const path = t.source.localPath;
    if (path === undefined || !isContiguousView(t)) throw new Error(`${t.name}: not a local contiguous tensor`);
    const itemsize = DTYPE_ITEMSIZE[t.dtype];
    const offset = t.view ? t.view.storageByteOffset + t.view.storageOffset * itemsize : t.byteOffset;
    targets.push({ ref: t, step: cp.step, path, offset, length: t.numel * itemsize, kept: isKeptTensor(t, DEFAULT_KEEP_FULL_MAX_ELEMENTS) });
  }
  await open.close();
}

let job = 1;
/** Each phase's least CPU over the passes (the machine is shared: the minimum is the least disturbed). */
const best = { large: zero(), kept: zero() };
for (const b of Object.values(best)) for (const p of PHASES) b[p] = Infinity;
let scratch = new Uint8Array(0);
const hash = createHash("sha256");
for (let rep = 0; rep < reps; rep++) {
  const large = zero(), kept = zero();
  for (const t of targets) {
    const acc = t.kept ? kept : large;
    const id = job++;
    let t0 = cpu(), t1: number;
    const lap = (p: Phase) => {
      t1 = cpu();
      acc[p] += t1 - t0;
      t0 = t1;
    };
    let values: Float32Array | null = null;
    if (t.kept) {
      if (scratch.byteLength < t.length) scratch = new Uint8Array(t.length);
      const bytes = readFileRangeInto(t.path, t.offset, scratch.subarray(0, t.length));
      lap("read");
      host.chunk(id, t.ref.dtype, bytes);
      lap("sketch");
      values = decodeToFloat32(t.ref.dtype, bytes);
    } else {
      host.fileRange(id, t.ref.dtype, t.path, t.offset, t.length);
      lap("sketch"); // read + pass (see the read-only figure below)
    }
    // as the worker (stats-worker.ts): the sketch read back with its histogram in typed arrays,
    // which the task reads and the reply transfers
    const sketch = host.finishPacked(id);
    lap("finish");
    const packed = sketch;
    lap("pack");
    const summary = summarizeSketch(sketch);
    lap("summary");
    const extra = t.kept ? exactShapeExtra(values!) : histogramShapeExtra({ keys: sketch.histKeys, counts: sketch.histCounts }, shapeSeed("tensor", t.ref.name, t.step));
    lap("shape");
    const reply = { type: "result", job: id, value: { sketch: packed, value: { summary, extra }, values: t.kept ? values : null } };
    const wire = serialize(reply); // (the real reply transfers the histogram's buffers instead of copying them)
    lap("post");
    const back = deserialize(wire) as typeof reply;
    unpackSketch(back.value.sketch);
    lap("receive");
    acc.tensors++;
    acc.bytes += t.length;
    if (rep === 0) hash.update(JSON.stringify({ summary, extra }));
  }
  // the read alone: every large tensor's range into one reused buffer (what the page cache costs)
  const buf = new Uint8Array(8 * 1024 * 1024);
  const { openSync, readSync, closeSync } = await import("node:fs");
  let t0 = cpu();
  for (const t of targets) {
    if (t.kept) continue;
    const fd = openSync(t.path, "r");
    for (let at = 0; at < t.length; at += buf.length) readSync(fd, buf, 0, Math.min(buf.length, t.length - at), t.offset + at);
    closeSync(fd);
  }
  const readOnly = cpu() - t0;
  const show = (what: string, a: Totals) => {
    const per = (ms: number) => (a.tensors === 0 ? "-" : (ms / a.tensors).toFixed(3));
    const total = PHASES.reduce((s, p) => s + a[p], 0);
    console.log(`  ${what}: ${a.tensors} tensors, ${(a.bytes / 1e6).toFixed(0)} MB, ${total.toFixed(0)} CPU ms (${per(total)} ms each): ` +
      PHASES.map((p) => `${p} ${per(a[p])}`).join(", "));
  };
  for (const [b, a] of [[best.large, large], [best.kept, kept]] as const) {
    for (const p of PHASES) b[p] = Math.min(b[p], a[p]);
    b.tensors = a.tensors;
    b.bytes = a.bytes;
  }
  console.log(`pass ${rep + 1}:`);
  show("large", large);
  show("kept ", kept);
  console.log(`  read alone of the large tensors into a reused 8 MiB buffer: ${readOnly.toFixed(0)} CPU ms (${(large.bytes / 1e6 / readOnly).toFixed(2)} GB/s)`);
}
console.log(`least over ${reps} passes, phase by phase:`);
for (const [what, b] of Object.entries(best)) {
  const per = (ms: number) => (b.tensors === 0 ? "-" : (ms / b.tensors).toFixed(3));
  const beyond = PHASES.filter((p) => p !== "sketch" && p !== "read" && !(p === "shape" && what === "kept")).reduce((sum, p) => sum + b[p], 0);
  console.log(`  ${what}: ${PHASES.map((p) => `${p} ${per(b[p])}`).join(", ")} ms per tensor; beyond the read, the sketch pass${what === "kept" ? " and the exact shape" : ""}: ${per(beyond)} ms per tensor`);
}
console.log(`rows checksum ${hash.digest("hex").slice(0, 16)} (summary and extra of every tensor, first pass)`);
