// eventStatValuesOf (store/event-values.ts) gives, from a row's objects before they are stored,
// exactly what forEachEventStatRow reads of the stored row: the same numbers (NaN, +-Infinity,
// -0 of the DOUBLE columns, null), the same frac_abs_le entries, the same parts of extra (present
// where the stored JSON has them, each decoded as the store decodes its fragment), for every
// form of extra and frac_abs_le the lean read was checked on (event-stat-rows.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { eventStatValuesOf } from "../../src/store/event-values.js";
import type { EventStatRecord } from "../../src/store/event-queries.js";
import type { StatValues } from "../../src/store/types.js";
import { fakeCheckpoint } from "./fake-results.js";

const fit = (components: number, bic: unknown) => ({ method: "EM", n: 10, components, weights: [1], bic, converged: true });
const silverman = (modes: unknown) => ({ rule: "silverman", bandwidth: 0.1, modes });

const EXTRAS: Array<Record<string, unknown> | undefined> = [
  undefined,
  {},
  { shape: { dip: { pValue: 0.25, dip: 0.01 }, mixtures: { fits: [fit(1, -10.5), fit(2, -12.25), fit(3, -11)] }, kde: [silverman([{ location: 0.1, height: 2, mass: 1, prominence: 2 }])], weibull: { k: 1.2051, lambda: 0.3 }, notes: ["x"] }, shape_method: { method: "histogram", description: "long text" } },
  { shape: { dip: { pValue: NaN }, mixtures: { fits: [fit(1, Infinity), fit(2, -Infinity)] }, kde: [silverman([{ location: NaN, height: 1, mass: 1, prominence: 1 }])], weibull: { k: NaN } }, shape_method: { method: "exact" } },
  { shape: { dip: [0.5], mixtures: { fits: "none" }, kde: { rule: "silverman" }, weibull: 3 }, shape_method: "histogram" },
  { shape: [1, 2], shape_method: { method: 7 } },
  { shape: "NaN", shape_method: { method: "histogram" } },
  { shape: { dip: null, mixtures: null, kde: null, weibull: null } },
  { shape: { dip: { pValue: null }, mixtures: { fits: [null, 5, fit(2, null), fit(1, 1e-320)] }, kde: [null, silverman([])], weibull: { k: "1.5" } }, shape_method: { method: "histogram" } },
  { shape: {}, shape_method: { method: "histogram" } },
  { shape: { n: 3, nonFinite: 0, notes: ["too few values"] }, shape_method: { method: "exact" } },
  { shape: { dip: { dip: 0.1 }, mixtures: { bestComponents: 2 }, weibull: { lambda: 1 } }, shape_method: { method: "histogram" } },
  { shape: { dip: { pValue: 1e-300 }, mixtures: { fits: [fit(1, 12345678901234567890), fit(2, 0.1 + 0.2)] }, kde: [silverman([{ location: -0.0001, height: 1e308, mass: 5e-324, prominence: 1 }])], weibull: { k: -0 } } },
  { shape: { dip: { pValue: undefined }, kde: undefined, weibull: { k: -0, lambda: undefined } }, shape_method: { method: undefined } },
  { shape: { kde: [{ modes: [{ location: -0 }] }], dip: { pValue: "Infinity" } }, shape_method: { method: "-Infinity" } },
];

const FRACS: Array<Pick<StatValues, "frac_abs_le" | "frac_abs_le_rel_std">> = [
  { frac_abs_le: { "0.0001": 0.1, "0.001": 0.30000000000000004, "0.01": 0.5 }, frac_abs_le_rel_std: { "0.01": 0.01, "0.1": 0.08044203129484251, "0.5": 0.4 } },
  { frac_abs_le: { "1e-3": 0.2 }, frac_abs_le_rel_std: {} },
  { frac_abs_le: { "0.001": NaN }, frac_abs_le_rel_std: { "0.1": null } },
  { frac_abs_le: { "0.001": null }, frac_abs_le_rel_std: { "0.1": Infinity } },
  { frac_abs_le: { "0.001": -0 }, frac_abs_le_rel_std: { "0.1": -Infinity } },
];

/** Odd numbers of the DOUBLE columns std, mean, excess_kurtosis. */
const NUMBERS: Array<number | null> = [-0, NaN, Infinity, -Infinity, null, 5e-324, 0.1 + 0.2];

test("event values: eventStatValuesOf of a row's objects equals what forEachEventStatRow reads of it once stored (tensors and groups)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-event-values-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    const expected = new Map<string, ReturnType<typeof eventStatValuesOf>>();
    for (const step of [0, 10, 20]) {
      const cp = fakeCheckpoint(step, 3, { tensors: EXTRAS.length * 2, histogramKeys: 4, trajectoryLength: 4 });
      cp.tensors.forEach((t, i) => {
        const extra = EXTRAS[(i + step) % EXTRAS.length];
        if (extra === undefined) delete t.extra;
        else t.extra = extra;
        Object.assign(t, FRACS[i % FRACS.length]);
        t.std = NUMBERS[i % NUMBERS.length]!;
        t.mean = NUMBERS[(i + 3) % NUMBERS.length]!;
        t.excess_kurtosis = NUMBERS[(i + 5) % NUMBERS.length]!;
        expected.set(`tensor ${t.tensor} ${step}`, eventStatValuesOf(t));
      });
      (cp.groups ?? []).forEach((g, i) => {
        const extra = EXTRAS[(i * 3 + step) % EXTRAS.length];
        if (extra !== undefined) g.extra = extra;
        Object.assign(g, FRACS[(i + 1) % FRACS.length]);
        g.mean = NUMBERS[(i + step) % NUMBERS.length]!;
        expected.set(`group ${g.group_name} ${step}`, eventStatValuesOf(g));
      });
      await store.writeCheckpoint("r", cp);
    }
    const read: Array<[string, EventStatRecord]> = [];
    await store.forEachEventStatRow({ run: "r", groups: false }, (rows) => read.push(...rows.map((r) => [`tensor ${r.name} ${r.step}`, r] as [string, EventStatRecord])));
    await store.forEachEventStatRow({ run: "r", groups: true }, (rows) => read.push(...rows.map((r) => [`group ${r.name} ${r.step}`, r] as [string, EventStatRecord])));
    assert.equal(read.length, expected.size, "every row read");
    for (const [key, r] of read) {
      assert.ok(expected.has(key), key);
      // strict: -0 and 0 differ, NaN equals NaN, absent and undefined members differ
      assert.deepStrictEqual(r.values, expected.get(key), key);
    }
    // the odd forms were there to compare
    const values = [...expected.values()];
    assert.ok(values.some((v) => Object.is(v.std, -0)) && values.some((v) => Number.isNaN(v.mean)), "-0 and NaN in the DOUBLE columns");
    assert.ok(values.some((v) => Object.is((v.extra?.shape as { weibull?: { k: unknown } } | undefined)?.weibull?.k, 0)), "a -0 inside extra comes back as 0, as the stored JSON has it");
    assert.ok(values.some((v) => (v.extra?.shape as Record<string, unknown> | undefined)?.kde === null), "a null part is present, as json_extract gives it");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("jsonRoundTrip equals decodeJson(encodeJson(value)) without the text: -0, NaN and +-Infinity, their strings, dropped members, null items, key order, and the text for anything else", async () => {
  const { decodeJson, encodeJson, jsonRoundTrip, JSON_COPY_MAX_DEPTH } = await import("../../src/store/codec.js");
  const deep = (n: number): unknown => (n === 0 ? { leaf: -0 } : { d: deep(n - 1) });
  const values: unknown[] = [
    -0, 0, NaN, Infinity, -Infinity, 1e-320, "NaN", "Infinity", "-Infinity", "xNaN", "null", true, null, "\ud800 lone",
    [1, undefined, () => 1, Symbol("s"), -0, "NaN", [NaN]], [, 2], // eslint-disable-line no-sparse-arrays
    { b: 1, a: undefined, f: () => 1, s: Symbol("s"), 10: "ten", 2: "two", "-1": -0, n: { x: NaN, y: [Infinity] } },
    Object.assign(Object.create(null) as object, { z: 1, y: "Infinity" }),
    { typed: Float64Array.of(1, -0, NaN) }, { when: new Date(0) }, { map: new Map([[1, 2]]) }, { toJSON: 5 },
    JSON.parse('{"__proto__": {"a": 1}, "b": -0}') as unknown, deep(JSON_COPY_MAX_DEPTH + 2), deep(3),
    EXTRAS[2], EXTRAS[3], EXTRAS[13],
  ];
  for (const [i, v] of values.entries()) {
    const want = decodeJson(encodeJson(v));
    const got = jsonRoundTrip(v);
    assert.deepStrictEqual(got, want, `value ${i}`);
    assert.equal(JSON.stringify(got), JSON.stringify(want), "same keys in the same order");
    if (typeof got === "object" && got !== null) assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(want));
  }
});
