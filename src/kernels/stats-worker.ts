// Worker-thread entry of the statistics pool: one WASM kernel per worker, driven by messages
// from StatsPool (src/kernels/stats-pool.ts). Not imported by anything else.
import { parentPort, workerData } from "node:worker_threads";
import { decodeToFloat32 } from "../formats/dtype.js";
import type { TensorSketch } from "../stats/sketch.js";
import { packedTransfer, packSketch, unpackSketch } from "./packed-sketch.js";
import { installShapeKernels } from "./shape-wasm.js";
import { installSpectralKernels } from "./spectral-wasm.js";
import { readFileRange, StatsJobHost } from "./stats-host.js";
import { callExport, PRELOAD_KEY, taskModule, type StatsRequest, type StatsReply, type TensorReply } from "./stats-pool.js";

const port = parentPort;
if (port === null) throw new Error("stats-worker.ts must run as a worker thread");
// shape statistics run here (StatsPool.call): their hot loops go to the WASM kernels
installShapeKernels();
installSpectralKernels();
let host: StatsJobHost | undefined;
try {
  host = new StatsJobHost();
} catch {
  // reported with the first request (e.g. kernels not built), as a typed error
}

function fail(job: number, err: unknown): void {
  port!.postMessage({ type: "error", job, message: (err as Error).message ?? String(err) } satisfies StatsReply);
}

/** A task call: its result (or error) is posted when it settles; other messages keep their order. */
function runCall(msg: Extract<StatsRequest, { type: "call" }>): void {
  callExport(msg.module, msg.fn, msg.args).then(
    (value) => port!.postMessage({ type: "result", job: msg.job, value } satisfies StatsReply),
    (err: unknown) => fail(msg.job, err),
  );
}

/** The sketch of a "tensor" request's bytes (read here from its file, or handed over), and its values when asked. */
function sketchSource(msg: Extract<StatsRequest, { type: "tensor" }>): { sketch: TensorSketch; values: Float32Array | null } {
  const src = msg.source;
  if ("sketch" in src) return { sketch: unpackSketch(src.sketch), values: null };
  host ??= new StatsJobHost();
  const bytes = "bytes" in src ? src.bytes : msg.values !== "none" ? readFileRange(src.path, src.offset, src.length) : null;
  let sketch: TensorSketch;
  try {
    if (bytes !== null) host.chunk(msg.job, msg.dtype, bytes);
    else if (!("bytes" in src)) host.fileRange(msg.job, msg.dtype, src.path, src.offset, src.length);
    sketch = host.finish(msg.job);
  } catch (err) {
    host.discard(msg.job);
    throw err;
  }
  return { sketch, values: msg.values !== "none" ? decodeToFloat32(msg.dtype, bytes!) : null };
}

/**
 * A tensor request: sketch the tensor's bytes (or take the sketch given), decode its values when
 * asked, run the task on them; the sketch goes back packed, the values transferred when asked.
 */
function runTensor(msg: Extract<StatsRequest, { type: "tensor" }>): void {
  let sketch: TensorSketch;
  let values: Float32Array | null;
  try {
    ({ sketch, values } = sketchSource(msg));
  } catch (err) {
    return fail(msg.job, err);
  }
  const task = msg.task;
  if (task === null) {
    const alone = packSketch(sketch);
    port!.postMessage({ type: "result", job: msg.job, value: alone satisfies TensorReply } satisfies StatsReply, packedTransfer(alone));
    return;
  }
  const packed = "sketch" in msg.source ? null : packSketch(sketch); // packed before the task runs: what it was given
  callExport(task.module, task.fn, [sketch, values, ...task.args]).then((value) => {
    const back = msg.values === "return" ? values : null;
    const transfer = [...(packed !== null ? packedTransfer(packed) : []), ...(back !== null ? [back.buffer as ArrayBuffer] : [])];
    port!.postMessage({ type: "result", job: msg.job, value: { sketch: packed, value, values: back } satisfies TensorReply } satisfies StatsReply, transfer);
  }, (err: unknown) => fail(msg.job, err));
}

port.on("message", (msg: StatsRequest) => (msg.type === "call" ? runCall(msg) : runTensor(msg)));

port.postMessage({ type: "ready" } satisfies StatsReply);
// Task modules named by the pool start loading now, while the main thread opens the store and the checkpoint.
const preload: unknown = (workerData as Record<string, unknown> | null)?.[PRELOAD_KEY];
if (Array.isArray(preload)) for (const url of preload) if (typeof url === "string") void taskModule(url);
