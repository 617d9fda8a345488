// The run's transition from stored metrics: the documented metric order (test_accuracy, then
// in_context_score, then loss_repeated_half; "eval/" prefixes match), an explicit metric kept on
// recompute, too-short and flat series stored as "not found" with the reason, and the row deleted
// when the run has no transition metric any more.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/index.js";
import type { MetricRecord } from "../../src/store/types.js";
import { chooseTransitionSeries, metricNameMatches, recomputeRunTransition, transitionRow, TRANSITION_METRIC_ORDER } from "../../src/quality/run-transition.js";
import { UsageError } from "../../src/util/errors.js";

const STEPS = Array.from({ length: 41 }, (_, i) => i * 25);
/** A step from 0.01 to 0.99 between steps 500 and 525: halfway (0.5) crossed at 512.5 by the straight line. */
const accuracy = (s: number) => (s <= 500 ? 0.01 : 0.99);

function rows(name: string, f: (s: number) => number | null, source = "trainer_state"): MetricRecord[] {
  return STEPS.map((step) => ({ run_id: "r", source, step, name, value: f(step) }));
}

test("metric choice follows the documented order and matches eval/ names", () => {
  assert.deepEqual(TRANSITION_METRIC_ORDER, ["test_accuracy", "in_context_score", "loss_repeated_half"]);
  assert.ok(metricNameMatches("eval/test_accuracy", "test_accuracy"));
  assert.ok(!metricNameMatches("eval/test_accuracy_top5", "test_accuracy"));
  const all = [...rows("eval/loss_repeated_half", () => 1), ...rows("in_context_score", () => 0.5), ...rows("eval/test_accuracy", accuracy), ...rows("train/loss", () => 2)];
  assert.equal(chooseTransitionSeries(all)!.metric, "eval/test_accuracy");
  assert.equal(chooseTransitionSeries(all.filter((m) => !m.name.endsWith("test_accuracy")))!.metric, "in_context_score");
  assert.equal(chooseTransitionSeries(rows("train/loss", () => 2)), null);
  const explicit = chooseTransitionSeries(all, "train/loss")!;
  assert.deepEqual([explicit.metric, explicit.chosen_by], ["train/loss", "explicit"]);
  assert.throws(() => chooseTransitionSeries(all, "nope"), (e: unknown) => e instanceof UsageError && /"nope" has no finite values.*train\/loss/.test(e.message));
  // nulls dropped; the source with more finite points wins
  const two = [...rows("test_accuracy", (s) => (s % 50 === 0 ? accuracy(s) : null), "a"), ...rows("test_accuracy", accuracy, "b")];
  const chosen = chooseTransitionSeries(two)!;
  assert.deepEqual([chosen.source, chosen.steps.length], ["b", STEPS.length]);
});

test("transitionRow: the known step and interval; flat and short series are not found, with the reason", () => {
  const series = chooseTransitionSeries(rows("test_accuracy", accuracy))!;
  const row = transitionRow(series);
  assert.deepEqual([row.found, row.step, row.step_low, row.step_high, row.before, row.after, row.noise, row.n_points], [true, 512.5, 500, 525, 0.01, 0.99, 0, STEPS.length]);
  assert.equal(row.detail.direction, "up");
  const flat = transitionRow(chooseTransitionSeries(rows("test_accuracy", (s) => 0.5 + (s % 50 === 0 ? 0.01 : -0.01)))!);
  assert.equal(flat.found, false);
  assert.match(String(flat.detail.reason), /plateaus differ by 0\.0+, not more than the minimum 0/);
  const short = transitionRow({ ...series, steps: series.steps.slice(0, 5), values: series.values.slice(0, 5) });
  assert.deepEqual([short.found, short.before, short.step], [false, null, null]);
  assert.match(String(short.detail.reason), /5 checkpoints with a value are too few/);
});

test("recomputeRunTransition stores the row, keeps an explicit choice, and deletes the row without a transition metric", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-run-transition-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "s" });
    assert.equal(await recomputeRunTransition(store, "r"), null);
    await store.putMetrics("r", "task", [...rows("eval/test_accuracy", accuracy), ...rows("eval/in_context_score", (s) => (s < 700 ? 0 : 1))]);
    const t = await recomputeRunTransition(store, "r");
    assert.deepEqual([t!.metric, t!.step], ["eval/test_accuracy", 512.5]);
    assert.deepEqual((await store.transitions({ run: "r" })).map((x) => [x.metric, x.found, x.step_low, x.step_high]), [["eval/test_accuracy", true, 500, 525]]);
    await recomputeRunTransition(store, "r", { metric: "in_context_score" });
    await recomputeRunTransition(store, "r");
    const kept = (await store.transitions({ run: "r" }))[0]!;
    assert.deepEqual([kept.metric, kept.chosen_by, kept.step_low, kept.step_high], ["eval/in_context_score", "explicit", 675, 700]);
    await store.putMetrics("r", "task", rows("train/loss", () => 1));
    assert.equal(await recomputeRunTransition(store, "r"), null);
    assert.deepEqual(await store.transitions(), []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
