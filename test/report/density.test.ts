// densityGridFromBuckets: mass conservation, exact spreading of a bucket over grid cells (checked
// by hand and against a midpoint-sampling oracle), ranges, and the quantised encoding round trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { densityGridFromBuckets, encodeDensity, decodeDensityCounts, type BucketHistogram } from "../../src/report/density.js";
import { histKeyOf, bucketValueRange } from "../../src/stats/histogram.js";
import { Rng } from "../../src/util/rng.js";
import { addAt } from "../../src/util/typed.js";

function histogramOf(values: number[]): BucketHistogram {
  const m = new Map<number, number>();
  for (const v of values) m.set(histKeyOf(v), (m.get(histKeyOf(v)) ?? 0) + 1);
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { keys, counts: keys.map((k) => m.get(k)!) };
}

function columnSum(cells: Float64Array, bins: number, c: number): number {
  let s = 0;
  for (let k = 0; k < bins; k++) s += cells[c * bins + k]!;
  return s;
}

test("a bucket aligned with one grid cell lands in that cell; a half-width grid splits it in two", () => {
  // key 0x3f80 is [1, 1 + 1/128); 0xbf80 is [-(1 + 1/128), -1].
  const h = { keys: [0x3f80, 0xbf80], counts: [10, 6] };
  assert.deepEqual(bucketValueRange(0x3f80), { lo: 1, hi: 1 + 1 / 128 });
  const g = densityGridFromBuckets([h], { bins: 512, range: [-2, 2] }); // width 1/128
  assert.equal(g.cells[384], 10); // (1 - -2) * 128
  assert.equal(g.cells[127], 6); // (-1 - 1/128 - -2) * 128 = 127
  assert.equal(columnSum(g.cells, 512, 0), 16);
  const g2 = densityGridFromBuckets([h], { bins: 1024, range: [-2, 2] }); // width 1/256
  assert.equal(g2.cells[768], 5);
  assert.equal(g2.cells[769], 5);
  assert.equal(g2.cells[254], 3);
  assert.equal(g2.cells[255], 3);
});

test("mass is conserved per column, clipped mass is counted outside, and matches a sampling oracle", () => {
  const rng = new Rng(7);
  const cols: Array<BucketHistogram | null> = [];
  const values: number[][] = [];
  for (let c = 0; c < 5; c++) {
    const v = Array.from({ length: 4000 }, () => (c % 2 === 0 ? 1 : -1) * 0.05 * c + 0.02 * rng.normal());
    values.push(v);
    cols.push(histogramOf(v));
  }
  cols.push(null);
  const bins = 300, lo = -0.12, hi = 0.15;
  const g = densityGridFromBuckets(cols, { bins, range: [lo, hi] });
  assert.equal(g.columns, 6);
  for (let c = 0; c < 5; c++) {
    const sum = columnSum(g.cells, bins, c);
    assert.ok(Math.abs(sum - g.colTotal[c]!) < 1e-9);
    assert.ok(Math.abs(sum + g.colOutside[c]! - 4000) < 1e-9, `column ${c} conserves mass`);
    // Oracle: each bucket as 2,000 equal point masses at sub-interval midpoints.
    const oracle = new Float64Array(bins);
    const h = cols[c]!;
    for (let i = 0; i < h.keys.length; i++) {
      const { lo: a, hi: b } = bucketValueRange(h.keys[i]!);
      const n = 2000;
      for (let j = 0; j < n; j++) {
        const x = a + ((j + 0.5) / n) * (b - a);
        if (x < lo || x >= hi) continue;
        addAt(oracle, Math.floor(((x - lo) / (hi - lo)) * bins), h.counts[i]! / n);
      }
    }
    for (let k = 0; k < bins; k++) assert.ok(Math.abs(oracle[k]! - g.cells[c * bins + k]!) < 0.02, `cell ${k}`);
  }
  assert.equal(columnSum(g.cells, bins, 5), 0);
  assert.ok(g.colOutside[4]! > 0, "column 4 (centred at 0.2) is partly clipped");
});

test("the quantile range leaves outliers out, the extent range keeps them", () => {
  const v = Array.from({ length: 10000 }, (_, i) => (i / 10000 - 0.5) * 0.1);
  v.push(5);
  const h = histogramOf(v);
  const q = densityGridFromBuckets([h], { bins: 100, range: "quantile", tailMass: 1e-3 });
  assert.ok(q.hi < 0.06 && q.lo > -0.06 && q.lo < -0.04, `quantile range [${q.lo}, ${q.hi}]`);
  const e = densityGridFromBuckets([h], { bins: 100, range: "extent" });
  assert.ok(e.hi >= 5 && e.lo <= -0.05);
  assert.ok(Math.abs(columnSum(e.cells, 100, 0) - 10001) < 1e-9);
});

test("encodeDensity quantises per column and decodes back within one level", () => {
  const rng = new Rng(3);
  const cols = [0, 1, 2].map((c) => histogramOf(Array.from({ length: 3000 }, () => c * 0.01 + 0.01 * rng.normal())));
  const g = densityGridFromBuckets(cols, { bins: 200 });
  const enc = encodeDensity(g);
  assert.equal(enc.cells.encoding, "gzip-base64");
  assert.equal(enc.cells.length, 600);
  const back = decodeDensityCounts(enc);
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < 200; k++) {
      assert.ok(Math.abs(back[c * 200 + k]! - g.cells[c * 200 + k]!) <= enc.colMax[c]! / 255 / 2 + 1e-9);
    }
  }
  const enc16 = encodeDensity(g, { dtype: "u16" });
  const back16 = decodeDensityCounts(enc16);
  for (let i = 0; i < 600; i++) assert.ok(Math.abs(back16[i]! - g.cells[i]!) <= enc16.colMax[Math.floor(i / 200)]! / 65535);
  assert.throws(() => densityGridFromBuckets(cols, { bins: 0 }), /bins/);
});
