// The two-stage exact mixtures (EM on cells of the values, then the exact EM from there) against
// scikit-learn's GaussianMixture fits (test/fixtures/shape), and the cells' exact moments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cellsOfSorted, fitGaussianMixtureRefined, selectMixtureByBicRefined } from "../../../src/stats/shape/gmm-refined.js";
import { fitGaussianMixture } from "../../../src/stats/shape/gmm.js";
import { finiteValues } from "../../../src/stats/shape/sample.js";
import { Rng } from "../../../src/util/rng.js";

interface GmmRef { components: 1 | 2 | 3; means: number[]; weights: number[]; variances: number[]; bic: number; logLikelihood: number }
const fix = JSON.parse(readFileSync(new URL("../../fixtures/shape/shape_python.json", import.meta.url), "utf8")) as {
  cases: { name: string; x: number[]; gmm?: GmmRef[] }[];
};

test("two-stage EM mixtures equal scikit-learn GaussianMixture (full, reg_covar 1e-6) within 1e-3", () => {
  let fits = 0;
  for (const c of fix.cases) {
    for (const ref of c.gmm ?? []) {
      for (const cells of [16, 64]) {
        assert.ok(c.x.length > 2 * cells, `${c.name}: the cells stage runs`);
        const r = fitGaussianMixtureRefined(c.x, ref.components, { cells, tol: 1e-10, maxIter: 1000, seed: 1 });
        assert.equal(r.converged, true, `${c.name} k=${ref.components}`);
        for (let j = 0; j < ref.components; j++) {
          assert.ok(Math.abs(r.means[j]! - ref.means[j]!) < 1e-3, `${c.name} k=${ref.components} cells ${cells} mean ${j}: ${r.means[j]} vs ${ref.means[j]}`);
          assert.ok(Math.abs(r.weights[j]! - ref.weights[j]!) < 1e-3, `${c.name} weight ${j}`);
          assert.ok(Math.abs(r.variances[j]! - ref.variances[j]!) < 1e-3, `${c.name} variance ${j}`);
        }
        assert.ok(Math.abs(r.bic / ref.bic - 1) < 1e-3, `${c.name} bic ${r.bic} vs ${ref.bic}`);
        assert.ok(Math.abs(r.logLikelihood - ref.logLikelihood) < 1e-3 * Math.abs(ref.logLikelihood));
        fits++;
      }
    }
  }
  assert.ok(fits >= 10);
});

test("two-stage selection picks the true number of components on separated mixtures, in fewer exact steps", () => {
  const x = (name: string) => fix.cases.find((c) => c.name === name)!.x;
  const options = { cells: 64, tol: 1e-6, maxIter: 300, seed: 2 };
  assert.equal(selectMixtureByBicRefined(x("normal500"), 3, options).best.components, 1);
  assert.equal(selectMixtureByBicRefined(x("bimodal600"), 3, options).best.components, 2);
  assert.equal(selectMixtureByBicRefined(x("trimodal900"), 3, options).best.components, 3);
  let direct = 0, refined = 0;
  for (const name of ["bimodal600", "unequal800", "trimodal900"]) {
    for (const k of [2, 3] as const) {
      direct += fitGaussianMixture(x(name), { components: k, nInit: 1, accelerate: true, tol: 1e-6, seed: 2 }).iterations;
      refined += fitGaussianMixtureRefined(x(name), k, options).iterations;
    }
  }
  assert.ok(refined < direct, `exact steps ${refined} (two stages) vs ${direct} (one)`);
});

test("k = 1 and samples of at most 2 x cells values are the one-stage fit exactly", () => {
  const x = fix.cases.find((c) => c.name === "bimodal600")!.x;
  const one = (k: 1 | 2 | 3, v: readonly number[]) => fitGaussianMixture(v, { components: k, nInit: 1, accelerate: true, tol: 1e-6, maxIter: 300, seed: 4 });
  assert.deepEqual(fitGaussianMixtureRefined(x, 1, { cells: 64, tol: 1e-6, maxIter: 300, seed: 4 }), one(1, x));
  assert.deepEqual(fitGaussianMixtureRefined(x.slice(0, 128), 3, { cells: 64, tol: 1e-6, maxIter: 300, seed: 4 }), one(3, x.slice(0, 128)));
});

test("cellsOfSorted: every value in one cell, each cell's exact count, mean and variance", () => {
  const rng = new Rng(3);
  const v = finiteValues(Array.from({ length: 1000 }, () => rng.normal() * (rng.uniform() < 0.5 ? 1 : 0.01))).sort();
  const cells = cellsOfSorted(v, 64);
  assert.ok(cells.count.length <= 64 && cells.count.length > 10);
  assert.equal(cells.total, 1000);
  assert.equal(cells.count.reduce((a, b) => a + b, 0), 1000);
  const width = (v[999]! - v[0]!) / 64;
  assert.ok(cells.maxWidth <= width);
  let i = 0;
  for (let c = 0; c < cells.count.length; c++) {
    const part = Array.from(v.subarray(i, i + cells.count[c]!));
    const m = part.reduce((a, b) => a + b, 0) / part.length;
    assert.ok(Math.abs(cells.mean[c]! - m) <= 1e-15 * Math.max(1, Math.abs(m)));
    const variance = part.reduce((a, b) => a + (b - m) ** 2, 0) / part.length;
    assert.ok(Math.abs(cells.variance[c]! - variance) <= 1e-12 * Math.max(variance, 1e-300));
    assert.ok(part[part.length - 1]! - part[0]! <= width);
    i += part.length;
  }
  const same = cellsOfSorted(Float64Array.from([2, 2, 2]), 8);
  assert.deepEqual(Array.from(same.count), [3]);
});
