// The common event record: JSON safety, construction checks, change points as events (on
// pwConstant with known breakpoints; strength recomputed independently from the segments),
// and early-warning verdicts attached to an event (equal to a direct earlyWarningShort call:
// since version 2 events use the short-series surrogate rule, not earlyWarning's tau threshold).
import { test } from "node:test";
import assert from "node:assert/strict";
import { earlyWarningShort } from "../../src/dynamics/ews/index.js";
import { attachEarlyWarnings, changePointEvents, makeEvent, MIN_EARLY_WARNING_POINTS, toJsonSafe } from "../../src/dynamics/events.js";
import { pitchforkSeries, pwConstant } from "../../src/dynamics/synthetic.js";
import { UsageError } from "../../src/util/errors.js";

test("toJsonSafe: NaN/Infinity -> null, typed arrays -> arrays, undefined fields dropped", () => {
  const out = toJsonSafe({ a: Number.NaN, b: [1, Number.POSITIVE_INFINITY, undefined], c: Float32Array.of(1.5, Number.NaN), d: undefined, e: { f: "x", g: true } });
  assert.deepEqual(out, { a: null, b: [1, null, null], c: [1.5, null], e: { f: "x", g: true } });
  assert.throws(() => toJsonSafe({ f: () => 1 }), UsageError);
});

test("makeEvent: checks steps and strength, sanitises evidence", () => {
  const e = makeEvent("layer_fork", "t", 10, 5, 2, { ratio: Number.NaN });
  assert.deepEqual(e, { kind: "layer_fork", tensor: "t", step: 10, step_low: 5, step_high: 10, strength: 2, evidence: { ratio: null } });
  assert.throws(() => makeEvent("layer_fork", "t", 5, 10, 2, {}), UsageError);
  assert.throws(() => makeEvent("layer_fork", "t", 10, 5, Number.POSITIVE_INFINITY, {}), UsageError);
});

test("changePointEvents: one event per true breakpoint of pwConstant (noise 1, jumps 5..10), steps mapped, strength = |jump| / pooled std", () => {
  for (let seed = 1; seed <= 10; seed++) {
    const { signal, bkps } = pwConstant(120, 3, 1, seed, { delta: [5, 10] });
    const steps = Array.from({ length: 120 }, (_, i) => (i === 0 ? 0 : 10 * i + i * i));
    const values = Array.from(signal);
    const events = changePointEvents("gpt_neox.layers.3.mlp.dense_h_to_4h.weight", "std", steps, values);
    assert.equal(events.length, 3, `seed ${seed}`);
    const indices = events.map((e) => e.evidence.index as number);
    indices.forEach((index, c) => assert.ok(Math.abs(index - bkps[c]!) <= 2, `seed ${seed}: ${index} vs ${bkps[c]}`));
    const bounds = [0, ...indices, 120];
    events.forEach((e, c) => {
      assert.equal(e.kind, "change_point");
      assert.equal(e.step, steps[indices[c]!]);
      assert.equal(e.step_low, steps[indices[c]! - 1]);
      // independent recomputation from the segments
      const seg = (a: number, b: number) => values.slice(a, b);
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      const ss = (x: number[]) => x.reduce((s, v) => s + (v - mean(x)) ** 2, 0);
      const before = seg(bounds[c]!, bounds[c + 1]!), after = seg(bounds[c + 1]!, bounds[c + 2]!);
      const pooled = Math.sqrt((ss(before) + ss(after)) / (before.length + after.length));
      assert.ok(Math.abs(e.strength - Math.abs(mean(after) - mean(before)) / pooled) < 1e-9);
      assert.ok(e.strength > 3);
      assert.equal(e.evidence.statistic, "std");
      assert.equal(e.evidence.method, "pelt");
      assert.ok((e.evidence.cost_gain as number) > (e.evidence.penalty as number));
    });
    assert.deepEqual(JSON.parse(JSON.stringify(events)), events, "the events survive JSON storage unchanged");
  }
});

test("changePointEvents: constant segments give a large finite strength; no change gives no events", () => {
  const steps = Array.from({ length: 40 }, (_, i) => i);
  const events = changePointEvents("x", "mean", steps, steps.map((i) => (i < 20 ? 0 : 1)), { penalty: 0.1 });
  assert.equal(events.length, 1);
  assert.ok(Number.isFinite(events[0]!.strength) && events[0]!.strength > 1e6);
  assert.deepEqual(changePointEvents("x", "mean", steps, steps.map(() => 1)), []);
});

test("attachEarlyWarnings: equals earlyWarningShort on the pre-event series with the recorded seed; too few points -> not evaluated", () => {
  const steps = Array.from({ length: 400 }, (_, i) => i);
  const sim = pitchforkSeries({ nElements: 1, steps, rOf: { rStart: -1, rEnd: 0.3, crossAt: 300 }, noise: 0.1, seed: 4, dt: 0.05 });
  const series = sim.values.map((v) => v[0]!);
  const event = makeEvent("population_fork", "w", 300, 299, 5, { note: "test" });
  const withEws = attachEarlyWarnings(event, steps, series, { statistic: "value" });
  const ew = withEws.evidence.early_warning!;
  const direct = earlyWarningShort(steps, series, 300, { seed: ew.seed! });
  assert.equal(ew.announced, direct.announced);
  assert.equal(ew.announced, ew.p_value! < ew.alpha!);
  assert.equal(ew.lead_time, direct.leadTime);
  assert.equal(ew.tau, direct.tau);
  assert.equal(ew.p_value, direct.pValue);
  assert.equal(ew.tau_variance, direct.tauVariance);
  assert.equal(ew.tau_ac1, direct.tauAc1);
  assert.equal(ew.points_before, 300);
  assert.equal(ew.n_points, 300);
  assert.equal(ew.window, 150);
  assert.equal(attachEarlyWarnings(event, steps, series, { statistic: "value" }).evidence.early_warning!.p_value, ew.p_value, "seeded: same verdict again");
  assert.equal(withEws.evidence.note, "test");
  assert.equal(event.evidence.early_warning, undefined); // the input is not modified
  assert.deepEqual(JSON.parse(JSON.stringify(withEws)), withEws, "the event survives JSON storage unchanged");

  const early = attachEarlyWarnings(makeEvent("change_point", "w", MIN_EARLY_WARNING_POINTS - 1, MIN_EARLY_WARNING_POINTS - 2, 1, {}), steps, series);
  assert.equal(early.evidence.early_warning!.announced, false);
  assert.match(early.evidence.early_warning!.skipped_reason!, new RegExp(`at least ${MIN_EARLY_WARNING_POINTS}`));
  assert.throws(() => attachEarlyWarnings(makeEvent("change_point", "w", 10.5, 9, 1, {}), steps, series), /not one of the 400 checkpoint steps/);
});

test("changePointEvents with the linear cost: a level shift on a log-step trend is one event; evidence states cost, penalty and its derivation", () => {
  const steps = [0, 1, 2, 4, 8, 16, 32, ...Array.from({ length: 23 }, (_, i) => 50 + 25 * i)];
  const values = steps.map((s, i) => 0.1 * Math.log1p(s) + (i >= 18 ? 0.5 : 0) + 0.01 * Math.sin(7 * i));
  const events = changePointEvents("model", "std", steps, values, { cost: "linear" });
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.equal(e.step, steps[18]);
  assert.equal(e.evidence.cost, "linear");
  assert.equal(e.evidence.x_axis, "log-step");
  assert.match(e.evidence.penalty_rule as string, /3 sigma\^2 ln max\(n, 100\)/);
  assert.ok(Math.abs((e.evidence.level_jump as number) - 0.5) < 0.05, `level jump ${e.evidence.level_jump}`);
  assert.ok(Math.abs(e.strength - Math.sqrt(e.evidence.cost_gain as number) / (e.evidence.noise_sigma as number)) < 1e-9 * e.strength);
  assert.ok((e.evidence.abrupt_gain as number) > (e.evidence.penalty as number));
  // the smooth trend alone: no event
  assert.deepEqual(changePointEvents("model", "std", steps, steps.map((s, i) => 0.1 * Math.log1p(s) + 0.01 * Math.sin(7 * i)), { cost: "linear" }), []);
});
