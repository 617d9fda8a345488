// Task metrics from logits: hand-built logits with known losses and accuracies, and a tiny real
// GPT-NeoX whose own forward loss (with the other positions ignored) is the oracle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { modularAdditionMetrics, inductionMetrics } from "../../../src/model/tasks/metrics.js";
import { modularAdditionSplit, modularAdditionBatch } from "../../../src/model/tasks/modular-addition.js";
import { inductionBatch, inductionScoredRows } from "../../../src/model/tasks/induction.js";
import { GPTNeoX } from "../../../src/model/gpt-neox.js";
import { parseNeoXConfig } from "../../../src/model/config.js";
import { IGNORE_INDEX } from "../../../src/model/loss.js";
import { UsageError } from "../../../src/util/errors.js";
import { addAt } from "../../../src/util/typed.js";

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

test("induction: per-sequence masks on a hand-made case equal a direct computation from the logits", () => {
  // V = 5, L = 3, R = 2 (T = 8). Sequence 0: r = 0, g = 2 (repeat at 5); sequence 1: r = 1, g = 0 (repeat at 4).
  const o = { vocabSize: 5, segmentLength: 3, offsetMax: 2 }, V = 5, T = 8;
  const inputs = Int32Array.of(1, 2, 3, 4, 0, 1, 2, 3, /**/ 4, 0, 1, 2, 0, 1, 2, 3);
  const targets = Int32Array.of(2, 3, 4, 0, 1, 2, 3, IGNORE_INDEX, /**/ 0, 1, 2, 0, 1, 2, 3, IGNORE_INDEX);
  for (let x = 0; x < 2 * T; x++) assert.equal(targets[x], (x + 1) % T === 0 ? IGNORE_INDEX : inputs[x + 1]);
  const batch = { targets, segmentStart: Int32Array.of(0, 1), repeatStart: Int32Array.of(5, 4) };
  // Logits: row x gets logit x/3 on token (x mod 5) and x/7 on token ((x + 2) mod 5), 0 elsewhere: every row differs.
  const logits = new Float32Array(2 * T * V);
  for (let x = 0; x < 2 * T; x++) {
    logits[x * V + (x % V)] = x / 3;
    addAt(logits, x * V + ((x + 2) % V), x / 7);
  }
  const ce = (x: number): number => {
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[x * V + v]!);
    return Math.log(z) - logits[x * V + targets[x]!]!;
  };
  const argmaxOk = (x: number): number => {
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[x * V + v]! > logits[x * V + best]!) best = v;
    return best === targets[x] ? 1 : 0;
  };
  // Direct: first occurrence rows {0, 1} and {9, 10}; repeat rows {5, 6} and {12, 13}; e = floor(2/2) = 1: early rows 1, 10; late rows 6, 13.
  const mean = (rows: number[], f: (x: number) => number): number => rows.reduce((s, x) => s + f(x), 0) / rows.length;
  const m = inductionMetrics(logits, batch, o, V);
  close(m.firstHalfLoss, mean([0, 1, 9, 10], ce));
  close(m.repeatedHalfLoss, mean([5, 6, 12, 13], ce));
  close(m.earlyTokenLoss, mean([1, 10], ce));
  close(m.lateTokenLoss, mean([6, 13], ce));
  close(m.inContextScore, m.lateTokenLoss - m.earlyTokenLoss);
  assert.equal(m.repeatedHalfAccuracy, mean([5, 6, 12, 13], argmaxOk));
  assert.equal(m.countPerHalf, 4);
  // The fixed layout (r = 0, repeat at L) would score other rows: the masks follow each sequence.
  const wrong = inductionScoredRows(o, { segmentStart: Int32Array.of(0, 0), repeatStart: Int32Array.of(3, 3) });
  assert.deepEqual(Array.from(wrong.repeated), [3, 4, 11, 12]);
  // A layout that does not match the targets is refused (repeat targets differ from the first occurrence's).
  assert.throws(() => inductionMetrics(logits, { targets, segmentStart: Int32Array.of(0, 0), repeatStart: Int32Array.of(3, 3) }, o, V), /differs from its first occurrence/);
  assert.throws(() => inductionMetrics(logits, { targets, segmentStart: Int32Array.of(0), repeatStart: Int32Array.of(5) }, o, V), /layouts for 2 sequences/);
});

test("induction: first occurrence at ln V, confident repeat, in-context score = late-token loss - early-token loss", () => {
  const o = { vocabSize: 12, segmentLength: 5, offsetMax: 4 }, V = 12, B = 6, T = 14;
  const batch = inductionBatch(o, B, 2, 0), { targets } = batch, rows = inductionScoredRows(o, batch);
  const logits = new Float32Array(B * T * V);
  for (const x of rows.repeated) logits[x * V + targets[x]!] = 10;
  const m = inductionMetrics(logits, batch, o, V);
  close(m.firstHalfLoss, Math.log(12));
  close(m.repeatedHalfLoss, Math.log(Math.exp(10) + 11) - 10);
  close(m.earlyTokenLoss, Math.log(12));
  close(m.lateTokenLoss, Math.log(Math.exp(10) + 11) - 10);
  close(m.inContextScore, m.lateTokenLoss - m.earlyTokenLoss);
  assert.ok(m.inContextScore < -2, `score ${m.inContextScore}`);
  // the late token predicts the copy of the early token's target
  for (let b = 0; b < B; b++) assert.equal(targets[rows.late[b]!], targets[rows.early[b]!]);
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
  // Induction, V = 10, L = 4, R = 3: the repeated-half loss equals the forward loss with only those targets kept.
  const o = { vocabSize: 10, segmentLength: 4, offsetMax: 3 }, T = 11, B = 3;
  const cfgI = parseNeoXConfig({ vocab_size: 10, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: T, rotary_pct: 0.25 }, "t");
  const modelI = new GPTNeoX(cfgI, { B, T, init: { scheme: "hf", seed: 2 } });
  const ib = inductionBatch(o, B, 4, 0);
  const mi = inductionMetrics(modelI.forward(ib.inputs, B, T, ib.targets).logits.slice(), ib, o, 10);
  const { repeated, first, early, late } = inductionScoredRows(o, ib);
  for (const [rows, expected] of [[repeated, mi.repeatedHalfLoss], [first, mi.firstHalfLoss], [early, mi.earlyTokenLoss], [late, mi.lateTokenLoss]] as const) {
    const kept = new Int32Array(B * T).fill(IGNORE_INDEX);
    for (const x of rows) kept[x] = ib.targets[x]!;
    close(modelI.forward(ib.inputs, B, T, kept).loss, expected, 1e-5);
  }
});
