import { test } from "node:test";
import assert from "node:assert/strict";
import { finiteJsonCopy } from "../../../src/stats/shape/json-safe.js";
import { histogramShapeSummary, shapeSummary } from "../../../src/stats/shape/index.js";
import { Rng } from "../../../src/util/rng.js";

/** The JSON round trip finiteJsonCopy replaces. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? null : x)));

test("finiteJsonCopy equals the JSON round trip with non-finite numbers as null (-0, undefined, nested arrays, typed arrays, toJSON)", () => {
  const cases: unknown[] = [
    { a: NaN, b: Infinity, c: -Infinity, d: -0, e: 1.5e-310, f: undefined, g: null, h: "s", i: true },
    [1, NaN, undefined, -0, [Infinity, { x: undefined, y: -2 }], () => 1],
    { nested: { deep: [{ k: [NaN, 3] }] }, typed: new Float64Array([1, NaN, -0]), date: new Date(0), empty: {}, list: [] },
    { fn: () => 0, sym: Symbol("s"), map: new Map([[1, 2]]) },
    Number.MAX_VALUE, -0, NaN, "x", null,
  ];
  for (const c of cases) {
    const got = finiteJsonCopy(c);
    assert.deepStrictEqual(got, viaJson(c));
    assert.equal(JSON.stringify(got), JSON.stringify(viaJson(c)));
  }
  // -0 becomes 0, as through JSON
  assert.ok(Object.is((finiteJsonCopy({ z: -0 }) as { z: number }).z, 0));
});

test("shape summaries through finiteJsonCopy equal their JSON round trip (exact and histogram paths)", () => {
  const rng = new Rng(3);
  const x = Float64Array.from({ length: 600 }, () => (rng.uniform() < 0.7 ? 0.02 * rng.normal() : 0.1 + 0.01 * rng.normal()));
  const exact = shapeSummary(x);
  assert.deepStrictEqual(exact, viaJson(exact));
  const keys: number[] = [], counts: number[] = [];
  for (let k = 0; k < 200; k++) {
    keys.push(0x3c00 + k * 3);
    counts.push(1 + Math.floor(rng.uniform() * 50));
  }
  const hist = histogramShapeSummary({ keys, counts });
  assert.ok(hist !== null);
  assert.deepStrictEqual(hist.summary, viaJson(hist.summary));
});

test("a value the JSON round trip leaves unchanged is returned as it is; one it changes is copied with the changes, the input untouched", () => {
  const clean = { n: 3, rule: "sj", ok: true, none: null, fits: [{ weights: [0.5, 0.5], means: [-1, 1e-300] }], notes: [], empty: {} };
  assert.equal(finiteJsonCopy(clean), clean);
  // one value to change anywhere, however deep: a copy (the input keeps its value)
  const changes: [string, (v: typeof clean) => void][] = [
    ["NaN", (v) => { v.fits[0]!.means[1] = NaN; }],
    ["-0", (v) => { v.fits[0]!.weights[0] = -0; }],
    ["undefined", (v) => { (v as Record<string, unknown>).extra = undefined; }],
    ["a hole", (v) => { v.fits[0]!.means.length = 3; }],
    ["a typed array", (v) => { (v as Record<string, unknown>).t = new Float64Array([1]); }],
    ["toJSON", (v) => { (v.empty as Record<string, unknown>).toJSON = () => 1; }],
    ["a class instance", (v) => { (v as Record<string, unknown>).d = new Date(0); }],
    ["no prototype", (v) => { (v as Record<string, unknown>).p = Object.assign(Object.create(null) as object, { a: 1 }); }],
  ];
  for (const [what, change] of changes) {
    const v = structuredClone(clean);
    change(v);
    const before = JSON.stringify(v);
    const got = finiteJsonCopy(v);
    assert.notEqual(got, v, what);
    assert.deepStrictEqual(got, viaJson(v), what);
    assert.equal(JSON.stringify(v), before, `${what}: the input is not changed`);
  }
});
