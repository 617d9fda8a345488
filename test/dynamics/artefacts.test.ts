// The optimizer-artefact rule (dynamics/artefacts.ts) on hand-made events: each of its four
// conditions, taken away in turn, removes the label; the filter keeps unlabelled events.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FIRST_UPDATE_SPLIT_RULE, FIRST_UPDATES_MAX_STEP, initialConstant, isOptimizerArtefact, optimizerArtefactOf, withoutOptimizerArtefacts,
  type ArtefactCandidate, type InitialState,
} from "../../src/dynamics/artefacts.js";

const zeros: InitialState = { numel: 64, nonFinite: 0, min: 0, max: 0 };
const ones: InitialState = { numel: 64, nonFinite: 0, min: 1, max: 1 };

function fork(over: Partial<ArtefactCandidate> = {}, lower = -0.004, upper = 0.004, variable = "value"): ArtefactCandidate {
  return { kind: "population_fork", tensor: "b", step: 1, step_low: 0, evidence: { variable, branch_centres: { steps: [0, 1, 2], lower: [0, lower, lower * 2], upper: [0, upper, upper * 2] } }, ...over };
}

test("a step-1 sign split of a zero-initialised bias is labelled", () => {
  assert.equal(optimizerArtefactOf(fork(), zeros), FIRST_UPDATE_SPLIT_RULE);
  // LayerNorm gain at 1, by value and by displacement from step 0
  assert.equal(optimizerArtefactOf(fork({}, 0.996, 1.004), ones), FIRST_UPDATE_SPLIT_RULE);
  assert.equal(optimizerArtefactOf(fork({}, -0.004, 0.004, "displacement"), ones), FIRST_UPDATE_SPLIT_RULE);
  // found at a later checkpoint within the first updates, last together at step 0
  const late = { ...fork({ step: 8 }), evidence: { variable: "value", branch_centres: { steps: [0, 8], lower: [0, -0.01], upper: [0, 0.02] } } };
  assert.equal(optimizerArtefactOf(late, zeros), FIRST_UPDATE_SPLIT_RULE);
  const split: ArtefactCandidate = { kind: "mode_split", tensor: "b", step: 1, step_low: 0, evidence: { two_modes_at: { step: 1, locations: [0.004, -0.004] } } };
  assert.equal(optimizerArtefactOf(split, zeros), FIRST_UPDATE_SPLIT_RULE);
});

test("each condition of the rule is needed", () => {
  // 1. kind: merges, layer forks and change points are never artefacts
  for (const kind of ["mode_merge", "layer_fork", "change_point"] as const) assert.equal(optimizerArtefactOf(fork({ kind }), zeros), null, kind);
  // 2. constant at step 0: a random initialisation, a NaN, a single element, no step-0 row
  assert.equal(optimizerArtefactOf(fork(), { numel: 64, nonFinite: 0, min: -0.02, max: 0.02 }), null);
  assert.equal(optimizerArtefactOf(fork(), { ...zeros, nonFinite: 1 }), null);
  assert.equal(optimizerArtefactOf(fork(), { ...zeros, numel: 1 }), null);
  assert.equal(optimizerArtefactOf(fork(), undefined), null);
  // 3. from the constant state, within the first updates
  assert.equal(optimizerArtefactOf(fork({ step_low: 1, step: 2 }), zeros), null);
  const after = { ...fork({ step: FIRST_UPDATES_MAX_STEP + 6, step_low: 0 }), evidence: { variable: "value", branch_centres: { steps: [0, 16], lower: [0, -1], upper: [0, 1] } } };
  assert.equal(optimizerArtefactOf(after, zeros), null);
  // 4. by sign: both branches on one side of the initial value, or no branch centres at the step
  assert.equal(optimizerArtefactOf(fork({}, 0.001, 0.008), zeros), null);
  assert.equal(optimizerArtefactOf(fork({}, 1.001, 1.008), ones), null);
  assert.equal(optimizerArtefactOf({ ...fork(), evidence: { variable: "value" } }, zeros), null);
  assert.equal(optimizerArtefactOf({ ...fork(), evidence: { variable: "value", branch_centres: { steps: [0, 2], lower: [0, -1], upper: [0, 1] } } }, zeros), null);
});

test("initialConstant and the filter", () => {
  assert.equal(initialConstant(ones), 1);
  assert.equal(initialConstant({ numel: 4, nonFinite: 0, min: null, max: null }), null);
  const events = [{ kind: "a", artefact: FIRST_UPDATE_SPLIT_RULE }, { kind: "b", artefact: null }, { kind: "c" }];
  assert.deepEqual(withoutOptimizerArtefacts(events).map((e) => e.kind), ["b", "c"]);
  assert.deepEqual(events.map(isOptimizerArtefact), [true, false, false]);
});
