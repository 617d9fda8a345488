// The GPT-NeoX model object (Hugging Face GPTNeoXForCausalLM semantics): parameters, grads and
// AdamW moments as flat buffers, preallocated activations, forward / backward / optimiser step.
// Shapes: B batch, T time, N = B*T, C hidden, I intermediate, V vocab, L layers.
import { UsageError } from "../util/errors.js";
import type { NeoXConfig } from "./config.js";
import { parameterLayout, parameterCount, paramViews, initParameters } from "./params.js";
import type { NeoXParams, ParamSpec, InitScheme, NeoXLayerParams } from "./params.js";
import type { NeoXKernels } from "./kernels.js";
import { scalarKernels } from "./kernels.js";
import { allocateActivations, allocateGradScratch } from "./activations.js";
import type { Activations, GradScratch, LayerActivations } from "./activations.js";
import { rotaryTables, attentionShape } from "./attention.js";
import type { RotaryTables } from "./attention.js";
import { IGNORE_INDEX } from "./loss.js";
import type { AdamWOptions } from "./optim.js";

export interface GPTNeoXOptions {
  /** Largest batch size forward will be called with. */
  B: number;
  /** Largest sequence length (<= max_position_embeddings). */
  T: number;
  /** Compute backend (default: scalar TypeScript). */
  kernels?: NeoXKernels;
  /** Initialisation (scale multiplies the scheme's std, default 1); default pythia with seed 0. Load weights later with `params.flat.set(...)`. */
  init?: { scheme: InitScheme; seed: number; scale?: number };
}

export interface ForwardResult {
  /** (B, T, V) view into the model's buffer; valid until the next forward. */
  logits: Float32Array;
  /** Mean cross-entropy over counted targets, NaN without targets. */
  loss: number;
}

export class GPTNeoX {
  readonly layout: ParamSpec[];
  readonly params: NeoXParams;
  readonly grads: NeoXParams;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly kernels: NeoXKernels;
  /** AdamW steps taken (the `t` of bias correction after the next step is stepCount + 1). */
  stepCount = 0;
  private readonly acts: Activations;
  private readonly scratch: GradScratch;
  private readonly rot: RotaryTables;
  private batch: { B: number; T: number; count: number } | null = null;
  /** Shape of the last forward (with or without targets), for attentionProbabilities. */
  private lastForward: { B: number; T: number } | null = null;

  constructor(readonly config: NeoXConfig, readonly options: GPTNeoXOptions) {
    const { B, T } = options;
    if (!(Number.isInteger(B) && B >= 1 && Number.isInteger(T) && T >= 1)) throw new UsageError(`GPTNeoX: B and T must be positive integers, got B=${B} T=${T}`);
    if (T > config.max_position_embeddings) throw new UsageError(`GPTNeoX: T=${T} exceeds max_position_embeddings=${config.max_position_embeddings}`);
    this.kernels = options.kernels ?? scalarKernels();
    this.layout = parameterLayout(config);
    const P = parameterCount(config);
    this.params = paramViews(this.kernels.allocF32(P), config);
    this.grads = paramViews(this.kernels.allocF32(P), config);
    this.m = this.kernels.allocF32(P);
    this.v = this.kernels.allocF32(P);
    const init = options.init ?? { scheme: "pythia", seed: 0 };
    initParameters(this.params.flat, config, init.scheme, init.seed, init.scale);
    this.acts = allocateActivations(config, B, T, this.kernels);
    this.scratch = allocateGradScratch(config, B, T, this.kernels);
    this.rot = rotaryTables(config, T);
  }

  /** Number of parameters. */
  get parameterCount(): number {
    return this.params.flat.length;
  }

  /**
   * Attention probabilities of `layer` from the last forward: (B, nh, T, T) row-major, row t the
   * causal softmax over positions 0..t (a view, overwritten by the next forward; for diagnostics
   * such as previous-token and induction attention).
   */
  attentionProbabilities(layer: number): Float32Array {
    if (!(Number.isInteger(layer) && layer >= 0 && layer < this.config.num_hidden_layers)) throw new UsageError(`GPTNeoX: layer must be an integer in [0, ${this.config.num_hidden_layers}), got ${layer}`);
    if (this.lastForward === null) throw new UsageError("GPTNeoX: no forward pass yet; call forward before reading attention probabilities");
    const { B, T } = this.lastForward;
    return this.acts.layers[layer]!.att.subarray(0, B * this.config.num_attention_heads * T * T);
  }

  /**
   * Runs the model on tokens (B*T, row-major (B, T)). With targets (B*T; IGNORE_INDEX = not
   * counted) also computes the mean cross-entropy and keeps what backward needs.
   */
  forward(tokens: Int32Array, B: number, T: number, targets?: Int32Array): ForwardResult {
    this.checkBatch(tokens, B, T, targets);
    this.lastForward = { B, T };
    const k = this.kernels, c = this.config, a = this.acts, p = this.params;
    const N = B * T, C = c.hidden_size, V = c.vocab_size;
    a.tokens.set(tokens.subarray(0, N));
    k.embeddingForward(a.encoded, a.tokens, p.wte, N, C);
    let x = a.encoded;
    for (let l = 0; l < c.num_hidden_layers; l++) {
      this.layerForward(p.layers[l]!, a.layers[l]!, x, B, T);
      x = a.layers[l]!.resid;
    }
    this.normForward(a.lnf, a.lnfMean, a.lnfRstd, x, p.lnfw, p.lnfb, N, C);
    k.matmulForward(a.logits, a.lnf, p.wout, null, N, C, V);
    const logits = a.logits.subarray(0, N * V);
    if (targets === undefined) {
      this.batch = null;
      return { logits, loss: NaN };
    }
    a.targets.set(targets.subarray(0, N));
    const { loss, count } = k.crossEntropyForward(a.losses, a.probs, a.logits, a.targets, N, V);
    this.batch = { B, T, count };
    return { logits, loss };
  }

  private layerForward(lp: NeoXLayerParams, la: LayerActivations, x: Float32Array, B: number, T: number): void {
    const k = this.kernels, c = this.config, N = B * T, C = c.hidden_size, I = c.intermediate_size;
    const s = attentionShape(c, B, T);
    this.normForward(la.ln1, la.ln1Mean, la.ln1Rstd, x, lp.ln1w, lp.ln1b, N, C);
    k.matmulForward(la.qkv, la.ln1, lp.qkvw, lp.qkvb, N, C, 3 * C);
    k.rotaryForward(la.qkvr, la.qkv, this.rot, s);
    k.attentionForward(la.atty, la.att, la.qkvr, s);
    k.matmulForward(la.attOut, la.atty, lp.attprojw, lp.attprojb, N, C, C);
    if (c.attention_only === true) {
      k.residualForward(la.resid, x, la.attOut, N * C);
      return;
    }
    let mlpIn = x;
    if (!c.use_parallel_residual) {
      k.residualForward(la.residMid, x, la.attOut, N * C);
      mlpIn = la.residMid;
    }
    this.normForward(la.ln2, la.ln2Mean, la.ln2Rstd, mlpIn, lp.ln2w, lp.ln2b, N, C);
    k.matmulForward(la.fch, la.ln2, lp.fcw, lp.fcb, N, C, I);
    k.geluForward(la.fchGelu, la.fch, N * I);
    k.matmulForward(la.mlpOut, la.fchGelu, lp.fcprojw, lp.fcprojb, N, I, C);
    if (c.use_parallel_residual) {
      k.residualForward(la.resid, x, la.attOut, N * C);
      k.residualForward(la.resid, la.resid, la.mlpOut, N * C);
    } else {
      k.residualForward(la.resid, la.residMid, la.mlpOut, N * C);
    }
  }

  /** Accumulates (+=) the gradient of the last forward's mean loss into `grads`. */
  backward(): void {
    if (this.batch === null) throw new UsageError("GPTNeoX.backward: call forward(tokens, B, T, targets) first");
    const { B, T, count } = this.batch;
    const k = this.kernels, c = this.config, a = this.acts, p = this.params, g = this.grads, d = this.scratch;
    const N = B * T, C = c.hidden_size, V = c.vocab_size, L = c.num_hidden_layers;
    d.dlogits.fill(0, 0, N * V);
    if (count > 0) k.crossEntropyBackward(d.dlogits, a.probs, a.targets, 1 / count, N, V);
    d.dln.fill(0, 0, N * C);
    k.matmulBackward(d.dln, g.wout, null, d.dlogits, a.lnf, p.wout, N, C, V);
    const xLast = L > 0 ? a.layers[L - 1]!.resid : a.encoded;
    d.dresid.fill(0, 0, N * C);
    this.normBackward(d.dresid, g.lnfw, g.lnfb, d.dln, xLast, p.lnfw, a.lnfMean, a.lnfRstd, N, C);
    for (let l = L - 1; l >= 0; l--) {
      const x = l > 0 ? a.layers[l - 1]!.resid : a.encoded;
      this.layerBackward(p.layers[l]!, g.layers[l]!, a.layers[l]!, x, B, T);
      // the layer wrote d(input) into dresidIn: it becomes the next layer's d(output)
      const t = d.dresid;
      d.dresid = d.dresidIn;
      d.dresidIn = t;
    }
    k.embeddingBackward(g.wte, d.dresid, a.tokens, N, C);
  }

  private layerBackward(lp: NeoXLayerParams, lg: NeoXLayerParams, la: LayerActivations, x: Float32Array, B: number, T: number): void {
    const k = this.kernels, c = this.config, d = this.scratch, N = B * T, C = c.hidden_size, I = c.intermediate_size;
    const dout = d.dresid, dx = d.dresidIn;
    if (c.attention_only === true) {
      // out = x + attention(ln1(x)): d(input) = dout + the attention branch's contribution
      dx.set(dout.subarray(0, N * C));
      this.attentionBackward(lp, lg, la, x, dout, B, T);
      return;
    }
    // MLP branch: out = h + mlp(ln2(h)), h = x (parallel) or residMid (sequential)
    const mlpIn = c.use_parallel_residual ? x : la.residMid;
    const dh = c.use_parallel_residual ? dx : d.dresidMid;
    dh.set(dout.subarray(0, N * C));
    zero(d.dfchGelu, N * I);
    k.matmulBackward(d.dfchGelu, lg.fcprojw, lg.fcprojb, dout, la.fchGelu, lp.fcprojw, N, I, C);
    zero(d.dfch, N * I);
    k.geluBackward(d.dfch, la.fch, d.dfchGelu, N * I);
    zero(d.dln, N * C);
    k.matmulBackward(d.dln, lg.fcw, lg.fcb, d.dfch, la.ln2, lp.fcw, N, C, I);
    this.normBackward(dh, lg.ln2w, lg.ln2b, d.dln, mlpIn, lp.ln2w, la.ln2Mean, la.ln2Rstd, N, C);
    // attention branch: grad of the attention output is dout (parallel) or dh (sequential)
    const dattOut = c.use_parallel_residual ? dout : dh;
    if (!c.use_parallel_residual) dx.set(dh.subarray(0, N * C));
    this.attentionBackward(lp, lg, la, x, dattOut, B, T);
  }

  /** Attention branch backward: from d(attention output) accumulates into dresidIn (+=) and the layer's grads. */
  private attentionBackward(lp: NeoXLayerParams, lg: NeoXLayerParams, la: LayerActivations, x: Float32Array, dattOut: Float32Array, B: number, T: number): void {
    const k = this.kernels, c = this.config, d = this.scratch, N = B * T, C = c.hidden_size, dx = d.dresidIn;
    const s = attentionShape(c, B, T);
    zero(d.datty, N * C);
    k.matmulBackward(d.datty, lg.attprojw, lg.attprojb, dattOut, la.atty, lp.attprojw, N, C, C);
    zero(d.dqkvr, N * 3 * C);
    k.attentionBackward(d.dqkvr, d.datty, la.qkvr, la.att, s);
    zero(d.dqkv, N * 3 * C);
    k.rotaryBackward(d.dqkv, d.dqkvr, this.rot, s);
    zero(d.dln, N * C);
    k.matmulBackward(d.dln, lg.qkvw, lg.qkvb, d.dqkv, la.ln1, lp.qkvw, N, C, 3 * C);
    this.normBackward(dx, lg.ln1w, lg.ln1b, d.dln, x, lp.ln1w, la.ln1Mean, la.ln1Rstd, N, C);
  }

  /** out (N, C) = LayerNorm(inp), or a copy of inp when the model has no LayerNorm (config.layer_norm false). */
  private normForward(out: Float32Array, mean: Float32Array, rstd: Float32Array, inp: Float32Array, w: Float32Array, b: Float32Array, N: number, C: number): void {
    if (this.config.layer_norm === false) out.set(inp.subarray(0, N * C));
    else this.kernels.layernormForward(out, mean, rstd, inp, w, b, N, C, this.config.layer_norm_eps);
  }

  /** dinp (N, C) += the LayerNorm's input gradient (dout itself for the identity), and its parameters' gradients. */
  private normBackward(dinp: Float32Array, dw: Float32Array, db: Float32Array, dout: Float32Array, inp: Float32Array, w: Float32Array, mean: Float32Array, rstd: Float32Array, N: number, C: number): void {
    if (this.config.layer_norm === false) this.kernels.residualForward(dinp, dinp, dout, N * C);
    else this.kernels.layernormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
  }

  /** Sets all gradients to zero. */
  zeroGrad(): void {
    this.grads.flat.fill(0);
  }

  /** Clips the global gradient L2 norm to maxNorm (as clip_grad_norm_); returns the norm before. */
  clipGradNorm(maxNorm: number): number {
    const norm = this.kernels.gradNorm(this.grads.flat);
    const coef = maxNorm / (norm + 1e-6);
    if (coef < 1) this.kernels.scale(this.grads.flat, coef);
    return norm;
  }

  /** One AdamW step with the current grads (no decay on biases and LayerNorm parameters). */
  step(opt: AdamWOptions): void {
    this.stepCount++;
    this.kernels.adamwStep(this.params.flat, this.grads.flat, this.m, this.v, this.layout, this.stepCount, opt);
  }

  private checkBatch(tokens: Int32Array, B: number, T: number, targets: Int32Array | undefined): void {
    const { B: maxB, T: maxT } = this.options;
    if (!(Number.isInteger(B) && Number.isInteger(T) && B >= 1 && T >= 1 && B <= maxB && T <= maxT)) {
      throw new UsageError(`GPTNeoX.forward: batch (B=${B}, T=${T}) must be within the allocated (B=${maxB}, T=${maxT})`);
    }
    const N = B * T, V = this.config.vocab_size;
    if (tokens.length < N) throw new UsageError(`GPTNeoX.forward: ${tokens.length} tokens given, B*T=${N} needed`);
    for (let i = 0; i < N; i++) {
      const t = tokens[i]!;
      if (t < 0 || t >= V) throw new UsageError(`GPTNeoX.forward: token ${t} at position ${i} is outside the vocabulary [0, ${V})`);
    }
    if (targets === undefined) return;
    if (targets.length < N) throw new UsageError(`GPTNeoX.forward: ${targets.length} targets given, B*T=${N} needed`);
    for (let i = 0; i < N; i++) {
      const t = targets[i]!;
      if (t !== IGNORE_INDEX && (t < 0 || t >= V)) throw new UsageError(`GPTNeoX.forward: target ${t} at position ${i} is outside the vocabulary and is not IGNORE_INDEX (${IGNORE_INDEX})`);
    }
  }
}

function zero(x: Float32Array, n: number): void {
  x.fill(0, 0, n);
}
