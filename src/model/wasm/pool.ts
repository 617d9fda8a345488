// Thread pool of the WASM model kernels: the main thread plus (threads - 1) workers share one
// WebAssembly.Memory. A parallel op writes its arguments to a shared control block, bumps a
// sequence number, runs share 0 itself, then waits (Atomics.wait) for every worker's share.
import type { Worker } from "node:worker_threads";
import { KernelError } from "../../util/errors.js";
import { MODULE_EXT, startModuleWorker } from "../../kernels/load.js";
import { runOp, OP_EXIT, CTRL_SEQ, CTRL_DONE, CTRL_ERROR, ARGS_OFFSET_BYTES, MAX_ARGS, CONTROL_BYTES } from "./ops.js";
import type { ModelExports } from "./ops.js";

/** Largest number of threads a pool accepts. */
export const MAX_THREADS = 16;
/** A worker share that takes longer than this is reported as a failure instead of hanging. */
export const WORKER_TIMEOUT_MS = 300_000;

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private seq = 0;
  private disposed = false;

  private constructor(readonly threads: number, private readonly k: ModelExports, private readonly workers: Worker[], control: SharedArrayBuffer) {
    this.ctrl = new Int32Array(control, 0, ARGS_OFFSET_BYTES / 4);
    this.args = new Float64Array(control, ARGS_OFFSET_BYTES, MAX_ARGS);
  }

  /** Starts threads - 1 workers on the module and memory; resolves when all are ready. */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, k: ModelExports): Promise<ThreadPool> {
    if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) throw new KernelError(`WASM model kernels: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const url = new URL(`./worker${MODULE_EXT}`, import.meta.url);
    const workers: Worker[] = [];
    const ready: Array<Promise<void>> = [];
    for (let i = 1; i < threads; i++) {
      const w = startModuleWorker(url, { workerData: { module, memory, control, index: i, parts: threads } });
      workers.push(w);
      ready.push(new Promise((resolve, reject) => {
        w.once("message", () => resolve());
        w.once("error", (err) => reject(new KernelError(`WASM model worker ${i} failed to start: ${err.message}`, { cause: err })));
      }));
    }
    await Promise.all(ready);
    // idle workers block in Atomics.wait; unref so a forgotten dispose() does not keep Node alive
    for (const w of workers) w.unref();
    return new ThreadPool(threads, k, workers, control);
  }

  /** Runs op with args on all threads and returns when every share is done. */
  run(op: number, args: readonly number[]): void {
    if (this.disposed) throw new KernelError("WASM model kernels: used after dispose()");
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    this.args[MAX_ARGS - 1] = op;
    if (this.workers.length > 0) {
      this.seq = (this.seq + 1) | 0;
      Atomics.store(this.ctrl, CTRL_SEQ, this.seq);
      Atomics.notify(this.ctrl, CTRL_SEQ);
    }
    runOp(this.k, op, this.args, 0, this.threads);
    for (let i = 1; i < this.threads; i++) {
      const start = Date.now();
      for (;;) {
        const done = Atomics.load(this.ctrl, CTRL_DONE + i);
        if (done === this.seq) break;
        Atomics.wait(this.ctrl, CTRL_DONE + i, done, 1000);
        if (Date.now() - start > WORKER_TIMEOUT_MS) throw new KernelError(`WASM model worker ${i} did not finish op ${op} within ${WORKER_TIMEOUT_MS} ms (worker crashed?)`);
      }
    }
    if (Atomics.load(this.ctrl, CTRL_ERROR) !== 0) throw new KernelError(`WASM model worker failed in op ${op}`);
  }

  /** Stops the workers. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workers.length > 0) {
      this.args[MAX_ARGS - 1] = OP_EXIT;
      this.seq = (this.seq + 1) | 0;
      Atomics.store(this.ctrl, CTRL_SEQ, this.seq);
      Atomics.notify(this.ctrl, CTRL_SEQ);
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
  }
}
