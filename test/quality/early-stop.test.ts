// Early stopping: the parameter-settling rule and patience on hand-worked series whose expected
// rates, stop indices, savings and loss costs are derived from the definitions in the comments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parameterDynamicsStop, parameterSettlingRates, patienceStop } from "../../src/quality/early-stop.js";
import { UsageError } from "../../src/util/errors.js";

// Steps 2^i - 1, so u = ln(step + 1) = i ln 2: equally spaced on the log-step axis (du = ln 2).
// Then for a feature observed at every checkpoint since index 0:
//   r_i = (|dx_i| / ln2) / (M_i / (i ln2)) = |dx_i| * i / M_i   (M_i = sum of |dx| up to i).
const STEPS = [0, 1, 3, 7, 15, 31, 63, 127];
// Moves 4, 2, 1, then is constant from index 3 on.
const FLATTENS_AT_3 = [0, 4, 6, 7, 7, 7, 7, 7];
// Linear in u: dx = 1 at every checkpoint, r_i = 1 * i / i = 1 for ever.
const NEVER_SETTLES = [0, 1, 2, 3, 4, 5, 6, 7];
const LOSS = [5, 4, 3.5, 3.2, 3.1, 3.05, 3.02, 3.0];

const column = (...series: (number | null)[][]): (number | null)[][] => STEPS.map((_, i) => series.map((s) => s[i]!));

function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);
}

test("settling rates of a feature that flattens at index 3: 1, 2/3, 3/7, then 0", () => {
  // i=1: dx=4, M=4 -> 4*1/4 = 1; i=2: dx=2, M=6 -> 2*2/6 = 2/3; i=3: dx=1, M=7 -> 1*3/7; i>=4: dx=0 -> 0.
  const r = parameterSettlingRates(STEPS, column(FLATTENS_AT_3));
  assert.equal(r[0], null);
  [1, 2 / 3, 3 / 7, 0, 0, 0, 0].forEach((want, k) => close(r[k + 1]!, want, `r[${k + 1}]`));
});

test("the parameter rule stops `window` settled checkpoints after the feature flattens", () => {
  // Settled (r < 0.1) from index 4 on; minFraction 0.25 -> min index ceil(0.25*7) = 2, not binding.
  // window w completes at index 3 + w: w=1 -> 4, 2 -> 5, 3 -> 6, 4 -> 7 (the last checkpoint); w=5 never.
  for (const [window, index] of [[1, 4], [2, 5], [3, 6], [4, 7]] as const) {
    const d = parameterDynamicsStop(STEPS, column(FLATTENS_AT_3), LOSS, { window });
    assert.equal(d.triggered, true, `window ${window}`);
    assert.equal(d.stopIndex, index, `window ${window}`);
    assert.equal(d.stopStep, STEPS[index]);
  }
  const d = parameterDynamicsStop(STEPS, column(FLATTENS_AT_3), LOSS); // default window 3
  assert.equal(d.stopStep, 63);
  // saved (127 - 63) / 127 = 64/127; loss at stop 3.02; best of the run 3.0 -> cost 0.02.
  close(d.savedFraction, 64 / 127, "savedFraction");
  assert.equal(d.lossAtStop, 3.02);
  close(d.lossCost, 0.02, "lossCost");
  assert.equal(d.bestLossSoFar, 3.02);
  assert.equal(d.bestStepSoFar, 63);
  assert.equal(d.lossInterpolated, false);
  assert.match(d.reason, /below 0.1 for 3 consecutive/);
  const never = parameterDynamicsStop(STEPS, column(FLATTENS_AT_3), LOSS, { window: 5 });
  assert.equal(never.triggered, false);
  assert.equal(never.stopIndex, 7);
  assert.equal(never.savedFraction, 0);
  assert.equal(never.reason, "never triggered: trained to the end");
});

test("a renewed movement breaks the streak: flat at 4, a jump at 5, flat again from 6", () => {
  // Steps 2^i - 1 for i = 0..9; x moves 4, 2, 1, 0, 2, 0, ...: r = 1, 2/3, 3/7, 0, 2*5/9 = 10/9, 0, 0, 0, 0.
  const steps = [0, 1, 3, 7, 15, 31, 63, 127, 255, 511];
  const x = [0, 4, 6, 7, 7, 9, 9, 9, 9, 9].map((v) => [v]);
  close(parameterSettlingRates(steps, x)[5]!, 10 / 9, "rate of the jump");
  // window 2: settled at 4, reset at 5, settled at 6 and 7 -> stop at index 7 (not 6).
  assert.equal(parameterDynamicsStop(steps, x, steps.map(() => 1), { window: 2 }).stopIndex, 7);
});

test("minFraction delays the stop: with window 1 and minFraction 0.8 the earliest index is ceil(0.8*7) = 6", () => {
  const d = parameterDynamicsStop(STEPS, column(FLATTENS_AT_3), LOSS, { window: 1, minFraction: 0.8 });
  assert.equal(d.stopIndex, 6);
});

test("a feature moving at a constant log-step pace never triggers, and the median ignores one such feature", () => {
  const ones = parameterSettlingRates(STEPS, column(NEVER_SETTLES));
  assert.equal(ones[0], null);
  for (let i = 1; i < STEPS.length; i++) close(ones[i]!, 1, `r[${i}]`);
  const never = parameterDynamicsStop(STEPS, column(NEVER_SETTLES), LOSS, { window: 1 });
  assert.equal(never.triggered, false);
  // lossAtStop is the last loss (3.0), equal to the best: cost 0.
  assert.equal(never.lossCost, 0);
  // Three features: A = [0,1,2,2,...] (rates 1, 1*2/2 = 1, then 0), the flattening one, the never-settling one.
  // medians: i=1 med(1,1,1) = 1; i=2 med(1,2/3,1) = 1; i=3 med(0,3/7,1) = 3/7; i>=4 med(0,0,1) = 0 -> stop at 6 (window 3).
  const a = [0, 1, 2, 2, 2, 2, 2, 2];
  const r = parameterSettlingRates(STEPS, column(a, FLATTENS_AT_3, NEVER_SETTLES));
  [1, 1, 3 / 7, 0, 0, 0, 0].forEach((want, k) => close(r[k + 1]!, want, `median r[${k + 1}]`));
  assert.equal(parameterDynamicsStop(STEPS, column(a, FLATTENS_AT_3, NEVER_SETTLES), LOSS).stopIndex, 6);
  // An even count takes the mean of the middle two: {flattening, never} at i=3 -> (3/7 + 1)/2 = 5/7.
  close(parameterSettlingRates(STEPS, column(FLATTENS_AT_3, NEVER_SETTLES))[3]!, 5 / 7, "even median");
});

test("missing feature values: the rate spans the gap from the last observation; empty checkpoints are skipped", () => {
  // x = [0, 4, null, 7, ...]: i=2 has no rate; i=3 compares with index 1: dx = 3 over du = 2 ln2,
  // M = 7, average speed 7 / (3 ln2) -> r = (3 / (2 ln2)) * (3 ln2 / 7) = 9/14.
  const gap = [0, 4, null, 7, 7, 7, 7, 7];
  const r = parameterSettlingRates(STEPS, column(gap));
  assert.equal(r[2], null);
  close(r[3]!, 9 / 14, "rate across the gap");
  // A feature first observed at index 2 measures its average speed from index 2: x = [null,null,1,3,3,...]
  // i=3: dx = 2 over ln2, M = 2 over (3-2) ln2 -> r = 1.
  close(parameterSettlingRates(STEPS, column([null, null, 1, 3, 3, 3, 3, 3]))[3]!, 1, "late first observation");
  // Skipped checkpoint inside the settled stretch: [0,4,6,7,7,null,7,7] -> settled at 4, (5 skipped), 6, 7:
  // the third settled rate is at index 7.
  const d = parameterDynamicsStop(STEPS, column([0, 4, 6, 7, 7, null, 7, 7]), LOSS);
  assert.equal(d.stopIndex, 7);
  assert.equal(d.triggered, true);
  // Non-finite values count as missing; a feature that never moves has no rate at all.
  assert.deepEqual(parameterSettlingRates(STEPS, column([0, NaN, 0, 0, 0, 0, 0, 0])), [null, null, null, null, null, null, null, null]);
});

test("loss is only priced after the decision; a missing loss at the stop is interpolated in ln(step + 1)", () => {
  const loss = [5, 4, 3.5, 3.2, 3.1, 3.05, null, 3.0];
  const d = parameterDynamicsStop(STEPS, column(FLATTENS_AT_3), loss);
  assert.equal(d.stopIndex, 6); // same decision as with the full loss series
  // u5 = 5 ln2, u6 = 6 ln2, u7 = 7 ln2: halfway between 3.05 and 3.0 -> 3.025.
  close(d.lossAtStop, 3.025, "interpolated loss");
  assert.equal(d.lossInterpolated, true);
  close(d.lossCost, 0.025, "lossCost");
  assert.equal(d.bestLossSoFar, 3.05);
  assert.equal(d.bestStepSoFar, 31);
  const noLoss = parameterDynamicsStop(STEPS, column(FLATTENS_AT_3), STEPS.map(() => null));
  assert.equal(noLoss.stopIndex, 6);
  assert.ok(Number.isNaN(noLoss.lossAtStop) && Number.isNaN(noLoss.lossCost) && Number.isNaN(noLoss.bestLossSoFar));
});

// Patience hand examples on L = [5, 4, 4.2, 3.9, 3.95, 3.95, 3.99, 3.5].
const L = [5, 4, 4.2, 3.9, 3.95, 3.95, 3.99, 3.5];

test("patience 2, minDelta 0: stops at index 5 with loss 3.95, best so far 3.9", () => {
  // best: 5 (i0) -> 4 (i1, wait 0) ; i2 4.2 wait 1 ; i3 3.9 < 4 -> best 3.9, wait 0 ; i4 3.95 wait 1 ; i5 3.95 wait 2 -> stop.
  const d = patienceStop(STEPS, L, { patience: 2 });
  assert.equal(d.triggered, true);
  assert.equal(d.stopIndex, 5);
  assert.equal(d.stopStep, 31);
  close(d.savedFraction, 96 / 127, "saved (127 - 31)/127");
  assert.equal(d.lossAtStop, 3.95);
  assert.equal(d.bestLossSoFar, 3.9);
  assert.equal(d.bestStepSoFar, 7);
  assert.equal(d.bestLossFullRun, 3.5);
  close(d.lossCost, 0.45, "3.95 - 3.5");
});

test("patience 2, minDelta 0.15: 3.9 is not an improvement on 4 (needs < 3.85), so it stops at index 3", () => {
  // i1: 4 < 5 - 0.15 -> best 4 ; i2 4.2 wait 1 ; i3 3.9 >= 3.85 wait 2 -> stop. The kept checkpoint is still 3.9 (its own loss).
  const d = patienceStop(STEPS, L, { patience: 2, minDelta: 0.15 });
  assert.equal(d.stopIndex, 3);
  assert.equal(d.lossAtStop, 3.9);
  assert.equal(d.bestLossSoFar, 3.9);
  close(d.lossCost, 0.4, "3.9 - 3.5");
});

test("patience skips missing evaluations, never triggers on an improving run, and uses default patience 3", () => {
  // evaluations at i0 5, i2 4 (best), i4 4.1 (wait 1), i5 4.2 (wait 2) -> stop at index 5.
  const d = patienceStop(STEPS, [5, null, 4, null, 4.1, 4.2, 3.0, null], { patience: 2 });
  assert.equal(d.stopIndex, 5);
  assert.equal(d.lossAtStop, 4.2);
  assert.equal(d.bestLossSoFar, 4);
  close(d.lossCost, 1.2, "4.2 - 3.0");
  const improving = patienceStop(STEPS, LOSS, { patience: 1 });
  assert.equal(improving.triggered, false);
  assert.equal(improving.stopIndex, 7);
  assert.equal(improving.lossCost, 0);
  // A loss equal to the best is no improvement: [5, 4, 4, 4, 4] waits at i2 and i3 -> stop at index 3 (triggered).
  const tie = patienceStop([0, 1, 2, 3, 4], [5, 4, 4, 4, 4], { patience: 2 });
  assert.deepEqual([tie.stopIndex, tie.triggered], [3, true]);
  // default patience 3 on L: waits at i2 (1), reset at i3, i4 (1), i5 (2), i6 (3) -> stop at index 6.
  assert.equal(patienceStop(STEPS, L).stopIndex, 6);
});

test("bad inputs are usage errors naming the problem", () => {
  assert.throws(() => patienceStop([0, 2, 1], [1, 1, 1]), (e) => e instanceof UsageError && /strictly increasing/.test(e.message));
  assert.throws(() => patienceStop([0, 1], [1]), (e) => e instanceof UsageError && /1 entries for 2 steps/.test(e.message));
  assert.throws(() => patienceStop([0, 1], [1, 1], { patience: 0 }), (e) => e instanceof UsageError && /patience/.test(e.message));
  assert.throws(() => parameterDynamicsStop([0, 1], [[1], [2, 3]], [1, 1]), (e) => e instanceof UsageError && /row 1/.test(e.message));
  assert.throws(() => parameterDynamicsStop([0, 1], [[1], [2]], [1, 1], { window: 0 }), (e) => e instanceof UsageError && /window/.test(e.message));
  assert.throws(() => parameterDynamicsStop([], [], []), (e) => e instanceof UsageError && /no checkpoints/.test(e.message));
});

// Fixture from tools/reference/early_stop_reference.py: the same definitions written with numpy
// (vectorised over features) on synthetic runs with noise, log-growing features and missing values.
interface RefDecision { options: Record<string, number>; stopIndex: number; stopStep: number; triggered: boolean; savedFraction: number; lossAtStop: number; lossInterpolated: boolean; lossCost: number; bestLossSoFar: number; bestLossFullRun: number }
interface RefCase { name: string; steps: number[]; features: (number | null)[][]; loss: (number | null)[]; rates: (number | null)[]; parameter: RefDecision[]; patience: RefDecision[] }

test("rates and decisions equal the numpy reference on synthetic runs", async () => {
  const { readFile } = await import("node:fs/promises");
  const doc = JSON.parse(await readFile(new URL("../fixtures/quality/early-stop.json", import.meta.url), "utf8")) as { cases: RefCase[] };
  assert.equal(doc.cases.length, 4);
  let triggered = 0, never = 0;
  for (const c of doc.cases) {
    const rates = parameterSettlingRates(c.steps, c.features);
    c.rates.forEach((want, i) => {
      if (want === null) assert.equal(rates[i], null, `${c.name} rate ${i}`);
      else assert.ok(rates[i] !== null && Math.abs(rates[i]! - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${c.name} rate ${i}: ${rates[i]} vs ${want}`);
    });
    const check = (got: ReturnType<typeof patienceStop>, want: RefDecision, what: string): void => {
      assert.equal(got.stopIndex, want.stopIndex, what);
      assert.equal(got.triggered, want.triggered, what);
      for (const k of ["savedFraction", "lossAtStop", "lossCost", "bestLossSoFar", "bestLossFullRun"] as const) {
        assert.ok(Math.abs(got[k] - want[k]) < 1e-12, `${what} ${k}: ${got[k]} vs ${want[k]}`);
      }
      assert.equal(got.lossInterpolated, want.lossInterpolated, what);
      if (want.triggered) triggered++; else never++;
    };
    for (const p of c.parameter) check(parameterDynamicsStop(c.steps, c.features, c.loss, p.options), p, `${c.name} parameter ${JSON.stringify(p.options)}`);
    for (const p of c.patience) check(patienceStop(c.steps, c.loss, p.options), p, `${c.name} patience ${JSON.stringify(p.options)}`);
  }
  // the fixture exercises both outcomes
  assert.ok(triggered >= 5 && never >= 5, `${triggered} triggered, ${never} never`);
});
