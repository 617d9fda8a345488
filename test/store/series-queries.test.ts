// The report's statistics rows (forEachSeriesStatRow) hold what the whole rows hold for the page
// (identity, numel, the scalar statistics, frac maps, extra's number and null members), and
// jsonMembersAreContainers is true only for a JSON object whose every member is an object or array
// (so decoding it gives no number or null entry), whatever strings, escapes and nesting its members
// hold; false for anything else, so callers then decode the whole text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { jsonMembersAreContainers, type SeriesStatRecord } from "../../src/store/series-queries.js";
import { decodeJson, encodeJson } from "../../src/store/codec.js";
import type { StatValues } from "../../src/store/types.js";
import { fakeCheckpoint } from "./fake-results.js";

/** What the report takes of a decoded extra: its number and null members. */
function scalarMembers(text: string): unknown[] {
  const v = decodeJson(text);
  return Object.entries((v ?? {}) as Record<string, unknown>).filter(([, x]) => typeof x === "number" || x === null);
}

test("an object of objects and arrays is recognised; any scalar member, or another top level, is not", () => {
  const yes = [
    "{}", " { } ", '{"shape":{"a":1,"b":[1,2,{"c":"}"}]},"shape_method":{"method":"x\\"}{["}}',
    '{"a":[],"b":{}}', '{ "k" : [ "]" , "\\\\" ] }\n', encodeJson({ shape: { dip: { pValue: NaN }, kde: [{ modes: [] }] }, m: { s: "a,b:c" } }),
    '{"a\\"b":{"x":"NaN"}}', '{"1":{"x":1},"0":[2]}',
  ];
  const no = [
    '{"a":1}', '{"a":null}', '{"a":{"x":1},"b":2}', '{"a":"NaN"}', '{"a":true}', '{"a":"text"}', "[1,2]", "null", "1", '"s"',
    '{"a":{"x":1}', '{"a":{"x":1}} extra', '{"a":{"x":"1}}', '{"a":{}, }', '{"a" {}}', "", '{"a":[1,2]]}'.slice(0, 9),
  ];
  for (const text of yes) {
    assert.equal(jsonMembersAreContainers(text), true, text);
    assert.deepEqual(scalarMembers(text), [], `${text} decodes to no scalar member`);
  }
  for (const text of no) assert.equal(jsonMembersAreContainers(text), false, text);
});

/** extra forms: none, empty, containers only, scalar members (numbers, NaN as stored, null, strings) beside containers. */
const EXTRAS: Array<Record<string, unknown> | undefined> = [
  undefined, {}, { shape: { dip: { pValue: 0.5 } }, shape_method: { method: "histogram" } },
  { shape: { n: 3 }, alpha: 1.25, stable_rank: NaN, spectral: null, note: "text", flags: [1, 2] }, { rank: -0, big: 1e308 },
];

/** The page's view of a row: its scalar statistics, frac maps, and extra's number and null members in order. */
function pageView(v: Pick<StatValues, "mean" | "std" | "skewness" | "excess_kurtosis" | "min" | "max" | "l2" | "frac_abs_le" | "frac_abs_le_rel_std" | "extra">): unknown {
  return {
    numbers: [v.mean, v.std, v.skewness, v.excess_kurtosis, v.min, v.max, v.l2], frac: [v.frac_abs_le, v.frac_abs_le_rel_std],
    extra: Object.entries(v.extra ?? {}).filter(([, x]) => typeof x === "number" || x === null),
  };
}

test("series rows carry what the whole rows carry for the page, for every form of extra", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-series-rows-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    for (const step of [0, 10]) {
      const cp = fakeCheckpoint(step, 5, { tensors: EXTRAS.length * 2, histogramKeys: 4, trajectoryLength: 4 });
      cp.tensors.forEach((t, i) => {
        const extra = EXTRAS[(i + step) % EXTRAS.length];
        if (extra === undefined) delete t.extra;
        else t.extra = extra;
      });
      (cp.groups ?? []).forEach((g, i) => {
        const extra = EXTRAS[(i + 3) % EXTRAS.length];
        if (extra !== undefined) g.extra = extra;
      });
      await store.writeCheckpoint("r", cp);
    }
    const tensors: SeriesStatRecord[] = [], groups: SeriesStatRecord[] = [];
    await store.forEachSeriesStatRow({ run: "r", groups: false }, (rows) => tensors.push(...rows));
    await store.forEachSeriesStatRow({ run: "r", groups: true }, (rows) => groups.push(...rows));
    const full = await store.tensorStats({ run: "r" }), fullGroups = await store.groupStats({ run: "r" });
    assert.equal(tensors.length, full.length);
    assert.equal(groups.length, fullGroups.length);
    let scalars = 0;
    for (const t of full) {
      const r = tensors.find((x) => x.name === t.tensor && x.step === t.step)!;
      assert.deepEqual([r.layer, r.role, r.shape, r.numel, r.groupKind], [t.layer, t.role, t.shape, t.numel, null], t.tensor);
      assert.deepEqual(pageView(r.values), pageView(t), `${t.tensor} at ${t.step}`);
      scalars += (pageView(t) as { extra: unknown[] }).extra.length;
    }
    for (const g of fullGroups) {
      const r = groups.find((x) => x.name === g.group_name && x.groupKind === g.group_kind && x.step === g.step)!;
      assert.equal(r.numel, g.numel);
      assert.deepEqual(pageView(r.values), pageView(g), `${g.group_kind}:${g.group_name} at ${g.step}`);
    }
    assert.ok(scalars > 0, "rows with scalar members in extra were compared");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
