// Event detection reads only the parts of a statistics row its detectors use, cut from the JSON
// by DuckDB (store/event-queries.ts forEachEventStatRow). Every statistic series value and every
// decoded stored shape must equal those of the whole row as the store decodes it (tensorStats,
// groupStats), for well-formed rows and for the odd ones: non-finite numbers stored as strings,
// missing or malformed parts, no extra at all. A shape object holding none of the parts the
// detectors read comes back as no shape: the mode snapshots and bimodality checks built on it
// must equal those built on the whole row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { decodeShapeExtra, type DecodedShape } from "../../src/store/shape-extra.js";
import { confirmBimodality, snapshotFromHistogram, snapshotFromHistogramMasses, snapshotFromValues, storedHistogramShapeOf, storedShapeOf } from "../../src/dynamics/modes/snapshots.js";
import { statisticOf, type SeriesStatistic } from "../../src/pipeline/event-inputs.js";
import type { EventStatRecord } from "../../src/store/event-queries.js";
import type { StatValues } from "../../src/store/types.js";
import { fakeCheckpoint } from "./fake-results.js";

const STATISTICS: SeriesStatistic[] = ["std", "mean", "excess_kurtosis", "frac_abs_le:0.001", "frac_abs_le_rel_std:0.1", "weibull_k"];

const fit = (components: number, bic: unknown) => ({ method: "EM", n: 10, components, weights: [1], bic, converged: true });
const silverman = (modes: unknown) => ({ rule: "silverman", bandwidth: 0.1, modes });

/** extra values covering each branch of decodeShapeExtra (index i picks one). */
const EXTRAS: Array<Record<string, unknown> | undefined> = [
  undefined,
  {},
  { shape: { dip: { pValue: 0.25, dip: 0.01 }, mixtures: { fits: [fit(1, -10.5), fit(2, -12.25), fit(3, -11)] }, kde: [silverman([{ location: 0.1, height: 2, mass: 1, prominence: 2 }]), { rule: "sj", modes: [] }], weibull: { k: 1.2051, lambda: 0.3 }, notes: ["x"] }, shape_method: { method: "histogram", description: "long text" } },
  { shape: { dip: { pValue: NaN }, mixtures: { fits: [fit(1, Infinity), fit(2, -Infinity)] }, kde: [silverman([{ location: NaN, height: 1, mass: 1, prominence: 1 }])], weibull: { k: NaN } }, shape_method: { method: "exact" } },
  { shape: { dip: [0.5], mixtures: { fits: "none" }, kde: { rule: "silverman" }, weibull: 3 }, shape_method: "histogram" },
  { shape: [1, 2], shape_method: { method: 7 } },
  { shape: "NaN", shape_method: { method: "histogram" } },
  { shape: { dip: null, mixtures: null, kde: null, weibull: null } },
  { shape: { dip: { pValue: null }, mixtures: { fits: [null, 5, fit(2, null), fit(1, 1e-320)] }, kde: [null, silverman([]), silverman([{ location: 1, height: 1, mass: 1, prominence: 1 }])], weibull: { k: "1.5" } }, shape_method: { method: "histogram" } },
  { shape: {}, shape_method: { method: "histogram" } },
  { shape: { n: 3, nonFinite: 0, notes: ["too few values"] }, shape_method: { method: "exact" } },
  { shape: { dip: { dip: 0.1 }, mixtures: { bestComponents: 2 }, weibull: { lambda: 1 } }, shape_method: { method: "histogram" } },
  { shape: { dip: { pValue: 1e-300 }, mixtures: { fits: [fit(1, 12345678901234567890), fit(2, 0.1 + 0.2)] }, kde: [silverman([{ location: -0.0001, height: 1e308, mass: 5e-324, prominence: 1 }, { location: 2, height: 1, mass: 0.5, prominence: 0.5 }])], weibull: { k: -0 } } },
];

/** frac_abs_le maps: the detectors' keys present, absent, non-finite, null. */
const FRACS: Array<Pick<StatValues, "frac_abs_le" | "frac_abs_le_rel_std">> = [
  { frac_abs_le: { "0.0001": 0.1, "0.001": 0.30000000000000004, "0.01": 0.5 }, frac_abs_le_rel_std: { "0.01": 0.01, "0.1": 0.08044203129484251, "0.5": 0.4 } },
  { frac_abs_le: { "1e-3": 0.2 }, frac_abs_le_rel_std: {} },
  { frac_abs_le: { "0.001": NaN }, frac_abs_le_rel_std: { "0.1": null } },
  { frac_abs_le: { "0.001": null }, frac_abs_le_rel_std: { "0.1": Infinity } },
];

/** Whether a decoded shape holds anything the detectors reuse. */
const hasPart = (d: DecodedShape | null) => d !== null && (d.dipPValue !== null || d.bic1 !== null || d.bic2 !== null || d.silvermanModes !== null || d.weibullK !== null);

const VALUES = Float64Array.from({ length: 40 }, (_, i) => (i < 20 ? -1 : 1) + 0.01 * i);
const HISTOGRAM = { keys: Int32Array.of(0x3f00, 0x3f80, 0x4000), counts: Float64Array.of(5, 9, 6) };

/** What the detectors build on a row's extra: snapshots of exact values and of a histogram (also from its masses), and their bimodality checks. */
function detectorView(extra: Record<string, unknown> | undefined, std: number | null) {
  const exact = snapshotFromValues(VALUES, storedShapeOf(extra));
  const histogram = snapshotFromHistogram(HISTOGRAM, std, 7, 64, storedHistogramShapeOf(extra));
  const masses = snapshotFromHistogramMasses({ ascending: true, total: 20, zero: 0, maxCount: 9 }, std, storedHistogramShapeOf(extra));
  return {
    exact: { modes: exact.modes, scale: exact.scale, method: exact.method, check: confirmBimodality(exact, 0.05, true) },
    histogram: { modes: histogram.modes, method: histogram.method, check: confirmBimodality(histogram, 0.05, false) },
    masses: masses === null ? null : { modes: masses.modes, method: masses.method, check: confirmBimodality(masses, 0.05, false) },
  };
}

function compare(lean: EventStatRecord[], full: Map<string, StatValues>, what: string): number {
  assert.equal(lean.length, full.size, `${what}: every row read`);
  let partless = 0;
  for (const r of lean) {
    const row = full.get(`${r.name}\u0000${r.step}`);
    assert.ok(row !== undefined, `${what}: ${r.name} at ${r.step} is a stored row`);
    const at = `${what} ${r.name} step ${r.step}`;
    for (const statistic of STATISTICS) assert.deepEqual(statisticOf(r.values, statistic), statisticOf(row, statistic), `${at}: ${statistic}`);
    const whole = decodeShapeExtra(row.extra), read = decodeShapeExtra(r.values.extra);
    if (hasPart(whole)) assert.deepEqual(read, whole, `${at}: decoded shape`);
    else {
      assert.ok(!hasPart(read), `${at}: no part read where the row has none`);
      if (whole !== null) partless++;
    }
    assert.deepEqual(detectorView(r.values.extra, r.values.std), detectorView(row.extra, row.std), `${at}: snapshots and bimodality checks`);
  }
  return partless;
}

test("event rows: the statistics and stored shapes detection reads equal those of the whole rows, for every form of extra and frac_abs_le", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-event-rows-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    const steps = [0, 10, 20];
    for (const step of steps) {
      const cp = fakeCheckpoint(step, 3, { tensors: EXTRAS.length * 2, histogramKeys: 4, trajectoryLength: 4 });
      cp.tensors.forEach((t, i) => {
        const extra = EXTRAS[(i + step) % EXTRAS.length];
        if (extra === undefined) delete t.extra;
        else t.extra = extra;
        Object.assign(t, FRACS[i % FRACS.length]);
        if (i % 5 === 1) t.std = null;
        if (i % 7 === 2) t.excess_kurtosis = NaN;
      });
      (cp.groups ?? []).forEach((g, i) => {
        const extra = EXTRAS[(i * 3 + step) % EXTRAS.length];
        if (extra !== undefined) g.extra = extra;
        Object.assign(g, FRACS[(i + 1) % FRACS.length]);
      });
      await store.writeCheckpoint("r", cp);
    }
    const tensors: EventStatRecord[] = [], groups: EventStatRecord[] = [];
    await store.forEachEventStatRow({ run: "r", groups: false }, (rows) => tensors.push(...rows));
    await store.forEachEventStatRow({ run: "r", groups: true }, (rows) => groups.push(...rows));
    const fullTensors = new Map((await store.tensorStats({ run: "r" })).map((t) => [`${t.tensor}\u0000${t.step}`, t]));
    const fullGroups = new Map((await store.groupStats({ run: "r" })).map((g) => [`${g.group_name}\u0000${g.step}`, g]));
    const partless = compare(tensors, fullTensors, "tensor") + compare(groups, fullGroups, "group");
    assert.ok(partless > 0, "rows whose shape object holds none of the parts were compared");
    // the rows carry what they did before: names, layers, roles, kinds, group kinds
    const t0 = tensors.find((t) => t.step === 0 && t.name === "gpt_neox.layers.1.mlp.t1.weight")!;
    assert.deepEqual([t0.layer, t0.role, t0.kind, t0.groupKind], [1, "mlp.in", "weight", null]);
    assert.deepEqual(groups.filter((g) => g.step === 10).map((g) => [g.groupKind, g.name, g.layer, g.role]).sort(), [["model", "model", null, null], ["role", "mlp.in", null, null]]);
    // the odd forms were stored: a NaN dip p-value and a weibull k given as a string decode as the whole row does
    assert.ok(tensors.some((t) => Number.isNaN(decodeShapeExtra(t.values.extra)?.dipPValue)), "a NaN p-value read back as NaN");
    assert.ok(tensors.some((t) => decodeShapeExtra(t.values.extra)?.silvermanModes?.length === 2), "two Silverman modes read back");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
