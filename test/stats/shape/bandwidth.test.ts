import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bandwidthNrd0, bandwidthSJ, brentRoot, DegenerateSampleError, quantileSorted } from "../../../src/stats/shape/bandwidth.js";

interface SjCase { name: string; x: number[]; sj: number; sjDpi: number; nrd0: number }
const fix = JSON.parse(readFileSync(new URL("../../fixtures/shape/bandwidth_sj.json", import.meta.url), "utf8")) as { cases: SjCase[] };

test("Sheather-Jones bandwidth equals R's bw.SJ (ste and dpi) to 1e-9 relative; bw.nrd0 too", () => {
  let worst = 0;
  for (const c of fix.cases) {
    const ste = bandwidthSJ(c.x), dpi = bandwidthSJ(c.x, "dpi"), nrd0 = bandwidthNrd0(c.x);
    for (const [ours, r, what] of [[ste, c.sj, "ste"], [dpi, c.sjDpi, "dpi"], [nrd0, c.nrd0, "nrd0"]] as const) {
      const rel = Math.abs(ours / r - 1);
      worst = Math.max(worst, rel);
      assert.ok(rel <= 1e-9, `${c.name} ${what}: ${ours} vs R ${r}`);
    }
  }
  console.log(`bandwidths vs R: max relative difference ${worst.toExponential(2)} over ${fix.cases.length} samples`);
});

test("bandwidthSJ refuses constant samples with a typed error", () => {
  assert.throws(() => bandwidthSJ([2, 2, 2, 2]), DegenerateSampleError);
});

test("brentRoot finds roots to its tolerance; quantileSorted is type 7", () => {
  const r = brentRoot((x) => x * x - 2, 0, 2, -2, 2, 1e-12, 100);
  assert.ok(Math.abs(r - Math.SQRT2) < 1e-11);
  const c = Math.cos(0.5);
  const r2 = brentRoot((x) => Math.cos(x) - x, 0, 1, 1, c - 1, 1e-10, 100);
  assert.ok(Math.abs(Math.cos(r2) - r2) < 1e-9);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75); // numpy.quantile([1,2,3,4], .25) = 1.75
  assert.equal(quantileSorted([1, 2, 3, 4, 10], 0.5), 3);
});
