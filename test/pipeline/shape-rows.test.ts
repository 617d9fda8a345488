// Shape statistics from a histogram sample (pipeline/shape-rows.ts) against the same statistics
// on the exact values, within bounds derived from the method's stated errors; group rows carry
// the shape in the form the event detectors read; spectral extras equal spectralSummary.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_SHAPE_SAMPLE_SIZE, HISTOGRAM_VALUE_REL_ERROR, exactShapeExtra, histogramShapeExtra, isSpectralTarget, shapeSeed, spectralExtra,
} from "../../src/pipeline/shape-rows.js";
import { groupRows } from "../../src/pipeline/groups.js";
import { dkwBound95, snapshotFromHistogram, storedShapeOf } from "../../src/pipeline/snapshots.js";
import { sketchOfValues } from "../../src/stats/sketch-values.js";
import { summarizeSketch } from "../../src/stats/summary.js";
import { seededSample, shapeSummary, weibullFitAbs, type ShapeSummary } from "../../src/stats/shape/index.js";
import { spectralSummary } from "../../src/stats/spectral.js";
import type { TensorStatsInput } from "../../src/store/types.js";
import { Rng } from "../../src/util/rng.js";

const N = 20_000;
/** 60% N(-0.05, 0.02^2) + 40% N(0.06, 0.015^2), float32. */
function knownMixture(seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: N }, () => (rng.uniform() < 0.6 ? -0.05 + 0.02 * rng.normal() : 0.06 + 0.015 * rng.normal()));
}

function histogramOf(values: Float32Array) {
  const sketch = sketchOfValues(values);
  return { sketch, histogram: { keys: sketch.histKeys, counts: sketch.histCounts } };
}

function maxBucketMass(counts: ArrayLike<number>): number {
  let total = 0, max = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i]!;
    max = Math.max(max, counts[i]!);
  }
  return max / total;
}

test("histogram sample reproduces the exact values' dip, bimodality, mixture means and Weibull k within the stated bounds", () => {
  const values = knownMixture(11);
  const { histogram } = histogramOf(values);
  const sampled = histogramShapeExtra(histogram, 1234)!;
  const exact = exactShapeExtra(values);
  const s = sampled.shape, e = exact.shape;
  assert.equal(sampled.shape_method.method, "histogram_sample");
  assert.equal(sampled.shape_method.sample_size, DEFAULT_SHAPE_SAMPLE_SIZE);
  assert.equal(sampled.shape_method.n, N);
  assert.equal(sampled.shape_method.cdf_error_bound_95, dkwBound95(DEFAULT_SHAPE_SAMPLE_SIZE));
  assert.equal(exact.shape_method.method, "exact");

  // Dip = distance from the CDF to the nearest unimodal CDF, so it is 1-Lipschitz in the sup
  // norm: |dip_a - dip_b| <= sup|F_a - F_b|. Histogram values agree with the true CDF at bucket
  // edges (off by at most one bucket's mass between), then each side's sample adds its DKW bound.
  // (The stated bounds: cdf_error_bound_95 of each method; 0 for the exact side here, N <= 20,000.)
  const dipBound = sampled.shape_method.cdf_error_bound_95 + exact.shape_method.cdf_error_bound_95 + maxBucketMass(histogram.counts);
  const dipDiff = Math.abs(s.dip!.dip - e.dip!.dip);
  console.log(`dip ${s.dip!.dip.toFixed(5)} vs exact ${e.dip!.dip.toFixed(5)}: |diff| ${dipDiff.toExponential(2)} <= ${dipBound.toFixed(4)}`);
  assert.ok(dipDiff <= dipBound);
  assert.ok(s.dip!.pValue < 0.05 && e.dip!.pValue < 0.05, "both see the bimodality");

  // Mixture means: 4 standard errors of each estimate (sqrt(var / (n w))) plus the value error.
  assert.equal(s.mixtures!.bestComponents, 2);
  assert.equal(e.mixtures!.bestComponents, 2);
  const fit2 = (x: ShapeSummary) => x.mixtures!.fits.find((f) => f.components === 2)!;
  const fs = fit2(s), fe = fit2(e);
  for (let c = 0; c < 2; c++) {
    const se = (f: typeof fs) => Math.sqrt(f.variances[c]! / (f.n * f.weights[c]!));
    const bound = 4 * Math.hypot(se(fs), se(fe)) + HISTOGRAM_VALUE_REL_ERROR * Math.abs(fe.means[c]!);
    const diff = Math.abs(fs.means[c]! - fe.means[c]!);
    console.log(`mixture mean ${c}: ${fs.means[c]!.toFixed(5)} vs exact ${fe.means[c]!.toFixed(5)}: |diff| ${diff.toExponential(2)} <= ${bound.toExponential(2)}`);
    assert.ok(diff <= bound);
  }
  assert.ok(Math.abs(fs.means[0]! - -0.05) < 0.003 && Math.abs(fs.means[1]! - 0.06) < 0.003, "means near the generating ones");

  // Weibull k: sampling spread measured on 16 seeded 4096-subsamples of the exact values (4 sd),
  // plus the value error: ln x moves by at most ln(1 + 2^-7) per point, which moves the
  // probability-plot slope by at most k * 2 ln(1 + 2^-7) / (ln q90 - ln q10) of |w|.
  const ks = Array.from({ length: 16 }, (_, i) => weibullFitAbs(seededSample(values, DEFAULT_SHAPE_SAMPLE_SIZE, 100 + i)).k);
  const meanK = ks.reduce((a, b) => a + b, 0) / ks.length;
  const sdK = Math.sqrt(ks.reduce((a, k) => a + (k - meanK) ** 2, 0) / (ks.length - 1));
  const abs = Float64Array.from(values, Math.abs).sort();
  const spreadLn = Math.log(abs[Math.floor(0.9 * N)]! / abs[Math.floor(0.1 * N)]!);
  const kBound = 4 * sdK + (e.weibull!.k * 2 * Math.log1p(HISTOGRAM_VALUE_REL_ERROR)) / spreadLn;
  const kDiff = Math.abs(s.weibull!.k - e.weibull!.k);
  console.log(`Weibull k ${s.weibull!.k.toFixed(4)} vs exact ${e.weibull!.k.toFixed(4)}: |diff| ${kDiff.toExponential(2)} <= ${kBound.toExponential(2)} (sampling sd ${sdK.toExponential(2)})`);
  assert.ok(kDiff <= kBound);
});

test("a histogram holding fewer values than the sample size is used whole: no CDF error, only the value error", () => {
  const values = knownMixture(5).subarray(0, 1000);
  const extra = histogramShapeExtra(histogramOf(values).histogram, 9)!;
  assert.equal(extra.shape_method.sample_size, 1000);
  assert.equal(extra.shape_method.cdf_error_bound_95, 0);
  assert.equal(extra.shape.sampled, false);
  assert.equal(histogramShapeExtra({ keys: [], counts: [] }, 1), null, "empty histogram: no shape");
});

function rowOf(name: string, role: string, layer: number, values: Float32Array): { row: TensorStatsInput; sketch: ReturnType<typeof sketchOfValues> } {
  const sketch = sketchOfValues(values);
  const row: TensorStatsInput = {
    ...summarizeSketch(sketch), tensor: name, layer, role, kind: "weight", dtype: "F32", shape: [values.length],
    histogram: { keys: sketch.histKeys, counts: sketch.histCounts },
  };
  return { row, sketch };
}

test("group rows carry extra.shape from a seeded histogram sample, reproducibly, in the form the mode detector reads", () => {
  const rng = new Rng(2);
  const tensors = [0, 1].map((layer) => rowOf(`layers.${layer}.mlp.weight`, "mlp.in", layer, Float32Array.from({ length: 20_000 }, () => 0.02 * rng.normal())));
  const step = 64;
  const rows = groupRows(tensors, { step, sampleSize: DEFAULT_SHAPE_SAMPLE_SIZE });
  assert.deepEqual(rows.map((r) => r.group_name), ["model", "mlp.in.weight", "layer.0", "layer.1"]);
  for (const r of rows) {
    const method = r.extra!.shape_method as { method: string; seed: number; n: number };
    assert.equal(method.method, "histogram_sample");
    assert.equal(method.seed, shapeSeed("group", r.group_name, step));
    assert.equal(method.n, r.numel);
    const shape = r.extra!.shape as ShapeSummary;
    assert.ok(shape.weibull !== null && shape.dip !== null && shape.mixtures !== null && shape.kde.length === 2);
    // the mode detector's own snapshot of this group (same sample size and seed) has the stored modes
    const stored = storedShapeOf(r.extra)!;
    const snapshot = snapshotFromHistogram(r.histogram!, r.std, method.seed);
    assert.deepEqual(stored.silvermanModes, snapshot.modes);
    assert.ok(stored.dipPValue !== null && stored.bic1 !== null && stored.bic2 !== null);
  }
  assert.deepEqual(groupRows(tensors, { step, sampleSize: DEFAULT_SHAPE_SAMPLE_SIZE }), rows, "same input, same rows");
  assert.ok(groupRows(tensors).every((r) => r.extra === undefined), "no shape unless asked");
});

test("exact shape of kept values is shapeSummary's, labelled exact", () => {
  const values = knownMixture(3).subarray(0, 512);
  const extra = exactShapeExtra(values);
  assert.deepEqual(extra.shape, shapeSummary(values));
  assert.equal(extra.shape_method.value_rel_error_bound, 0);
  assert.equal(extra.shape_method.cdf_error_bound_95, 0);
  assert.equal(extra.shape_method.sample_size, 512);
});

test("spectral extra equals spectralSummary on the same values; targets are attention/MLP weight matrices only", () => {
  const rng = new Rng(8);
  const rows = 96, cols = 40;
  const w = Float32Array.from({ length: rows * cols }, () => rng.normal() / (1 + rng.uniform() * 3));
  const stored = spectralExtra(w, rows, cols).spectral!;
  const direct = spectralSummary(w, rows, cols);
  assert.deepEqual(stored.eigenvalues, Array.from(direct.eigenvalues));
  assert.deepEqual(stored.powerLaw, direct.powerLaw);
  assert.equal(stored.alpha, direct.powerLaw!.alpha);
  assert.equal(stored.stableRank, direct.stableRank);
  assert.deepEqual(JSON.parse(JSON.stringify(stored)), stored, "JSON round trip");
  const bad = Float32Array.from(w);
  bad[3] = NaN;
  assert.equal(spectralExtra(bad, rows, cols).spectral, null);

  const weight = (role: string) => ({ role: role as "attn.qkv", kind: "weight" });
  assert.equal(isSpectralTarget(weight("attn.qkv"), [384, 128], 256), true);
  assert.equal(isSpectralTarget(weight("mlp.out"), [128, 512], 128), true);
  assert.equal(isSpectralTarget(weight("mlp.out"), [300, 512], 256), false, "min dimension above the limit");
  assert.equal(isSpectralTarget(weight("mlp.out"), [128, 512], 0), false, "0 disables");
  assert.equal(isSpectralTarget(weight("embed"), [264, 128], 256), false, "embeddings are not fitted");
  assert.equal(isSpectralTarget(weight("unembed"), [264, 128], 256), false);
  assert.equal(isSpectralTarget({ role: "attn.qkv", kind: "bias" }, [384], 256), false);
});
