// Shape statistics from the histogram itself (stats/extras.ts) against the same statistics on the
// exact values, within the bounds the method states (shape_method.bounds); spectral extras equal
// spectralSummary. (Group rows with these shapes: test/pipeline/group-shapes.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { EXACT_MIXTURE_EM, exactShapeExtra, histogramShapeExtra, spectralExtra } from "../../src/stats/extras.js";
import { BUCKET_RELATIVE_WIDTH } from "../../src/stats/histogram.js";
import { sketchOfValues } from "../../src/stats/sketch-values.js";
import { shapeSummary, type ShapeSummary } from "../../src/stats/shape/index.js";
import { spectralSummary } from "../../src/stats/spectral.js";
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

test("histogram shapes reproduce the exact values' dip, KS, mixture means and Weibull k within the stated bounds", () => {
  const values = knownMixture(11);
  const { histogram } = histogramOf(values);
  const fromHistogram = histogramShapeExtra(histogram, 1234)!;
  const exact = exactShapeExtra(values);
  const s = fromHistogram.shape, e = exact.shape, m = fromHistogram.shape_method, b = m.bounds!;
  assert.equal(m.method, "histogram");
  assert.equal(m.n, N);
  assert.equal(m.sample_size, N, "every value, through its bucket");
  assert.equal(m.cdf_error_bound_95, maxBucketMass(histogram.counts), "CDF bound: the largest bucket mass");
  assert.equal(m.value_rel_error_bound, BUCKET_RELATIVE_WIDTH);
  assert.equal(exact.shape_method.method, "exact");
  assert.equal(exact.shape_method.cdf_error_bound_95, 0, "N <= 20,000: the exact side uses every value");

  // Dip: 1-Lipschitz in the sup norm, G within one bucket's mass of the values' CDF (stated: b.dip).
  const dipDiff = Math.abs(s.dip!.dip - e.dip!.dip);
  console.log(`dip ${s.dip!.dip.toFixed(5)} vs exact ${e.dip!.dip.toFixed(5)}: |diff| ${dipDiff.toExponential(2)} <= ${b.dip.toFixed(4)}`);
  assert.ok(dipDiff <= b.dip);
  assert.ok(s.dip!.pValue < 0.05 && e.dip!.pValue < 0.05, "both see the bimodality");

  // KS: the CDF bound plus the shift of the fitted normal (mean within W1, sd within W2 of the values').
  const ksBound = b.cdf + (0.399 * b.value_w1 + 0.242 * BUCKET_RELATIVE_WIDTH * Math.max(...Array.from(values, Math.abs))) / e.ks!.std;
  assert.ok(Math.abs(s.ks!.d - e.ks!.d) <= ksBound, `KS ${s.ks!.d} vs ${e.ks!.d}, bound ${ksBound}`);

  // Mixture means: the stated first-order bound per component (b.mixture_means), plus both EM fits' stopping slack.
  assert.equal(s.mixtures!.bestComponents, 2);
  assert.equal(e.mixtures!.bestComponents, 2);
  const fit2 = (x: ShapeSummary) => x.mixtures!.fits.find((f) => f.components === 2)!;
  const fs = fit2(s), fe = fit2(e);
  for (let c = 0; c < 2; c++) {
    const bound = b.mixture_means![c]!;
    const diff = Math.abs(fs.means[c]! - fe.means[c]!);
    console.log(`mixture mean ${c}: ${fs.means[c]!.toFixed(6)} vs exact ${fe.means[c]!.toFixed(6)}: |diff| ${diff.toExponential(2)} <= ${bound.toExponential(2)}`);
    assert.ok(diff <= bound);
  }
  assert.ok(Math.abs(fs.means[0]! - -0.05) < 0.003 && Math.abs(fs.means[1]! - 0.06) < 0.003, "means near the generating ones");

  // Weibull k: the stated bound from each point's ln|w| error (b.weibull_k); no sampling term any more.
  const kDiff = Math.abs(s.weibull!.k - e.weibull!.k);
  console.log(`Weibull k ${s.weibull!.k.toFixed(5)} vs exact ${e.weibull!.k.toFixed(5)}: |diff| ${kDiff.toExponential(2)} <= ${b.weibull_k!.toExponential(2)}`);
  assert.ok(kDiff <= b.weibull_k!);
});

test("a small histogram is used whole; an empty one gives no shape", () => {
  const values = knownMixture(5).subarray(0, 1000);
  const extra = histogramShapeExtra(histogramOf(values).histogram, 9)!;
  assert.equal(extra.shape_method.sample_size, 1000);
  assert.equal(extra.shape.n, 1000);
  assert.equal(extra.shape.sampled, false);
  assert.equal(histogramShapeExtra({ keys: [], counts: [] }, 1), null, "empty histogram: no shape");
});

test("exact shape of kept values is shapeSummary's, labelled exact", () => {
  const values = knownMixture(3).subarray(0, 512);
  const extra = exactShapeExtra(values);
  assert.deepEqual(extra.shape, shapeSummary(values, { mixtureEm: EXACT_MIXTURE_EM }));
  assert.deepEqual(extra.shape_method.mixture_em, { tol: EXACT_MIXTURE_EM.tol, n_init: EXACT_MIXTURE_EM.nInit, acceleration: "squarem-backtracking", cells: EXACT_MIXTURE_EM.cells });
  assert.equal(extra.shape_method.value_rel_error_bound, 0);
  assert.equal(extra.shape_method.cdf_error_bound_95, 0);
  assert.equal(extra.shape_method.sample_size, 512);
});

test("spectral extra equals spectralSummary on the same values", () => {
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
});
