// Symmetric eigensolver vs numpy.linalg.eigvalsh, ESD of W^T W / N, and the Clauset power-law
// tail fit vs an independent numpy implementation (tools/reference/powerlaw_fixtures.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { empiricalSpectralDensity, fitPowerLaw, spectralSummary, symmetricEigenvalues } from "../../src/quality/index.js";
import { loadFixture, maxRelDiff } from "./fixtures.js";

interface Fit { alpha: number; xmin: number; ks: number; nTail: number }
const fx = loadFixture<{
  eigen: { name: string; n: number; matrix: number[]; eigenvalues: number[] }[];
  esd: { name: string; rows: number; cols: number; w: number[]; eigenvalues: number[]; fit: Fit }[];
  spectra: { name: string; values: number[]; fit: Fit }[];
}>("powerlaw.json");

test("symmetricEigenvalues matches numpy.linalg.eigvalsh to 1e-12 of the spectral radius", () => {
  for (const c of fx.eigen) {
    const ev = symmetricEigenvalues(c.matrix, c.n);
    const radius = Math.max(...c.eigenvalues.map(Math.abs));
    const d = maxRelDiff(ev, c.eigenvalues, radius);
    console.log(`${c.name}: max |diff| / radius ${d.toExponential(2)}`);
    assert.ok(d <= 1e-12, `${c.name}: ${d}`);
  }
});

test("ESD of W^T W / N (both orientations) matches numpy to 1e-9 relative", () => {
  for (const c of fx.esd) {
    const ev = empiricalSpectralDensity(c.w, c.rows, c.cols);
    assert.equal(ev.length, Math.min(c.rows, c.cols));
    const d = maxRelDiff(ev, c.eigenvalues);
    console.log(`${c.name}: max relative eigenvalue diff ${d.toExponential(2)}`);
    assert.ok(d <= 1e-9, `${c.name}: ${d}`);
  }
});

test("power-law fit (alpha, xmin, KS, nTail) matches the numpy Clauset procedure to 1e-9", () => {
  let worst = 0;
  const cases = [...fx.spectra.map((s) => ({ name: s.name, values: s.values, fit: s.fit })), ...fx.esd.map((e) => ({ name: e.name, values: e.eigenvalues, fit: e.fit }))];
  for (const c of cases) {
    const f = fitPowerLaw(c.values);
    assert.equal(f.nTail, c.fit.nTail, `${c.name}: nTail`);
    for (const key of ["alpha", "xmin", "ks"] as const) {
      const d = Math.abs(f[key] - c.fit[key]) / Math.abs(c.fit[key]);
      worst = Math.max(worst, d);
      assert.ok(d <= 1e-9, `${c.name}: ${key} ${f[key]} vs ${c.fit[key]}`);
    }
  }
  console.log(`power-law fit: max relative diff ${worst.toExponential(2)}`);
});

test("spectralSummary: stable rank, spectral norm and scale-invariant alpha", () => {
  const c = fx.esd[0]!;
  const s = spectralSummary(c.w, c.rows, c.cols);
  const frob2 = c.w.reduce((acc, v) => acc + v * v, 0);
  assert.ok(Math.abs(s.stableRank - frob2 / (s.spectralNorm * s.spectralNorm)) < 1e-10 * s.stableRank);
  assert.equal(s.normalization, Math.max(c.rows, c.cols));
  const raw = spectralSummary(c.w, c.rows, c.cols, { normalize: false });
  assert.ok(Math.abs(raw.powerLaw!.alpha - s.powerLaw!.alpha) < 1e-9, "alpha does not depend on the 1/N normalisation");
  assert.ok(Math.abs(raw.spectralNorm - s.spectralNorm) < 1e-12 * s.spectralNorm);
  // A diagonal W has singular values |w_ii|: check norm and eigenvalues exactly.
  const diag = [3, 0, 0, 0, -1, 0, 0, 0, 2];
  const sd = spectralSummary(diag, 3, 3, { normalize: false });
  assert.deepEqual(Array.from(sd.eigenvalues, (v) => Math.round(v * 1e12) / 1e12), [1, 4, 9]);
  assert.ok(Math.abs(sd.spectralNorm - 3) < 1e-12);
});

test("fitPowerLaw recovers the exponent of a large Pareto sample", () => {
  // Deterministic quantiles of a Pareto(alpha = 2.5, xmin = 1): x_i = (1 - u_i)^(-1/1.5).
  const n = 4000;
  const values = Array.from({ length: n }, (_, i) => Math.pow(1 - (i + 0.5) / n, -1 / 1.5));
  const f = fitPowerLaw(values);
  assert.ok(Math.abs(f.alpha - 2.5) < 0.05, `alpha ${f.alpha}`);
  assert.throws(() => fitPowerLaw([1, 1, 1]), /at least/);
});
