// The WASM SIMD backend of the GPT-NeoX model: the NeoXKernels interface on buffers in one
// shared memory, with matmuls, attention, GELU and AdamW split over worker threads.
// Results do not depend on the thread count (each output is reduced in a fixed order).
import { availableParallelism } from "node:os";
import { kernelModule } from "../../kernels/load.js";
import { KernelError } from "../../util/errors.js";
import { embeddingForward, embeddingBackward, residualForward } from "../layers.js";
import { rotaryForward, rotaryBackward } from "../attention.js";
import type { AttentionShape } from "../attention.js";
import type { NeoXKernels } from "../kernels.js";
import type { AdamWOptions } from "../optim.js";
import type { ParamSpec } from "../params.js";
import { WasmArena, HEAP_START } from "./arena.js";
import { ThreadPool } from "./pool.js";
import { OP_GEMM, OP_ATTN_FWD, OP_ATTN_BWD, OP_GELU_FWD, OP_GELU_BWD, OP_ADAMW, OP_LN_FWD } from "./ops.js";
import type { ModelExports } from "./ops.js";

/** Name of the kernel module: build/kernels/model.wasm. */
export const MODEL_KERNEL = "model";
/** The asc flags the model kernel needs beyond the common ones (workers share its memory). */
export const MODEL_KERNEL_BUILD = "npx asc assembly/model.ts --outFile build/kernels/model.wasm -O3 --noAssert --enable simd --enable threads --sharedMemory --importMemory --runtime stub --exportRuntime --initialMemory 1 --maximumMemory 65536";

export interface WasmKernelOptions {
  /** Compute threads including the main thread (default min(2, cores)). */
  threads?: number;
}

/** Arenas of the backends started here and not yet disposed: what liveWasmBackends reports. */
const live = new Set<WasmArena>();

export interface LiveWasmBackends {
  /** Backends started and not yet disposed. */
  count: number;
  /** WASM memory they hold (bytes; a backend's bump arena only grows until it is disposed). */
  bytes: number;
}

/**
 * The WASM backends of this thread that are started and not yet disposed, and the memory they
 * hold: lets a caller (and its tests) check that a loop disposes each backend it starts, since
 * every model loaded on a backend stays in its arena until dispose().
 */
export function liveWasmBackends(): LiveWasmBackends {
  let bytes = 0;
  for (const arena of live) bytes += arena.memory.buffer.byteLength;
  return { count: live.size, bytes };
}

/** Starts the WASM backend (compiles the module, starts workers). Call dispose() when done. */
export async function createWasmKernels(options: WasmKernelOptions = {}): Promise<NeoXKernels> {
  const threads = options.threads ?? Math.min(2, availableParallelism());
  const module = kernelModule(MODEL_KERNEL);
  const imported = WebAssembly.Module.imports(module).some((i) => i.kind === "memory");
  if (!imported) throw new KernelError(`WASM kernel "${MODEL_KERNEL}" was built without a shared imported memory ---> HINT: build it with ${MODEL_KERNEL_BUILD}`);
  const arena = new WasmArena();
  const instance = new WebAssembly.Instance(module, {
    env: { memory: arena.memory, abort: () => { throw new KernelError("WASM model kernel aborted"); } },
  });
  const k = instance.exports as unknown as ModelExports;
  const rtti = (instance.exports.__rtti_base as WebAssembly.Global | undefined)?.value as number | undefined;
  if (rtti !== undefined && rtti + 4096 > HEAP_START) throw new KernelError(`WASM model kernel static data (${rtti} bytes) overlaps the heap at ${HEAP_START}`);
  const pool = await ThreadPool.start(threads, module, arena.memory, k);
  const backend = wasmBackend(arena, pool, k);
  live.add(arena);
  return backend;
}

function wasmBackend(arena: WasmArena, pool: ThreadPool, k: ModelExports): NeoXKernels {
  const p = (v: Float32Array | Int32Array): number => arena.ptr(v);
  let wt = arena.f32(0); // transposed weight scratch
  let attScratch = arena.f32(0); // T floats per thread
  const nodes = k.GELU_NODES.value as number;
  const geluFwd = arena.f32(4 * nodes), geluBwd = arena.f32(4 * nodes); // (nodes, 2) float64 each
  k.geluTablesInit(p(geluFwd), p(geluBwd));
  const transposed = (weight: Float32Array, OC: number, C: number): Float32Array => {
    if (wt.length < OC * C) wt = arena.f32(OC * C);
    k.transpose(p(wt), p(weight), OC, C, 0, OC);
    return wt;
  };
  return {
    name: `wasm-simd x${pool.threads}`,
    allocF32: (n) => arena.f32(n),
    allocI32: (n) => arena.i32(n),
    embeddingForward,
    embeddingBackward,
    residualForward,
    rotaryForward,
    rotaryBackward,
    layernormForward: (out, mean, rstd, inp, weight, bias, N, C, eps) => pool.run(OP_LN_FWD, [p(out), p(mean), p(rstd), p(inp), p(weight), p(bias), C, eps, N]),
    layernormBackward: (dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C) => k.layernormBackward(p(dinp), p(dweight), p(dbias), p(dout), p(inp), p(weight), p(mean), p(rstd), C, 0, N),
    matmulForward: (out, inp, weight, bias, N, C, OC) => {
      const w = transposed(weight, OC, C);
      pool.run(OP_GEMM, [p(out), p(inp), p(w), bias === null ? 0 : p(bias), OC, C, C, 1, 0, N]);
    },
    matmulBackward: (dinp, dweight, dbias, dout, inp, weight, N, C, OC) => {
      pool.run(OP_GEMM, [p(dinp), p(dout), p(weight), 0, C, OC, OC, 1, 1, N]);
      pool.run(OP_GEMM, [p(dweight), p(dout), p(inp), 0, C, N, 1, OC, 1, OC]);
      if (dbias !== null) k.colsumAccumulate(p(dbias), p(dout), N, OC);
    },
    geluForward: (out, inp, n) => pool.run(OP_GELU_FWD, [p(out), p(inp), p(geluFwd), n]),
    geluBackward: (dinp, inp, dout, n) => pool.run(OP_GELU_BWD, [p(dinp), p(inp), p(dout), p(geluBwd), n]),
    attentionForward: (out, att, qkvr, s: AttentionShape) => {
      checkHeadSize(s);
      pool.run(OP_ATTN_FWD, [p(out), p(att), p(qkvr), s.T, s.C, s.nh, s.B * s.nh]);
    },
    attentionBackward: (dqkvr, dout, qkvr, att, s: AttentionShape) => {
      checkHeadSize(s);
      if (attScratch.length < s.T * pool.threads) attScratch = arena.f32(s.T * pool.threads);
      pool.run(OP_ATTN_BWD, [p(dqkvr), p(dout), p(qkvr), p(att), p(attScratch), s.T, s.C, s.nh, s.B * s.nh]);
    },
    crossEntropyForward: (losses, probs, logits, targets, N, V) => {
      k.softmaxCrossEntropy(p(losses), p(probs), p(logits), p(targets), V, 0, N);
      let total = 0, count = 0;
      for (let n = 0; n < N; n++) {
        if (targets[n]! < 0) continue;
        total += losses[n]!;
        count++;
      }
      return { loss: count > 0 ? total / count : NaN, count };
    },
    crossEntropyBackward: (dlogits, probs, targets, dloss, N, V) => k.crossEntropyBackward(p(dlogits), p(probs), p(targets), dloss, V, 0, N),
    adamwStep: (params, grads, m, v, layout: readonly ParamSpec[], t: number, opt: AdamWOptions) => {
      const bc1 = 1 - Math.pow(opt.beta1, t), bc2Sqrt = Math.sqrt(1 - Math.pow(opt.beta2, t));
      for (const s of layout) {
        const off = s.offset * 4, decay = 1 - opt.lr * (s.decay ? opt.weightDecay : 0);
        pool.run(OP_ADAMW, [p(params) + off, p(grads) + off, p(m) + off, p(v) + off, opt.beta1, opt.beta2, opt.eps, opt.lr / bc1, bc2Sqrt, decay, s.size]);
      }
    },
    gradNorm: (grads) => Math.sqrt(k.sumSquares(p(grads), 0, grads.length)),
    scale: (x, factor) => k.scale(p(x), factor, 0, x.length),
    dispose: () => {
      live.delete(arena);
      return pool.dispose();
    },
  };
}

function checkHeadSize(s: AttentionShape): void {
  if ((s.C / s.nh) % 4 !== 0) throw new KernelError(`WASM attention needs a head size that is a multiple of 4, got ${s.C / s.nh} ---> HINT: use the scalar kernels for this config`);
}
