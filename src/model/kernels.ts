// The compute backend of the GPT-NeoX model: one interface, two implementations. `scalarKernels`
// calls the plain TypeScript layers (the oracles); src/model/wasm/ provides the WASM SIMD one.
// Every buffer handed to a backend must come from that backend's allocF32 / allocI32.
import { embeddingForward, embeddingBackward, layernormForward, layernormBackward, matmulForward, matmulBackward, geluForward, geluBackward, residualForward } from "./layers.js";
import { rotaryForward, rotaryBackward, attentionForward, attentionBackward } from "./attention.js";
import type { AttentionShape, RotaryTables } from "./attention.js";
import { crossEntropyForward, crossEntropyBackward } from "./loss.js";
import { adamwStep, gradNorm } from "./optim.js";
import type { AdamWOptions } from "./optim.js";
import type { ParamSpec } from "./params.js";
import { scaleInPlace } from "../util/typed.js";

/** The operations the model runs; signatures mirror the scalar layer functions. */
export interface NeoXKernels {
  readonly name: string;
  allocF32(n: number): Float32Array;
  allocI32(n: number): Int32Array;
  embeddingForward: typeof embeddingForward;
  embeddingBackward: typeof embeddingBackward;
  layernormForward: typeof layernormForward;
  layernormBackward: typeof layernormBackward;
  matmulForward: typeof matmulForward;
  matmulBackward: typeof matmulBackward;
  geluForward: typeof geluForward;
  geluBackward: typeof geluBackward;
  residualForward: typeof residualForward;
  rotaryForward(out: Float32Array, qkv: Float32Array, rot: RotaryTables, s: AttentionShape): void;
  rotaryBackward(dqkv: Float32Array, dout: Float32Array, rot: RotaryTables, s: AttentionShape): void;
  attentionForward(out: Float32Array, att: Float32Array, qkvr: Float32Array, s: AttentionShape): void;
  attentionBackward(dqkvr: Float32Array, dout: Float32Array, qkvr: Float32Array, att: Float32Array, s: AttentionShape): void;
  crossEntropyForward: typeof crossEntropyForward;
  crossEntropyBackward: typeof crossEntropyBackward;
  adamwStep(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, layout: readonly ParamSpec[], t: number, opt: AdamWOptions): void;
  gradNorm(grads: Float32Array): number;
  /** x (n) *= factor. */
  scale(x: Float32Array, factor: number): void;
  /** Releases worker threads, if any. */
  dispose(): Promise<void>;
}

/** The plain TypeScript backend (single thread, float64 accumulation): the test oracle. */
export function scalarKernels(): NeoXKernels {
  return {
    name: "scalar",
    allocF32: (n) => new Float32Array(n),
    allocI32: (n) => new Int32Array(n),
    embeddingForward,
    embeddingBackward,
    layernormForward,
    layernormBackward,
    matmulForward,
    matmulBackward,
    geluForward,
    geluBackward,
    residualForward,
    rotaryForward,
    rotaryBackward,
    attentionForward,
    attentionBackward,
    crossEntropyForward,
    crossEntropyBackward,
    adamwStep,
    gradNorm,
    scale: (x, factor) => {
      scaleInPlace(x, factor);
    },
    dispose: async () => {},
  };
}
