// Spearman / Kendall against scipy.stats (fixtures from tools/reference/quality_fixtures.py),
// Student t tail against scipy.stats.t.sf, and bootstrap CI behaviour.
import { test } from "node:test";
import assert from "node:assert/strict";
import { averageRanks, correlateFeatures, correlateWithBootstrap, spearman, studentTSf } from "../../src/quality/index.js";
import { kendallTau } from "../../src/dynamics/ews/index.js";
import { Rng } from "../../src/util/rng.js";
import { loadFixture } from "./fixtures.js";

interface CorrCase { name: string; x: number[]; y: number[]; rho: number; rhoP: number; tau: number; tauP: number; ranksX: number[] }
const fx = loadFixture<{ correlations: CorrCase[]; tSf: { t: number; df: number; sf: number }[] }>("quality.json");

test("spearman and kendall match scipy to 1e-12 (rho, tau) and p-values to 1e-10", () => {
  let maxStat = 0, maxP = 0;
  for (const c of fx.correlations) {
    assert.deepEqual(Array.from(averageRanks(c.x)), c.ranksX, `${c.name}: ranks`);
    const s = spearman(c.x, c.y), k = kendallTau(c.x, c.y);
    maxStat = Math.max(maxStat, Math.abs(s.rho - c.rho), Math.abs(k.tau - c.tau));
    maxP = Math.max(maxP, Math.abs(s.pValue - c.rhoP), Math.abs(k.pValue - c.tauP));
    assert.ok(Math.abs(s.rho - c.rho) <= 1e-12, `${c.name}: rho ${s.rho} vs ${c.rho}`);
    assert.ok(Math.abs(k.tau - c.tau) <= 1e-12, `${c.name}: tau ${k.tau} vs ${c.tau}`);
    assert.ok(Math.abs(s.pValue - c.rhoP) <= 1e-10 * Math.max(1, c.rhoP), `${c.name}: rho p ${s.pValue} vs ${c.rhoP}`);
    assert.ok(Math.abs(k.pValue - c.tauP) <= 1e-10, `${c.name}: tau p ${k.pValue} vs ${c.tauP}`);
  }
  console.log(`correlation vs scipy: max |stat diff| ${maxStat.toExponential(2)}, max |p diff| ${maxP.toExponential(2)}`);
});

test("Student t survival function matches scipy.stats.t.sf", () => {
  let max = 0;
  for (const c of fx.tSf) {
    const d = Math.abs(studentTSf(c.t, c.df) - c.sf);
    max = Math.max(max, d / Math.max(1e-300, c.sf));
    assert.ok(d <= 1e-12 * Math.max(1, c.sf) || d <= 1e-11 * c.sf, `t=${c.t}, df=${c.df}: ${studentTSf(c.t, c.df)} vs ${c.sf}`);
  }
  console.log(`t.sf: max relative diff ${max.toExponential(2)}`);
});

function sample(n: number, seed: number): { x: number[]; y: number[] } {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => rng.normal());
  return { x, y: x.map((v) => 0.5 * v + rng.normal()) };
}

test("bootstrap CIs contain the estimate, shrink with n, and are seed-deterministic", () => {
  const small = sample(20, 1), large = sample(320, 1);
  const a = correlateWithBootstrap(small.x, small.y, { resamples: 400, seed: 7 });
  const b = correlateWithBootstrap(large.x, large.y, { resamples: 400, seed: 7 });
  for (const r of [a, b]) {
    for (const est of [r.spearman, r.kendall]) {
      assert.ok(est.ci.low <= est.estimate && est.estimate <= est.ci.high, `CI [${est.ci.low}, ${est.ci.high}] misses ${est.estimate}`);
      assert.equal(est.ci.validResamples, 400);
    }
  }
  const width = (r: typeof a) => r.spearman.ci.high - r.spearman.ci.low;
  assert.ok(width(b) < 0.5 * width(a), `width n=320 ${width(b)} vs n=20 ${width(a)}`);
  assert.deepEqual(correlateWithBootstrap(small.x, small.y, { resamples: 400, seed: 7 }), a);
  assert.notDeepEqual(correlateWithBootstrap(small.x, small.y, { resamples: 400, seed: 8 }).spearman.ci, a.spearman.ci);
});

test("correlateFeatures drops missing checkpoints pair by pair and reports too-short pairs", () => {
  const table = correlateFeatures(
    { std: [1, 2, 3, 4, 5, null], kurt: [null, null, 1, null, 2, null] },
    { loss: [5, 4, 3.5, 3, 2, 1.5] },
    { resamples: 50 },
  );
  assert.equal(table.rows.length, 1);
  assert.equal(table.rows[0]!.feature, "std");
  assert.equal(table.rows[0]!.n, 5);
  assert.equal(table.rows[0]!.spearman.estimate, -1);
  assert.deepEqual(table.skipped, [{ feature: "kurt", metric: "loss", n: 2 }]);
  assert.throws(() => correlateFeatures({ a: [1, 2, 3] }, { m: [1, 2] }), /align them first/);
});
