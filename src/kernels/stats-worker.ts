// Worker-thread entry of the statistics pool: one WASM kernel per worker, driven by messages
// from StatsPool (src/kernels/stats-pool.ts). Not imported by anything else.
import { parentPort, workerData } from "node:worker_threads";
import { decodeToFloat32 } from "../formats/dtype.js";
import type { TensorSketch } from "../stats/sketch.js";
import { installShapeKernels } from "./shape-wasm.js";
import { installSpectralKernels } from "./spectral-wasm.js";
import { readFileRange, StatsJobHost } from "./stats-host.js";
import { callExport, PRELOAD_KEY, taskModule, type StatsRequest, type StatsReply, type TensorTaskResult } from "./stats-pool.js";

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

/** A task call: its result (or error) is posted when it settles; other messages keep their order. */
function runCall(msg: Extract<StatsRequest, { type: "call" }>): void {
  callExport(msg.module, msg.fn, msg.args).then(
    (value) => port!.postMessage({ type: "result", job: msg.job, value } satisfies StatsReply),
    (err: unknown) => port!.postMessage({ type: "error", job: msg.job, phase: "call", message: (err as Error).message ?? String(err) } satisfies StatsReply),
  );
}

/**
 * A fused tensor task: sketch the tensor's bytes (read here from its file, or handed over), decode
 * its values when asked, run the task on them; the values go back transferred when asked.
 */
function runTensor(msg: Extract<StatsRequest, { type: "tensor" }>): void {
  const fail = (err: unknown) => port!.postMessage({ type: "error", job: msg.job, phase: "call", message: (err as Error).message ?? String(err) } satisfies StatsReply);
  let sketch: TensorSketch;
  let values: Float32Array | null = null;
  try {
    host ??= new StatsJobHost();
    const src = msg.source;
    const bytes = "bytes" in src ? src.bytes : msg.values !== "none" ? readFileRange(src.path, src.offset, src.length) : null;
    try {
      if (bytes !== null) host.chunk(msg.job, msg.dtype, bytes);
      else if (!("bytes" in src)) host.fileRange(msg.job, msg.dtype, src.path, src.offset, src.length);
      sketch = host.finish(msg.job);
    } catch (err) {
      host.discard(msg.job);
      throw err;
    }
    if (msg.values !== "none") values = decodeToFloat32(msg.dtype, bytes!);
  } catch (err) {
    return fail(err);
  }
  callExport(msg.module, msg.fn, [sketch, values, ...msg.args]).then((value) => {
    const back = msg.values === "return" ? values : null;
    const result: TensorTaskResult<unknown> = { sketch, value, values: back };
    port!.postMessage({ type: "result", job: msg.job, value: result } satisfies StatsReply, back !== null ? [back.buffer as ArrayBuffer] : []);
  }, fail);
}

port.on("message", (msg: StatsRequest) => {
  if (msg.type === "call") return runCall(msg);
  if (msg.type === "tensor") return runTensor(msg);
  let reply: StatsReply;
  try {
    host ??= new StatsJobHost();
    if (msg.type === "chunk") {
      host.chunk(msg.job, msg.dtype, msg.bytes);
      reply = { type: "done", job: msg.job, bytes: msg.bytes.byteLength, carried: true };
    } else if (msg.type === "range") {
      host.fileRange(msg.job, msg.dtype, msg.path, msg.offset, msg.length);
      reply = { type: "done", job: msg.job, bytes: msg.length, carried: false };
    } else if (msg.type === "finish") {
      reply = { type: "sketch", job: msg.job, sketch: host.finish(msg.job) };
    } else {
      host.discard(msg.job);
      return;
    }
  } catch (err) {
    reply = { type: "error", job: msg.job, phase: msg.type === "finish" ? "finish" : "chunk", message: (err as Error).message ?? String(err), carried: msg.type === "chunk" };
  }
  port.postMessage(reply);
});

port.postMessage({ type: "ready" } satisfies StatsReply);
// Task modules named by the pool start loading now, while the main thread opens the store and the checkpoint.
const preload: unknown = (workerData as Record<string, unknown> | null)?.[PRELOAD_KEY];
if (Array.isArray(preload)) for (const url of preload) if (typeof url === "string") void taskModule(url);
