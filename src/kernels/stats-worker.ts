// Worker-thread entry of the statistics pool: one WASM kernel per worker, driven by messages
// from StatsPool (src/kernels/stats-pool.ts). Not imported by anything else.
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { decodeToFloat32 } from "../formats/dtype.js";
import { packedTransfer, type PackedSketch } from "./packed-sketch.js";
import { installShapeKernels } from "./shape-wasm.js";
import { installSpectralKernels } from "./spectral-wasm.js";
import { readFileRange, readFileRangeInto, StatsJobHost } from "./stats-host.js";
import { callExport, isFinishing, PRELOAD_KEY, priorityOf, taskModule, type JobReply, type StatsRequest, type StatsReply, type TensorReply, type TensorRequest } from "./worker-protocol.js";
import { loadSamplingEnabled, threadId, threadStamp, timelineEnabled, type ThreadStamp } from "../util/timeline.js";

// FP_TIMELINE=1: this worker's start-up moments, sent to the main thread once its task modules are loaded
const bootStamps: ThreadStamp[] = timelineEnabled
  ? [threadStamp("environment created", performance.nodeTiming.environment), threadStamp("node bootstrapped", performance.nodeTiming.bootstrapComplete), threadStamp("modules loaded")]
  : [];

const port = parentPort;
if (port === null) throw new Error("stats-worker.ts must run as a worker thread");
// shape statistics run here (StatsPool.call): their hot loops go to the WASM kernels
installShapeKernels();
installSpectralKernels();
if (timelineEnabled) bootStamps.push(threadStamp("kernels installed"));
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

/**
 * Bytes read here for a tensor whose values are needed (kept, spectral) up to this size go
 * through one buffer kept by the worker instead of a fresh one per tensor (the values are
 * decoded into their own array); larger ones get their own buffer, freed after the task.
 */
const READ_SCRATCH_MAX_BYTES = 1024 * 1024;
let readScratch = new Uint8Array(0);

/**
 * `length` bytes of `path` at `offset` (through `fd` when given): a view of the worker's read
 * buffer (valid until the next read) when small, unless `own` (then a fresh buffer).
 */
function readValueBytes(path: string, offset: number, length: number, fd: number | undefined, own: boolean): Uint8Array {
  if (own || length > READ_SCRATCH_MAX_BYTES) return readFileRange(path, offset, length, fd);
  if (readScratch.byteLength < length) readScratch = new Uint8Array(Math.min(READ_SCRATCH_MAX_BYTES, Math.max(length, 2 * readScratch.byteLength)));
  return readFileRangeInto(path, offset, readScratch.subarray(0, length), fd);
}

/**
 * The sketch of a "tensor" request's bytes (read here from its file, or handed over) with its
 * histogram in typed arrays (as it is posted back), or the packed sketch it was given; and the
 * tensor's values when asked.
 */
function sketchSource(msg: TensorRequest): { sketch: PackedSketch; values: Float32Array | null } {
  const src = msg.source;
  if ("sketch" in src) return { sketch: src.sketch, values: null };
  host ??= new StatsJobHost();
  const wanted = msg.values !== "none" && !("bytes" in src);
  // F16/BF16 values read here are read into wasm memory, counted and decoded there (StatsJobHost.fileRangeValues)
  const half = wanted && (msg.dtype === "F16" || msg.dtype === "BF16");
  // F32 values read here are read into their own buffer, which becomes the values (no decoding copy)
  const ownF32 = wanted && msg.dtype === "F32";
  const bytes = "bytes" in src ? src.bytes : msg.values !== "none" && !half ? readValueBytes(src.path, src.offset, src.length, src.fd, ownF32) : null;
  let sketch: PackedSketch;
  let decoded: Float32Array | null = null;
  try {
    if (bytes !== null) host.chunk(msg.job, msg.dtype, bytes);
    else if (half) decoded = host.fileRangeValues(msg.job, msg.dtype as "F16" | "BF16", src.path, src.offset, src.length, src.fd);
    else if (!("bytes" in src)) host.fileRange(msg.job, msg.dtype, src.path, src.offset, src.length, src.fd);
    sketch = host.finishPacked(msg.job);
  } catch (err) {
    host.discard(msg.job);
    throw err;
  }
  if (msg.values === "none") return { sketch, values: null };
  return { sketch, values: decoded ?? (ownF32 ? new Float32Array(bytes!.buffer, 0, bytes!.byteLength >> 2) : decodeToFloat32(msg.dtype, bytes!)) };
}

/** A reply and the buffers it transfers. */
interface Outgoing { reply: JobReply; transfer: ArrayBuffer[] }

function errorReply(job: number, err: unknown): Outgoing {
  return { reply: { type: "error", job, message: (err as Error).message ?? String(err) }, transfer: [] };
}

/**
 * A tensor request: sketch the tensor's bytes (or take the sketch given), decode its values when
 * asked, run the task on them; the sketch goes back packed, the values transferred when asked.
 * The task reads the sketch's histogram in the typed arrays that are then transferred (tasks
 * are pure functions of their arguments and keep no reference to them). Resolves to the reply
 * (an "error" reply when anything failed); never rejects. The sketching is done before it returns.
 */
function tensorReply(msg: TensorRequest): Outgoing | Promise<Outgoing> {
  let sketch: PackedSketch;
  let values: Float32Array | null;
  try {
    ({ sketch, values } = sketchSource(msg));
  } catch (err) {
    return errorReply(msg.job, err);
  }
  const task = msg.task;
  if (task === null) return { reply: { type: "result", job: msg.job, value: sketch satisfies TensorReply }, transfer: packedTransfer(sketch) };
  const given = "sketch" in msg.source ? msg.source : null;
  const packed = given !== null ? null : sketch; // a sketch given is not sent back, only a lent one's histogram
  return callExport(task.module, task.fn, [sketch, values, ...task.args]).then((value): Outgoing => {
    const back = msg.values === "return" ? values : null;
    const transfer = [...(packed !== null ? packedTransfer(packed) : []), ...(back !== null ? [back.buffer as ArrayBuffer] : [])];
    if (given?.lent === true) {
      transfer.push(...packedTransfer(sketch));
      return { reply: { type: "result", job: msg.job, value: { sketch: null, value, values: back, lent: { histKeys: sketch.histKeys, histCounts: sketch.histCounts } } satisfies TensorReply }, transfer };
    }
    return { reply: { type: "result", job: msg.job, value: { sketch: packed, value, values: back } satisfies TensorReply }, transfer };
  }, (err: unknown) => errorReply(msg.job, err));
}

function send(out: Outgoing): void {
  port!.postMessage(out.reply, out.transfer);
}

function runTensor(msg: TensorRequest): void {
  const out = tensorReply(msg);
  if (out instanceof Promise) void out.then(send);
  else send(out);
}

/**
 * A batch of tensor requests (StatsPool batches small ones): each is done as runTensor does it,
 * in order, and their replies go back in one message, in the same order, each its own result or
 * error; the buffers of all of them are transferred.
 */
function runBatch(msg: Extract<StatsRequest, { type: "batch" }>): void {
  void Promise.all(msg.requests.map(tensorReply)).then((outs) => {
    const transfer: ArrayBuffer[] = [];
    for (const o of outs) for (const b of o.transfer) transfer.push(b);
    port!.postMessage({ type: "batch", replies: outs.map((o) => o.reply) } satisfies StatsReply, transfer);
  });
}

function run(msg: StatsRequest): void {
  if (msg.type === "call") runCall(msg);
  else if (msg.type === "tensor") runTensor(msg);
  else runBatch(msg);
}

/**
 * Requests taken from the port as they come and run one per turn of the event loop, finishing
 * ones first (isFinishing). The pool keeps each worker's queue deep (kernels/stats-pool.ts:
 * QUEUED_WORK_PER_WORKER, ~0.25 s of work) so that it never runs dry while the main thread is
 * blocked; run in arrival order, a checkpoint's group tasks waited behind that much of the next
 * checkpoints' tensors, its store write with them, and the writes piled up at the end. Within each
 * queue, requests run by priority (lower first: an earlier checkpoint's), then in arrival order:
 * the next checkpoints' tensors queued ahead of the end of this one wait for it, so the checkpoints
 * finish one after the other, not together. One request per turn also lets module loading (a
 * task module's import) go on between requests.
 */
interface Queued { msg: StatsRequest; priority: number }
const finishing: Queued[] = [];
const waiting: Queued[] = [];
let pumping = false;

function pump(): void {
  const next = finishing.shift() ?? waiting.shift();
  if (next !== undefined) run(next.msg);
  if (finishing.length + waiting.length > 0) setImmediate(pump);
  else pumping = false;
}

/** Adds `msg` to `queue` after every request of the same or a lower priority (the queue stays sorted). */
function enqueue(queue: Queued[], msg: StatsRequest): void {
  const priority = priorityOf(msg);
  let at = queue.length;
  while (at > 0 && queue[at - 1]!.priority > priority) at--;
  queue.splice(at, 0, { msg, priority });
}

port.on("message", (msg: StatsRequest) => {
  enqueue(isFinishing(msg) ? finishing : waiting, msg);
  if (!pumping) {
    pumping = true;
    setImmediate(pump);
  }
});

port.postMessage((loadSamplingEnabled ? { type: "ready", tid: threadId() } : { type: "ready" }) satisfies StatsReply);
// Task modules named by the pool start loading now, while the main thread opens the store and the checkpoint.
const preload: unknown = (workerData as Record<string, unknown> | null)?.[PRELOAD_KEY];
const preloading = Array.isArray(preload) ? preload.filter((url): url is string => typeof url === "string").map((url) => taskModule(url)) : [];
if (timelineEnabled) {
  void Promise.allSettled(preloading).then(() => {
    bootStamps.push(threadStamp("task modules loaded"));
    port.postMessage({ type: "timeline", stamps: bootStamps } satisfies StatsReply);
  });
}
