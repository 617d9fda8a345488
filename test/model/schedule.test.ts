// Save schedule: Pythia's published checkpoint steps as the oracle (0, 1, 2, 4, ..., 512, then
// every 1000 to 143000), edge cases, and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { saveSteps, defaultSaveSchedule, denseSaveSchedule } from "../../src/model/schedule.js";
import { UsageError } from "../../src/util/errors.js";

test("Pythia's schedule: 154 checkpoints, 0..512 log-spaced then every 1000 up to 143000", () => {
  const steps = saveSteps(143000, { logSpacedUpTo: 512, saveEvery: 1000 });
  // Pythia's hub revisions: step0, step1, step2, step4, ..., step512, step1000, ..., step143000 (154 in all)
  const expected = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
  for (let s = 1000; s <= 143000; s += 1000) expected.push(s);
  assert.equal(expected.length, 154);
  assert.deepEqual(steps, expected);
});

test("the final step is always saved, and nothing beyond it", () => {
  assert.deepEqual(saveSteps(250, { logSpacedUpTo: 64, saveEvery: 100 }), [0, 1, 2, 4, 8, 16, 32, 64, 100, 200, 250]);
  assert.deepEqual(saveSteps(5, { logSpacedUpTo: 64, saveEvery: 100 }), [0, 1, 2, 4, 5]);
  assert.deepEqual(saveSteps(0, { logSpacedUpTo: 64, saveEvery: 100 }), [0]);
  assert.deepEqual(saveSteps(7, { logSpacedUpTo: 0, saveEvery: 3 }), [0, 3, 6, 7]);
  // a regular step that is also a power of two is listed once
  assert.deepEqual(saveSteps(16, { logSpacedUpTo: 8, saveEvery: 8 }), [0, 1, 2, 4, 8, 16]);
});

test("default schedule scales with the run length", () => {
  const s = defaultSaveSchedule(1000);
  assert.deepEqual(s, { logSpacedUpTo: 64, saveEvery: 100 });
  assert.deepEqual(saveSteps(1000, s).slice(-3), [800, 900, 1000]);
});

test("bad schedules are usage errors", () => {
  assert.throws(() => saveSteps(10, { logSpacedUpTo: 48, saveEvery: 10 }), UsageError);
  assert.throws(() => saveSteps(10, { logSpacedUpTo: 64, saveEvery: 0 }), UsageError);
  assert.throws(() => saveSteps(-1, { logSpacedUpTo: 64, saveEvery: 10 }), UsageError);
  assert.throws(() => saveSteps(1e9, { logSpacedUpTo: 64, saveEvery: 1 }), /--save-every/);
});

test("dense schedule: the log-spaced start plus every 1% of training", () => {
  const s = denseSaveSchedule(5000);
  assert.deepEqual(s, { logSpacedUpTo: 512, saveEvery: 50 });
  const steps = saveSteps(5000, s);
  assert.deepEqual(steps.slice(0, 12), [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 550]);
  assert.equal(steps.filter((x) => x > 512).length, (5000 - 550) / 50 + 1);
  for (let i = 12; i < steps.length; i++) assert.equal(steps[i]! - steps[i - 1]!, 50);
  // short runs: every step when there are fewer than 100; the start stays within steps/8
  assert.deepEqual(saveSteps(20, denseSaveSchedule(20)), Array.from({ length: 21 }, (_, i) => i));
  assert.deepEqual(denseSaveSchedule(1000), { logSpacedUpTo: 64, saveEvery: 10 });
});
