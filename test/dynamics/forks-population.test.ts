// Population fork on the stochastic pitchfork dy = (r(t) y - y^3) dt + s dW (r crosses 0 at a
// known time, each element's final sign is its true branch) and on nulls without branches.
// Rates and windows are measured on fixed seeds (deterministic) and written next to each bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMembership, detectPopulationFork, populationSplit, type EncodedMembership } from "../../src/dynamics/forks/index.js";
import { pitchforkSeries } from "../../src/dynamics/synthetic.js";
import { dipTest } from "../../src/stats/shape/index.js";
import { UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

// Pythia-like uneven schedule: log-spaced, then regular.
const STEPS = [0, 1, 2, 4, 8, 16, 32, 64];
for (let s = 80; s <= 320; s += 16) STEPS.push(s);
const CROSS_AT = 100; // between the checkpoints at 96 and 112
const N = 100;
const SEEDS = 50;
const NULL_SEEDS = 100;

function fork(seed: number) {
  return pitchforkSeries({ nElements: N, steps: STEPS, rOf: { rStart: -1, rEnd: 2, crossAt: CROSS_AT }, noise: 0.1, seed, dt: 0.25 });
}

/** Fraction of the remaining log(1 + step) range after the crossing at which the fork is reported. */
function logLag(step: number): number {
  const last = STEPS[STEPS.length - 1]!;
  return (Math.log1p(step) - Math.log1p(CROSS_AT)) / (Math.log1p(last) - Math.log1p(CROSS_AT));
}

test("pitchfork (r: -1 -> 0 at step 100 -> 2, s = 0.1, 100 elements): fork on 50/50 seeds, within 35% of the remaining log-steps (measured max 31%), membership >= 95% (measured 100%)", () => {
  let found = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const sim = fork(seed);
    const { event, separation } = detectPopulationFork("gpt_neox.layers.0.input_layernorm.weight", STEPS, sim.values);
    if (event === null) continue;
    found++;
    assert.equal(event.kind, "population_fork");
    assert.ok(event.step > CROSS_AT, `fork at ${event.step} before the crossing`);
    assert.ok(logLag(event.step) <= 0.35, `fork at ${event.step}: ${logLag(event.step).toFixed(3)} of the remaining log-steps`);
    assert.ok(event.step_low < event.step && event.step_high === event.step);
    const t = STEPS.indexOf(event.step);
    assert.ok(separation[t]! >= 4 && event.strength >= 4);
    // membership against the true final branches (sign at the last observation)
    const labels = decodeMembership(event.evidence.members as unknown as EncodedMembership);
    let agree = 0;
    for (let j = 0; j < N; j++) if ((labels[j] === 1 ? 1 : -1) === sim.branch[j]) agree++;
    assert.ok(agree >= 0.95 * N, `seed ${seed}: ${agree}/${N} elements on their true branch`);
    const lists = event.evidence.member_lists as number[][];
    assert.deepEqual(lists[1], [...labels.keys()].filter((j) => labels[j] === 1));
    const sizes = event.evidence.branch_sizes as number[];
    assert.equal(sizes[0]! + sizes[1]!, N);
    // branch centres by final membership: lower < upper at the end, close to -+sqrt(r_end)
    const centres = event.evidence.branch_centres as { lower: number[]; upper: number[] };
    assert.equal(centres.lower.length, STEPS.length);
    assert.ok(Math.abs(centres.upper[STEPS.length - 1]! - Math.sqrt(2)) < 0.1 && Math.abs(centres.lower[STEPS.length - 1]! + Math.sqrt(2)) < 0.1);
    assert.deepEqual(JSON.parse(JSON.stringify(event)), event, "the event survives JSON storage unchanged");
  }
  assert.equal(found, SEEDS);
});

test("null: r = -0.5 throughout gives no fork on 100/100 seeds (bound <= 2%, measured 0%)", () => {
  let alarms = 0;
  for (let seed = 1; seed <= NULL_SEEDS; seed++) {
    const sim = pitchforkSeries({ nElements: N, steps: STEPS, rOf: () => -0.5, noise: 0.1, seed: seed + 5000, dt: 0.25 });
    if (detectPopulationFork("null", STEPS, sim.values).event !== null) alarms++;
  }
  assert.ok(alarms <= 0.02 * NULL_SEEDS, `false alarms ${alarms}/${NULL_SEEDS}`);
});

/** Elements keep their rank while a Gaussian population widens from sd 0.01 to 1.2: no branches. */
function widening(seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const z = Float64Array.from({ length: N }, () => rng.normal());
  return STEPS.map((_, t) => Float32Array.from(z, (zj) => 1 + (0.01 + 0.05 * t) * zj + 0.005 * rng.normal())).map((v) => Float64Array.from(v));
}

test("null: smoothly widening Gaussian population gives no fork in value or displacement on 100 seeds (bound <= 2%, measured 0%; largest separation 3.34 < 4)", () => {
  let alarms = 0, largest = 0;
  for (let seed = 1; seed <= NULL_SEEDS; seed++) {
    const values = widening(seed + 9000);
    const byValue = detectPopulationFork("ln", STEPS, values);
    if (byValue.event !== null) alarms++;
    if (detectPopulationFork("ln", STEPS, values, { variable: "displacement" }).event !== null) alarms++;
    largest = Math.max(largest, ...byValue.separation);
  }
  assert.ok(alarms <= 0.02 * NULL_SEEDS, `false alarms ${alarms}/${2 * NULL_SEEDS}`);
  assert.ok(largest < 4, `largest separation ${largest}`);
});

test("displacement variant: a fork hidden under a wide initial spread is found in displacement, not in value", () => {
  const rng = new Rng(7);
  const init = Float64Array.from({ length: 400 }, () => rng.normal());
  const branch = Int8Array.from(init, () => (rng.uniform() < 0.4 ? -1 : 1));
  const steps = [0, 1, 2, 4, 8, 16, 32, 64, 128];
  const values = steps.map((_, t) => Float32Array.from(init, (x, j) => x + (t >= 5 ? 0.4 * branch[j]! * Math.min(1, (t - 4) / 2) : 0) + 0.01 * rng.normal()));
  assert.equal(detectPopulationFork("w", steps, values).event, null);
  const { event } = detectPopulationFork("w", steps, values, { variable: "displacement" });
  assert.ok(event !== null);
  // displacement is 0.2 at index 5 (step 16) against 0.01 noise: separated from there on
  assert.equal(event.step, 16);
  assert.equal(event.step_low, 8);
  assert.equal(event.evidence.variable, "displacement");
  const labels = decodeMembership(event.evidence.members as unknown as EncodedMembership);
  for (let j = 0; j < 400; j++) assert.equal(labels[j] === 1 ? 1 : -1, branch[j]);
  assert.deepEqual(event.evidence.branch_sizes, [branch.filter((b) => b < 0).length, branch.filter((b) => b > 0).length]);
  assert.equal(event.evidence.member_lists, undefined); // 400 > MEMBER_LISTS_MAX_ELEMENTS
});

test("confirm callback (dip test) is consulted on the window and recorded; a refusing check suppresses the fork", () => {
  const sim = fork(3);
  const withDip = detectPopulationFork("x", STEPS, sim.values, {
    confirm: (_t, v) => {
      const d = dipTest(v);
      return { confirmed: d.pValue < 0.05, method: "dip test p < 0.05", statistic: d.dip, pValue: d.pValue };
    },
  });
  assert.ok(withDip.event !== null);
  const confirmations = withDip.event.evidence.confirmations as { step: number; confirmed: boolean; pValue: number }[];
  assert.equal(confirmations.length, 3);
  assert.equal(confirmations[0]!.step, withDip.event.step);
  assert.ok(confirmations.every((c) => c.confirmed && c.pValue < 0.05));
  const refused = detectPopulationFork("x", STEPS, sim.values, { confirm: () => ({ confirmed: false, method: "never", statistic: null }) });
  assert.equal(refused.event, null);
});

test("populationSplit: separation of a single Gaussian is about 2.65, of two branches 2a/s", () => {
  const rng = new Rng(11);
  const gauss = Float64Array.from({ length: 20000 }, () => rng.normal());
  const one = populationSplit(gauss);
  assert.equal(one.k, 1);
  assert.ok(Math.abs(one.separation - 2 * 0.7979 / 0.6028) < 0.05, `${one.separation}`);
  const two = populationSplit(Float64Array.from({ length: 20000 }, (_, j) => (j % 2 === 0 ? -3 : 3) + rng.normal()));
  assert.equal(two.k, 2);
  assert.ok(Math.abs(two.separation - 6) < 0.1, `${two.separation}`);
  // a few far outliers are not a branch
  const outliers = Float64Array.from(gauss, (x, j) => (j < 10 ? 50 + x : x));
  const o = populationSplit(outliers);
  assert.ok(o.separation > 4 && o.k === 1);
  assert.equal(populationSplit(new Float64Array(10).fill(1)).k, 1);
});

test("bad input: mismatched lengths, changing element count, NaN", () => {
  assert.throws(() => detectPopulationFork("t", [0, 1], [new Float32Array(3)]), UsageError);
  assert.throws(() => detectPopulationFork("t", [0, 1], [new Float32Array(3), new Float32Array(4)]), /keep its shape/);
  assert.throws(() => detectPopulationFork("t", [0, 1], [new Float32Array(3), Float32Array.of(0, Number.NaN, 1)]), /element 1 at step 1 is NaN/);
  assert.throws(() => detectPopulationFork("t", [1, 1], [new Float32Array(3), new Float32Array(3)]), /strictly increasing/);
});
