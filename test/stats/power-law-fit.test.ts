// fitPowerLaw (stats/spectral.ts) stops computing a candidate's KS distance once it reaches the
// best so far and skips the points whose deviation cannot reach the running maximum; the chosen
// fit must be the one of the full search, bit for bit (brute force here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { empiricalSpectralDensity, fitPowerLaw } from "../../src/stats/spectral.js";
import { Rng } from "../../src/util/rng.js";

function bruteForce(values: number[]): { alpha: number; xmin: number; ks: number; nTail: number } {
  const x = Float64Array.from(values.filter((v) => v > 0)).sort();
  let best: { alpha: number; xmin: number; ks: number; nTail: number } | undefined;
  for (let i = 0; i < x.length; ) {
    let next = i + 1;
    while (next < x.length && x[next] === x[i]) next++;
    const nTail = x.length - i;
    if (next >= x.length || nTail < 2) break;
    let sumLog = 0;
    for (let j = x.length - 1; j >= i; j--) sumLog += Math.log(x[j]!);
    const alpha = 1 + nTail / (sumLog - nTail * Math.log(x[i]!));
    let d = 0;
    for (let j = i; j < x.length; ) {
      const u = x[j]!;
      d = Math.max(d, Math.abs(1 - Math.pow(u / x[i]!, 1 - alpha) - (j - i) / nTail));
      while (j < x.length && x[j] === u) j++;
    }
    if (best === undefined || d < best.ks) best = { alpha, xmin: x[i]!, ks: d, nTail };
    i = next;
  }
  return best!;
}

test("fitPowerLaw with its early stop chooses the full search's fit bit for bit", () => {
  const rng = new Rng(17);
  for (let c = 0; c < 40; c++) {
    const n = 10 + c * 7;
    // Pareto tails of varying exponent over a bulk, some values repeated
    const values = Array.from({ length: n }, (_, i) => (i % 9 === 0 ? 1 : rng.uniform() < 0.3 ? Math.pow(1 - rng.uniform(), -1 / (1 + c / 10)) : rng.uniform() + 0.1));
    const got = fitPowerLaw(values), want = bruteForce(values);
    for (const key of ["alpha", "xmin", "ks", "nTail"] as const) assert.ok(Object.is(got[key], want[key]), `case ${c} ${key}: ${got[key]} != ${want[key]}`);
  }
});

test("fitPowerLaw's pruned KS search gives the full search's fit on spectra of random matrices and on near-equal values", () => {
  const rng = new Rng(23);
  const cases: number[][] = [];
  // ESDs of random matrices as analyze fits them (Marchenko-Pastur bulks, square ones reaching down to 0; heavy-tailed
  // entries). Seed 5 gives spectra where a candidate's maximum sits at the last point (the hint and an end of the search).
  const spectra = new Rng(5);
  for (const [rows, cols] of [[128, 128], [128, 128], [128, 128], [96, 96], [128, 384], [128, 512], [64, 64], [100, 100]] as const) {
    for (const scale of [0.02, 1]) {
      const w = Float32Array.from({ length: rows * cols }, () => scale * spectra.normal());
      cases.push(Array.from(empiricalSpectralDensity(w, rows, cols)));
    }
  }
  const heavy = Float32Array.from({ length: 96 * 192 }, () => Math.pow(1 - rng.uniform(), -1 / 2) * (rng.uniform() < 0.5 ? -1 : 1));
  cases.push(Array.from(empiricalSpectralDensity(heavy, 96, 192)));
  // values within a few ulps of each other: the MLE's denominator rounds to 0 or below (alpha infinite or <= 1)
  // (7 and 1e5 plus ulps: ln x rounds to ln xmin, alpha = Infinity; F is not known to rise there and every point is evaluated)
  const nearEqual = (b: number) => { const u = 2 ** (Math.floor(Math.log2(b)) - 52); return [b, b + u, b + u, b + 2 * u, b + 3 * u, b + 3 * u]; };
  cases.push(nearEqual(7), nearEqual(1e5), nearEqual(0.3), [1e-300, 1e-300, 5e-300, 1e300], [2, 2, 2 + 2 ** -51, 2 + 2 ** -50]);
  for (const [c, values] of cases.entries()) {
    const got = fitPowerLaw(values), want = bruteForce(values);
    for (const key of ["alpha", "xmin", "ks", "nTail"] as const) assert.ok(Object.is(got[key], want[key]), `case ${c} ${key}: ${got[key]} != ${want[key]}`);
  }
});
