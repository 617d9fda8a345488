// The histogram shape-statistics kernel (assembly/shape-binned.ts) against its TypeScript oracles
// (binned-fits.ts, kde-binned.ts, bandwidth-binned.ts, dip-binned.ts): the same arithmetic in the
// same order with the host's own exp, log, log1p, cos and sin, so every result is bit-identical,
// on histograms of many shapes (bulk, mixtures, heavy tails, an atom at 0, bf16 values on the
// bucket edges, a few buckets, a single bucket) and on whole shape summaries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WasmBinnedShapeKernels } from "../../src/kernels/shape-binned-wasm.js";
import { WasmShapeKernels } from "../../src/kernels/shape-wasm.js";
import { setShapeKernels } from "../../src/stats/shape/kernels.js";
import { selectMixtureByBicBinned } from "../../src/stats/shape/gmm-binned.js";
import { mixtureCellsOf } from "../../src/stats/shape/histogram-shape.js";
import { histKeyOf } from "../../src/stats/histogram.js";
import { binnedPairCounts } from "../../src/stats/shape/bandwidth-binned.js";
import { binnedKsToNormal, binnedWeibullFit } from "../../src/stats/shape/binned-fits.js";
import { setBinnedShapeKernels } from "../../src/stats/shape/binned-kernels.js";
import { binnedCells, binnedFromHistogram, binnedMoments, maxBucketMass, meanBucketWidth, type BinnedDistribution, type SparseHistogram } from "../../src/stats/shape/binned.js";
import { binnedDip } from "../../src/stats/shape/dip-binned.js";
import { histogramShapeSummary } from "../../src/stats/shape/histogram-shape.js";
import { binnedKdeEvaluate, binnedKdeGrid, binnedSilvermanBandwidth } from "../../src/stats/shape/kde-binned.js";
import { Rng } from "../../src/util/rng.js";

const wasm = WasmBinnedShapeKernels.create();

/** f without the kernel (the oracles) and with it. */
function both<T>(f: () => T): { oracle: T; kernel: T } {
  const previous = setBinnedShapeKernels(null);
  try {
    const oracle = f();
    setBinnedShapeKernels(wasm);
    return { oracle, kernel: f() };
  } finally {
    setBinnedShapeKernels(previous);
  }
}

function histogramOf(x: ArrayLike<number>): SparseHistogram {
  const counts = new Map<number, number>();
  for (let i = 0; i < x.length; i++) counts.set(histKeyOf(x[i]!), (counts.get(histKeyOf(x[i]!)) ?? 0) + 1);
  const keys = [...counts.keys()].sort((a, b) => a - b);
  return { keys, counts: keys.map((k) => counts.get(k)!) };
}

const bf16 = (v: number) => {
  const f = new Float32Array([v]), u = new Uint32Array(f.buffer);
  u[0] = u[0]! & 0xffff0000;
  return f[0]!;
};

function cases(): { name: string; h: SparseHistogram }[] {
  const rng = new Rng(11);
  const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
  return [
    { name: "normal 20k", h: histogramOf(draw(20_000, () => 0.02 * rng.normal())) },
    { name: "two modes", h: histogramOf(draw(15_000, () => (rng.uniform() < 0.4 ? -0.5 : 0.7) + 0.1 * rng.normal())) },
    { name: "heavy tail", h: histogramOf(draw(10_000, () => 0.01 * rng.normal() / Math.max(0.02, rng.uniform()))) },
    { name: "atom at 0", h: histogramOf(draw(8_000, () => (rng.uniform() < 0.3 ? 0 : rng.normal()))) },
    { name: "bf16 values", h: histogramOf(draw(12_000, () => bf16(0.05 * rng.normal()))) },
    { name: "positive only", h: histogramOf(draw(5_000, () => 1 + Math.abs(rng.normal()))) },
    { name: "a few buckets", h: histogramOf(draw(500, () => [0.5, 0.51, -0.3][Math.floor(rng.uniform() * 3)]!)) },
    { name: "one bucket", h: histogramOf([0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]) },
    { name: "two values", h: histogramOf([1, -1]) },
  ];
}

/** The outcome of f: its value or the error's message (both must agree). */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
}

test("buckets from the histogram, moments, spread and cells from the kernel are the oracles' bit for bit", () => {
  for (const c of cases()) {
    const r = both(() => {
      const d = binnedFromHistogram(c.h);
      return { d, mo: binnedMoments(d), mass: maxBucketMass(d), width: meanBucketWidth(d), cells: [binnedCells(d, 0.01, 1 / 32), binnedCells(d, 0, 0), binnedCells(d, 1e9)] };
    });
    assert.deepStrictEqual(r.kernel, r.oracle, c.name);
    assert.ok(r.kernel.d.count.length > 0 && r.kernel.cells[1]!.count.length === r.kernel.d.count.length, `${c.name}: buckets and one cell per bucket`);
  }
  // keys out of order, duplicates, zero counts, -0 and +0, keys of +-Infinity and NaN (skipped)
  const h = { keys: [histKeyOf(0.5), histKeyOf(-0.25), histKeyOf(0), histKeyOf(-0), histKeyOf(0.5), 0x7f80, 0x7fc0, 0xff80, histKeyOf(1e-40)], counts: [3, 2, 4, 5, 1, 7, 8, 9, 0] };
  const r = both(() => binnedFromHistogram(h));
  assert.deepStrictEqual(r.kernel, r.oracle, "unordered keys");
  assert.equal(r.kernel.total, 15);
});

test("KS distance, Weibull fit and dip from the kernel are the oracles' bit for bit", () => {
  for (const c of cases()) {
    const d = binnedFromHistogram(c.h), mo = binnedMoments(d);
    const r = both(() => [outcome(() => binnedKsToNormal(d, mo)), outcome(() => binnedWeibullFit(d)), outcome(() => binnedDip(d))]);
    assert.deepStrictEqual(r.kernel, r.oracle, c.name);
  }
});

test("binned KDE grid densities and exact evaluations from the kernel are the oracles' bit for bit", () => {
  for (const c of cases()) {
    const d = binnedFromHistogram(c.h), mo = binnedMoments(d);
    const h0 = binnedSilvermanBandwidth(d.total, mo.m2);
    for (const h of [h0, h0 / 7, h0 * 3]) {
      const r = both(() => outcome(() => binnedKdeGrid(d, h)));
      assert.deepStrictEqual(r.kernel, r.oracle, `${c.name} h ${h}: grid`);
      const points = [d.lo[0]! - h, 0, mo.mean, mo.mean + 0.5 * h, d.hi[d.hi.length - 1]! + 20 * h];
      const e = both(() => binnedKdeEvaluate(d, h, points));
      assert.deepStrictEqual(e.kernel, e.oracle, `${c.name} h ${h}: evaluate`);
    }
  }
});

test("bw.SJ pair counts (bin masses and FFT autocorrelation) from the kernel are the oracles' bit for bit", () => {
  for (const c of cases()) {
    const d: BinnedDistribution = binnedFromHistogram(c.h);
    const min = d.lo[0]!, max = d.hi[d.hi.length - 1]!;
    if (!(max > min)) continue;
    for (const nb of [1000, 37]) {
      const r = both(() => binnedPairCounts(d, nb, min, max));
      assert.deepStrictEqual(r.kernel, r.oracle, `${c.name} nb ${nb}`);
      assert.ok(r.kernel.counts.some((v) => v > 0), `${c.name}: some pairs counted`);
    }
  }
});

test("whole histogram shape summaries with the kernel are the oracles' bit for bit", () => {
  for (const c of cases()) {
    const r = both(() => histogramShapeSummary(c.h, { seed: 5 }));
    assert.deepStrictEqual(r.kernel, r.oracle, c.name);
  }
});

test("scratch distributions (histogramShapeSummary's) equal fresh ones, share the kernel's arrays, and summaries in any order stay the oracles'", () => {
  const all = cases();
  const previous = setBinnedShapeKernels(wasm);
  try {
    let first: BinnedDistribution | null = null;
    for (const c of all) {
      const fresh = binnedFromHistogram(c.h), scratch = binnedFromHistogram(c.h, true);
      assert.deepStrictEqual(scratch, fresh, c.name);
      first ??= scratch;
      assert.equal(scratch.lo.buffer, first.lo.buffer, `${c.name}: the kernel's reused arrays`);
      assert.notEqual(fresh.lo.buffer, first.lo.buffer, `${c.name}: a fresh distribution has its own`);
    }
  } finally {
    setBinnedShapeKernels(previous);
  }
  // smallest histogram first: the scratch grows between summaries
  for (const c of [...all].reverse()) {
    const r = both(() => histogramShapeSummary(c.h, { seed: 3 }));
    assert.deepStrictEqual(r.kernel, r.oracle, `${c.name} (reversed order)`);
  }
});

test("the mixture EM run in the kernel is gmm-binned.ts's run over the shape kernel's cell pass, bit for bit (k = 1, 2, 3; seeded starts)", () => {
  const previous = setShapeKernels(WasmShapeKernels.create());
  try {
    let fits = 0;
    for (const c of cases()) {
      const cells = mixtureCellsOf(binnedFromHistogram(c.h));
      for (const options of [{ nInit: 1, maxIter: 300, tol: 1e-6 }, { nInit: 3, maxIter: 7, tol: 1e-9, seed: 4 }]) {
        const r = both(() => outcome(() => selectMixtureByBicBinned(cells, 3, options)));
        assert.deepStrictEqual(r.kernel, r.oracle, `${c.name} ${JSON.stringify(options)}`);
        if (typeof r.kernel !== "string") fits += r.kernel.fits.length;
      }
      const whole = both(() => histogramShapeSummary(c.h, { seed: 2 }));
      assert.deepStrictEqual(whole.kernel, whole.oracle, `${c.name}: whole summary`);
    }
    assert.ok(fits >= 30, `${fits} fits compared`);
  } finally {
    setShapeKernels(previous);
  }
});
