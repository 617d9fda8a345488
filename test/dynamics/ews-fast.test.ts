// The fast paths of the early-warning surrogates against their oracles, bit for bit: expanding
// Kendall taus by a Fenwick tree (ExpandingKendall, O(n^2), is the oracle), rolling variance
// and ac1 alone (rollingStatistics computes all indicators), and the buffer-reusing forms the
// surrogate loop uses (detrend, expandingTaus and rollingVarianceAc1 are their oracles).
import { test } from "node:test";
import assert from "node:assert/strict";
import { detrend, residualsDetrender, type DetrendOptions } from "../../src/dynamics/ews/detrend.js";
import { ExpandingKendall, expandingTauScratch, expandingTaus, expandingTausInto } from "../../src/dynamics/ews/kendall.js";
import { rollingStatistics, rollingVarianceAc1, rollingVarianceAc1Into } from "../../src/dynamics/ews/rolling.js";
import { NotEnoughPointsError, UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

function series(rng: Rng, n: number, kind: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    if (kind === 0) return rng.normal();
    if (kind === 1) return Math.round(rng.normal() * 2); // many ties
    if (kind === 2) return i % 9 === 4 ? Number.NaN : rng.normal(); // undefined points are skipped
    if (kind === 3) return 1; // all tied: tau undefined
    return i % 2 === 0 ? -0 : 0; // signed zeros tie
  });
}

test("expandingTaus equals ExpandingKendall's tau on every prefix (ties, NaN gaps, all-equal values)", () => {
  const rng = new Rng(3);
  for (let t = 0; t < 60; t++) {
    const x = series(rng, 3 + rng.int(150), t % 5);
    const minPoints = 1 + rng.int(6);
    const fast = expandingTaus(x, minPoints), zeroed = expandingTaus(x, minPoints, 0);
    const oracle = new ExpandingKendall();
    for (let k = 0; k < x.length; k++) {
      if (Number.isFinite(x[k]!)) oracle.push(x[k]!);
      const expected = oracle.size < Math.max(minPoints, 3) ? Number.NaN : oracle.result().tau;
      assert.ok(Object.is(fast[k], expected), `series ${t}, k ${k}: ${fast[k]} vs ${expected}`);
      assert.ok(Object.is(zeroed[k], oracle.size >= Math.max(minPoints, 3) && Number.isNaN(expected) ? 0 : expected));
    }
  }
});

test("rollingVarianceAc1 equals rollingStatistics' variance and ac1 bit for bit", () => {
  const rng = new Rng(4);
  for (let t = 0; t < 40; t++) {
    const x = series(rng, 8 + rng.int(200), t % 2);
    const w = 4 + rng.int(x.length - 3);
    const all = rollingStatistics(x, { window: w }), fast = rollingVarianceAc1(x, w);
    for (let k = 0; k < x.length; k++) {
      assert.ok(Object.is(fast.variance[k], all.variance[k]), `variance ${t}/${k}`);
      assert.ok(Object.is(fast.ac1[k], all.ac1[k]), `ac1 ${t}/${k}`);
    }
  }
});

test("the surrogates' reused buffers give detrend's residuals, expandingTaus and rollingVarianceAc1 bit for bit, call after call", () => {
  const rng = new Rng(5);
  const options: DetrendOptions[] = [{ method: "gaussian" }, { method: "gaussian", bandwidth: 3 }, { method: "moving-average" }, { method: "moving-average", span: 0.5 }, { method: "none" }];
  const scratch = expandingTauScratch(200);
  for (const o of options) {
    for (const n of [2, 3, 7, 8, 12, 13, 61, 154]) {
      const residualsOf = residualsDetrender(n, o);
      const residuals = new Float64Array(n), taus = new Float64Array(n), variance = new Float64Array(n).fill(7), ac1 = new Float64Array(n).fill(7);
      for (let t = 0; t < 3; t++) {
        const x = series(rng, n, t % 2);
        residualsOf(x, residuals);
        const expected = detrend(x, o).residuals;
        for (let i = 0; i < n; i++) assert.ok(Object.is(residuals[i], expected[i]), `${o.method} n ${n} call ${t} point ${i}: ${residuals[i]} vs ${expected[i]}`);
        expandingTausInto(x, 4, 0, taus, scratch);
        assert.deepEqual(taus, expandingTaus(x, 4, 0), `taus n ${n} call ${t}`);
        if (n >= 8) {
          rollingVarianceAc1Into(x, 4, variance, ac1);
          assert.deepEqual({ variance, ac1 }, rollingVarianceAc1(x, 4), `rolling n ${n} call ${t}`);
        }
      }
    }
  }
  assert.throws(() => residualsDetrender(1, { method: "gaussian" }), NotEnoughPointsError);
  assert.throws(() => residualsDetrender(10, { method: "gaussian", bandwidth: 0 }), UsageError);
});
