// Revision names: Pythia's schedule, step parsing, and selection by name, list and glob.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRevisionStep, pythiaRevisions, selectRevisions } from "../../src/runs/revisions.js";
import { UsageError } from "../../src/util/errors.js";

test("pythiaRevisions is Pythia's 154-checkpoint schedule", () => {
  const revs = pythiaRevisions();
  // The Pythia model cards state 154 checkpoints: step0, ten log-spaced (1 ... 512), then every 1000 to 143000.
  assert.equal(revs.length, 154);
  assert.deepEqual(revs.slice(0, 12), ["step0", "step1", "step2", "step4", "step8", "step16", "step32", "step64", "step128", "step256", "step512", "step1000"]);
  assert.equal(revs.at(-1), "step143000");
  assert.equal(new Set(revs).size, 154);
  const steps = revs.map((r) => parseRevisionStep(r)!);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i]! > steps[i - 1]!);
  assert.equal(steps.filter((s) => s >= 1000).every((s) => s % 1000 === 0), true);
});

test("parseRevisionStep reads the usual checkpoint names and nothing else", () => {
  const cases: Array<[string, number | null]> = [
    ["step0", 0],
    ["step143000", 143000],
    ["global_step2000", 2000],
    ["checkpoint-500", 500],
    ["iter_0001000", 1000],
    ["step-12", 12],
    ["main", null],
    ["step", null],
    ["v1.0", null],
    ["step12a", null],
    ["mystep12", null],
  ];
  for (const [name, step] of cases) assert.equal(parseRevisionStep(name), step, name);
});

const BRANCHES = ["main", ...pythiaRevisions()].reverse();

test("selectRevisions: pythia, comma lists and globs, ordered by step", () => {
  const all = selectRevisions("pythia", BRANCHES);
  assert.equal(all.length, 154);
  assert.deepEqual(all.slice(0, 3), [{ revision: "step0", step: 0 }, { revision: "step1", step: 1 }, { revision: "step2", step: 2 }]);
  assert.deepEqual(selectRevisions("step2000, step1000", BRANCHES), [{ revision: "step1000", step: 1000 }, { revision: "step2000", step: 2000 }]);
  const thousands = selectRevisions("step*000", BRANCHES);
  assert.equal(thousands.length, 143);
  assert.deepEqual(selectRevisions("step1?000", BRANCHES).map((r) => r.step), [10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000]);
  assert.deepEqual(selectRevisions("step512,step*0000,step512", BRANCHES).map((r) => r.step), [512, 10000, 20000, 30000, 40000, 50000, 60000, 70000, 80000, 90000, 100000, 110000, 120000, 130000, 140000]);
});

test("selectRevisions errors name the unknown revision and what exists", () => {
  assert.throws(() => selectRevisions("step1500", BRANCHES), (e: unknown) => e instanceof UsageError && /unknown revision "step1500"/.test(e.message) && /nearest: step1000, step2000/.test(e.message));
  assert.throws(() => selectRevisions("latest", BRANCHES), /checkpoint branches: step0, step1, step2/);
  assert.throws(() => selectRevisions("ckpt*", BRANCHES), /matches none/);
  assert.throws(() => selectRevisions("main", BRANCHES), /has no step number/);
  assert.throws(() => selectRevisions(" , ", BRANCHES), /empty revision spec/);
  assert.throws(() => selectRevisions("pythia", ["main", "step0", "step1"]), /lacks 152 of the 154 Pythia revisions/);
  assert.throws(() => selectRevisions("step1000,global_step1000", ["step1000", "global_step1000"]), /both name step 1000/);
});
