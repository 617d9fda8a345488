import { test } from "node:test";
import assert from "node:assert/strict";
import { seededSample, SHAPE_SAMPLE_SIZE } from "../../../src/stats/shape/sample.js";
import { shapeSummary } from "../../../src/stats/shape/summary.js";
import { dipTest } from "../../../src/stats/shape/dip-test.js";
import { bimodalityCoefficient } from "../../../src/stats/shape/bimodality.js";
import { selectMixtureByBic } from "../../../src/stats/shape/gmm.js";
import { gaussianKde } from "../../../src/stats/shape/kde.js";
import { ksToNormal } from "../../../src/stats/shape/ks.js";
import { weibullFitAbs } from "../../../src/stats/shape/weibull.js";
import { UsageError } from "../../../src/util/errors.js";
import { Rng } from "../../../src/util/rng.js";

test("seededSample: without replacement, deterministic, index-ordered, whole input when small", () => {
  const values = Float64Array.from({ length: 50_000 }, (_, i) => i);
  const a = seededSample(values, 1000, 9), b = seededSample(values, 1000, 9), c = seededSample(values, 1000, 10);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(new Set(a).size, 1000);
  for (let i = 1; i < a.length; i++) assert.ok(a[i]! > a[i - 1]!);
  // uniform: mean index near the middle (sd of the mean ~ 14,434 / sqrt(1000) = 456)
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean - 24_999.5) < 2000, `mean ${mean}`);
  assert.deepEqual(seededSample([3, 1, 2], 10, 1), Float64Array.from([3, 1, 2]));
  assert.throws(() => seededSample(values, -1, 1), UsageError);
});

test("shapeSummary of a bimodal sample: JSON-serialisable, consistent with the single functions", () => {
  const rng = new Rng(4);
  const x = Float64Array.from({ length: 3000 }, (_, i) => (i % 2 ? -2 : 2) + 0.6 * rng.normal());
  const s = shapeSummary(x, { seed: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal(s.sampled, false);
  assert.equal(s.nAnalysed, 3000);
  assert.equal(s.dip!.dip, dipTest(x).dip);
  assert.ok(s.dip!.pValue < 0.01 && s.bimodality!.suggestsBimodality);
  assert.equal(s.mixtures!.bestComponents, 2);
  for (const k of s.kde) assert.equal(k!.modes.length, 2);
  assert.deepEqual(s.notes, []);
});

test("shapeSummary samples large inputs (seeded), counts non-finite values, and nulls what it cannot compute", () => {
  const rng = new Rng(8);
  const big = Float32Array.from({ length: SHAPE_SAMPLE_SIZE + 5000 }, () => rng.normal());
  big[17] = NaN;
  const s = shapeSummary(big, { sampleSize: 2000, seed: 3, maxComponents: 2 });
  assert.equal(s.sampled, true);
  assert.equal(s.nonFinite, 1);
  assert.ok(s.nAnalysed === 2000 || s.nAnalysed === 1999);
  assert.ok(Math.abs(s.cdfErrorBound95 - Math.sqrt(Math.log(40) / (2 * s.nAnalysed))) < 1e-15);
  assert.deepEqual(shapeSummary(big, { sampleSize: 2000, seed: 3, maxComponents: 2 }), s);

  const flat = shapeSummary([1, 1, 1, 1, 1, 1]);
  assert.equal(flat.bimodality, null);
  assert.equal(flat.ks, null);
  assert.ok(flat.notes.length >= 3);
  assert.ok(!JSON.stringify(flat).includes("NaN"));
});

test("shapeSummary of 0 to 11 values: the notes the statistics' own errors give, found by counting up front", () => {
  const thrown = (f: () => unknown): string | null => {
    try {
      f();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  };
  for (let n = 0; n <= 11; n++) {
    for (const x of [Array.from({ length: n }, (_, i) => Math.sin(i + 1)), Array.from({ length: n }, () => 0.5)]) {
      const s = shapeSummary(x);
      const want = [
        ["bimodality", thrown(() => bimodalityCoefficient(x))],
        ["dip", thrown(() => dipTest(x))],
        ["mixtures", thrown(() => selectMixtureByBic(x, 3))],
        ["kde(silverman)", thrown(() => gaussianKde(x, { bandwidth: "silverman" }))],
        ["kde(sj)", thrown(() => gaussianKde(x, { bandwidth: "sj" }))],
        ["weibull", thrown(() => weibullFitAbs(x))],
        ["ks", thrown(() => ksToNormal(x))],
      ].filter(([, m]) => m !== null).map(([what, m]) => `${what}: ${m}`);
      assert.deepEqual(s.notes, want, `n=${n} ${x[0] === x[1] ? "equal" : "distinct"}`);
      assert.equal(s.mixtures === null, want.some((w) => w.startsWith("mixtures")));
    }
  }
});
