// Each claim's pure computation on hand-made runs with known answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chanceOfHit, windowSize, leadLagRun, eventsPrecedeVerdict } from "../../src/experiments/claims/events-precede.js";
import { budgetRun, budgetEvents, budgetVerdict } from "../../src/experiments/claims/budget.js";
import { magnitudeAdvantage, sparsificationVerdict, toleranceCurves } from "../../src/experiments/claims/sparsification.js";
import { predictRuns, predictLossVerdict } from "../../src/experiments/claims/predict-loss.js";
import { earlyStopVerdict, type EarlyStopRun } from "../../src/experiments/claims/early-stop.js";
import { claimEvents, mainFork, pruningCheckpoints, type StudyEvent, type StudyRunData } from "../../src/experiments/run-data.js";
import type { PruningRecord } from "../../src/store/types.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 50, 75, 100, 125, 150, 175, 200];

function run(id: string, valLoss: (number | null)[], events: StudyEvent[] = [], extra: Partial<StudyRunData> = {}): StudyRunData {
  return { runId: id, steps: [...STEPS], valLoss, events, featureNames: [], features: STEPS.map(() => []), pruning: [], ...extra };
}
/** The held-out seeds a label needs: copies of the given runs under new ids, 8 in all. */
const seeds8 = (runs: StudyRunData[]): StudyRunData[] => Array.from({ length: 8 }, (_, i) => ({ ...runs[i % runs.length]!, runId: `${runs[i % runs.length]!.runId}-s${i}` }));
const ev = (kind: string, step: number, stepLow: number, strength = 1): StudyEvent => ({ kind, tensor: null, step, stepLow, strength });

/** Brute force: share of all e-subsets of n checkpoints that hit a window of m of them. */
function bruteChance(n: number, m: number, e: number): number {
  let hit = 0, all = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
    if (bits !== e) continue;
    all++;
    if (mask & ((1 << m) - 1)) hit++;
  }
  return hit / all;
}

test("chanceOfHit equals enumeration over all placements of the events", () => {
  for (const [n, m, e] of [[8, 2, 1], [8, 3, 2], [10, 1, 4], [10, 4, 3], [6, 6, 1], [7, 2, 6]] as const) {
    assert.ok(Math.abs(chanceOfHit(n, m, e) - bruteChance(n, m, e)) < 1e-12, `n=${n} m=${m} e=${e}`);
  }
  assert.equal(chanceOfHit(10, 3, 0), 0);
  assert.equal(windowSize(STEPS, 100, Math.log(2)), 3, "50, 75 and 100 (ln 101 - ln 51 = 0.68 <= ln 2); not 32 (ln 101 - ln 33 = 1.12)");
});

test("leadLagRun: a loss drop at step 50 with an event at 50 is matched; with the only event at 4 it is not", () => {
  const loss = STEPS.map((s) => (s < 50 ? 3 : 2));
  const near = leadLagRun(run("a", loss, [ev("layer_fork", 50, 32)]));
  assert.deepEqual(near.changes.map((c) => c.step), [50]);
  assert.equal(near.observed, 1);
  assert.ok(Math.abs(near.chance! - chanceOfHit(STEPS.length, windowSize(STEPS, 50, Math.log(2)), 1)) < 1e-12);
  const far = leadLagRun(run("b", loss, [ev("layer_fork", 4, 2)]));
  assert.equal(far.observed, 0);
  const trivial = leadLagRun(run("c", loss, [ev("population_fork", 50, 0)]));
  assert.equal(trivial.eventCheckpoints, 0, "an event whose interval starts at step 0 is Adam's first-step split and is not counted");
  const v = eventsPrecedeVerdict(seeds8([run("a", loss, [ev("layer_fork", 50, 32)]), run("a2", loss, [ev("mode_split", 50, 32)])]));
  assert.equal(v.verdict, "supported");
  assert.equal(v.ours.value, 1);
});

test("budget: events at the breakpoints of a curve piecewise linear in ln(1+step) reconstruct it exactly", () => {
  const x = (s: number): number => Math.log1p(s);
  // Breakpoints at steps 8 and 100: slopes change there.
  const loss = STEPS.map((s) => 5 - 0.8 * Math.min(x(s), x(8)) - 0.3 * Math.max(0, Math.min(x(s), x(100)) - x(8)) - 0.05 * Math.max(0, x(s) - x(100)));
  const r = budgetRun(run("p", loss, [ev("layer_fork", 8, 4), ev("mode_split", 100, 75)]), [4])!;
  const byStrategy = Object.fromEntries(r.rows.map((row) => [row.strategy, row]));
  assert.deepEqual(byStrategy["events"]!.steps, [0, 8, 100, 200]);
  assert.ok(byStrategy["events"]!.maxAbsError < 1e-12, `events error ${byStrategy["events"]!.maxAbsError}`);
  assert.ok(byStrategy["uniform"]!.meanAbsError > 1e-3 && byStrategy["log-uniform"]!.meanAbsError > 1e-4);
  const v = budgetVerdict(seeds8([run("p", loss, [ev("layer_fork", 8, 4), ev("mode_split", 100, 75)]), run("q", loss, [ev("layer_fork", 8, 4), ev("layer_fork", 100, 75)])]), [4]);
  assert.equal(v.verdict, "supported");
  assert.deepEqual(budgetEvents([ev("layer_fork", 8, 4), ev("mode_split", 8, 4), ev("change_point", 16, 8)]), [{ step: 8, strength: 2 }]);
});

test("mainFork: strongest fork after step 1; mode merges and change points are not forks", () => {
  const events = [ev("population_fork", 1, 0, 99), ev("change_point", 16, 8, 50), ev("mode_merge", 32, 16, 40), ev("layer_fork", 16, 8, 3), ev("mode_split", 50, 32, 7)];
  assert.deepEqual(mainFork(events), ev("mode_split", 50, 32, 7));
  assert.equal(claimEvents(events).length, 3);
  assert.deepEqual(pruningCheckpoints(STEPS, mainFork(events)), [{ step: 32, position: "before_fork" }, { step: 50, position: "after_fork" }, { step: 200, position: "final" }]);
  assert.deepEqual(pruningCheckpoints(STEPS, null), [{ step: 200, position: "final" }]);
});

function pruneRow(step: number, method: "magnitude" | "random", sparsity: number, increase: number): PruningRecord {
  return { run_id: "r", step, method, scope: "global", sparsity, seed: 0, base_loss: 2, loss: 2 + increase, loss_increase: increase, eval_predictions: 100, zeros_fraction: sparsity, near_zero_mass: step / 1000 };
}

test("sparsification: advantage = mean(random - magnitude increase); after - before decides", () => {
  const rows = [
    pruneRow(32, "magnitude", 0.5, 0.2), pruneRow(32, "random", 0.5, 0.3), pruneRow(32, "magnitude", 0.9, 1.0), pruneRow(32, "random", 0.9, 1.5),
    pruneRow(50, "magnitude", 0.5, 0.1), pruneRow(50, "random", 0.5, 0.6), pruneRow(50, "magnitude", 0.9, 0.5), pruneRow(50, "random", 0.9, 2.0),
  ];
  assert.ok(Math.abs(magnitudeAdvantage(rows, 32)! - 0.3) < 1e-12);
  assert.ok(Math.abs(magnitudeAdvantage(rows, 50)! - 1.0) < 1e-12);
  assert.equal(magnitudeAdvantage(rows, 200), null);
  const events = [ev("layer_fork", 50, 32, 5)];
  const runs = [run("r1", STEPS.map(() => 2), events, { pruning: rows }), run("r2", STEPS.map(() => 2), events, { pruning: rows.map((r) => ({ ...r, loss_increase: r.loss_increase * 2 })) })];
  const v = sparsificationVerdict(seeds8(runs));
  assert.equal(v.verdict, "supported");
  assert.ok(Math.abs(v.ours.value! - 1.5) < 1e-12, "mean of 1.0 and 2.0 after the fork");
  assert.ok(Math.abs(v.baseline!.estimate.value! - 0.45) < 1e-12);
  const curves = toleranceCurves(runs[0]!);
  assert.deepEqual(curves.map((c) => `${c.step}/${c.position}/${c.method}`), ["32/before_fork/magnitude", "32/before_fork/random", "50/after_fork/magnitude", "50/after_fork/random"]);
});

test("predictRuns: every run gets the union of feature names, null where missing", () => {
  const a = run("a", STEPS.map(() => 1), [], { featureNames: ["x", "z"], features: STEPS.map((s) => [s, 2 * s]) });
  const b = run("b", STEPS.map(() => 1), [], { featureNames: ["y", "z"], features: STEPS.map((s) => [s + 1, 3 * s]) });
  const [pa, pb] = predictRuns([a, b]);
  assert.deepEqual(pa!.featureNames, ["x", "y", "z"]);
  assert.deepEqual(pa!.features[2], [2, null, 4]);
  assert.deepEqual(pb!.features[2], [null, 3, 6]);
});

test("early stopping: features settled by step 75 save 62.5% of the steps; the verdict turns on the loss paid", () => {
  const features = STEPS.map((s) => [1 - Math.pow(s + 1, -1.5)]);
  const lossWithSlope = (slope: number): number[] => STEPS.map((s) => (s < 16 ? 3 - s / 16 : 2 - slope * s));
  const mk = (slope: number): StudyRunData[] => ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => run(id, lossWithSlope(slope), [], { featureNames: ["x"], features }));
  // Slope 1e-4: patience never stops (loss always improves); dynamics stops at 75, paying
  // (2 - 0.0075) - (2 - 0.02) = 0.0125 nats, within the 0.02 tolerance.
  const cheap = earlyStopVerdict(mk(1e-4));
  const r = (cheap.details["runs"] as EarlyStopRun[])[0]!;
  assert.equal(r.dynamics.stopStep, 75);
  assert.equal(r.patience.savedFraction, 0);
  assert.ok(Math.abs(cheap.ours.value! - 0.625) < 1e-12);
  assert.ok(Math.abs(r.dynamics.lossCost - 0.0125) < 1e-12);
  assert.equal(cheap.verdict, "supported");
  // Slope 1e-3: the same stop costs 0.2 - 0.075 = 0.125 nats, above the tolerance.
  assert.equal(earlyStopVerdict(mk(1e-3)).verdict, "not supported");
});

test("predict loss: a feature equal to the loss minus 2 beats extrapolation on a curve with a late bump; alpha absent is reported", () => {
  const loss = (shift: number): number[] => STEPS.map((s, i) => 2 + 1 / (1 + s) + (i >= 10 ? 0.3 + shift : 0));
  const runs = [0, 0.05, 0.1, 0.02, 0.07, 0.12, 0.03, 0.09].map((shift, k) => { const y = loss(shift); return run(`r${k}`, y, [], { featureNames: ["x"], features: y.map((v) => [v - 2]) }); });
  const v = predictLossVerdict(runs);
  assert.ok(v.ours.value! < 1e-3, `ridge MAE ${v.ours.value}`);
  assert.equal(v.verdict, "supported");
  assert.deepEqual(v.details["not_scored"], ["alpha"]);
  assert.match(v.baseline!.name, /extrapolation/);
});
