// Preallocated activation and activation-gradient buffers of GPT-NeoX for a (B, T) batch.
// Forward keeps what backward needs per layer; backward reuses one layer's worth of scratch.
// Shapes: N = B*T, C hidden, I intermediate, V vocab, nh heads.
import type { NeoXConfig } from "./config.js";
import type { NeoXKernels } from "./kernels.js";

/** Saved forward activations of one layer. */
export interface LayerActivations {
  ln1: Float32Array; // (N, C)
  ln1Mean: Float32Array; // (N)
  ln1Rstd: Float32Array; // (N)
  qkv: Float32Array; // (N, 3C) before rotary
  qkvr: Float32Array; // (N, 3C) after rotary
  att: Float32Array; // (B, nh, T, T) softmax probabilities
  atty: Float32Array; // (N, C) merged heads
  attOut: Float32Array; // (N, C) after attention.dense
  residMid: Float32Array; // (N, C) x + attn (sequential residual only; empty otherwise)
  ln2: Float32Array; // (N, C); this and the MLP buffers below are empty in attention-only models
  ln2Mean: Float32Array; // (N)
  ln2Rstd: Float32Array; // (N)
  fch: Float32Array; // (N, I)
  fchGelu: Float32Array; // (N, I)
  mlpOut: Float32Array; // (N, C)
  resid: Float32Array; // (N, C) layer output
}

export interface Activations {
  tokens: Int32Array; // (N)
  targets: Int32Array; // (N)
  encoded: Float32Array; // (N, C)
  layers: LayerActivations[];
  lnf: Float32Array; // (N, C)
  lnfMean: Float32Array; // (N)
  lnfRstd: Float32Array; // (N)
  logits: Float32Array; // (N, V)
  probs: Float32Array; // (N, V)
  losses: Float32Array; // (N)
}

/** Gradient scratch for backward (one layer at a time). */
export interface GradScratch {
  dresid: Float32Array; // (N, C) grad of the current layer output
  dresidIn: Float32Array; // (N, C) grad of the current layer input
  dresidMid: Float32Array; // (N, C) sequential residual only
  dln: Float32Array; // (N, C)
  dqkvr: Float32Array; // (N, 3C)
  dqkv: Float32Array; // (N, 3C)
  datty: Float32Array; // (N, C)
  dfch: Float32Array; // (N, I)
  dfchGelu: Float32Array; // (N, I)
  dlogits: Float32Array; // (N, V)
}

export function allocateActivations(config: NeoXConfig, B: number, T: number, k: NeoXKernels): Activations {
  const N = B * T, C = config.hidden_size, I = config.intermediate_size, V = config.vocab_size, nh = config.num_attention_heads;
  const f = (n: number): Float32Array => k.allocF32(n);
  const m = config.attention_only === true ? 0 : 1; // MLP buffers: none in attention-only models
  const layers: LayerActivations[] = [];
  for (let l = 0; l < config.num_hidden_layers; l++) {
    layers.push({
      ln1: f(N * C), ln1Mean: f(N), ln1Rstd: f(N), qkv: f(N * 3 * C), qkvr: f(N * 3 * C), att: f(B * nh * T * T),
      atty: f(N * C), attOut: f(N * C), residMid: f(config.use_parallel_residual ? 0 : N * C),
      ln2: f(m * N * C), ln2Mean: f(m * N), ln2Rstd: f(m * N), fch: f(m * N * I), fchGelu: f(m * N * I), mlpOut: f(m * N * C), resid: f(N * C),
    });
  }
  return {
    tokens: k.allocI32(N), targets: k.allocI32(N), encoded: f(N * C), layers,
    lnf: f(N * C), lnfMean: f(N), lnfRstd: f(N), logits: f(N * V), probs: f(N * V), losses: f(N),
  };
}

export function allocateGradScratch(config: NeoXConfig, B: number, T: number, k: NeoXKernels): GradScratch {
  const N = B * T, C = config.hidden_size, I = config.intermediate_size, V = config.vocab_size;
  const f = (n: number): Float32Array => k.allocF32(n);
  const m = config.attention_only === true ? 0 : 1;
  return {
    dresid: f(N * C), dresidIn: f(N * C), dresidMid: f(config.use_parallel_residual ? 0 : N * C), dln: f(N * C),
    dqkvr: f(N * 3 * C), dqkv: f(N * 3 * C), datty: f(N * C), dfch: f(m * N * I), dfchGelu: f(m * N * I), dlogits: f(N * V),
  };
}
