// Modular addition data: exact split sizes, disjoint train/test covering every pair once,
// correct labels on the answer position only, determinism by seed, typed errors on bad options.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  modularAdditionSplit, modularAdditionBatch, modularAdditionExample, modularAdditionTrainCount,
  DEFAULT_MODULAR_ADDITION, MODULAR_ADDITION_ANSWER_POSITION,
} from "../../../src/model/tasks/modular-addition.js";
import { IGNORE_INDEX } from "../../../src/model/loss.js";
import { UsageError } from "../../../src/util/errors.js";

test("split: exact sizes, disjoint, every pair exactly once, sorted", () => {
  for (const [p, f] of [[59, 0.4], [53, 0.3], [7, 0.5], [3, 0.1]] as const) {
    const d = modularAdditionSplit({ p, trainFraction: f, seed: 11 });
    assert.equal(d.train.length, Math.round(f * p * p));
    assert.equal(d.train.length + d.test.length, p * p);
    const seen = new Uint8Array(p * p);
    for (const i of [...d.train, ...d.test]) seen[i]! += 1;
    assert.ok(seen.every((c) => c === 1), `p=${p}: each pair once across train and test`);
    for (const part of [d.train, d.test]) for (let i = 1; i < part.length; i++) assert.ok(part[i - 1]! < part[i]!);
    assert.equal(d.vocabSize, p + 1);
    assert.equal(d.equalsToken, p);
  }
  assert.equal(modularAdditionTrainCount(59, 0.4), 1392);
  assert.equal(modularAdditionTrainCount(47, 0.4), 884);
  const d = modularAdditionSplit({ ...DEFAULT_MODULAR_ADDITION, seed: 0 });
  assert.deepEqual([d.train.length, d.test.length], [884, 2209 - 884], "the defaults: p = 47, fraction 0.4");
});

test("split: same seed gives the same split, another seed a different one", () => {
  const a = modularAdditionSplit({ p: 53, trainFraction: 0.3, seed: 5 });
  const b = modularAdditionSplit({ p: 53, trainFraction: 0.3, seed: 5 });
  const c = modularAdditionSplit({ p: 53, trainFraction: 0.3, seed: 6 });
  assert.deepEqual(a.train, b.train);
  assert.deepEqual(a.test, b.test);
  assert.notDeepEqual(a.train, c.train);
  // A shuffle, not a prefix: the training set reaches across the whole index range.
  assert.ok(a.train[0]! < 53 * 53 * 0.05 && a.train[a.train.length - 1]! > 53 * 53 * 0.95);
});

test("batch: inputs a b =, target (a+b) mod p at the answer position only", () => {
  const p = 7;
  const d = modularAdditionSplit({ p, trainFraction: 0.5, seed: 1 });
  const idx = Int32Array.from([0, 6, 7 * 3 + 5, 48]);
  const { inputs, targets } = modularAdditionBatch(d, idx);
  const expected = [[0, 0, 0], [0, 6, 6], [3, 5, 1], [6, 6, 5]];
  expected.forEach(([a, b, c], r) => {
    assert.deepEqual(Array.from(inputs.subarray(r * 3, r * 3 + 3)), [a, b, p]);
    assert.deepEqual(Array.from(targets.subarray(r * 3, r * 3 + 3)), [IGNORE_INDEX, IGNORE_INDEX, c]);
  });
  assert.equal(MODULAR_ADDITION_ANSWER_POSITION, 2);
  for (let i = 0; i < p * p; i++) {
    const { a, b, c } = modularAdditionExample(p, i);
    assert.equal(a * p + b, i);
    assert.equal(c, (a + b) % p);
  }
  assert.throws(() => modularAdditionBatch(d, Int32Array.from([49])), UsageError);
});

test("split: bad modulus or fraction is a usage error", () => {
  assert.throws(() => modularAdditionSplit({ p: 60, trainFraction: 0.3, seed: 0 }), /prime/);
  assert.throws(() => modularAdditionSplit({ p: 59, trainFraction: 1, seed: 0 }), UsageError);
  assert.throws(() => modularAdditionSplit({ p: 59, trainFraction: 0, seed: 0 }), UsageError);
  assert.throws(() => modularAdditionSplit({ p: 3, trainFraction: 0.01, seed: 0 }), /leaves 0 of 9/);
});

test("unordered pairing: (a, b) and (b, a) always share a split; sizes exact; ordered pairing leaks about the fraction", () => {
  for (const [p, f] of [[59, 0.4], [53, 0.3], [7, 0.5], [3, 0.1], [11, 0.95]] as const) {
    const d = modularAdditionSplit({ p, trainFraction: f, seed: 2, pairing: "unordered" });
    assert.equal(d.train.length, Math.round(f * p * p));
    assert.equal(d.train.length + d.test.length, p * p);
    const side = new Int8Array(p * p).fill(-1);
    for (const i of d.train) side[i] = 1;
    for (const i of d.test) { assert.equal(side[i], -1, "disjoint"); side[i] = 0; }
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) assert.equal(side[a * p + b], side[b * p + a], `p=${p}: (${a},${b})`);
    assert.deepEqual(d, modularAdditionSplit({ p, trainFraction: f, seed: 2, pairing: "unordered" }));
  }
  const ordered = modularAdditionSplit({ p: 59, trainFraction: 0.4, seed: 0 });
  const inTrain = new Set(ordered.train);
  const leaked = Array.from(ordered.test).filter((i) => inTrain.has((i % 59) * 59 + Math.floor(i / 59))).length;
  assert.equal(leaked, 837); // the figure quoted in the option's documentation
});
