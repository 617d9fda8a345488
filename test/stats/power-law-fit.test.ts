// fitPowerLaw (stats/spectral.ts) stops computing a candidate's KS distance once it reaches the
// best so far; the chosen fit must be the one of the full search, bit for bit (brute force here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitPowerLaw } from "../../src/stats/spectral.js";
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
