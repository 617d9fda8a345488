// Worker-thread entry of the statistics pool: one WASM kernel per worker, driven by messages
// from StatsPool (src/kernels/stats-pool.ts). Not imported by anything else.
import { parentPort } from "node:worker_threads";
import { installShapeKernels } from "./shape-wasm.js";
import { StatsJobHost } from "./stats-host.js";
import { callExport, type StatsRequest, type StatsReply } from "./stats-pool.js";

const port = parentPort;
if (port === null) throw new Error("stats-worker.ts must run as a worker thread");
// shape statistics run here (StatsPool.call): their hot loops go to the WASM kernels
installShapeKernels();
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

port.on("message", (msg: StatsRequest) => {
  if (msg.type === "call") return runCall(msg);
  let reply: StatsReply;
  try {
    host ??= new StatsJobHost();
    if (msg.type === "chunk") {
      host.chunk(msg.job, msg.dtype, msg.bytes);
      reply = { type: "done", job: msg.job, bytes: msg.bytes.byteLength };
    } else if (msg.type === "range") {
      host.fileRange(msg.job, msg.dtype, msg.path, msg.offset, msg.length);
      reply = { type: "done", job: msg.job, bytes: msg.length };
    } else if (msg.type === "finish") {
      reply = { type: "sketch", job: msg.job, sketch: host.finish(msg.job) };
    } else {
      host.discard(msg.job);
      return;
    }
  } catch (err) {
    reply = { type: "error", job: msg.job, phase: msg.type === "finish" ? "finish" : "chunk", message: (err as Error).message ?? String(err) };
  }
  port.postMessage(reply);
});

port.postMessage({ type: "ready" } satisfies StatsReply);
