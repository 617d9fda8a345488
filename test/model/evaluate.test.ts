// The evaluator: the window protocol on a tiny model against direct per-window forwards, and the
// Pythia-shaped fp16 pytorch_model.bin (with Pythia's buffers) against the PyTorch reference loss
// written by tools/reference/pythia_shaped_checkpoint.py.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { evaluateLoss, evaluateModel, evaluationWindows } from "../../src/model/evaluate.js";
import { loadModel } from "../../src/model/checkpoint-io.js";
import { GPTNeoX } from "../../src/model/gpt-neox.js";
import { parseNeoXConfig } from "../../src/model/config.js";
import { scalarKernels } from "../../src/model/kernels.js";
import type { NeoXKernels } from "../../src/model/kernels.js";
import { createWasmKernels } from "../../src/model/wasm/kernels.js";
import { IGNORE_INDEX } from "../../src/model/loss.js";
import { Rng } from "../../src/util/rng.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/model-eval/", import.meta.url));
const reference = JSON.parse(readFileSync(`${FIXTURE}reference.json`, "utf8")) as { tokens: number[]; loss: number; predictions: number };

const backends: NeoXKernels[] = [];
after(async () => {
  for (const b of backends) await b.dispose();
});

test("evaluationWindows: consecutive, non-overlapping, last one shorter", () => {
  assert.deepEqual(evaluationWindows(10, 4), [[0, 4], [4, 4], [8, 2]]);
  assert.deepEqual(evaluationWindows(8, 4), [[0, 4], [4, 4]]);
  assert.deepEqual(evaluationWindows(0, 4), []);
});

test("evaluateModel equals the mean of per-window losses computed one window at a time", () => {
  const config = parseNeoXConfig({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 8, rotary_pct: 0.25 }, "t");
  const model = new GPTNeoX(config, { B: 3, T: 8, init: { scheme: "hf", seed: 5 } });
  const rng = new Rng(9);
  const tokens = Int32Array.from({ length: 8 * 4 + 5 }, () => rng.int(40));
  const r = evaluateModel(model, tokens);
  // oracle: each window alone, batch 1, summing -log p over in-window next tokens
  let sum = 0, n = 0;
  for (let s = 0; s < tokens.length; s += 8) {
    const w = tokens.subarray(s, Math.min(s + 8, tokens.length));
    const targets = Int32Array.from(w, (_, i) => (i + 1 < w.length ? w[i + 1]! : IGNORE_INDEX));
    const { loss } = model.forward(w, 1, w.length, targets);
    sum += loss * (w.length - 1);
    n += w.length - 1;
  }
  assert.equal(r.predictions, 4 * 7 + 4);
  assert.equal(r.predictions, n);
  assert.ok(Math.abs(r.loss - sum / n) < 1e-6, `${r.loss} vs ${sum / n}`);
  // no context across windows: changing the first window must not change the second window's loss
  const changed = tokens.slice();
  changed[3] = (changed[3]! + 1) % 40;
  const w2 = (t: Int32Array): number => evaluateModel(model, t.subarray(8, 16)).loss;
  assert.equal(w2(changed), w2(tokens));
});

test("Pythia-shaped fp16 pytorch_model.bin (with attention.bias/masked_bias/inv_freq buffers) evaluates to the PyTorch reference loss", async () => {
  const kernels = await createWasmKernels({ threads: 2 });
  backends.push(kernels);
  const tokens = Int32Array.from(reference.tokens);
  const r = await evaluateLoss(FIXTURE, tokens, { kernels, batchSize: 2 });
  console.log(`pythia-shaped fixture: ours ${r.loss.toFixed(7)} vs PyTorch ${reference.loss.toFixed(7)} (diff ${Math.abs(r.loss - reference.loss).toExponential(2)}), ${r.predictions} predictions`);
  assert.equal(r.predictions, reference.predictions);
  assert.ok(Math.abs(r.loss - reference.loss) <= 1e-4, `loss ${r.loss} vs reference ${reference.loss}`);
});

test("the scalar backend gives the same Pythia-shaped loss, and the buffers are reported as ignored", async () => {
  const { model, weights } = await loadModel(FIXTURE, { B: 2, T: 64, kernels: scalarKernels() });
  assert.equal(weights.format, "pytorch");
  assert.deepEqual(weights.dtypes, ["F16"]);
  assert.equal(weights.ignored.length, 3 * 6);
  const r = evaluateModel(model, Int32Array.from(reference.tokens));
  assert.ok(Math.abs(r.loss - reference.loss) <= 1e-4, `loss ${r.loss} vs reference ${reference.loss}`);
});
