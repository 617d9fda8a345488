// The JSON views of stored rows: the metric-series summary groups by (run, source, name) in order
// of first appearance, counts missing values and spans the step range; events and transitions map
// absent optional fields to their stated defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventJson, summarizeMetrics, transitionJson } from "../../src/store/views.js";
import type { EventRecord, MetricRecord, TransitionRecord } from "../../src/store/types.js";

test("summarizeMetrics: one row per (run, source, name), missing values counted, first and last step", () => {
  const rows: MetricRecord[] = [
    { run_id: "r", source: "s", name: "loss", step: 20, value: 2 },
    { run_id: "r", source: "s", name: "acc", step: 5, value: null },
    { run_id: "r", source: "s", name: "loss", step: 3, value: null },
    { run_id: "r", source: "t", name: "loss", step: 9, value: 1 },
    { run_id: "r", source: "s", name: "loss", step: 40, value: 1.5 },
  ];
  assert.deepEqual(summarizeMetrics(rows), [
    { run: "r", source: "s", name: "loss", points: 3, missing: 1, first_step: 3, last_step: 40 },
    { run: "r", source: "s", name: "acc", points: 1, missing: 1, first_step: 5, last_step: 5 },
    { run: "r", source: "t", name: "loss", points: 1, missing: 0, first_step: 9, last_step: 9 },
  ]);
  assert.deepEqual(summarizeMetrics([]), []);
});

test("eventJson and transitionJson: absent evidence, detector and artefact become {} and null", () => {
  const e: EventRecord = { run_id: "r", kind: "change_point", tensor: "t", step: 4, step_low: 2, step_high: 4, strength: 1.5, evidence: null, detector: undefined };
  assert.deepEqual(eventJson(e), { run: "r", kind: "change_point", tensor: "t", step: 4, step_low: 2, step_high: 4, strength: 1.5, evidence: {}, detector: null, artefact: null });
  const t: TransitionRecord = { run_id: "r", metric: "m", source: "s", chosen_by: "explicit", found: false, step: null, step_low: null, step_high: null, before: null, after: null, noise: null, n_points: 3, detail: { reason: "flat" } };
  assert.deepEqual(transitionJson(t), { run: "r", kind: "transition", tensor: null, metric: "m", source: "s", chosen_by: "explicit", found: false, step: null, step_low: null, step_high: null, before: null, after: null, noise: null, n_points: 3, detail: { reason: "flat" } });
});
