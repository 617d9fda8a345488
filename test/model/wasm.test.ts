// WASM SIMD backend: against the PyTorch fixtures, against the scalar oracle on awkward shapes
// (rows and vocabulary not multiples of the tile sizes), and bitwise identical for 1 and 2 threads.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createWasmKernels } from "../../src/model/wasm/kernels.js";
import { scalarKernels } from "../../src/model/kernels.js";
import type { NeoXKernels } from "../../src/model/kernels.js";
import { GPTNeoX } from "../../src/model/gpt-neox.js";
import { parseNeoXConfig } from "../../src/model/config.js";
import { Rng } from "../../src/util/rng.js";
import { gelu, geluGrad } from "../../src/model/layers.js";
import { loadReferenceCase, compareWithReference, maxAbsDiff, maxAbs } from "./reference-fixture.js";

const backends: NeoXKernels[] = [];
after(async () => {
  for (const b of backends) await b.dispose();
});
async function wasm(threads: number): Promise<NeoXKernels> {
  const k = await createWasmKernels({ threads });
  backends.push(k);
  return k;
}

for (const name of ["neox-parallel", "neox-sequential", "neox-attention-only", "neox-full-rotary", "neox-no-layer-norm", "neox-no-layer-norm-sequential"]) {
  test(`WASM GPT-NeoX (2 threads) matches PyTorch: ${name}`, async () => {
    const rc = loadReferenceCase(name);
    const r = compareWithReference(rc, await wasm(2));
    console.log(`${name} wasm: logits max diff ${r.logitsMaxDiff.toExponential(2)}, loss diff ${r.lossDiff.toExponential(2)}, worst grad ${r.worstGrad.name} rel ${r.worstGrad.relDiff.toExponential(2)}, 10-step loss max diff ${r.stepLossMaxDiff.toExponential(2)}, grad-norm rel diff ${r.gradNormMaxRelDiff.toExponential(2)}`);
    assert.ok(r.logitsMaxDiff <= 1e-4, `logits max abs diff ${r.logitsMaxDiff}`);
    assert.ok(r.lossDiff <= 1e-5, `loss diff ${r.lossDiff}`);
    assert.ok(r.worstGrad.relDiff <= 1e-3, `gradient ${r.worstGrad.name} relative diff ${r.worstGrad.relDiff}`);
    assert.ok(r.stepLossMaxDiff <= 1e-4, `AdamW step losses max diff ${r.stepLossMaxDiff}`);
    assert.ok(r.gradNormMaxRelDiff <= 1e-4, `clip_grad_norm_ norms relative diff ${r.gradNormMaxRelDiff}`);
  });
}

const awkward = parseNeoXConfig({ vocab_size: 67, hidden_size: 48, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 100, rotary_pct: 0.5, max_position_embeddings: 16 }, "awkward");

function runTwoSteps(kernels: NeoXKernels, B: number, T: number): { logits: Float32Array; grads: Float32Array; params: Float32Array; losses: number[] } {
  const model = new GPTNeoX(awkward, { B, T, kernels, init: { scheme: "pythia", seed: 3 } });
  const rng = new Rng(11);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(awkward.vocab_size));
  const targets = Int32Array.from({ length: B * T }, (_, i) => (i % 5 === 4 ? -100 : rng.int(awkward.vocab_size)));
  const losses: number[] = [];
  let logits = new Float32Array(0), grads = new Float32Array(0);
  for (let s = 0; s < 2; s++) {
    model.zeroGrad();
    const r = model.forward(tokens, B, T, targets);
    losses.push(r.loss);
    model.backward();
    if (s === 0) {
      logits = r.logits.slice();
      grads = model.grads.flat.slice();
    }
    model.clipGradNorm(1.0);
    model.step({ lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
  }
  return { logits, grads, params: model.params.flat.slice(), losses };
}

test("WASM matches the scalar oracle on shapes off the SIMD tiles (N=21, V=67, I=100)", async () => {
  const s = runTwoSteps(scalarKernels(), 3, 7);
  const w = runTwoSteps(await wasm(2), 3, 7);
  assert.ok(maxAbsDiff(s.logits, w.logits) < 1e-5, `logits ${maxAbsDiff(s.logits, w.logits)}`);
  assert.ok(maxAbsDiff(s.grads, w.grads) / maxAbs(s.grads) < 1e-5, `grads ${maxAbsDiff(s.grads, w.grads)}`);
  assert.ok(Math.abs(s.losses[1]! - w.losses[1]!) < 1e-5);
  // Adam turns rounding noise in mathematically-zero gradients (k bias outside the rotary dims:
  // softmax is shift-invariant) into +-lr steps, so compare parameters whose gradient is not noise.
  const gmax = maxAbs(s.grads);
  let worst = 0, compared = 0;
  for (let i = 0; i < s.params.length; i++) {
    if (Math.abs(s.grads[i]!) < 1e-5 * gmax) continue;
    compared++;
    worst = Math.max(worst, Math.abs(s.params[i]! - w.params[i]!));
  }
  assert.ok(compared > 0.9 * s.params.length, `compared ${compared} of ${s.params.length}`);
  assert.ok(worst < 1e-5, `params after 2 steps differ by ${worst}`);
});

test("WASM results are bitwise identical with 1 and 2 threads", async () => {
  const a = runTwoSteps(await wasm(1), 4, 16);
  const b = runTwoSteps(await wasm(2), 4, 16);
  assert.deepEqual(a.losses, b.losses);
  assert.equal(Buffer.compare(Buffer.from(a.params.buffer), Buffer.from(b.params.buffer)), 0);
  assert.equal(Buffer.compare(Buffer.from(a.grads.buffer), Buffer.from(b.grads.buffer)), 0);
});

test("WASM GELU (Hermite table + exact tail) matches the float64 erf GELU", async () => {
  const k = await wasm(2);
  const n = 40_000;
  const x = k.allocF32(n), y = k.allocF32(n), dx = k.allocF32(n), ones = k.allocF32(n);
  for (let i = 0; i < n; i++) x[i] = -12 + (24 * i) / (n - 1) + 1e-4 * Math.sin(i);
  ones.fill(1);
  k.geluForward(y, x, n);
  k.geluBackward(dx, x, ones, n);
  let worstRel = 0, worstGrad = 0;
  for (let i = 0; i < n; i++) {
    const yr = Math.fround(gelu(x[i]!)), gr = geluGrad(x[i]!);
    worstRel = Math.max(worstRel, Math.abs(y[i]! - yr) / Math.max(Math.abs(yr), 1e-30));
    worstGrad = Math.max(worstGrad, Math.abs(dx[i]! - gr));
  }
  assert.ok(worstRel < 3e-7, `gelu worst relative error ${worstRel}`);
  assert.ok(worstGrad < 1e-7, `gelu' worst absolute error ${worstGrad}`);
});

test("attentionProbabilities: causal rows summing to 1, equal on both backends; zero QKV weights give uniform attention", async () => {
  const B = 2, T = 9, nh = awkward.num_attention_heads;
  const rng = new Rng(5);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(awkward.vocab_size));
  const s = new GPTNeoX(awkward, { B, T, init: { scheme: "pythia", seed: 4 } });
  const w = new GPTNeoX(awkward, { B, T, kernels: await wasm(2), init: { scheme: "pythia", seed: 4 } });
  assert.throws(() => s.attentionProbabilities(0), /no forward pass yet/);
  s.forward(tokens, B, T);
  w.forward(tokens, B, T);
  for (let l = 0; l < awkward.num_hidden_layers; l++) {
    const a = s.attentionProbabilities(l), b = w.attentionProbabilities(l);
    assert.equal(a.length, B * nh * T * T);
    assert.ok(maxAbsDiff(a, b) < 1e-6, `layer ${l}: scalar vs wasm ${maxAbsDiff(a, b)}`);
    for (let r = 0; r < B * nh * T; r++) {
      const t = r % T;
      let sum = 0;
      for (let t2 = 0; t2 < T; t2++) {
        if (t2 > t) assert.equal(a[r * T + t2], 0, `row ${r}: position ${t2} after ${t} is masked`);
        else sum += a[r * T + t2]!;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
    }
  }
  assert.throws(() => s.attentionProbabilities(awkward.num_hidden_layers), /layer must be an integer/);
  s.params.layers[1]!.qkvw.fill(0);
  s.params.layers[1]!.qkvb.fill(0);
  s.forward(tokens, 1, T); // a smaller batch: the view has its shape
  const u = s.attentionProbabilities(1);
  assert.equal(u.length, nh * T * T);
  for (let h = 0; h < nh; h++) for (let t = 0; t < T; t++) assert.ok(Math.abs(u[(h * T + t) * T]! - 1 / (t + 1)) < 1e-6, `head ${h} row ${t}: uniform over ${t + 1} positions`);
});
