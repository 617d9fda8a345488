// Loads the PyTorch reference fixtures written by tools/reference/gpt_neox_reference.py and
// compares a GPTNeoX model (any backend) against them. Shared by the model tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseNeoXConfig } from "../../src/model/config.js";
import type { NeoXConfig } from "../../src/model/config.js";
import { GPTNeoX } from "../../src/model/gpt-neox.js";
import type { NeoXKernels } from "../../src/model/kernels.js";
import { shiftedTargets } from "../../src/model/loss.js";

interface Entry { kind: "param" | "logits" | "grad"; name: string; shape: number[]; offset: number }

export interface ReferenceCase {
  name: string;
  config: NeoXConfig;
  B: number;
  T: number;
  tokens: Int32Array;
  loss: number;
  adamw: { lr: number; beta1: number; beta2: number; eps: number; weight_decay: number; clip: number };
  stepLosses: number[];
  stepGradNorms: number[];
  tensor(kind: Entry["kind"], name: string): Float32Array;
  params: Map<string, Float32Array>;
}

export function loadReferenceCase(name: string): ReferenceCase {
  const dir = fileURLToPath(new URL("../fixtures/model/", import.meta.url));
  const file = `${dir}${name}.json`;
  const m = JSON.parse(readFileSync(file, "utf8"));
  const bin = readFileSync(`${dir}${m.bin}`);
  const buf = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const entries = m.tensors as Entry[];
  const tensor = (kind: Entry["kind"], tname: string): Float32Array => {
    const e = entries.find((x) => x.kind === kind && x.name === tname);
    if (e === undefined) throw new Error(`${file}: no ${kind} ${tname}`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    return buf.subarray(e.offset / 4, e.offset / 4 + n);
  };
  const params = new Map<string, Float32Array>();
  for (const e of entries) if (e.kind === "param") params.set(e.name, tensor("param", e.name));
  return {
    name, config: parseNeoXConfig(m.config, file), B: m.B, T: m.T, tokens: Int32Array.from(m.tokens as number[]),
    loss: m.loss, adamw: m.adamw, stepLosses: m.step_losses, stepGradNorms: m.step_grad_norms, tensor, params,
  };
}

/** A model on the given backend with the reference case's parameters loaded. */
export function modelForCase(rc: ReferenceCase, kernels: NeoXKernels): GPTNeoX {
  const model = new GPTNeoX(rc.config, { B: rc.B, T: rc.T, kernels });
  for (const s of model.layout) {
    const src = rc.params.get(s.name);
    if (src === undefined || src.length !== s.size) throw new Error(`${rc.name}: parameter ${s.name} missing or of wrong size`);
    model.params.flat.set(src, s.offset);
  }
  return model;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Results of comparing a model against a reference case. */
export interface ReferenceComparison {
  logitsMaxDiff: number;
  lossDiff: number;
  worstGrad: { name: string; relDiff: number };
  stepLossMaxDiff: number;
  /** Largest relative difference of the pre-clipping gradient norms over the 10 steps. */
  gradNormMaxRelDiff: number;
}

export function compareWithReference(rc: ReferenceCase, kernels: NeoXKernels): ReferenceComparison {
  const model = modelForCase(rc, kernels);
  const targets = shiftedTargets(rc.tokens, rc.B, rc.T);
  model.zeroGrad();
  const { logits, loss } = model.forward(rc.tokens, rc.B, rc.T, targets);
  const logitsMaxDiff = maxAbsDiff(logits, rc.tensor("logits", "logits"));
  model.backward();
  let worstGrad = { name: "", relDiff: -1 };
  for (const s of model.layout) {
    const ours = model.grads.flat.subarray(s.offset, s.offset + s.size);
    const ref = rc.tensor("grad", s.name);
    const rel = maxAbsDiff(ours, ref) / Math.max(maxAbs(ref), 1e-30);
    if (rel > worstGrad.relDiff) worstGrad = { name: s.name, relDiff: rel };
  }
  let stepLossMaxDiff = 0, gradNormMaxRelDiff = 0;
  const fresh = modelForCase(rc, kernels);
  const opt = { lr: rc.adamw.lr, beta1: rc.adamw.beta1, beta2: rc.adamw.beta2, eps: rc.adamw.eps, weightDecay: rc.adamw.weight_decay };
  for (let i = 0; i < rc.stepLosses.length; i++) {
    fresh.zeroGrad();
    const r = fresh.forward(rc.tokens, rc.B, rc.T, targets);
    fresh.backward();
    const norm = fresh.clipGradNorm(rc.adamw.clip);
    gradNormMaxRelDiff = Math.max(gradNormMaxRelDiff, Math.abs(norm - rc.stepGradNorms[i]!) / rc.stepGradNorms[i]!);
    fresh.step(opt);
    stepLossMaxDiff = Math.max(stepLossMaxDiff, Math.abs(r.loss - rc.stepLosses[i]!));
  }
  return { logitsMaxDiff, lossDiff: Math.abs(loss - rc.loss), worstGrad, stepLossMaxDiff, gradNormMaxRelDiff };
}
