// Paired inference against scipy (tools/reference/inference_fixtures.py) and Holm by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { holmAdjust, pairedTTest, tQuantileUpper, wilcoxonSignedRank } from "../../src/experiments/inference.js";

interface Case { name: string; d: number[]; t: number; t_p: number; ci: [number, number]; w_plus: number; wilcoxon_p: number; wilcoxon_method: string }
const fixture = JSON.parse(readFileSync(new URL("../fixtures/experiments/inference.json", import.meta.url), "utf8")) as { cases: Case[] };

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs scipy ${b}`);

test("pairedTTest matches scipy's ttest_1samp and t.interval", () => {
  assert.ok(fixture.cases.length >= 10);
  for (const c of fixture.cases) {
    const t = pairedTTest(c.d)!;
    close(t.t, c.t, 1e-9, `${c.name} t`);
    close(t.p, c.t_p, 1e-8, `${c.name} p`);
    close(t.ci[0], c.ci[0], 1e-8, `${c.name} ci low`);
    close(t.ci[1], c.ci[1], 1e-8, `${c.name} ci high`);
  }
  close(tQuantileUpper(0.025, 7), 2.364624251592785, 1e-10, "t_{0.975, 7}");
  assert.equal(pairedTTest([1]), null);
  assert.deepEqual(pairedTTest([0, 0, 0])!.p, 1);
});

test("wilcoxonSignedRank matches scipy (exact without ties, normal with the tie correction)", () => {
  for (const c of fixture.cases) {
    const w = wilcoxonSignedRank(c.d)!;
    assert.equal(w.method, c.wilcoxon_method, c.name);
    close(w.wPlus, c.w_plus, 1e-12, `${c.name} W+`);
    close(w.p, c.wilcoxon_p, 1e-9, `${c.name} p`);
  }
  assert.equal(wilcoxonSignedRank([0, 0]), null);
  // 8 positive differences: the smallest exact two-sided p, 2 / 2^8
  assert.equal(wilcoxonSignedRank([1, 2, 3, 4, 5, 6, 7, 8])!.p, 2 / 256);
});

test("holmAdjust: step-down by hand, monotone, NaN left out of the family", () => {
  const adj = holmAdjust([0.01, 0.04, 0.03, Number.NaN, 0.5]);
  // sorted 0.01, 0.03, 0.04, 0.5 with m = 4: 0.04, max(0.04, 0.09), max(0.09, 0.08), max(0.09, 0.5)
  assert.deepEqual(adj.map((v) => (Number.isNaN(v) ? v : Math.round(v * 1e12) / 1e12)), [0.04, 0.09, 0.09, Number.NaN, 0.5]);
  assert.deepEqual(holmAdjust([0.6, 0.7]), [1, 1]);
});
