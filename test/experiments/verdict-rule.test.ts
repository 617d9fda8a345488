// The verdict rule: bootstrap CI of the mean paired difference over runs decides the label.
import { test } from "node:test";
import assert from "node:assert/strict";
import { combineLabels, labelOf, meanEstimate, pairedVerdict, formatEstimate } from "../../src/experiments/verdict-rule.js";
import { earlyStopLabel, LOSS_COST_TOLERANCE } from "../../src/experiments/claims/early-stop.js";
import type { Estimate } from "../../src/experiments/verdict-types.js";

const est = (value: number, lo: number, hi: number, n = 5): Estimate => ({ value, ci_low: lo, ci_high: hi, ci_method: "x", n });

test("pairedVerdict: all differences positive -> supported, all negative -> not supported, straddling 0 -> inconclusive", () => {
  assert.equal(pairedVerdict([0.1, 0.2, 0.15, 0.3]).label, "supported");
  assert.equal(pairedVerdict([-0.1, -0.2, -0.15]).label, "not supported");
  assert.equal(pairedVerdict([-0.1, 0.1, -0.2, 0.2]).label, "inconclusive");
  assert.equal(pairedVerdict([0.5]).label, "inconclusive", "one run is never enough");
  assert.equal(pairedVerdict([]).label, "inconclusive");
});

test("meanEstimate: value is the mean; the CI lies within [min, max] of the values and contains the mean", () => {
  const v = [1, 2, 3, 4, 10];
  const e = meanEstimate(v);
  assert.equal(e.value, 4);
  assert.equal(e.n, 5);
  assert.ok(e.ci_low! >= 1 && e.ci_high! <= 10 && e.ci_low! <= 4 && e.ci_high! >= 4);
  assert.match(e.ci_method!, /bootstrap/);
  assert.deepEqual(meanEstimate([NaN, 2]), { value: 2, ci_low: null, ci_high: null, ci_method: null, n: 1 });
});

test("labelOf and combineLabels", () => {
  assert.equal(labelOf(est(1, 0.1, 2)), "supported");
  assert.equal(labelOf(est(-1, -2, -0.1)), "not supported");
  assert.equal(labelOf(est(0, -1, 1)), "inconclusive");
  assert.equal(labelOf(est(1, 0.1, 2, 1)), "inconclusive");
  assert.equal(combineLabels(["supported", "supported"]), "supported");
  assert.equal(combineLabels(["supported", "inconclusive"]), "inconclusive");
  assert.equal(combineLabels(["supported", "not supported"]), "not supported");
  assert.equal(combineLabels([]), "inconclusive");
  assert.equal(formatEstimate(est(0.5, 0.25, 0.75), 2), "0.50 [0.25, 0.75]");
});

test("earlyStopLabel: more saved at a cost within the tolerance is supported; a cost above it is not", () => {
  const zeroCost = est(0, -0.001, 0.001);
  assert.equal(earlyStopLabel(est(0.3, 0.2, 0.4), zeroCost), "supported");
  assert.equal(earlyStopLabel(est(0.3, 0.2, 0.4), est(0.1, LOSS_COST_TOLERANCE + 0.01, 0.2)), "not supported");
  assert.equal(earlyStopLabel(est(-0.3, -0.4, -0.2), zeroCost), "not supported");
  assert.equal(earlyStopLabel(est(0.3, 0.2, 0.4), est(0.01, 0, LOSS_COST_TOLERANCE + 0.01)), "inconclusive");
  assert.equal(earlyStopLabel(est(0, 0, 0), zeroCost), "inconclusive");
});
