// Pooled feature/validation-loss correlations on hand-made runs: per-run Spearman rho from the
// textbook formula rho = 1 - 6 sum(d^2) / (n (n^2 - 1)) (no ties), their mean, and the order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { featureCorrelations } from "../../src/experiments/claims/correlations.js";
import type { StudyRunData } from "../../src/experiments/run-data.js";

const STEPS = [0, 10, 20, 30, 40];
const NAMES = ["up", "mixed", "down_mostly", "constant", "partial"];

/** columns: feature name -> value per step (null = not stored). */
function run(id: string, valLoss: (number | null)[], columns: Record<string, (number | null)[]>): StudyRunData {
  return {
    runId: id, steps: [...STEPS], valLoss, events: [], pruning: [], featureNames: NAMES,
    features: STEPS.map((_, i) => NAMES.map((n) => columns[n]?.[i] ?? null)),
  };
}

const LOSS = [5, 4, 3, 2, 1];
const runs = [
  // mixed: ranks [1,2,3,5,4] vs loss ranks [5,4,3,2,1]: sum d^2 = 38, rho = 1 - 228/120 = -0.9
  // down_mostly: [5,4,3,1,2]: sum d^2 = 2, rho = 1 - 12/120 = 0.9
  run("a", LOSS, { up: [1, 2, 3, 4, 5], mixed: [1, 2, 3, 5, 4], down_mostly: [5, 4, 3, 1, 2], constant: [7, 7, 7, 7, 7], partial: [1, 2, 3, 4, 5] }),
  // mixed: [2,1,3,4,5]: sum d^2 = 9+9+0+4+16 = 38, rho = -0.9; down_mostly as in run a: 0.9
  run("b", LOSS, { up: [1, 2, 3, 4, 5], mixed: [2, 1, 3, 4, 5], down_mostly: [5, 4, 3, 1, 2], constant: [7, 7, 7, 7, 7] }),
  // loss missing at step 0: 4 pairs; mixed and down_mostly follow the loss exactly: rho = 1; up: -1
  run("c", [null, 4, 3, 2, 1], { up: [1, 2, 3, 4, 5], mixed: [5, 4, 3, 2, 1], down_mostly: [5, 4, 3, 2, 1], constant: [7, 7, 7, 7, 7] }),
];

test("mean Spearman over runs, ordered by |mean|; constant and single-run features left out", () => {
  const s = featureCorrelations(runs);
  assert.equal(s.metric, "eval/loss");
  assert.equal(s.n_runs, 3);
  assert.deepEqual(s.top.map((f) => f.feature), ["up", "down_mostly", "mixed"]);
  const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  const [up, down, mixed] = s.top;
  close(up!.mean_spearman.value, -1);
  assert.equal(up!.mean_spearman.ci_low, -1);
  assert.equal(up!.mean_spearman.ci_high, -1);
  close(down!.mean_spearman.value, (0.9 + 0.9 + 1) / 3);
  close(mixed!.mean_spearman.value, (-0.9 - 0.9 + 1) / 3);
  assert.equal(mixed!.mean_spearman.n, 3);
  assert.ok(mixed!.mean_spearman.ci_low! <= mixed!.mean_spearman.value! && mixed!.mean_spearman.value! <= mixed!.mean_spearman.ci_high!);
  assert.deepEqual(mixed!.per_run.map((r) => [r.run, r.n]), [["a", 5], ["b", 5], ["c", 4]]);
  close(mixed!.per_run[0]!.rho, -0.9);
});

test("top n keeps the first n by |mean rho|", () => {
  assert.deepEqual(featureCorrelations(runs, 2).top.map((f) => f.feature), ["up", "down_mostly"]);
  assert.deepEqual(featureCorrelations([]).top, []);
});
