// Worker thread of the WASM model kernels: instantiates the kernel module on the shared
// memory, then loops: wait for a new sequence number, run its share of the op, signal done.
import { parentPort, workerData } from "node:worker_threads";
import { runOp, OP_EXIT, CTRL_SEQ, CTRL_DONE, CTRL_ERROR, ARGS_OFFSET_BYTES, MAX_ARGS } from "./ops.js";
import type { ModelExports } from "./ops.js";

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  parts: number;
}

const init = workerData as WorkerInit;
const instance = new WebAssembly.Instance(init.module, {
  env: {
    memory: init.memory,
    abort: () => {
      throw new Error("model kernel aborted");
    },
  },
});
const k = instance.exports as unknown as ModelExports;
const ctrl = new Int32Array(init.control, 0, ARGS_OFFSET_BYTES / 4);
const args = new Float64Array(init.control, ARGS_OFFSET_BYTES, MAX_ARGS);
// The pool's sequence starts at 0 and is bumped only after "ready": start from 0, not from a
// fresh load, or an op posted between the message and the load would be missed.
let seen = 0;
parentPort!.postMessage("ready");

for (;;) {
  Atomics.wait(ctrl, CTRL_SEQ, seen);
  seen = Atomics.load(ctrl, CTRL_SEQ);
  const op = args[MAX_ARGS - 1]!;
  if (op === OP_EXIT) break;
  try {
    runOp(k, op, args, init.index, init.parts);
  } catch (err) {
    Atomics.store(ctrl, CTRL_ERROR, 1);
    parentPort!.postMessage({ error: String(err) });
  }
  Atomics.store(ctrl, CTRL_DONE + init.index, seen);
  Atomics.notify(ctrl, CTRL_DONE + init.index);
}
