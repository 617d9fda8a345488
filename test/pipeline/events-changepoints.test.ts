// The pipeline's change-point runner on stored-statistics series (no store needed): by default
// the linear cost in ln(1 + step), so a group std drifting smoothly over tiny-run checkpoints
// gives no change point (l2 gave several) while a level shift in the mean gives one; every
// event carries its cost, penalty and penalty rule, and the short-series early warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { changePointEventsOf, type DetectorSettings } from "../../src/pipeline/event-detectors.js";
import type { EventTarget } from "../../src/pipeline/event-inputs.js";
import { detectorRecord } from "../../src/pipeline/events.js";
import type { StatValues } from "../../src/store/types.js";
import { Rng } from "../../src/util/rng.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, ...Array.from({ length: 23 }, (_, i) => 50 + 25 * i)];

function row(std: number, mean: number): StatValues {
  return {
    numel: 1000, nan_count: 0, posinf_count: 0, neginf_count: 0, zero_count: 0, mean, std, variance: std * std, skewness: 0, excess_kurtosis: 0,
    min: null, max: null, l1: null, l2: null, linf: null, quantiles: {}, frac_abs_le: {}, frac_abs_le_rel_std: {},
  };
}

function target(seed: number): EventTarget {
  const rng = new Rng(seed);
  // std: smooth growth in ln(1 + step) with a power-law part (noise 2e-5 on a range of 0.03); mean: level shift at index 20 (step 375).
  const rows = STEPS.map((s, i) => row(0.063 + 0.004 * Math.log1p(s) + 0.01 * (1 - (1 + s) ** -0.3) + 2e-5 * rng.normal(), 0.001 + (i >= 20 ? 0.002 : 0) + 1e-5 * rng.normal()));
  return { name: "model", target: "group", groupKind: "model", steps: STEPS, rows, layer: null, roleGroup: null, kept: false, isLayerNormGain: false };
}

function settings(cost: DetectorSettings["changePointCost"]): DetectorSettings {
  return {
    persistence: undefined, populationSeparation: undefined, layerGap: undefined, alpha: 0.05, penalty: undefined, changePointCost: cost,
    changePointStatistics: ["std", "mean"], layerStatistics: [], minChangePointCheckpoints: 8, minChangePointSegment: 2, earlyWarning: { surrogates: 99 },
  };
}

test("without a cost option the linear cost runs, and each event's detector record names the cost that ran", () => {
  const byDefault = detectorRecord({});
  assert.deepEqual(byDefault, detectorRecord({ changePointCost: "linear" }), "no cost option records the same settings as --cost linear");
  assert.notDeepEqual(byDefault, detectorRecord({ changePointCost: "l2" }));
  assert.equal(detectorRecord({ changePointCost: "l2" }).change_point_cost, "l2");
  // The recorded default is the cost that runs: its events are the linear cost's, not l2's.
  const drift = target(1);
  const defaultEvents = changePointEventsOf(drift, settings(byDefault.change_point_cost as DetectorSettings["changePointCost"]));
  assert.deepEqual(defaultEvents, changePointEventsOf(drift, settings("linear")));
  assert.notDeepEqual(defaultEvents, changePointEventsOf(drift, settings("l2")));
  assert.throws(() => detectorRecord({ changePointCost: "rbf" as never }), /unknown change-point cost "rbf"/);
});

test("smooth std drift: no change point with the linear cost over 10 seeds (l2: several per series); mean level shift: found at its step (375)", () => {
  let l2Std = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const events = changePointEventsOf(target(seed), settings("linear"));
    assert.deepEqual(events.filter((e) => e.evidence.statistic === "std").map((e) => e.step), [], `seed ${seed}: std`);
    const mean = events.filter((e) => e.evidence.statistic === "mean");
    assert.deepEqual(mean.map((e) => e.step), [STEPS[20]], `seed ${seed}: mean ${JSON.stringify(mean.map((e) => [e.step, e.evidence.abrupt_gain]))}`);
    const e = mean[0]!;
    assert.equal(e.evidence.cost, "linear");
    assert.ok(typeof e.evidence.penalty === "number" && e.evidence.penalty > 0);
    assert.match(e.evidence.penalty_rule as string, /pseudo-residuals/);
    const ew = e.evidence.early_warning!;
    assert.equal(ew.n_points, 20);
    assert.equal(ew.window, 10);
    assert.ok(ew.tau !== null && ew.p_value !== null && ew.p_value > 0 && ew.p_value <= 1);
    assert.equal(ew.announced, ew.p_value < ew.alpha!);
    assert.equal(ew.skipped_reason, null);
    l2Std += changePointEventsOf(target(seed), settings("l2")).filter((x) => x.evidence.statistic === "std").length;
  }
  assert.ok(l2Std >= 20, `l2 change points on the smooth std: ${l2Std} over 10 series`);
});
