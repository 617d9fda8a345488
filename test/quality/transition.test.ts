// The transition rule on curves with known answers: a sigmoid centred between checkpoints, a step
// function, flat curves (none), noisy sigmoids (within a tolerance), a decreasing loss curve on
// log-spaced steps, robustness to an isolated outlier, the minimum difference, and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findTransition } from "../../src/quality/transition.js";
import { Rng } from "../../src/util/rng.js";
import { UsageError } from "../../src/util/errors.js";

const range = (start: number, stop: number, by: number): number[] => Array.from({ length: Math.floor((stop - start) / by) + 1 }, (_, i) => start + i * by);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

test("sigmoid centred at 1010: crossing at 1010, bracketed by checkpoints 1000 and 1020", () => {
  const steps = range(0, 2000, 20), values = steps.map((s) => sigmoid((s - 1010) / 50));
  const t = findTransition(steps, values);
  assert.ok(t.found);
  assert.ok(Math.abs(t.step - 1010) < 0.5, `step ${t.step}`);
  assert.deepEqual(t.interval, [1000, 1020]);
  assert.equal(t.direction, "up");
  assert.equal(t.misplaced, 0);
  assert.equal(t.plateauPoints, 10);
  assert.ok(t.before < 1e-6 && t.after > 1 - 1e-6);
});

test("step function: halfway between the last low and first high checkpoint", () => {
  const steps = range(0, 990, 10), values = steps.map((s) => (s < 500 ? 0.02 : 0.98));
  const t = findTransition(steps, values);
  assert.ok(t.found);
  assert.equal(t.step, 495);
  assert.deepEqual(t.interval, [490, 500]);
  assert.equal(t.halfway, 0.5);
  assert.equal(t.noise, 0);
});

test("flat curves: no transition, exact or noisy", () => {
  const steps = range(0, 990, 10);
  const flat = findTransition(steps, steps.map(() => 0.3));
  assert.equal(flat.found, false);
  const rng = new Rng(4);
  for (let seed = 0; seed < 20; seed++) {
    const noisy = findTransition(steps, steps.map(() => 2 + 0.1 * rng.normal()));
    assert.equal(noisy.found, false, `noisy flat curve ${seed}: ${noisy.found ? noisy.step : ""}`);
    if (!noisy.found) assert.match(noisy.reason, /noise/);
  }
});

test("noisy sigmoid: crossing within 2 checkpoints of the true step, for 20 noise draws", () => {
  const steps = range(0, 3000, 30), rng = new Rng(9);
  for (let draw = 0; draw < 20; draw++) {
    const values = steps.map((s) => 0.02 + 0.96 * sigmoid((s - 1500) / 100) + 0.03 * rng.normal());
    const t = findTransition(steps, values);
    assert.ok(t.found, `draw ${draw}`);
    assert.ok(Math.abs(t.step - 1500) <= 60, `draw ${draw}: step ${t.step}`);
    assert.ok(t.interval[0] <= t.step && t.step <= t.interval[1]);
    assert.ok(Math.abs(t.noise - 0.03) < 0.015, `noise ${t.noise}`);
  }
});

test("decreasing loss curve on log-spaced steps: crossing at step 300 with log interpolation", () => {
  const steps = [...new Set(range(0, 80, 1).map((i) => Math.round(10 ** (i / 20))))];
  const values = steps.map((s) => 0.5 + 3.66 * (1 - sigmoid((Math.log(s) - Math.log(300)) / 0.3)));
  const t = findTransition(steps, values, { interpolation: "log" });
  assert.ok(t.found);
  assert.equal(t.direction, "down");
  assert.ok(Math.abs(t.step - 300) / 300 < 0.02, `step ${t.step}`);
  assert.ok(t.interval[0] < 300 && 300 < t.interval[1], `interval ${t.interval}`);
  // Linear interpolation lands in the same bracket, at a different point.
  const lin = findTransition(steps, values);
  assert.ok(lin.found && lin.interval[0] === t.interval[0] && lin.step !== t.step);
});

test("an isolated outlier on the early plateau does not move the crossing", () => {
  const steps = range(0, 990, 10), values = steps.map((s) => (s < 700 ? 0 : 1));
  values[20] = 1; // step 200 jumps to the far side once
  const t = findTransition(steps, values);
  assert.ok(t.found);
  assert.equal(t.step, 695);
  assert.equal(t.misplaced, 1);
});

test("minimum difference: a small rise is not a transition", () => {
  const steps = range(0, 990, 10), values = steps.map((s) => 0.01 + 0.05 * sigmoid((s - 505) / 30));
  assert.equal(findTransition(steps, values, { minDifference: 0.1 }).found, false);
  assert.equal(findTransition(steps, values).found, true);
});

// The study's setting (the plan's minimum difference per metric, default plateau size on the whole
// run): a probe's slow drift (docs/results/grokking-probes.md I3: the repeated-half loss drifting
// 4.164 -> 3.987 nats over 2,000 steps) was reported as a transition with 3-point plateaus.
test("study setting: a slow drift gives none, a 1-nat step is found, noise gives none; the drift would pass without the minimum", () => {
  const steps = range(0, 2000, 20), rng = new Rng(15);
  const drift = steps.map((s) => 4.164 - (0.177 * s) / 2000 + 0.002 * rng.normal());
  const loose = findTransition(steps, drift, { plateauPoints: 3 });
  assert.ok(loose.found, "3-point plateaus and no minimum: the drift passes the noise test (the probes' false transition)");
  const study = findTransition(steps, drift, { minDifference: 1 });
  assert.equal(study.found, false);
  if (!study.found) assert.match(study.reason, /not more than the minimum 1/);
  const drop = steps.map((s) => (s < 1210 ? 4.16 : 0.4) + 0.05 * rng.normal());
  const found = findTransition(steps, drop, { minDifference: 1 });
  assert.ok(found.found);
  assert.deepEqual(found.interval, [1200, 1220]);
  assert.equal(found.direction, "down");
  for (let draw = 0; draw < 10; draw++) {
    const noise = findTransition(steps, steps.map(() => 4.16 + 0.3 * rng.normal()), { minDifference: 1 });
    assert.equal(noise.found, false, `noise draw ${draw}`);
  }
  // test accuracy: a slow partial rise to 0.23 (probe 5) is not grokking at the plan's 0.5; a jump to 1 is
  const acc = steps.map((s) => Math.min(0.227, (0.227 * s) / 1600));
  assert.equal(findTransition(steps, acc, { minDifference: 0.5 }).found, false);
  assert.ok(findTransition(steps, acc, {}).found, "without the minimum the partial rise counts");
  const grok = steps.map((s) => (s < 800 ? 0.05 : 1));
  const g = findTransition(steps, grok, { minDifference: 0.5 });
  assert.ok(g.found && g.interval[0] === 780 && g.interval[1] === 800);
});

test("bad input is a usage error", () => {
  assert.throws(() => findTransition([0, 1, 2], [0, 1]), UsageError);
  assert.throws(() => findTransition([0, 1, 2, 3, 4], [0, 0, 1, 1, 1]), /too few/);
  assert.throws(() => findTransition([0, 2, 1, 3, 4, 5], [0, 0, 0, 1, 1, 1]), /strictly increasing/);
  assert.throws(() => findTransition([0, 1, 2, 3, 4, 5], [0, NaN, 0, 1, 1, 1]), /checkpoint 1/);
  assert.throws(() => findTransition([0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 1, 1], { interpolation: "log" }), /steps > 0/);
});
