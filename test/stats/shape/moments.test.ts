import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bimodalityCoefficient, BC_THRESHOLD } from "../../../src/stats/shape/bimodality.js";
import { ksToNormal } from "../../../src/stats/shape/ks.js";
import { normalCdf } from "../../../src/util/special.js";
import { weibullFitAbs } from "../../../src/stats/shape/weibull.js";
import { DegenerateSampleError } from "../../../src/stats/shape/bandwidth.js";
import { NotEnoughPointsError } from "../../../src/util/errors.js";
import { Rng } from "../../../src/util/rng.js";

interface PyCase {
  name: string; x: number[];
  bimodality: { skewness: number; excessKurtosis: number; coefficient: number };
  weibull: { k: number; lambda: number; r2: number; nUsed: number };
  ks: { d: number; mean: number; std: number };
}
const fix = JSON.parse(readFileSync(new URL("../../fixtures/shape/shape_python.json", import.meta.url), "utf8")) as {
  cases: PyCase[]; normalCdf: { z: number[]; cdf: number[] };
};
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

test("bimodality coefficient from scipy's bias-corrected skew and kurtosis (1e-12 relative)", () => {
  for (const c of fix.cases) {
    const r = bimodalityCoefficient(c.x);
    assert.ok(rel(r.skewness, c.bimodality.skewness) < 1e-12, `${c.name} G1`);
    assert.ok(rel(r.excessKurtosis, c.bimodality.excessKurtosis) < 1e-12, `${c.name} G2`);
    assert.ok(rel(r.coefficient, c.bimodality.coefficient) < 1e-12, `${c.name} BC`);
    assert.equal(r.suggestsBimodality, c.bimodality.coefficient > BC_THRESHOLD);
  }
  const byName = (n: string) => bimodalityCoefficient(fix.cases.find((c) => c.name === n)!.x).coefficient;
  assert.ok(byName("bimodal600") > 5 / 9 && byName("normal500") < 5 / 9);
  assert.throws(() => bimodalityCoefficient([1, 1, 1, 1, 1]), DegenerateSampleError);
  assert.throws(() => bimodalityCoefficient([1, 2, 3]), NotEnoughPointsError);
});

test("normalCdf equals scipy.stats.norm.cdf to 1e-15 absolute", () => {
  fix.normalCdf.z.forEach((z, i) => {
    assert.ok(Math.abs(normalCdf(z) - fix.normalCdf.cdf[i]!) < 1e-15, `Phi(${z})`);
  });
});

test("KS distance to the fitted normal equals scipy.stats.kstest(x, 'norm', args=(mean, std ddof=1)) to 1e-12", () => {
  for (const c of fix.cases) {
    const r = ksToNormal(c.x);
    assert.ok(Math.abs(r.d - c.ks.d) < 1e-12, `${c.name}: ${r.d} vs ${c.ks.d}`);
    assert.ok(Math.abs(r.mean - c.ks.mean) < 1e-12 && rel(r.std, c.ks.std) < 1e-12);
  }
});

test("Weibull middle-80% fit equals numpy.polyfit on the same probability-plot points", () => {
  for (const c of fix.cases) {
    const r = weibullFitAbs(c.x);
    assert.equal(r.nUsed, c.weibull.nUsed, c.name);
    assert.ok(rel(r.k, c.weibull.k) < 1e-10, `${c.name} k ${r.k} vs ${c.weibull.k}`);
    assert.ok(rel(r.lambda, c.weibull.lambda) < 1e-10, `${c.name} lambda`);
    assert.ok(Math.abs(r.r2 - c.weibull.r2) < 1e-10, `${c.name} r2`);
  }
});

test("Weibull shape of |w| for a large seeded Gaussian sample is about 1.205 (arXiv 2605.18898)", () => {
  const rng = new Rng(7);
  const g = Float64Array.from({ length: 100_000 }, () => rng.normal());
  const r = weibullFitAbs(g);
  console.log(`weibull |N(0,1)|, n = 100000, seed 7: k = ${r.k.toFixed(4)}, lambda = ${r.lambda.toFixed(4)}, r2 = ${r.r2.toFixed(5)}`);
  assert.ok(Math.abs(r.k - 1.205) < 0.01, `k = ${r.k}`);
  // scale invariance: k unchanged, lambda scales
  const r3 = weibullFitAbs(g.map((v) => 3 * v));
  assert.ok(Math.abs(r3.k - r.k) < 1e-9 && Math.abs(r3.lambda / r.lambda - 3) < 1e-9);
});
