// Learning-curve extrapolation vs scipy.optimize.curve_fit, and budgeted-evaluation
// reconstruction vs numpy.interp (fixtures from tools/reference/quality_fixtures.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { budgetedEvaluation, extrapolateLoss, fitPowerLawCurve, interpolateLinear, placeEvaluations, predictPowerLawCurve, reconstructCurve } from "../../src/quality/index.js";
import { loadFixture } from "./fixtures.js";

const fx = loadFixture<{
  curves: { name: string; t: number[]; y: number[]; a: number; b: number; c: number; sse: number }[];
  interp: { steps: number[]; values: number[]; cases: { indices: number[]; axis: "log-step" | "step"; reconstructed: number[]; mae: number; max: number }[] };
}>("quality.json");

test("power-law curve fit matches scipy curve_fit (parameters within 1e-4 relative)", () => {
  let worst = 0;
  for (const c of fx.curves) {
    const fit = fitPowerLawCurve(c.t, c.y);
    for (const key of ["a", "b", "c"] as const) {
      const d = Math.abs(fit[key] - c[key]) / Math.abs(c[key]);
      worst = Math.max(worst, d);
      assert.ok(d <= 1e-4, `${c.name}: ${key} ${fit[key]} vs ${c[key]}`);
    }
    assert.ok(fit.sse <= c.sse * (1 + 1e-9), `${c.name}: sse ${fit.sse} vs scipy ${c.sse}`);
  }
  console.log(`curve_fit: max relative parameter diff ${worst.toExponential(2)}`);
});

test("extrapolateLoss fits the early half and predicts the rest of a noiseless curve", () => {
  const steps = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 4000, 8000];
  const loss = steps.map((s) => (s === 0 ? 10 : 2 + 3 * Math.pow(s, -0.4)));
  const r = extrapolateLoss(steps, loss);
  assert.ok(r.fitSteps.every((s) => s > 0 && s <= 128));
  assert.equal(r.heldOut.length, 7);
  assert.ok(r.mae < 1e-8, `mae ${r.mae}`);
  assert.ok(Math.abs(predictPowerLawCurve(r.fit, [1e6])[0]! - (2 + 3 * Math.pow(1e6, -0.4))) < 1e-6);
});

test("budget reconstruction matches numpy.interp to 1e-12", () => {
  const { steps, values } = fx.interp;
  let worst = 0;
  for (const c of fx.interp.cases) {
    const r = reconstructCurve(steps, values, c.indices, c.axis);
    r.reconstructed.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - c.reconstructed[i]!)); });
    assert.ok(Math.abs(r.meanAbsError - c.mae) <= 1e-12 && Math.abs(r.maxAbsError - c.max) <= 1e-12, `${c.axis} ${c.indices}`);
  }
  assert.ok(worst <= 1e-12, `max diff ${worst}`);
  console.log(`numpy.interp: max diff ${worst.toExponential(2)}`);
  assert.deepEqual(interpolateLinear([0, 1], [5, 7], [-1, 0.25, 2]), [5, 5.5, 7]);
});

test("placements include the endpoints, have k distinct checkpoints, and events are used first", () => {
  const steps = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000, 4000, 5000];
  for (const k of [3, 5, 10]) {
    for (const s of ["events", "uniform", "log-uniform"] as const) {
      const idx = placeEvaluations(steps, k, s, [{ step: 300, strength: 1 }]);
      assert.equal(idx.length, k, `${s} k=${k}`);
      assert.equal(new Set(idx).size, k);
      assert.equal(idx[0], 0);
      assert.equal(idx[idx.length - 1], steps.length - 1);
    }
  }
  assert.deepEqual(placeEvaluations(steps, 3, "events", [{ step: 250 }]), [0, 9, 15]);
  assert.deepEqual(placeEvaluations(steps, 3, "uniform"), [0, 12, 15]); // target 2500 -> nearest is 2000 (tie with 3000: first)
  // A step function with its jump at an event is reconstructed exactly once the event is evaluated.
  const values = steps.map((s) => (s < 256 ? 5 : 3));
  const rows = budgetedEvaluation(steps, values, [{ step: 256 }, { step: 128 }], { budgets: [4] });
  const ev = rows.find((r) => r.strategy === "events")!;
  assert.equal(ev.maxAbsError, 0);
  assert.ok(rows.filter((r) => r.strategy !== "events").every((r) => r.maxAbsError > 0));
});
