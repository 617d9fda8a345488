// The "Phase transition" view's data from a store: the transition row (metric by the documented
// order, interval of the designed jump), the metric series, the weight norms of the model and of
// each layer (the stored group L2 norms) and the events per checkpoint with artefacts left out;
// no view without a transition row; the section rendered only when a run has one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { EVENT_COUNT_FEATURE, eventCounts, phaseView, TOTAL_NORM_FEATURE } from "../../src/report/phase.js";
import { renderReport } from "../../src/report/render.js";
import { emptyRun } from "../../src/report/data.js";
import { designedAccuracy, PHASE_INTERVAL, PHASE_METRIC, PHASE_STEPS, phaseFixtureStore } from "./helpers/phase-fixture.js";

test("reportDataFromStore builds the phase view: transition, metric, weight norms, events per checkpoint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-phase-data-"));
  const store = await phaseFixtureStore(dir);
  try {
    const run = (await reportDataFromStore(store)).runs[0]!;
    const ph = run.phase!;
    assert.ok(ph, "a run with test_accuracy has the view");
    assert.equal(ph.transition.metric, PHASE_METRIC);
    assert.equal(ph.transition.found, true);
    assert.deepEqual(ph.transition.interval, PHASE_INTERVAL);
    // the straight line between the bracketing checkpoints crosses halfway at 1500 (the sigmoid is symmetric about it)
    const [a, b] = [designedAccuracy(1000), designedAccuracy(2000)];
    const half = (ph.transition.before! + ph.transition.after!) / 2;
    assert.ok(Math.abs(ph.transition.step! - (1000 + (1000 * (half - a)) / (b - a))) < 1e-6);
    assert.ok(Math.abs(ph.transition.step! - 1500) < 20);
    assert.deepEqual(ph.metric.steps, PHASE_STEPS);
    assert.deepEqual(ph.metric.values, PHASE_STEPS.map(designedAccuracy));
    assert.deepEqual(ph.features.map((f) => [f.name, f.panel]), [
      [TOTAL_NORM_FEATURE, "norm"], ["weight norm, layer.0", "norm"], ["weight norm, layer.1", "norm"], [EVENT_COUNT_FEATURE, "events"],
    ]);
    const model = await store.groupStats({ run: "run", groupKind: "model" });
    assert.deepEqual(ph.features[0]!.values, PHASE_STEPS.map((s) => model.find((g) => g.step === s)!.l2));
    const layer1 = await store.groupStats({ run: "run", groupKind: "layer", groupName: "layer.1" });
    assert.deepEqual(ph.features[2]!.values, PHASE_STEPS.map((s) => layer1.find((g) => g.step === s)!.l2));
    const counts = ph.features[3]!.values as number[];
    const stored = (await store.events({ run: "run" })).filter((e) => e.artefact === null);
    assert.equal(counts.reduce((x, y) => x + y, 0), stored.length);
    for (const e of stored) assert.ok(counts[PHASE_STEPS.indexOf(e.step!)]! >= 1, `event at checkpoint ${e.step} counted there`);
    assert.match(renderReport({ version: 1, title: "t", generatedAt: "", runs: [run] }), /id="fp-phase"/);
    // without the transition row: no view, no section
    await store.putTransition("run", null);
    const without = (await reportDataFromStore(store)).runs[0]!;
    assert.equal(without.phase, undefined);
    assert.doesNotMatch(renderReport({ version: 1, title: "t", generatedAt: "", runs: [without] }), /id="fp-phase"/);
    assert.match(renderReport({ version: 1, title: "t", generatedAt: "", runs: [without] }, { live: true }), /id="fp-phase"/, "live: metrics may come later");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("eventCounts: artefacts left out, an event between checkpoints counts at the next one; phaseView needs the metric series", () => {
  const run = emptyRun("r", "s", [0, 10, 20]);
  const ev = (step: number, artefact?: string) => ({ kind: "change_point", tensor: "t", step, step_low: 0, step_high: step, strength: 1, ...(artefact && { artefact }) });
  run.events = [ev(10), ev(15), ev(1, "first_update_sign_split"), ev(20), ev(25)];
  assert.deepEqual(eventCounts(run), [0, 1, 2]);
  const row = { run_id: "r", metric: "test_accuracy", source: "x", chosen_by: "default order" as const, found: false, step: null, step_low: null, step_high: null, before: 0.1, after: 0.1, noise: 0, n_points: 3, detail: { reason: "flat" } };
  assert.equal(phaseView(run, row), undefined);
  run.metrics = [{ name: "test_accuracy (x)", steps: [0, 10, 20], values: [0.1, 0.1, 0.1] }];
  const view = phaseView(run, row)!;
  assert.deepEqual([view.transition.found, view.transition.interval, view.transition.reason, view.features.map((f) => f.name)], [false, null, "flat", [EVENT_COUNT_FEATURE]]);
});
