// Lead/lag matching of metric change points with events, and leave-one-run-out prediction
// (ridge vs alpha and extrapolation baselines) on synthetic runs with known structure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitRidge, leadLag, leaveOneRunOut, matchChangesToEvents, predictRidge, summarizeLeadLag, type LeadLagEvent, type PredictRun } from "../../src/quality/index.js";
import { Rng } from "../../src/util/rng.js";

test("matchChangesToEvents takes the latest event at or before each change", () => {
  const events: LeadLagEvent[] = [{ kind: "population_fork", tensor: "a", step: 100 }, { kind: "mode_split", tensor: "b", step: 400 }, { kind: "layer_fork", tensor: null, step: 5000 }];
  const m = matchChangesToEvents([{ step: 50, stepLow: 32 }, { step: 512, stepLow: 256 }, { step: 100, stepLow: 64 }, { step: 100000, stepLow: 90000 }], events);
  assert.equal(m[0]!.event, null);
  assert.equal(m[1]!.event!.step, 400);
  assert.equal(m[1]!.lagSteps, 112);
  assert.ok(Math.abs(m[1]!.lagLogSteps! - (Math.log(513) - Math.log(401))) < 1e-15);
  assert.equal(m[2]!.lagSteps, 0);
  assert.equal(m[3]!.withinWindow, false); // ln(100001/5001) > ln 10
  const s = summarizeLeadLag(m, Math.log(10), { resamples: 200 });
  assert.equal(s.nChanges, 4);
  assert.equal(s.nPreceded, 3);
  assert.equal(s.medianLeadSteps!.estimate, 112);
  assert.equal(s.fractionWithinWindow!.estimate, 0.5);
  const ci = s.fractionWithinWindow!.ci;
  assert.ok(ci.low <= 0.5 && 0.5 <= ci.high && ci.low >= 0 && ci.high <= 1);
});

test("leadLag finds a metric jump that an event precedes", () => {
  const steps = Array.from({ length: 40 }, (_, i) => i * 100);
  const rng = new Rng(3);
  const values = steps.map((s) => (s < 2000 ? 4 : 3) + 0.01 * rng.normal());
  values[5] = null as unknown as number; // a missing evaluation is skipped
  const r = leadLag(steps, values, [{ kind: "population_fork", tensor: "x", step: 1700 }], { resamples: 100 });
  assert.equal(r.changes.length, 1);
  assert.equal(r.changes[0]!.step, 2000);
  assert.equal(r.changes[0]!.lagSteps, 300);
  assert.equal(r.summary.fractionWithinWindow!.estimate, 1);
});

test("ridge recovers a linear relation and chooses a small lambda on clean data", () => {
  const rng = new Rng(11);
  const x = Array.from({ length: 60 }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const y = x.map((r) => 1 + 2 * r[0]! - 0.5 * r[2]! + 0.001 * rng.normal());
  const m = fitRidge(x, y);
  const pred = predictRidge(m, [[1, 0, 0], [0, 0, 2]]);
  assert.ok(Math.abs(pred[0]! - 3) < 0.01 && Math.abs(pred[1]! - 0) < 0.01, `${pred}`);
  assert.ok(m.lambda <= 0.01, `lambda ${m.lambda}`);
  // Noise-only targets: LOO prefers heavy shrinkage.
  const noise = fitRidge(x, x.map(() => rng.normal()));
  assert.ok(noise.lambda >= 1, `noise lambda ${noise.lambda}`);
});

test("leaveOneRunOut scores the feature model and both baselines on the same held-out steps", () => {
  const steps = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 4000, 8000];
  const runs: PredictRun[] = [0.8, 1, 1.2, 1.5].map((lr, k) => {
    const rng = new Rng(100 + k);
    const loss = steps.map((s) => 2 + 3 / lr * Math.pow(s, -0.4));
    // A parameter feature that tracks the loss (plus noise) and an uninformative "alpha".
    const features = loss.map((l) => [l * 0.5 + 0.01 * rng.normal(), 3 + 0.3 * rng.normal()]);
    return { runId: `lr${lr}`, steps, featureNames: ["model:model:std", "alpha:mean"], features, target: loss };
  });
  const res = leaveOneRunOut(runs);
  assert.equal(res.length, 4);
  for (const r of res) {
    assert.deepEqual(r.steps, steps.slice(7));
    for (const m of ["features", "alpha", "extrapolation"] as const) assert.equal(r.scores[m].n, 7, `${r.runId} ${m}`);
    assert.ok(r.scores.features.mae < r.scores.alpha.mae, `${r.runId}: features ${r.scores.features.mae} vs alpha ${r.scores.alpha.mae}`);
    assert.ok(r.scores.features.spearman > 0.9);
    assert.ok(r.scores.extrapolation.mae < 1e-6, "noiseless power law is extrapolated exactly");
  }
  assert.throws(() => leaveOneRunOut([runs[0]!]), /at least 2 runs/);
});
