// The common event record: JSON safety, construction checks, change points as events (on
// pwConstant with known breakpoints; strength recomputed independently from the segments),
// and early-warning verdicts attached to an event (equal to a direct earlyWarning call).
import { test } from "node:test";
import assert from "node:assert/strict";
import { earlyWarning } from "../../src/dynamics/ews/index.js";
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
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(events)));
  }
});

test("changePointEvents: constant segments give a large finite strength; no change gives no events", () => {
  const steps = Array.from({ length: 40 }, (_, i) => i);
  const events = changePointEvents("x", "mean", steps, steps.map((i) => (i < 20 ? 0 : 1)), { penalty: 0.1 });
  assert.equal(events.length, 1);
  assert.ok(Number.isFinite(events[0]!.strength) && events[0]!.strength > 1e6);
  assert.deepEqual(changePointEvents("x", "mean", steps, steps.map(() => 1)), []);
});

test("attachEarlyWarnings: equals earlyWarning on the pre-event series; too few points -> not evaluated", () => {
  const steps = Array.from({ length: 400 }, (_, i) => i);
  const sim = pitchforkSeries({ nElements: 1, steps, rOf: { rStart: -1, rEnd: 0.3, crossAt: 300 }, noise: 0.1, seed: 4, dt: 0.05 });
  const series = sim.values.map((v) => v[0]!);
  const event = makeEvent("population_fork", "w", 300, 299, 5, { note: "test" });
  const withEws = attachEarlyWarnings(event, steps, series, { statistic: "value" });
  const direct = earlyWarning(steps, series, 300);
  const ew = withEws.evidence.early_warning!;
  assert.equal(ew.announced, direct.announced);
  assert.equal(ew.lead_time, direct.leadTime);
  assert.equal(ew.tau_variance, direct.indicators.variance.tau);
  assert.equal(ew.tau_ac1, direct.indicators.ac1.tau);
  assert.equal(ew.points_before, 300);
  assert.equal(withEws.evidence.note, "test");
  assert.equal(event.evidence.early_warning, undefined); // the input is not modified
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(withEws)));

  const early = attachEarlyWarnings(makeEvent("change_point", "w", 10, 9, 1, {}), steps, series);
  assert.equal(early.evidence.early_warning!.announced, false);
  assert.match(early.evidence.early_warning!.skipped_reason!, new RegExp(`at least ${MIN_EARLY_WARNING_POINTS}`));
  assert.throws(() => attachEarlyWarnings(makeEvent("change_point", "w", 10.5, 9, 1, {}), steps, series), /not one of the 400 checkpoint steps/);
});
