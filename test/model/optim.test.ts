// AdamW update against a float64 transcription of torch.optim.AdamW's documented algorithm,
// gradient clipping and the warmup + cosine schedule (properties of the definition).
import { test } from "node:test";
import assert from "node:assert/strict";
import { adamwUpdate, clipGradNorm, gradNorm, learningRate } from "../../src/model/optim.js";
import { Rng } from "../../src/util/rng.js";

test("adamwUpdate follows the AdamW algorithm over several steps", () => {
  const rng = new Rng(5);
  const n = 64, lr = 0.01, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
  const p = Float32Array.from({ length: n }, () => rng.normal()), m = new Float32Array(n), v = new Float32Array(n);
  const P = Float64Array.from(p), M = new Float64Array(n), V = new Float64Array(n);
  for (let t = 1; t <= 5; t++) {
    const g = Float32Array.from({ length: n }, () => rng.normal() * 0.1);
    adamwUpdate(p, g, m, v, t, lr, b1, b2, eps, wd);
    for (let i = 0; i < n; i++) {
      P[i] = P[i]! * (1 - lr * wd);
      M[i] = b1 * M[i]! + (1 - b1) * g[i]!;
      V[i] = b2 * V[i]! + (1 - b2) * g[i]! * g[i]!;
      const mhat = M[i]! / (1 - b1 ** t), vhat = V[i]! / (1 - b2 ** t);
      P[i] = P[i]! - (lr * mhat) / (Math.sqrt(vhat) + eps);
    }
  }
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(p[i]! - P[i]!));
  assert.ok(worst < 1e-6, `max diff ${worst}`);
});

test("clipGradNorm scales to the max norm only when above it", () => {
  const g = Float32Array.from([3, 4]);
  assert.equal(clipGradNorm(g, 10), 5);
  assert.deepEqual(Array.from(g), [3, 4]);
  assert.equal(clipGradNorm(g, 1), 5);
  assert.ok(Math.abs(gradNorm(g) - 1) < 1e-6);
});

test("learningRate: linear warmup to maxLr, cosine to minLr", () => {
  const s = { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 10, totalSteps: 110 };
  assert.ok(Math.abs(learningRate(0, s) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRate(9, s) - 1e-3) < 1e-12);
  assert.ok(Math.abs(learningRate(10, s) - 1e-3) < 1e-12);
  assert.ok(Math.abs(learningRate(60, s) - 5.5e-4) < 1e-12);
  assert.ok(Math.abs(learningRate(110, s) - 1e-4) < 1e-12);
  for (let t = 11; t <= 110; t++) assert.ok(learningRate(t, s) <= learningRate(t - 1, s));
});
