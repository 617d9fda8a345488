// StatsPool: sketches tensors with the WASM statistics kernel on worker threads. Contiguous
// tensors whose ByteSource names a local file (`localPath`: local folders, the Hub cache) are
// sent as byte ranges that each worker reads straight into its wasm memory (no copy, no
// main-thread I/O); other sources (HTTP, memory, strided views) are read by the main thread
// (readTensorChunks) and their chunks transferred (a ByteSource's reads belong to the caller).
// A tensor larger than one message is cut into parts (file ranges or chunks), each sketched on
// its own by whichever worker is free, and the parts' sketches are merged here in the tensor's
// order: the result does not depend on which worker did what. workers = 0 runs the kernel in
// this thread (tests, tiny jobs).
// sketchAndCall does a whole tensor in one worker message: the worker reads (or is handed, once)
// its bytes, sketches them, decodes the values when asked and runs a task on sketch and values,
// so a tensor costs one message each way (small ones share it: BATCH_MAX_REQUESTS) and its bytes
// cross threads at most once. Sketches cross threads packed (kernels/packed-sketch.ts: histogram
// buffers transferred, not cloned).
import type { Worker } from "node:worker_threads";
import { DTYPE_IS_FLOAT, DTYPE_ITEMSIZE, decodeToFloat32, type Dtype } from "../formats/dtype.js";
import type { TensorRef } from "../formats/tensor-ref.js";
import type { TensorSketch } from "../stats/sketch.js";
import { isContiguousView, readTensorBytes, readTensorChunks } from "../tensor/read.js";
import { KernelError, UsageError } from "../util/errors.js";
import { STATS_CHUNK_BYTES } from "../util/limits.js";
import { MODULE_EXT, sharedKernelData, startModuleWorker } from "./load.js";
import { addProbe, addThreadProbes, stamp, stampFrom, stampLast } from "../util/timeline.js";
import { mergePackedSketches, packedTransfer, packSketch, typedSketch, unpackSketch, type PackedSketch } from "./packed-sketch.js";
import type { StatsJobHost } from "./stats-host.js";
import { callExport, PRELOAD_KEY, type JobReply, type LentHistogram, type StatsReply, type StatsRequest, type TensorBytes, type TensorRequest, type TensorValues } from "./worker-protocol.js";

export { callExport, PRELOAD_KEY, taskModule, type StatsReply, type StatsRequest, type TensorBytes, type TensorReply, type TensorSource, type TensorTask, type TensorValues } from "./worker-protocol.js";

/** Result of sketchAndCall: the tensor's sketch, the task's result and (values "return") its values. */
export interface TensorTaskResult<T> {
  sketch: TensorSketch;
  value: T;
  values: Float32Array | null;
}
/** A TensorTaskResult whose sketch's histogram is in typed arrays (StatsPool.sketchAndCallPacked). */
export interface PackedTaskResult<T> {
  sketch: PackedSketch;
  value: T;
  values: Float32Array | null;
}

/** A plain sketch as typedSketch builds packed ones (its histogram copied into typed arrays). */
function typedOf(sketch: TensorSketch): PackedSketch {
  return typedSketch(sketch, Int32Array.from(sketch.histKeys), Float64Array.from(sketch.histCounts));
}

export interface SketchTensorOptions {
  /** Bytes per chunk read and dispatched (default STATS_CHUNK_BYTES; file ranges: FILE_RANGE_BYTES). */
  chunkBytes?: number;
  /** Called with the byte count of each chunk once it has been processed. */
  onBytes?: (n: number) => void;
  /** Its requests' place among those waiting for a worker (see StatsPool's queue; default 0). */
  priority?: number;
}

/**
 * Requests queued per worker, at most: with QUEUED_WORK_PER_WORKER, deep enough that the workers
 * keep busy while this thread is blocked (a store write blocks it 0.1-0.25 s on a calm machine,
 * 0.3-0.6 s under load: with 16 requests, ~50 ms of a worker's work on 160m, the workers went idle
 * during each write; FP_LOAD_MS shows it). Messages that carry bytes (transferred chunks and
 * tensors read here) are limited to MAX_CARRYING_PER_WORKER, which bounds the memory they hold to
 * workers x 2 x STATS_CHUNK_BYTES (plus kept/spectral tensors, small); file ranges and calls hold
 * no bytes until a worker runs them, and their replies (a sketch, kept values up to
 * DEFAULT_KEEP_FULL_MAX_ELEMENTS) are small.
 */
export const MAX_QUEUED_PER_WORKER = 64;
/**
 * Work queued per worker, at most, in bytes of tensor data plus REQUEST_WORK_BYTES per request (a
 * worker does ~0.5 GB of fp16 tensors per CPU second with their shape statistics: 128 MiB is
 * ~0.25 s of its work, a store write's worth). A worker whose queue is empty always takes one
 * request, however large. Requests go to the worker with the least queued work, so the two
 * finish together (a deep queue assigned by count would leave one with much more at the end).
 */
export const QUEUED_WORK_PER_WORKER = 128 * 1024 * 1024;
/** The work of a request beyond its bytes (its message, its task: shape statistics of a sketch), in bytes of tensor data. */
export const REQUEST_WORK_BYTES = 1024 * 1024;
/** Byte-carrying messages queued per worker (see MAX_QUEUED_PER_WORKER). */
export const MAX_CARRYING_PER_WORKER = 2;
/** Bytes per file range a worker reads itself (large: no buffer is allocated for it). */
export const FILE_RANGE_BYTES = 16 * 1024 * 1024;
/**
 * Tensors in a local file up to this size, tensors read by this thread up to STATS_CHUNK_BYTES, and
 * every tensor whose values are needed are done by one worker in one message (sketchAndCall);
 * larger ones are split over the workers and their task runs after the merge.
 */
export const FUSED_FILE_MAX_BYTES = FILE_RANGE_BYTES;
/**
 * Kernels compiled once here and handed to every worker (a WebAssembly.Module is shared, not
 * recompiled): the workers then also share the code V8 compiles lazily and tiers up as they run,
 * so one worker's warm-up serves the other.
 */
const SHARED_KERNELS = ["stats", "shape", "shape-binned", "spectral"] as const;
/**
 * Requests for small tensors (whole tensors of at most BATCH_TENSOR_MAX_BYTES, and tasks on a sketch
 * made elsewhere: groups) bound for the same worker in the same turn of the event loop go in one
 * message of up to this many, answered by one reply: each message costs both threads a dispatch,
 * a promise and a structured-clone envelope whatever it holds (160m: 561 messages, of which ~380
 * for biases, LayerNorm vectors and groups). A few per message keep the worker's queue deep
 * (MAX_QUEUED_PER_WORKER) and the first result of a batch near.
 */
export const BATCH_MAX_REQUESTS = 8;
/** Tensors up to this many bytes are batched (see BATCH_MAX_REQUESTS); larger ones cost far more than their message. */
export const BATCH_TENSOR_MAX_BYTES = 256 * 1024;
/** Largest worker count accepted. */
export const MAX_STATS_WORKERS = 64;
/**
 * Young-generation cap of each statistics worker's V8 heap, in MB (Worker resourceLimits). A
 * worker's garbage is short-lived (request and reply objects per tensor), and by default V8 lets
 * its young generation grow to 48 MB per worker, all of it resident: with two workers that was
 * ~60-80 MiB of the peak RSS of 20,000 one-element tensors x 3 (issue 13 item 6: 456-517 MiB over
 * 8 runs, 420-437 with 8 MB over 3), with no measurable CPU or wall change on the demo and on 160m.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** A worker, its messages in flight, its batch being gathered and whether it has said "ready" (its start-up done). */
interface Slot { worker: Worker; inFlight: number; carrying: number; work: number; batch: Queued[]; ready: boolean }
/** A batchable request waiting for its turn's batch to be sent (see BATCH_MAX_REQUESTS). */
interface Queued { request: TensorRequest; transfer: ArrayBuffer[] }
/** A request waiting for a slot (see StatsPool.queue). */
interface Acquirer { carriesBytes: boolean; work: number; priority: number; resolve: (w: number) => void; reject: (e: Error) => void }
interface Call { what: string; carried: boolean; work: number; resolve: (value: unknown) => void; reject: (e: Error) => void }

export class StatsPool {
  private nextJob = 1;
  private readonly calls = new Map<number, Call>();
  private waiters: (() => void)[] = [];
  /**
   * Requests waiting for a slot, served in order of priority (lower first: an analysis gives each
   * checkpoint its index), then of arrival (a request never takes a slot ahead of one that waits
   * with the same or a lower priority): tensors are dispatched in the order the analysis starts
   * them, a large tensor's parts together, and an earlier checkpoint's tensors before a later
   * one's, so the checkpoints finish (and are written) one after the other instead of together.
   * `finishing` ones (tasks on a sketch made elsewhere: merged parts, groups) first.
   */
  private readonly queue: Acquirer[] = [];
  private readonly finishingQueue: Acquirer[] = [];
  private broken: Error | undefined;
  private closed = false;
  private stopping: Promise<void> | undefined;
  private batchScheduled = false;
  /** Messages posted to the workers, and requests they carried (a batch carries several). */
  private posted = { messages: 0, requests: 0 };
  /** The most work each worker had queued at once (see QUEUED_WORK_PER_WORKER). */
  private readonly mostQueued: number[];
  /** Resolves `started` (see there). */
  private settleStarted!: () => void;
  /**
   * Resolves once every worker has said "ready" (its start-up done: node's bootstrap, its modules
   * and kernels loaded), at once for a pool of 0 workers or one created without `early`; also
   * when the pool fails or closes first. Never rejects.
   */
  readonly started: Promise<void> = new Promise((resolve) => (this.settleStarted = resolve));

  private constructor(private readonly slots: Slot[], private readonly host: StatsJobHost | undefined, private readonly queuedWorkLimit = QUEUED_WORK_PER_WORKER) {
    this.mostQueued = slots.map(() => 0);
    slots.forEach((slot, i) => {
      slot.worker.on("message", (msg: StatsReply) => this.onReply(i, msg));
      slot.worker.on("error", (err) => this.fail(new KernelError(`statistics worker ${i} ${slot.ready ? "crashed" : "failed to start"}: ${err.message}`, { cause: err })));
      slot.worker.on("exit", (code) => {
        if (!this.closed) this.fail(new KernelError(`statistics worker ${i} exited (code ${code})`));
      });
      // FP_LOAD_MS: the worker's event-loop activity (idle: nothing to do) and its requests in flight
      addProbe(`w${i}`, () => (this.closed ? NaN : slot.worker.performance.eventLoopUtilization().active), true);
      addProbe(`w${i}q`, () => slot.inFlight, false);
    });
    addProbe("waitq", () => this.queue.length + this.finishingQueue.length, false);
    if (slots.every((s) => s.ready)) this.settleStarted();
  }

  /**
   * A pool of `workers` threads (0: in-thread kernel). Close it with close(). `preload`: task
   * modules (StatsPool.call, sketchAndCall) each worker starts importing at once, so their loading
   * overlaps the caller's own start-up instead of delaying the first task. `early`: the pool is
   * returned as soon as its workers are started, not once each is ready: requests posted
   * meanwhile wait in the workers' queues (a worker runs them once started), so the first tasks
   * go out while the workers load their modules and kernels, and a ready worker does not wait
   * for a slower one; a worker that fails to start then fails the pool (every request rejects
   * with "statistics worker i failed to start: ...") instead of its creation. `queuedWork`: the
   * work queued per worker (QUEUED_WORK_PER_WORKER; tests set a small one).
   */
  static async create(workers: number, options: { preload?: readonly string[]; early?: boolean; queuedWork?: number } = {}): Promise<StatsPool> {
    if (!Number.isInteger(workers) || workers < 0 || workers > MAX_STATS_WORKERS) {
      throw new UsageError(`StatsPool: workers must be an integer in [0, ${MAX_STATS_WORKERS}], got ${workers}`);
    }
    if (workers === 0) {
      // calls run in this thread: the same kernels as in the workers (loaded only here: the workers load their own)
      const [shape, spectral, host] = await Promise.all([import("./shape-wasm.js"), import("./spectral-wasm.js"), import("./stats-host.js")]);
      shape.installShapeKernels();
      spectral.installSpectralKernels();
      return new StatsPool([], new host.StatsJobHost());
    }
    const url = new URL("./stats-worker" + MODULE_EXT, import.meta.url);
    const workerData = { ...sharedKernelData(SHARED_KERNELS), [PRELOAD_KEY]: [...(options.preload ?? [])] };
    const start = () => {
      const worker = startModuleWorker(url, { workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      stampLast("pool: workers started");
      return worker;
    };
    if (options.early === true) return new StatsPool(Array.from({ length: workers }, () => ({ worker: start(), inFlight: 0, carrying: 0, work: 0, batch: [], ready: false })), undefined, options.queuedWork);
    const slots = await Promise.all(Array.from({ length: workers }, (_, i) => new Promise<Slot>((resolve, reject) => {
      const worker = start();
      worker.once("message", (msg: StatsReply) => {
        if (msg.type === "ready" && msg.tid !== undefined) addThreadProbes(`w${i}`, msg.tid);
        if (msg.type === "ready") resolve({ worker, inFlight: 0, carrying: 0, work: 0, batch: [], ready: true });
        else reject(new KernelError(`statistics worker sent ${msg.type} before ready`));
      });
      worker.once("error", (err) => reject(new KernelError(`statistics worker failed to start: ${err.message}`, { cause: err })));
    })));
    return new StatsPool(slots, undefined, options.queuedWork);
  }

  get workerCount(): number {
    return this.slots.length;
  }

  /** The most work (bytes of tensor data plus REQUEST_WORK_BYTES per request) each worker had queued at once so far. */
  get largestQueuedWork(): number[] {
    return [...this.mostQueued];
  }

  /** Messages posted to the workers so far, and the requests they carried (more when requests were batched). */
  get messageCounts(): { messages: number; requests: number } {
    return { ...this.posted };
  }

  /**
   * Sketch of a float tensor (F64/F32/F16/BF16), read in parts through its ByteSource (file
   * ranges of FILE_RANGE_BYTES read by the workers, or chunks of STATS_CHUNK_BYTES read here),
   * each part sketched by a free worker; the parts' sketches are merged in order.
   */
  async sketchTensor(ref: TensorRef, options: SketchTensorOptions = {}): Promise<TensorSketch> {
    const sketch = await this.sketchTensorPacked(ref, options);
    return Array.isArray(sketch.histKeys) ? sketch as TensorSketch : unpackSketch(sketch as PackedSketch);
  }

  /** sketchTensor with the parts kept packed and merged in typed arrays (mergePackedSketches); in-thread, the plain sketch. */
  private async sketchTensorPacked(ref: TensorRef, options: SketchTensorOptions = {}): Promise<PackedSketch | TensorSketch> {
    const what = `${ref.file}: tensor "${ref.name}"`;
    if (this.closed) throw new UsageError(`${what}: the statistics pool is closed`);
    if (!DTYPE_IS_FLOAT[ref.dtype]) {
      throw new UsageError(`${what}: dtype ${ref.dtype} has no distribution statistics; only F64, F32, F16 and BF16 tensors are sketched (count integer/bool tensors instead)`);
    }
    const file = this.host === undefined ? localFileRange(ref) : undefined;
    const chunks = file === undefined ? readTensorChunks(ref, options.chunkBytes ?? STATS_CHUNK_BYTES) : undefined;
    if (this.host !== undefined) return this.sketchInThread(this.host, this.nextJob++, ref.dtype, chunks!, options.onBytes);
    const parts: Promise<PackedSketch>[] = [];
    let failed = false;
    const sketchPart = async (source: TensorBytes, length: number): Promise<PackedSketch> => {
      const carries = "bytes" in source;
      const work = workOf(length);
      const w = await this.acquire(carries, work, false, options.priority ?? 0);
      const packed = await this.post<PackedSketch>(w, what, (job) => ({ type: "tensor", job, dtype: ref.dtype, source, values: "none", task: null, priority: options.priority ?? 0 }),
        carries ? [source.bytes.buffer as ArrayBuffer] : [], carries, work);
      options.onBytes?.(length);
      return packed;
    };
    const add = (part: Promise<PackedSketch>) => {
      part.catch(() => { failed = true; }); // thrown below, by Promise.all
      parts.push(part);
    };
    try {
      if (file !== undefined) {
        const itemsize = DTYPE_ITEMSIZE[ref.dtype];
        const step = Math.max(itemsize, Math.floor((options.chunkBytes ?? FILE_RANGE_BYTES) / itemsize) * itemsize);
        // every part waits for its slot at once, in order (a file range holds no bytes until a worker reads it)
        for (let at = 0; at < file.length; at += step) {
          const length = Math.min(step, file.length - at);
          add(sketchPart(file.fd !== undefined ? { path: file.path, offset: file.offset + at, length, fd: file.fd } : { path: file.path, offset: file.offset + at, length }, length));
        }
      } else {
        for await (const chunk of chunks!) {
          if (failed) break;
          await this.waitForRoom(true, workOf(chunk.byteLength));
          const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer ? chunk : chunk.slice();
          add(sketchPart({ bytes: owned }, owned.byteLength));
        }
      }
    } catch (err) {
      await Promise.allSettled(parts);
      throw err;
    }
    // every part settles before a failure is thrown: none still reads the source (its descriptor) once the caller closes it
    const settled = await Promise.allSettled(parts);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    return mergePackedSketches(settled.map((s) => (s as PromiseFulfilledResult<PackedSketch>).value));
  }

  /**
   * Runs `fn`, exported by the ES module at `moduleUrl`, on the least busy worker (in this thread
   * when the pool has none) and resolves to its result. For pure functions of structured-cloneable
   * arguments (shape statistics of a histogram): they overlap with the sketching of other tensors.
   * A call takes a worker slot like a chunk, so calls and chunks share the workers fairly.
   */
  async call<T>(moduleUrl: string, fn: string, args: readonly unknown[]): Promise<T> {
    const what = `task ${fn}`;
    if (this.closed) throw new UsageError(`${what}: the statistics pool is closed`);
    if (this.host !== undefined) return (await callExport(moduleUrl, fn, args)) as T;
    const w = await this.acquire(false, REQUEST_WORK_BYTES, false, 0);
    return this.post<T>(w, what, (job) => ({ type: "call", job, module: moduleUrl, fn, args }), [], false, REQUEST_WORK_BYTES);
  }

  /**
   * `fn(sketch, null, ...args)` (`fn` exported by the module at `moduleUrl`) on the least busy
   * worker, the sketch sent packed (its histogram transferred, not cloned): the form of
   * sketchAndCall's task for a sketch made elsewhere (merged parts, a group's merged sketch).
   * `priority`: its place among the requests waiting for a worker (see StatsPool's queue).
   * `lend`: a packed sketch whose histogram arrays own their buffers is sent without a copy: its
   * buffers are transferred to the worker and back, and its histKeys / histCounts replaced by the
   * arrays that come back (the same values) once the call settles; meanwhile (and for good if the
   * worker fails) they are detached, so nothing else may read them or lend them at the same time.
   */
  async callOnSketch<T>(sketch: TensorSketch | PackedSketch, moduleUrl: string, fn: string, args: readonly unknown[], priority = 0, options: { lend?: boolean } = {}): Promise<T> {
    const what = `task ${fn}`;
    if (this.closed) throw new UsageError(`${what}: the statistics pool is closed`);
    if (this.host !== undefined) return (await callExport(moduleUrl, fn, [sketch, null, ...args])) as T;
    const lent = options.lend === true && ownsBuffer(sketch.histKeys) && ownsBuffer(sketch.histCounts) ? sketch as PackedSketch : null;
    const packed = lent ?? packSketch(sketch);
    const w = await this.acquire(false, REQUEST_WORK_BYTES, true, priority);
    const reply = await this.post<{ value: T; lent?: LentHistogram }>(w, what,
      (job) => ({ type: "tensor", job, dtype: "F32", source: lent !== null ? { sketch: packed, lent: true } : { sketch: packed }, values: "none", task: { module: moduleUrl, fn, args }, priority }),
      packedTransfer(packed), false, REQUEST_WORK_BYTES, true);
    if (lent !== null && reply.lent !== undefined) {
      lent.histKeys = reply.lent.histKeys;
      lent.histCounts = reply.lent.histCounts;
    }
    return reply.value;
  }

  /**
   * Sketch of a float tensor and `fn(sketch, values, ...args)` (`fn` exported by the module at
   * `moduleUrl`, values the decoded float32 values or null when `values` is "none"), in one
   * worker: it reads the tensor's local file range itself, or is handed its bytes (read here,
   * transferred once), and with "return" hands the values back (transferred). Tensors too large
   * for one worker (FUSED_FILE_MAX_BYTES, STATS_CHUNK_BYTES) whose values are not needed are
   * sketched over all workers (sketchTensor) and `fn` runs after the merge: same result.
   */
  async sketchAndCall<T>(ref: TensorRef, moduleUrl: string, fn: string, args: readonly unknown[], options: TensorTaskOptions): Promise<TensorTaskResult<T>> {
    const result = await this.sketchAndCallPacked<T>(ref, moduleUrl, fn, args, options);
    return { sketch: unpackSketch(result.sketch), value: result.value, values: result.values };
  }

  /**
   * sketchAndCall with the sketch's histogram in typed arrays (every sketch built by typedSketch:
   * one hidden class), as the worker's reply brings it: the analysis merges them into groups and
   * writes them into the store without a plain-array copy on this thread.
   */
  async sketchAndCallPacked<T>(ref: TensorRef, moduleUrl: string, fn: string, args: readonly unknown[], options: TensorTaskOptions): Promise<PackedTaskResult<T>> {
    const what = `${ref.file}: tensor "${ref.name}"`;
    if (this.closed) throw new UsageError(`${what}: the statistics pool is closed`);
    if (!DTYPE_IS_FLOAT[ref.dtype]) return { sketch: typedOf(await this.sketchTensor(ref)), value: undefined as T, values: null }; // throws the dtype error
    const length = ref.numel * DTYPE_ITEMSIZE[ref.dtype];
    const file = this.host === undefined ? localFileRange(ref) : undefined;
    const fused = options.values !== "none" || (file !== undefined ? length <= FUSED_FILE_MAX_BYTES : length <= STATS_CHUNK_BYTES);
    if (!fused) {
      const merged = await this.sketchTensorPacked(ref, { ...(options.onBytes !== undefined && { onBytes: options.onBytes }), priority: options.priority ?? 0 });
      const sketch = Array.isArray(merged.histKeys) ? typedOf(merged as TensorSketch) : merged as PackedSketch;
      const value = await this.callOnSketch<T>(sketch, moduleUrl, fn, args, options.priority ?? 0, { lend: true });
      return { sketch, value, values: null };
    }
    if (this.host !== undefined) {
      const result = await this.sketchAndCallInThread<T>(this.host, ref, moduleUrl, fn, args, options);
      return { sketch: typedOf(result.sketch), value: result.value, values: result.values };
    }
    // Bytes read here are read once a byte-carrying slot is taken (memory stays bounded); a worker
    // then still has up to MAX_CARRYING_PER_WORKER - 1 others to run while they are read.
    const work = workOf(length);
    const w = await this.acquire(file === undefined, work, false, options.priority ?? 0);
    let source: TensorBytes;
    try {
      source = file ?? { bytes: await readTensorBytes(ref) };
    } catch (err) {
      this.release(w, file === undefined, work);
      throw err;
    }
    const reply = await this.post<{ sketch: PackedSketch; value: T; values: Float32Array | null }>(w, `${what}: task ${fn}`,
      (job) => ({ type: "tensor", job, dtype: ref.dtype, source, values: options.values, task: { module: moduleUrl, fn, args }, priority: options.priority ?? 0 }),
      "bytes" in source ? [source.bytes.buffer as ArrayBuffer] : [], file === undefined, work, length <= BATCH_TENSOR_MAX_BYTES);
    options.onBytes?.(length);
    const packed = reply.sketch;
    return { sketch: typedSketch(packed, packed.histKeys, packed.histCounts), value: reply.value, values: reply.values };
  }

  private async sketchAndCallInThread<T>(host: StatsJobHost, ref: TensorRef, moduleUrl: string, fn: string, args: readonly unknown[], options: TensorTaskOptions): Promise<TensorTaskResult<T>> {
    const bytes = options.values !== "none" ? await readTensorBytes(ref) : undefined;
    const chunks = bytes !== undefined ? (async function* () { yield bytes; })() : readTensorChunks(ref, STATS_CHUNK_BYTES);
    const sketch = await this.sketchInThread(host, this.nextJob++, ref.dtype, chunks, options.onBytes);
    const values = bytes !== undefined ? decodeToFloat32(ref.dtype, bytes) : null;
    const value = (await callExport(moduleUrl, fn, [sketch, values, ...args])) as T;
    return { sketch, value, values: options.values === "return" ? values : null };
  }

  /**
   * Posts a request on worker `w` (its slot already taken, for `work`; `carried`: a byte-carrying slot);
   * resolves to the worker's "result". A `batchable` tensor request waits for the end of this
   * turn of the event loop and goes with the others for the same worker (BATCH_MAX_REQUESTS).
   */
  private post<T>(w: number, what: string, request: (job: number) => StatsRequest, transfer: ArrayBuffer[], carried: boolean, work: number, batchable = false): Promise<T> {
    const id = this.nextJob++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { what, carried, work, resolve: resolve as (v: unknown) => void, reject });
      let req: StatsRequest;
      try {
        req = request(id);
      } catch (err) {
        this.calls.delete(id);
        this.release(w, carried, work);
        reject(err as Error);
        return;
      }
      if (batchable && req.type === "tensor") {
        const batch = this.slots[w]!.batch;
        batch.push({ request: req, transfer });
        if (batch.length >= BATCH_MAX_REQUESTS) this.sendBatch(w);
        else this.scheduleBatches();
        return;
      }
      this.send(w, [id], req, transfer);
    });
  }

  /** Posts `message` (the requests `jobs`) on worker `w`; false, with each request failed, when it could not be sent. */
  private send(w: number, jobs: readonly number[], message: StatsRequest, transfer: ArrayBuffer[]): boolean {
    try {
      this.slots[w]!.worker.postMessage(message, transfer);
    } catch (err) {
      // not sent (arguments that cannot be cloned): free the slots taken for it
      for (const job of jobs) {
        const call = this.calls.get(job);
        this.calls.delete(job);
        this.release(w, call?.carried ?? false, call?.work ?? 0);
        call?.reject(err as Error);
      }
      return false;
    }
    this.posted.messages++;
    this.posted.requests += jobs.length;
    stamp("pool: first task posted");
    return true;
  }

  private scheduleBatches(): void {
    if (this.batchScheduled) return;
    this.batchScheduled = true;
    setImmediate(() => {
      this.batchScheduled = false;
      for (let w = 0; w < this.slots.length; w++) this.sendBatch(w);
    });
  }

  /**
   * Sends worker `w`'s waiting batchable requests: one alone as itself, several as one "batch".
   * A batch that cannot be sent (a request that cannot be cloned) is sent request by request,
   * so that only that request fails, with its own error.
   */
  private sendBatch(w: number): void {
    const slot = this.slots[w]!;
    const batch = slot.batch;
    if (batch.length === 0) return;
    slot.batch = [];
    if (this.broken !== undefined) return; // every call was rejected by fail()
    if (batch.length > 1) {
      const transfer = batch.flatMap((q) => q.transfer);
      const requests = batch.map((q) => q.request);
      try {
        slot.worker.postMessage({ type: "batch", requests } satisfies StatsRequest, transfer);
        this.posted.messages++;
        this.posted.requests += batch.length;
        stamp("pool: first task posted");
        return;
      } catch {
        // sent one by one below: each request then fails (or not) on its own
      }
    }
    for (const q of batch) this.send(w, [q.request.job], q.request, q.transfer);
  }

  private async sketchInThread(host: StatsJobHost, id: number, dtype: Dtype, chunks: AsyncIterable<Uint8Array>, onBytes?: (n: number) => void): Promise<TensorSketch> {
    try {
      for await (const chunk of chunks) {
        host.chunk(id, dtype, chunk);
        onBytes?.(chunk.byteLength);
      }
      return host.finish(id);
    } catch (err) {
      host.discard(id);
      throw err;
    }
  }

  /**
   * Index of the worker with the least queued work that has room for `work` more, its slot taken
   * (counted here, before any await: callers that acquire at the same time see each other's
   * slots and spread over the workers), waiting for room if all are full or others wait (then in
   * its place by `priority`, see `queue`). The reply to the message sent frees the slot.
   */
  private acquire(carriesBytes: boolean, work: number, finishing: boolean, priority: number): Promise<number> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.finishingQueue.length === 0 && (finishing || this.queue.length === 0)) {
      const best = this.take(carriesBytes, work);
      if (best >= 0) return Promise.resolve(best);
    }
    return new Promise<number>((resolve, reject) => {
      const queue = finishing ? this.finishingQueue : this.queue;
      // after every request of the same or a lower priority (binary search: the queue is sorted)
      let lo = 0, hi = queue.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (queue[mid]!.priority <= priority) lo = mid + 1;
        else hi = mid;
      }
      queue.splice(lo, 0, { carriesBytes, work, priority, resolve, reject });
      // ahead of the others: it may fit where the one it passed did not
      if (lo === 0) this.serve();
    });
  }

  /** Takes a slot on the worker with the least queued work that has room for `work` (-1: none has). */
  private take(carriesBytes: boolean, work: number): number {
    const best = this.roomiest(carriesBytes, work);
    if (best >= 0) {
      const slot = this.slots[best]!;
      slot.inFlight++;
      slot.work += work;
      if (carriesBytes) slot.carrying++;
      this.mostQueued[best] = Math.max(this.mostQueued[best]!, slot.work);
    }
    return best;
  }

  /** Waits until some worker has room for `work` (without taking it): a tensor's parts are cut only as they can be sent. */
  private async waitForRoom(carriesBytes: boolean, work: number): Promise<void> {
    while (this.queue.length + this.finishingQueue.length > 0 || this.roomiest(carriesBytes, work) < 0) {
      if (this.broken) throw this.broken;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.broken) throw this.broken;
  }

  /**
   * The worker with the least queued work that has room for a request of `work` (-1: none): fewer
   * than MAX_QUEUED_PER_WORKER requests (MAX_CARRYING_PER_WORKER carrying bytes) and the work
   * within QUEUED_WORK_PER_WORKER, or nothing queued at all.
   */
  private roomiest(carriesBytes: boolean, work: number): number {
    let best = -1;
    this.slots.forEach((s, i) => {
      const room = s.inFlight === 0 || (s.inFlight < MAX_QUEUED_PER_WORKER && s.work + work <= this.queuedWorkLimit && (!carriesBytes || s.carrying < MAX_CARRYING_PER_WORKER));
      if (room && (best < 0 || s.work < this.slots[best]!.work)) best = i;
    });
    return best;
  }

  /** Frees a slot taken by acquire. */
  private release(w: number, carriedBytes: boolean, work: number): void {
    const slot = this.slots[w]!;
    slot.inFlight--;
    slot.work -= work;
    if (carriedBytes) slot.carrying--;
    this.wake();
  }

  private wake(): void {
    this.serve();
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Gives free slots to the waiting requests, in order, until the first that does not fit. */
  private serve(): void {
    serve: for (const queue of [this.finishingQueue, this.queue]) {
      while (queue.length > 0) {
        const head = queue[0]!;
        const best = this.broken === undefined ? this.take(head.carriesBytes, head.work) : -1;
        if (this.broken === undefined && best < 0) break serve; // the others wait behind it
        queue.shift();
        if (this.broken !== undefined) head.reject(this.broken);
        else head.resolve(best);
      }
    }
  }

  private onReply(w: number, msg: StatsReply): void {
    if (msg.type === "timeline") {
      for (const s of msg.stamps) stampFrom(`worker ${w}: `, s);
      return;
    }
    if (msg.type === "ready") {
      this.slots[w]!.ready = true;
      if (msg.tid !== undefined) addThreadProbes(`w${w}`, msg.tid);
      stampLast("pool: workers ready");
      if (this.slots.every((s) => s.ready)) this.settleStarted();
      return;
    }
    stamp("pool: first reply");
    stampLast("pool: last reply");
    if (msg.type === "batch") for (const r of msg.replies) this.onJobReply(w, r);
    else this.onJobReply(w, msg);
  }

  private onJobReply(w: number, msg: JobReply): void {
    const call = this.calls.get(msg.job);
    this.calls.delete(msg.job);
    this.release(w, call?.carried ?? false, call?.work ?? 0);
    if (msg.type === "result") call?.resolve(msg.value);
    else call?.reject(new KernelError(`${call.what}: statistics worker ${w} failed: ${msg.message}`));
  }

  private fail(err: Error): void {
    this.broken ??= err;
    this.settleStarted();
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
    this.wake();
  }

  /** Stops the workers (every call resolves once they have stopped). Pending sketches reject. */
  close(): Promise<void> {
    if (this.stopping === undefined) {
      this.closed = true;
      this.fail(new UsageError("the statistics pool was closed while sketching"));
      this.stopping = Promise.all(this.slots.map((s) => s.worker.terminate())).then(() => undefined);
    }
    return this.stopping;
  }
}

/** What sketchAndCall does with a tensor's values, and its requests' place among those waiting for a worker (see StatsPool's queue; default 0). */
export interface TensorTaskOptions {
  values: TensorValues;
  onBytes?: (n: number) => void;
  priority?: number;
}

/** Whether a typed array is the whole of its buffer (transferring it detaches nothing else). */
function ownsBuffer(values: ArrayLike<number>): boolean {
  return (values instanceof Int32Array || values instanceof Float64Array) && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength && values.buffer instanceof ArrayBuffer;
}

/** The queued work of a request for `bytes` of tensor data (see QUEUED_WORK_PER_WORKER). */
function workOf(bytes: number): number {
  return bytes + REQUEST_WORK_BYTES;
}

interface LocalFileRange { path: string; offset: number; length: number; fd?: number }

/**
 * The file byte range of a contiguous tensor in a local file (undefined: read it through its
 * source), with the source's open descriptor when it has one (ByteSource.localFd: the workers
 * pread it instead of opening the file for every tensor; the source stays open until every
 * request that names it was answered, as a checkpoint's files stay open until its tensors are done).
 */
function localFileRange(ref: TensorRef): LocalFileRange | undefined {
  const path = ref.source.localPath;
  if (path === undefined || ref.numel === 0 || !isContiguousView(ref)) return undefined;
  const itemsize = DTYPE_ITEMSIZE[ref.dtype];
  const offset = ref.view ? ref.view.storageByteOffset + ref.view.storageOffset * itemsize : ref.byteOffset;
  const fd = ref.source.localFd;
  return fd !== undefined ? { path, offset, length: ref.numel * itemsize, fd } : { path, offset, length: ref.numel * itemsize };
}
