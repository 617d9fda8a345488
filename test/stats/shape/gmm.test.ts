import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fitGaussianMixture, selectMixtureByBic } from "../../../src/stats/shape/gmm.js";
import { UsageError } from "../../../src/util/errors.js";

interface GmmRef { components: 1 | 2 | 3; means: number[]; weights: number[]; variances: number[]; bic: number; logLikelihood: number }
const fix = JSON.parse(readFileSync(new URL("../../fixtures/shape/shape_python.json", import.meta.url), "utf8")) as {
  cases: { name: string; x: number[]; gmm?: GmmRef[] }[];
};

test("EM mixtures equal scikit-learn GaussianMixture (full, reg_covar 1e-6) within 1e-3", () => {
  let fits = 0;
  for (const c of fix.cases) {
    for (const ref of c.gmm ?? []) {
      const r = fitGaussianMixture(c.x, { components: ref.components, tol: 1e-10, maxIter: 1000, seed: 1 });
      assert.equal(r.converged, true, `${c.name} k=${ref.components}`);
      for (let j = 0; j < ref.components; j++) {
        assert.ok(Math.abs(r.means[j]! - ref.means[j]!) < 1e-3, `${c.name} k=${ref.components} mean ${j}`);
        assert.ok(Math.abs(r.weights[j]! - ref.weights[j]!) < 1e-3, `${c.name} weight ${j}`);
        assert.ok(Math.abs(r.variances[j]! - ref.variances[j]!) < 1e-3, `${c.name} variance ${j}`);
      }
      assert.ok(Math.abs(r.bic / ref.bic - 1) < 1e-3, `${c.name} bic ${r.bic} vs ${ref.bic}`);
      assert.ok(Math.abs(r.logLikelihood - ref.logLikelihood) < 1e-3 * Math.abs(ref.logLikelihood));
      fits++;
    }
  }
  assert.ok(fits >= 5);
});

test("selectMixtureByBic picks the true number of components on separated mixtures", () => {
  const pick = (name: string) => selectMixtureByBic(fix.cases.find((c) => c.name === name)!.x, 3, { seed: 2 }).best.components;
  assert.equal(pick("normal500"), 1);
  assert.equal(pick("bimodal600"), 2);
  assert.equal(pick("trimodal900"), 3);
});

test("fitGaussianMixture checks its options and is deterministic per seed", () => {
  const x = fix.cases[1]!.x;
  assert.throws(() => fitGaussianMixture(x, { components: 4 as 3 }), UsageError);
  const a = fitGaussianMixture(x, { components: 2, seed: 5 }), b = fitGaussianMixture(x, { components: 2, seed: 5 });
  assert.deepEqual(a, b);
});

test("SQUAREM-accelerated EM reaches scikit-learn's fits within 1e-3, and no lower a likelihood than plain EM in fewer steps", () => {
  let fits = 0;
  for (const c of fix.cases) {
    for (const ref of c.gmm ?? []) {
      const r = fitGaussianMixture(c.x, { components: ref.components, tol: 1e-10, maxIter: 1000, seed: 1, accelerate: true });
      assert.equal(r.converged, true, `${c.name} k=${ref.components}`);
      for (let j = 0; j < ref.components; j++) assert.ok(Math.abs(r.means[j]! - ref.means[j]!) < 1e-3, `${c.name} k=${ref.components} mean ${j}`);
      assert.ok(Math.abs(r.bic / ref.bic - 1) < 1e-3, `${c.name} bic ${r.bic} vs ${ref.bic}`);
      fits++;
    }
  }
  assert.ok(fits >= 5);
  const x = fix.cases.find((c) => c.name === "normal500")!.x;
  for (const k of [2, 3] as const) {
    const plain = fitGaussianMixture(x, { components: k }), fast = fitGaussianMixture(x, { components: k, accelerate: true });
    assert.ok(fast.logLikelihood >= plain.logLikelihood - 1e-6 * x.length, `k=${k}: ${fast.logLikelihood} vs ${plain.logLikelihood}`);
    assert.ok(fast.iterations < plain.iterations, `k=${k}: ${fast.iterations} vs ${plain.iterations} steps`);
  }
});
