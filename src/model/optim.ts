// Scalar reference optimiser pieces: AdamW (torch.optim.AdamW semantics), global grad-norm
// clipping (torch.nn.utils.clip_grad_norm_), and the warmup + cosine learning-rate schedule.
import type { ParamSpec } from "./params.js";
import { scaleInPlace } from "../util/typed.js";

/** AdamW hyper-parameters (torch defaults for betas and eps). */
export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: Omit<AdamWOptions, "lr"> = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

/**
 * One AdamW update of a contiguous range: param, grad, m, v (n), step t >= 1 (1-based),
 * decoupled decay p *= 1 - lr*wd, then p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
 */
export function adamwUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, t: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number): void {
  const bc1 = 1 - Math.pow(beta1, t), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
  const stepSize = lr / bc1, decay = 1 - lr * weightDecay;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const mi = Math.fround(beta1 * m[i]! + (1 - beta1) * g);
    const vi = Math.fround(beta2 * v[i]! + (1 - beta2) * g * g);
    m[i] = mi;
    v[i] = vi;
    const p = Math.fround(param[i]! * decay);
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

/** AdamW over the flat buffers; weight decay only where the layout says `decay`. */
export function adamwStep(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, layout: readonly ParamSpec[], t: number, opt: AdamWOptions): void {
  for (const s of layout) {
    const r = (a: Float32Array): Float32Array => a.subarray(s.offset, s.offset + s.size);
    adamwUpdate(r(params), r(grads), r(m), r(v), t, opt.lr, opt.beta1, opt.beta2, opt.eps, s.decay ? opt.weightDecay : 0);
  }
}

/** Global L2 norm of grads (float64 accumulation). */
export function gradNorm(grads: Float32Array): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i]! * grads[i]!;
  return Math.sqrt(s);
}

/** Scales grads so their global L2 norm is at most maxNorm (coef = maxNorm/(norm+1e-6)); returns the norm before. */
export function clipGradNorm(grads: Float32Array, maxNorm: number): number {
  const norm = gradNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) scaleInPlace(grads, coef);
  return norm;
}

/** Linear warmup to maxLr over warmupSteps, then cosine decay to minLr at totalSteps. */
export interface LrSchedule {
  maxLr: number;
  minLr: number;
  warmupSteps: number;
  totalSteps: number;
}

/** Learning rate at 0-based step. */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.maxLr * (step + 1)) / s.warmupSteps;
  if (step >= s.totalSteps) return s.minLr;
  const ratio = (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps);
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (s.maxLr - s.minLr);
}
