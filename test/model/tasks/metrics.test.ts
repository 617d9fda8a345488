// Task metrics from logits: hand-built logits with known losses and accuracies, and a tiny real
// GPT-NeoX whose own forward loss (with the other positions ignored) is the oracle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { modularAdditionMetrics, inductionMetrics, inductionScorePositions } from "../../../src/model/tasks/metrics.js";
import { modularAdditionSplit, modularAdditionBatch } from "../../../src/model/tasks/modular-addition.js";
import { inductionBatch, inductionHalves } from "../../../src/model/tasks/induction.js";
import { GPTNeoX } from "../../../src/model/gpt-neox.js";
import { parseNeoXConfig } from "../../../src/model/config.js";
import { IGNORE_INDEX } from "../../../src/model/loss.js";
import { UsageError } from "../../../src/util/errors.js";

const close = (a: number, b: number, tol = 1e-5): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("modular addition: loss and accuracy on the answer token only", () => {
  const V = 8, data = modularAdditionSplit({ p: 7, trainFraction: 0.5, seed: 0 });
  const { targets } = modularAdditionBatch(data, Int32Array.from([1, 10, 20]));
  assert.deepEqual([targets[2], targets[5], targets[8]], [1, 4, 1]); // (0+1), (1+3), (2+6) mod 7
  const logits = new Float32Array(9 * V);
  logits.fill(50, 0, V * 2); // non-answer rows: huge logits everywhere, must not count
  logits[2 * V + 1] = 10; // example 0: correct, confident
  logits[5 * V + 0] = 10; // example 1: wrong, confident (target 4 has logit 0)
  // example 2 (row 8): uniform logits, argmax is token 0 by the first-maximum rule, target 1: wrong
  const m = modularAdditionMetrics(logits, targets, V);
  const l0 = Math.log(Math.exp(10) + 7) - 10, l1 = Math.log(Math.exp(10) + 7), l2 = Math.log(8);
  close(m.loss, (l0 + l1 + l2) / 3);
  assert.equal(m.accuracy, 1 / 3);
  assert.equal(m.count, 3);
  assert.throws(() => modularAdditionMetrics(logits.subarray(0, 8 * V), targets, V), UsageError);
  assert.throws(() => modularAdditionMetrics(logits, targets.subarray(0, 8), V), /whole sequences/);
});

test("induction: first half at ln V, confident repeated half, in-context score = late-token loss - early-token loss", () => {
  const o = { vocabSize: 12, segmentLength: 5 }, V = 12, B = 3, T = 10;
  const { targets } = inductionBatch(o, B, 2, 0);
  const logits = new Float32Array(B * T * V);
  for (let b = 0; b < B; b++) for (const t of inductionHalves(o).repeated) logits[(b * T + t) * V + targets[b * T + t]!] = 10;
  const m = inductionMetrics(logits, targets, o, V);
  close(m.firstHalfLoss, Math.log(12));
  close(m.repeatedHalfLoss, Math.log(Math.exp(10) + 11) - 10);
  // L = 5: early position 2 (first half, uniform logits), late position 7 (repeated half, confident)
  assert.deepEqual(inductionScorePositions(o), { early: 2, late: 7 });
  assert.deepEqual(inductionScorePositions({ vocabSize: 64, segmentLength: 32 }), { early: 15, late: 47 });
  close(m.earlyTokenLoss, Math.log(12));
  close(m.lateTokenLoss, Math.log(Math.exp(10) + 11) - 10);
  close(m.inContextScore, m.lateTokenLoss - m.earlyTokenLoss);
  assert.ok(m.inContextScore < -2, `score ${m.inContextScore}`);
  // the late token predicts the copy of the early token's target
  for (let b = 0; b < B; b++) assert.equal(targets[b * T + 7], targets[b * T + 2]);
  assert.equal(m.repeatedHalfAccuracy, 1);
  assert.equal(m.countPerHalf, B * 4);
});

test("a tiny GPT-NeoX: the metrics equal the model's own loss with the other positions ignored", () => {
  // Modular addition, p = 7: vocabulary 8, sequences of 3.
  const data = modularAdditionSplit({ p: 7, trainFraction: 0.3, seed: 3 });
  const cfgA = parseNeoXConfig({ vocab_size: 8, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 3, rotary_pct: 0.25 }, "t");
  const batch = modularAdditionBatch(data, data.test.subarray(0, 6));
  const modelA = new GPTNeoX(cfgA, { B: 6, T: 3, init: { scheme: "hf", seed: 1 } });
  const a = modelA.forward(batch.inputs, 6, 3, batch.targets);
  const ma = modularAdditionMetrics(a.logits, batch.targets, 8);
  close(ma.loss, a.loss, 1e-5);
  assert.ok(ma.accuracy >= 0 && ma.accuracy <= 1);
  // Induction, V = 10, L = 4: the repeated-half loss equals the forward loss with only those targets kept.
  const o = { vocabSize: 10, segmentLength: 4 }, T = 8, B = 2;
  const cfgI = parseNeoXConfig({ vocab_size: 10, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: T, rotary_pct: 0.25 }, "t");
  const modelI = new GPTNeoX(cfgI, { B, T, init: { scheme: "hf", seed: 2 } });
  const ib = inductionBatch(o, B, 4, 0);
  const mi = inductionMetrics(modelI.forward(ib.inputs, B, T, ib.targets).logits.slice(), ib.targets, o, 10);
  const { repeated, first } = inductionHalves(o);
  const { early, late } = inductionScorePositions(o);
  for (const [positions, expected] of [[repeated, mi.repeatedHalfLoss], [first, mi.firstHalfLoss], [Int32Array.of(early), mi.earlyTokenLoss], [Int32Array.of(late), mi.lateTokenLoss]] as const) {
    const kept = new Int32Array(B * T).fill(IGNORE_INDEX);
    for (let b = 0; b < B; b++) for (const t of positions) kept[b * T + t] = ib.targets[b * T + t]!;
    close(modelI.forward(ib.inputs, B, T, kept).loss, expected, 1e-5);
  }
});
