// Detection accuracy on seeded synthetic series with known breakpoints, for every method x
// cost, with the default BIC penalty; and false-alarm rates on null series (no change).
// Rates are micro-averaged: total matched / total predicted (precision), / total true (recall).
// Measured values (deterministic seeds) are written next to each bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectChangePoints, precisionRecall, type CostKind, type SearchMethod } from "../../src/dynamics/changepoints/index.js";
import { pwConstant, pwVariance, wideningNoise, type PiecewiseSignal } from "../../src/dynamics/synthetic.js";
import { Rng } from "../../src/util/rng.js";

const METHODS: SearchMethod[] = ["pelt", "binseg"];
const SEEDS = 50;
const NULL_SEEDS = 100;

function accuracy(make: (seed: number) => PiecewiseSignal, cost: CostKind, method: SearchMethod, margin: number) {
  let tp = 0, predicted = 0, actual = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { signal, bkps } = make(seed);
    const result = detectChangePoints(signal, { cost, method });
    const pr = precisionRecall(bkps, result.bkps, margin);
    tp += pr.truePositives;
    predicted += pr.predicted;
    actual += pr.actual;
  }
  return { precision: tp / predicted, recall: tp / actual };
}

/** Fraction of null series in which at least one change is reported. */
function falseAlarmRate(make: (seed: number) => Float64Array, cost: CostKind, method: SearchMethod): number {
  let alarms = 0;
  for (let seed = 1; seed <= NULL_SEEDS; seed++) {
    if (detectChangePoints(make(seed), { cost, method }).bkps.length > 1) alarms++;
  }
  return alarms / NULL_SEEDS;
}

// Mean changes: n = 200, 3 changes, jumps of 2-5 noise sd, segments >= 25, margin 5 samples.
// Measured: l2 pelt P 0.955 R 1.000; l2 binseg P 0.943 R 1.000; normal pelt/binseg P 1.000 R 1.000.
const meanSeries = (seed: number) => pwConstant(200, 3, 1, seed, { delta: [2, 5] });
for (const cost of ["l2", "normal"] as const) {
  for (const method of METHODS) {
    test(`mean changes: ${method} x ${cost} has precision and recall >= 0.9 at margin 5 (50 series)`, () => {
      const { precision, recall } = accuracy(meanSeries, cost, method, 5);
      assert.ok(precision >= 0.9 && recall >= 0.9, `precision ${precision.toFixed(3)} recall ${recall.toFixed(3)}`);
    });
  }
}

// Variance changes (normal cost only): n = 300, 2 changes, sd ratio 3-6, margin 5.
// Measured: pelt P 0.950 R 0.960; binseg P 0.921 R 0.930.
for (const method of METHODS) {
  test(`variance changes: ${method} x normal has precision and recall >= 0.9 at margin 5 (50 series)`, () => {
    const { precision, recall } = accuracy((seed) => pwVariance(300, 2, seed, { ratio: [3, 6] }), "normal", method, 5);
    assert.ok(precision >= 0.9 && recall >= 0.9, `precision ${precision.toFixed(3)} recall ${recall.toFixed(3)}`);
  });
}

const whiteNoise = (seed: number) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: 200 }, () => rng.normal());
};

// Null: white noise, n = 200, 100 seeds. Measured: l2 pelt 0.06, l2 binseg 0.04,
// normal pelt 0.04, normal binseg 0.04.
for (const cost of ["l2", "normal"] as const) {
  for (const method of METHODS) {
    test(`null white noise: ${method} x ${cost} false-alarm rate <= 0.07 (100 series)`, () => {
      const rate = falseAlarmRate(whiteNoise, cost, method);
      assert.ok(rate <= 0.07, `false-alarm rate ${rate}`);
    });
  }
}

// Null for the normal cost: sd widening smoothly from 1 to 1.5 over n = 200 (no abrupt
// change). Measured: pelt 0.10, binseg 0.09.
for (const method of METHODS) {
  test(`null widening noise: ${method} x normal false-alarm rate <= 0.11 (100 series)`, () => {
    const rate = falseAlarmRate((seed) => wideningNoise(200, 1, 1.5, seed), "normal", method);
    assert.ok(rate <= 0.11, `false-alarm rate ${rate}`);
  });
}
