// Induction sequences: the second half repeats the first exactly, tokens stay in the vocabulary,
// targets are the next tokens, the scored halves are where the file says, determinism by seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inductionSequences, inductionBatch, inductionHalves, inductionSequenceLength, DEFAULT_INDUCTION } from "../../../src/model/tasks/induction.js";
import { IGNORE_INDEX } from "../../../src/model/loss.js";
import { UsageError } from "../../../src/util/errors.js";

test("sequences: L random tokens then the same L again, all in [0, V)", () => {
  const o = { vocabSize: 16, segmentLength: 12 }, B = 20, T = 24;
  const s = inductionSequences(o, B, 3);
  assert.equal(s.length, B * T);
  let distinctRows = 0;
  for (let b = 0; b < B; b++) {
    const row = s.subarray(b * T, b * T + T);
    assert.deepEqual(Array.from(row.subarray(12)), Array.from(row.subarray(0, 12)));
    assert.ok(row.every((t) => t >= 0 && t < 16));
    if (new Set(row.subarray(0, 12)).size > 1) distinctRows++;
  }
  assert.equal(distinctRows, B, "first halves are random, not constant");
  assert.equal(inductionSequenceLength(DEFAULT_INDUCTION), 64);
});

test("batch: targets are the next tokens, last ignored; deterministic per (seed, step)", () => {
  const o = { vocabSize: 10, segmentLength: 5 }, T = 10;
  const a = inductionBatch(o, 3, 7, 4), b = inductionBatch(o, 3, 7, 4), c = inductionBatch(o, 3, 7, 5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.inputs, c.inputs);
  for (let r = 0; r < 3; r++) {
    for (let t = 0; t < T; t++) assert.equal(a.targets[r * T + t], t + 1 < T ? a.inputs[r * T + t + 1] : IGNORE_INDEX);
  }
});

test("halves: first predicts tokens 1..L-1, repeated predicts tokens L+1..2L-1, whose earlier copy is L back", () => {
  const o = { vocabSize: 50, segmentLength: 6 }, T = 12;
  const { first, repeated } = inductionHalves(o);
  assert.deepEqual(Array.from(first), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(repeated), [6, 7, 8, 9, 10]);
  const { inputs, targets } = inductionBatch(o, 4, 1, 0);
  for (let r = 0; r < 4; r++) {
    for (const t of repeated) {
      // The induction pattern: the current token's earlier copy sits at t-L; the token after it is the target.
      assert.equal(inputs[r * T + t], inputs[r * T + t - 6]);
      assert.equal(targets[r * T + t], inputs[r * T + t - 6 + 1]);
    }
  }
});

test("bad options are usage errors", () => {
  assert.throws(() => inductionSequences({ vocabSize: 1, segmentLength: 4 }, 1, 0), UsageError);
  assert.throws(() => inductionSequences({ vocabSize: 8, segmentLength: 1 }, 1, 0), UsageError);
  assert.throws(() => inductionSequences({ vocabSize: 8, segmentLength: 4 }, 0, 0), UsageError);
});
