// Change-point search against the independent numpy reference (exact optimal partitioning
// and binary segmentation, tools/reference/changepoint_fixtures.py), plus conventions and errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  binarySegmentation,
  changePointsOnSteps,
  CostL2,
  CostNormal,
  defaultPenalty,
  detectChangePoints,
  makeCost,
  pelt,
  precisionRecall,
  robustSigma,
  sumOfCosts,
  xCoordinates,
  type CostKind,
} from "../../src/dynamics/changepoints/index.js";
import { NotEnoughPointsError, UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

interface FixtureCase {
  name: string;
  cost: CostKind;
  penalty: number;
  minSize: number;
  jump: number;
  signal: number[];
  optimalBkps: number[];
  optimalObjective: number;
  binsegPenaltyBkps: number[];
  binsegNBkps: number;
  binsegCountBkps: number[];
  robustSigma?: number;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/dynamics/changepoints.json", import.meta.url), "utf8")) as { cases: FixtureCase[] };

for (const c of fixture.cases) {
  test(`pelt matches exact optimal partitioning (numpy reference): ${c.name}`, () => {
    const signal = Float64Array.from(c.signal);
    const cost = makeCost(c.cost, { minSize: c.minSize }).fit(signal);
    const result = pelt(cost, signal.length, { penalty: c.penalty, minSize: c.minSize, jump: c.jump });
    assert.deepEqual(result.bkps, c.optimalBkps);
    assert.ok(Math.abs(result.objective - c.optimalObjective) <= 1e-9 * Math.max(1, Math.abs(c.optimalObjective)), `objective ${result.objective} vs ${c.optimalObjective}`);
    assert.equal(result.penalty, c.penalty);
    assert.equal(result.method, "pelt");
    assert.equal(result.cost, c.cost);
  });

  test(`binary segmentation matches the numpy reference: ${c.name}`, () => {
    const signal = Float64Array.from(c.signal);
    const cost = makeCost(c.cost, { minSize: c.minSize }).fit(signal);
    const byPenalty = binarySegmentation(cost, signal.length, { penalty: c.penalty, minSize: c.minSize, jump: c.jump });
    assert.deepEqual(byPenalty.bkps, c.binsegPenaltyBkps);
    const byCount = binarySegmentation(cost, signal.length, { nBkps: c.binsegNBkps, minSize: c.minSize, jump: c.jump });
    assert.deepEqual(byCount.bkps, c.binsegCountBkps);
    assert.equal(byCount.penalty, null);
    // PELT is exact: greedy binary segmentation can never beat it on the penalised objective.
    const exact = c.optimalObjective;
    assert.ok(byPenalty.objective >= exact - 1e-9 * Math.max(1, Math.abs(exact)));
  });
}

test("robustSigma and the default l2 penalty match the numpy reference", () => {
  const c = fixture.cases.find((x) => x.name === "l2-bic")!;
  assert.ok(Math.abs(robustSigma(c.signal) - c.robustSigma!) < 1e-12);
  assert.ok(Math.abs(defaultPenalty("l2", c.signal) - c.penalty) < 1e-9);
  assert.equal(detectChangePoints(c.signal).bkps.join(), c.optimalBkps.join());
  assert.ok(Math.abs(defaultPenalty("normal", new Float64Array(100)) - 3 * Math.log(100)) < 1e-12);
});

test("costs: l2 and normal agree with direct per-segment formulas", () => {
  const x = Float64Array.from([1, 3, 2, 8, 9, 7, 7.5, 1e-3, 4, 4]);
  const l2 = new CostL2().fit(x);
  const normal = new CostNormal().fit(x);
  const all = x.reduce((a, b) => a + b, 0) / x.length;
  const floor = 1e-6 * x.reduce((a, v) => a + (v - all) ** 2, 0) / x.length;
  assert.ok(Math.abs(normal.varianceFloor - floor) < 1e-18);
  for (const [s, e] of [[0, 10], [2, 5], [3, 7], [8, 10]] as const) {
    const seg = Array.from(x.subarray(s, e));
    const mean = seg.reduce((a, b) => a + b, 0) / seg.length;
    const ss = seg.reduce((a, v) => a + (v - mean) ** 2, 0);
    assert.ok(Math.abs(l2.error(s, e) - ss) < 1e-12);
    assert.ok(Math.abs(normal.error(s, e) - seg.length * Math.log(ss / seg.length + floor)) < 1e-12);
  }
  // Constant segment: normal cost falls back on the floor instead of log(0).
  assert.ok(Number.isFinite(normal.error(8, 10)));
  // Multivariate l2 sums over dimensions.
  const y = Float64Array.from(x, (v) => 2 * v);
  const multi = new CostL2().fit([x, y]);
  assert.ok(Math.abs(multi.error(2, 7) - 5 * l2.error(2, 7)) < 1e-9);
});

test("convention: no change gives [n]; a noiseless step is found exactly", () => {
  const flat = new Float64Array(50).fill(3);
  assert.deepEqual(detectChangePoints(flat).bkps, [50]);
  const step = Float64Array.from({ length: 60 }, (_, i) => (i < 25 ? 0 : 1));
  for (const method of ["pelt", "binseg"] as const) {
    assert.deepEqual(detectChangePoints(step, { method }).bkps, [25, 60]);
  }
});

test("changePointsOnSteps maps breakpoints to uneven steps with intervals", () => {
  const steps = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000, 4000, 5000];
  const values = steps.map((_, i) => (i < 9 ? 0 : 5) + (i % 2 === 0 ? 0.01 : -0.01));
  const onIndex = changePointsOnSteps(steps, values, { penalty: 1 });
  assert.deepEqual(onIndex.bkps, [9, 16]);
  assert.deepEqual(onIndex.changes, [{ index: 9, step: 256, stepLow: 128, stepHigh: 256, stepMid: 192 }]);
  const onLog = changePointsOnSteps(steps, values, { penalty: 1, axis: "log-step" });
  assert.deepEqual(onLog.bkps, onIndex.bkps);
  assert.ok(Math.abs(onLog.changes[0]!.stepMid - (Math.sqrt(129 * 257) - 1)) < 1e-9);
  assert.throws(() => changePointsOnSteps([0, 2, 1], [1, 2, 3]), UsageError);
  assert.throws(() => changePointsOnSteps([0, 1], [1, 2, 3]), UsageError);
});

test("the result carries the cost the search ran on, fitted to the same values and x (the event rule reads it, never fits again)", () => {
  const steps = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000, 4000, 5000, 6000, 7000];
  const values = steps.map((_, i) => (i < 9 ? 0.1 * i : 3 + 0.05 * i) + (i % 2 === 0 ? 0.01 : -0.01));
  for (const cost of ["l2", "normal", "linear"] as const) {
    const result = changePointsOnSteps(steps, values, { cost, minSize: 3 });
    assert.equal(result.fittedCost.kind, cost);
    assert.equal(result.fittedCost.nSamples, values.length);
    const x = result.xAxis === null ? undefined : xCoordinates(steps, result.xAxis);
    const fresh = makeCost(cost, { minSize: 3, ...(x !== undefined && { x }) }).fit(Float64Array.from(values));
    for (const [a, b] of [[0, steps.length], [0, 9], [9, steps.length], [3, 12]] as const) assert.equal(result.fittedCost.error(a, b), fresh.error(a, b), `${cost} [${a}, ${b})`);
    const objective = sumOfCosts(result.fittedCost, result.bkps) + (result.penalty ?? 0) * (result.bkps.length - 1);
    assert.ok(Math.abs(objective - result.objective) <= 1e-12 * Math.abs(result.objective), `${cost}: the objective ${result.objective} is the fitted cost's (${objective}; the search sums in another order)`);
  }
});

test("errors are typed and checked up front", () => {
  const x = Float64Array.from([1, 2, 3, 4]);
  assert.throws(() => pelt(new CostL2().fit(x), 4, { penalty: -1 }), UsageError);
  assert.throws(() => pelt(new CostL2().fit(x), 5, { penalty: 1 }), UsageError);
  assert.throws(() => pelt(new CostNormal({ minSize: 5 }).fit(x), 4, { penalty: 1 }), NotEnoughPointsError);
  assert.throws(() => new CostL2().fit(Float64Array.from([1, NaN])), UsageError);
  assert.throws(() => new CostNormal().fit([x, x]), UsageError);
  assert.throws(() => binarySegmentation(new CostL2().fit(x), 4, { nBkps: 9 }), UsageError);
  assert.throws(() => detectChangePoints(x, { nBkps: 1 }), UsageError);
});

test("precisionRecall: strict margin, one-to-one matching, final n ignored", () => {
  const pr = precisionRecall([50, 100, 200], [48, 52, 103, 200], 3);
  assert.equal(pr.truePositives, 1); // 48 and 52 are 2 away from 50 but only one may match; 103 is 3 away (not < 3)
  assert.equal(pr.precision, 1 / 3);
  assert.equal(pr.recall, 1 / 2);
  assert.deepEqual(precisionRecall([200], [200], 5), { truePositives: 0, predicted: 0, actual: 0, precision: 0, recall: 1 });
  const cost = new CostL2().fit(Float64Array.from([0, 0, 1, 1]));
  assert.equal(sumOfCosts(cost, [2, 4]), 0);
});

/** Optimal partitioning without pruning (same grid rules as pelt): the differential oracle. */
function unprunedOptimum(cost: ReturnType<typeof makeCost>, n: number, pen: number, minSize: number, jump: number): number {
  const ends: number[] = [];
  for (let t = 1; t <= n; t++) if ((t === n || (t % jump === 0 && t <= n - minSize)) && t >= minSize) ends.push(t);
  const f = new Map<number, number>([[0, -pen]]);
  for (const t of ends) {
    let best = Infinity;
    for (const [s, fs] of f) if (s <= t - minSize) best = Math.min(best, fs + cost.error(s, t) + pen);
    f.set(t, best);
  }
  return f.get(n)!;
}

test("pelt pruning never loses the optimum (400 random problems vs unpruned search)", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 400; trial++) {
    const n = 20 + rng.int(60);
    const kind: CostKind = trial % 2 === 0 ? "l2" : "normal";
    const minSize = (kind === "normal" ? 2 : 1) + rng.int(6);
    const jump = 1 + rng.int(3);
    const pen = 0.05 + 4 * rng.uniform();
    const x = Float64Array.from({ length: n }, (_, i) => (i > n / 2 ? 1.5 : 0) + rng.normal() * (i > n / 3 ? 2 : 1));
    if (n < minSize) continue;
    const cost = makeCost(kind, { minSize }).fit(x);
    const result = pelt(cost, n, { penalty: pen, jump });
    const oracle = unprunedOptimum(cost, n, pen, minSize, jump);
    assert.ok(Math.abs(result.objective - oracle) <= 1e-9 * Math.max(1, Math.abs(oracle)), `trial ${trial}: ${result.objective} vs ${oracle}`);
    assert.ok(Math.abs(sumOfCosts(cost, result.bkps) + pen * (result.bkps.length - 1) - result.objective) < 1e-9 * Math.max(1, Math.abs(oracle)));
    for (let i = 0; i < result.bkps.length; i++) {
      const start = i === 0 ? 0 : result.bkps[i - 1]!;
      assert.ok(result.bkps[i]! - start >= minSize);
      if (i < result.bkps.length - 1) assert.equal(result.bkps[i]! % jump, 0);
    }
  }
});
