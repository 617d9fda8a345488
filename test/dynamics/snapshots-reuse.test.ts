// A histogram snapshot whose modes and dip are stored is built from the histogram's counts alone
// (dynamics/modes/snapshots.ts); it must equal the snapshot built through the whole bucket
// distribution, method text (count, largest bucket mass) included, on awkward histograms too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { snapshotFromHistogram, type StoredShape } from "../../src/dynamics/modes/snapshots.js";
import { HIST_MAX_FINITE_KEY } from "../../src/stats/histogram.js";
import { sketchOfValues } from "../../src/stats/sketch-values.js";
import { Rng } from "../../src/util/rng.js";

interface Hist { keys: Int32Array; counts: Float64Array }

function histogramOf(values: Float32Array): Hist {
  const s = sketchOfValues(values);
  return { keys: Int32Array.from(s.histKeys), counts: Float64Array.from(s.histCounts) };
}

/** The stored shape the full path's own snapshot implies (what analyze stores for this histogram). */
function storedFrom(h: Hist, std: number | null): StoredShape | null {
  const full = snapshotFromHistogram(h, std, 0);
  if (full.method.includes("constant values") || full.method.includes("empty histogram")) return null;
  return { silvermanModes: [...full.modes], dipPValue: full.histogramDip?.pValue ?? null, bic1: null, bic2: null };
}

test("a snapshot from stored modes equals the one built through the bucket distribution (signed zeros, non-finite keys, zero counts, few values)", () => {
  const rng = new Rng(11);
  const cases: { name: string; h: Hist }[] = [];
  for (let t = 0; t < 6; t++) {
    const n = [2, 3, 5, 64, 2_000, 20_000][t]!;
    const v = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? (i % 2 === 0 ? 0 : -0) : 0.02 * rng.normal() + (t % 2 === 0 ? 0.05 : 0)));
    cases.push({ name: `normal n=${n}`, h: histogramOf(v) });
  }
  const zerosHeavy = histogramOf(Float32Array.from({ length: 500 }, (_, i) => (i < 400 ? (i % 2 ? 0 : -0) : rng.normal())));
  cases.push({ name: "the zero atom is the largest bucket", h: zerosHeavy });
  const base = histogramOf(Float32Array.from({ length: 300 }, () => rng.normal()));
  // non-finite keys (Inf, NaN range) and zero or fractional counts are skipped or rounded as stored rows would be
  const keys = [...base.keys, HIST_MAX_FINITE_KEY + 1, 0x7fc0, 0x8000 | (HIST_MAX_FINITE_KEY + 1)].sort((a, b) => a - b);
  const counts = keys.map((k) => (k > HIST_MAX_FINITE_KEY && (k & 0x7fff) > HIST_MAX_FINITE_KEY ? 5 : base.counts[base.keys.indexOf(k)]!));
  counts[3] = 0;
  counts[4] = 2.4;
  cases.push({ name: "non-finite keys, a zero and a fractional count", h: { keys: Int32Array.from(keys), counts: Float64Array.from(counts) } });
  for (const { name, h } of cases) {
    for (const std of [0.02, 1.5]) {
      const stored = storedFrom(h, std);
      assert.ok(stored !== null, name);
      assert.deepEqual(snapshotFromHistogram(h, std, 0, undefined, stored), snapshotFromHistogram(h, std, 0), `${name}, std ${std}`);
    }
  }
});

test("snapshots the count path does not cover fall back to the bucket distribution: unsorted keys, only zeros, no std, no stored dip", () => {
  const rng = new Rng(12);
  const h = histogramOf(Float32Array.from({ length: 1_000 }, () => rng.normal()));
  const stored = storedFrom(h, 1)!;
  const reversed = { keys: h.keys.slice().reverse(), counts: h.counts.slice().reverse() };
  assert.deepEqual(snapshotFromHistogram(reversed, 1, 0, undefined, stored), snapshotFromHistogram(h, 1, 0, undefined, stored), "unsorted keys are sorted first");
  const fromFull = snapshotFromHistogram(h, null, 0);
  assert.deepEqual(snapshotFromHistogram(h, null, 0, undefined, stored), { ...fromFull, modes: stored.silvermanModes }, "no std: scale from the distribution");
  const noDip = snapshotFromHistogram(h, 1, 0, undefined, { ...stored, dipPValue: null });
  assert.deepEqual(noDip, snapshotFromHistogram(h, 1, 0), "no stored dip: both computed from the histogram");
  const zeros = histogramOf(new Float32Array(50));
  assert.deepEqual(snapshotFromHistogram(zeros, 1, 0, undefined, stored), snapshotFromHistogram(zeros, 1, 0), "a single atom stays degenerate");
});
