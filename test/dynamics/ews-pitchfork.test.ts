// Critical slowing down on the stochastic pitchfork dy = (r(t) y - y^3) dt + s dW: as r rises
// to 0 the rolling variance and lag-1 autocorrelation of the residuals rise, so earlyWarning
// announces the bifurcation with a positive lead time; with r fixed at -1 it rarely does.
// Rates are measured on fixed seeds (deterministic) and written next to each bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { earlyWarning, type EarlyWarningResult } from "../../src/dynamics/ews/index.js";
import { pitchforkSeries, type PitchforkOptions } from "../../src/dynamics/synthetic.js";

const STEPS = Array.from({ length: 400 }, (_, i) => i);
const CROSS_AT = 300;
const SEEDS = 50;

function base(seed: number, nElements: number): PitchforkOptions {
  return { nElements, steps: STEPS, rOf: { rStart: -1, rEnd: 0.3, crossAt: CROSS_AT }, noise: 0.1, seed, dt: 0.05 };
}

function run(series: "single" | "mean", nElements: number, nullModel: boolean): EarlyWarningResult[] {
  const results: EarlyWarningResult[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const options = nullModel ? { ...base(seed + 1000, nElements), rOf: () => -1 } : base(seed, nElements);
    const sim = pitchforkSeries(options);
    const values = series === "single" ? sim.values.map((v) => v[0]!) : Array.from(sim.mean);
    results.push(earlyWarning(STEPS, values, nullModel ? CROSS_AT : sim.crossIndex!));
  }
  return results;
}

function checkLeadTimes(results: EarlyWarningResult[]): void {
  for (const r of results.filter((x) => x.announced)) {
    assert.ok(r.leadTime !== null && r.leadTime > 0, `lead time ${r.leadTime}`);
    // The signal cannot precede the first expanding window of 10 rolling values.
    assert.ok(r.signalIndex! >= r.windowPoints - 1 + 9 && r.signalIndex! < CROSS_AT);
    assert.equal(r.leadTime, r.eventStep - r.signalStep!);
    assert.ok(r.indicators.variance.tau > 0.6 && r.indicators.ac1.tau > 0.6);
  }
}

test("pitchfork, one element: announced on >= 85% of 50 seeds (measured 44/50), positive lead times", () => {
  const results = run("single", 1, false);
  assert.equal(results[0]!.eventStep, CROSS_AT);
  const hits = results.filter((r) => r.announced).length;
  assert.ok(hits >= 0.85 * SEEDS, `announced ${hits}/${SEEDS}`);
  checkLeadTimes(results);
  const leads = results.filter((r) => r.announced).map((r) => r.leadTime!).sort((a, b) => a - b);
  // Measured median lead time 90 steps (of 150 possible after the first full window).
  assert.ok(leads[leads.length >> 1]! >= 50, `median lead ${leads[leads.length >> 1]}`);
});

test("pitchfork, population mean of 10 elements: announced on >= 85% of 50 seeds (measured 46/50)", () => {
  const results = run("mean", 10, false);
  const hits = results.filter((r) => r.announced).length;
  assert.ok(hits >= 0.85 * SEEDS, `announced ${hits}/${SEEDS}`);
  checkLeadTimes(results);
});

test("null (r = -1 throughout), one element: announced on <= 10% of 50 seeds (measured 5/50)", () => {
  const alarms = run("single", 1, true).filter((r) => r.announced).length;
  assert.ok(alarms <= 0.1 * SEEDS, `false alarms ${alarms}/${SEEDS}`);
});

test("null (r = -1 throughout), population mean of 10: announced on <= 4% of 50 seeds (measured 1/50)", () => {
  const alarms = run("mean", 10, true).filter((r) => r.announced).length;
  assert.ok(alarms <= 0.04 * SEEDS, `false alarms ${alarms}/${SEEDS}`);
});
