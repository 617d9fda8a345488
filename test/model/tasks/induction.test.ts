// Induction sequences: per sequence a prefix r and a gap g (r + g <= R) vary and are seeded; the
// repeat equals the segment exactly at r + L + g; tokens stay in the vocabulary; targets are the
// next tokens; the scored rows are where the file says; the evaluation set is not a training batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  inductionSequences, inductionBatch, inductionBatchOf, inductionScoredRows, inductionSequenceLength, inductionScoreOffset, DEFAULT_INDUCTION,
} from "../../../src/model/tasks/induction.js";
import { INDUCTION_EVAL_SEED } from "../../../src/model/tasks/training.js";
import { IGNORE_INDEX } from "../../../src/model/loss.js";
import { UsageError } from "../../../src/util/errors.js";

test("sequences: the segment recurs exactly at r + L + g, r + g <= R, offsets vary across sequences, tokens in [0, V)", () => {
  const o = { vocabSize: 16, segmentLength: 12, offsetMax: 9 }, B = 1000, T = 33;
  assert.equal(inductionSequenceLength(o), T);
  const s = inductionSequences(o, B, 3);
  assert.equal(s.tokens.length, B * T);
  const prefixes = new Set<number>(), gaps = new Set<number>();
  for (let b = 0; b < B; b++) {
    const row = s.tokens.subarray(b * T, b * T + T), r = s.segmentStart[b]!, rep = s.repeatStart[b]!, g = rep - r - 12;
    assert.ok(r >= 0 && g >= 0 && r + g <= 9, `r ${r} g ${g}`);
    assert.deepEqual(Array.from(row.subarray(rep, rep + 12)), Array.from(row.subarray(r, r + 12)));
    assert.ok(row.every((t) => t >= 0 && t < 16));
    assert.ok(new Set(row.subarray(r, r + 12)).size > 1, "segments are random, not constant");
    prefixes.add(r);
    gaps.add(g);
  }
  // 1000 draws: every prefix and every gap in [0, 9] occurs (a fixed offset would give one value; P(r = 9) = 1/100)
  assert.equal(prefixes.size, 10);
  assert.equal(gaps.size, 10);
  assert.equal(inductionSequenceLength(DEFAULT_INDUCTION), 96);
  // R = 0 is the fixed layout: S then S again
  const f = inductionSequences({ vocabSize: 16, segmentLength: 5, offsetMax: 0 }, 4, 1);
  assert.deepEqual(Array.from(f.segmentStart), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(f.repeatStart), [5, 5, 5, 5]);
});

test("the distance between the copies is spread evenly over R + 1 values", () => {
  const o = { vocabSize: 8, segmentLength: 4, offsetMax: 3 }, B = 4000;
  const s = inductionSequences(o, B, 11), counts = [0, 0, 0, 0];
  for (let b = 0; b < B; b++) counts[s.repeatStart[b]! - s.segmentStart[b]! - 4]!++;
  for (const c of counts) assert.ok(Math.abs(c - B / 4) < 5 * Math.sqrt((B * 3) / 16), `gap counts ${counts}`);
});

test("batch: targets are the next tokens, last ignored; deterministic per (seed, step), layouts included", () => {
  const o = { vocabSize: 10, segmentLength: 5, offsetMax: 4 }, T = 14;
  const a = inductionBatch(o, 6, 7, 4), b = inductionBatch(o, 6, 7, 4), c = inductionBatch(o, 6, 7, 5), d = inductionBatch(o, 6, 8, 4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.inputs, c.inputs);
  assert.notDeepEqual(a.inputs, d.inputs);
  for (let r = 0; r < 6; r++) {
    for (let t = 0; t < T; t++) assert.equal(a.targets[r * T + t], t + 1 < T ? a.inputs[r * T + t + 1] : IGNORE_INDEX);
  }
  assert.deepEqual(inductionBatchOf(o, inductionSequences(o, 6, 123)), inductionBatchOf(o, inductionSequences(o, 6, 123)));
});

test("scored rows: first occurrence r..r+L-2, repeat r+L+g..r+2L+g-2, the in-context pair at segment offset floor((L-1)/2)", () => {
  const o = { vocabSize: 50, segmentLength: 6, offsetMax: 5 }, T = 17;
  // hand-made layouts: (r, repeat) = (0, 6), (2, 10), (0, 11)
  const rows = inductionScoredRows(o, { segmentStart: Int32Array.of(0, 2, 0), repeatStart: Int32Array.of(6, 10, 11) });
  assert.deepEqual(Array.from(rows.first), [0, 1, 2, 3, 4, T + 2, T + 3, T + 4, T + 5, T + 6, 2 * T, 2 * T + 1, 2 * T + 2, 2 * T + 3, 2 * T + 4]);
  assert.deepEqual(Array.from(rows.repeated), [6, 7, 8, 9, 10, T + 10, T + 11, T + 12, T + 13, T + 14, 2 * T + 11, 2 * T + 12, 2 * T + 13, 2 * T + 14, 2 * T + 15]);
  assert.equal(inductionScoreOffset(o), 2);
  assert.deepEqual(Array.from(rows.early), [2, T + 4, 2 * T + 2]);
  assert.deepEqual(Array.from(rows.late), [8, T + 12, 2 * T + 13]);
  assert.equal(inductionScoreOffset(DEFAULT_INDUCTION), 15);
  // On real data: at each repeated row the current token's earlier copy is L + g back and the target is the token after it.
  const { inputs, targets, segmentStart, repeatStart } = inductionBatch(o, 8, 1, 0);
  const real = inductionScoredRows(o, { segmentStart, repeatStart });
  for (let i = 0; i < real.repeated.length; i++) {
    const b = Math.floor(i / 5), d = repeatStart[b]! - segmentStart[b]!;
    assert.equal(inputs[real.repeated[i]!], inputs[real.repeated[i]! - d]);
    assert.equal(targets[real.repeated[i]!], inputs[real.repeated[i]! - d + 1]);
    assert.equal(targets[real.repeated[i]!], targets[real.first[i]!]);
  }
  assert.throws(() => inductionScoredRows(o, { segmentStart: Int32Array.of(3), repeatStart: Int32Array.of(6) }), /outside a sequence/);
  assert.throws(() => inductionScoredRows(o, { segmentStart: Int32Array.of(5), repeatStart: Int32Array.of(12) }), /outside a sequence/);
});

test("the fixed evaluation set is not among the training batches of a run", () => {
  // Defaults (T = 96): training batches come from batchSeed(seed, step), the eval set from INDUCTION_EVAL_SEED.
  const evalRows = new Set<string>(), T = inductionSequenceLength(DEFAULT_INDUCTION);
  const ev = inductionSequences(DEFAULT_INDUCTION, 256, INDUCTION_EVAL_SEED);
  for (let b = 0; b < 256; b++) evalRows.add(ev.tokens.subarray(b * T, b * T + T).join(","));
  assert.equal(evalRows.size, 256);
  for (const seed of [0, 1]) {
    for (let step = 0; step < 100; step++) {
      const batch = inductionBatch(DEFAULT_INDUCTION, 32, seed, step);
      for (let b = 0; b < 32; b++) assert.ok(!evalRows.has(batch.inputs.subarray(b * T, b * T + T).join(",")), `seed ${seed} step ${step} row ${b}`);
    }
  }
});

test("bad options are usage errors", () => {
  assert.throws(() => inductionSequences({ vocabSize: 1, segmentLength: 4, offsetMax: 0 }, 1, 0), UsageError);
  assert.throws(() => inductionSequences({ vocabSize: 8, segmentLength: 1, offsetMax: 0 }, 1, 0), UsageError);
  assert.throws(() => inductionSequences({ vocabSize: 8, segmentLength: 4, offsetMax: -1 }, 1, 0), /offset range/);
  assert.throws(() => inductionSequences({ vocabSize: 8, segmentLength: 4, offsetMax: 1.5 }, 1, 0), /offset range/);
  assert.throws(() => inductionSequences({ vocabSize: 8, segmentLength: 4, offsetMax: 2 }, 0, 0), UsageError);
});
