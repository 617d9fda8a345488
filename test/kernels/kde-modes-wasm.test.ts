// KDE modes in one kernel call (and bw.SJ's pair counts of values and its whole equation) (assembly/lib/grid-modes.ts with the grids and exact heights of
// assembly/shape.ts and assembly/shape-binned.ts) against their oracle, the TypeScript path they
// replace in the workers: modesOnGrid (kde-modes.ts) over kdeGrid / binnedKdeGrid, heights from
// kdeEvaluate / binnedKdeEvaluate. Every mode's location, height, mass and prominence must be the
// same bits, on samples and histograms of many shapes, both grids of the values (exact sums up to
// KDE_EXACT_MAX_POINTS, binned beyond), several grid sizes and merge thresholds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WasmBinnedShapeKernels } from "../../src/kernels/shape-binned-wasm.js";
import { WasmShapeKernels } from "../../src/kernels/shape-wasm.js";
import { histKeyOf } from "../../src/stats/histogram.js";
import { setBinnedShapeKernels } from "../../src/stats/shape/binned-kernels.js";
import { binnedFromHistogram, binnedMoments, binnedQuantile, type SparseHistogram } from "../../src/stats/shape/binned.js";
import { bandwidthSJ, bandwidthSJFromPairCounts, pairCounts, SJ_BINS, solveSJByPhi } from "../../src/stats/shape/bandwidth.js";
import { binnedBandwidthSJ, binnedPairCounts } from "../../src/stats/shape/bandwidth-binned.js";
import { binnedKdeEvaluate, binnedKdeGrid, binnedKdeModes, binnedSilvermanBandwidth } from "../../src/stats/shape/kde-binned.js";
import { kdeModes, modesOnGrid, type KdeMode } from "../../src/stats/shape/kde-modes.js";
import { gaussianKde, kdeEvaluate, kdeGrid, KDE_EXACT_MAX_POINTS, type BandwidthSpec } from "../../src/stats/shape/kde.js";
import { setShapeKernels } from "../../src/stats/shape/kernels.js";
import { Rng } from "../../src/util/rng.js";

const shape = WasmShapeKernels.create();
const binned = WasmBinnedShapeKernels.create();

/** f with both kernels installed (as in the statistics workers), then the previous ones back. */
function withKernels<T>(f: () => T): T {
  const a = setShapeKernels(shape), b = setBinnedShapeKernels(binned);
  try {
    return f();
  } finally {
    setShapeKernels(a);
    setBinnedShapeKernels(b);
  }
}

/** The outcome of f: its value or the error's message (both must agree). */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
}

/** The same bits: Object.is on every field (so -0 and +0 differ, NaN equals NaN). */
function assertSameModes(got: KdeMode[] | string, want: KdeMode[] | string, what: string): void {
  if (typeof want === "string" || typeof got === "string") {
    assert.equal(got, want, what);
    return;
  }
  assert.equal(got.length, want.length, `${what}: mode count`);
  for (let p = 0; p < want.length; p++) {
    for (const key of ["location", "height", "mass", "prominence"] as const) {
      assert.ok(Object.is(got[p]![key], want[p]![key]), `${what}: mode ${p} ${key} ${got[p]![key]} != ${want[p]![key]}`);
    }
  }
}

function samples(): { name: string; x: Float64Array }[] {
  const rng = new Rng(23);
  const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
  return [
    { name: "normal 500", x: draw(500, () => rng.normal()) },
    { name: "normal 2048", x: draw(KDE_EXACT_MAX_POINTS, () => 0.02 * rng.normal()) },
    { name: "normal 2049", x: draw(KDE_EXACT_MAX_POINTS + 1, () => 0.02 * rng.normal()) },
    { name: "three modes 3072", x: draw(3072, () => [-2, 0, 3][Math.floor(rng.uniform() * 3)]! + 0.3 * rng.normal()) },
    { name: "many modes 1500", x: draw(1500, () => Math.floor(rng.uniform() * 40) + 0.05 * rng.normal()) },
    { name: "heavy tail 6000", x: draw(6000, () => (0.01 * rng.normal()) / Math.max(0.01, rng.uniform())) },
    { name: "ties 768", x: draw(768, () => Math.round(4 * rng.normal()) / 4) },
    { name: "bias-like 2304", x: draw(2304, () => (rng.uniform() < 0.1 ? 0 : 0.001 * rng.normal())) },
    { name: "two points", x: Float64Array.from([1, 2]) },
    { name: "three points", x: Float64Array.from([0, 0, 1]) },
  ];
}

test("kdeModes of values from the shape kernel are the TypeScript path's bit for bit (exact and binned grids)", () => {
  const bandwidths: BandwidthSpec[] = ["silverman", "sj", "scott", 0.05];
  let compared = 0;
  for (const s of samples()) {
    for (const bw of bandwidths) {
      const kde = outcome(() => gaussianKde(s.x, { bandwidth: bw }));
      if (typeof kde === "string") continue;
      for (const gridSize of [1024, 257, 3]) {
        for (const minRelativeProminence of [0.01, 0, 0.3]) {
          const options = { gridSize, minRelativeProminence };
          const want = withKernels(() => outcome(() => modesOnGrid(kdeGrid(kde, options), (p) => kdeEvaluate(kde, p), minRelativeProminence)));
          const got = withKernels(() => outcome(() => kdeModes(kde, options)));
          assertSameModes(got, want, `${s.name} ${String(bw)} grid ${gridSize} prominence ${minRelativeProminence}`);
          compared++;
        }
      }
      // the grid forced the other way
      for (const forced of [true, false]) {
        const options = { gridSize: 1024, minRelativeProminence: 0.01, binned: forced };
        const want = withKernels(() => modesOnGrid(kdeGrid(kde, options), (p) => kdeEvaluate(kde, p), 0.01));
        assertSameModes(withKernels(() => kdeModes(kde, options)), want, `${s.name} ${String(bw)} binned ${forced}`);
      }
    }
  }
  assert.ok(compared > 300, `compared ${compared}`);
  // many random samples of many sizes (silverman, the analysis's settings)
  const rng = new Rng(5);
  for (let t = 0; t < 120; t++) {
    const n = 2 + Math.floor(rng.uniform() ** 2 * 6000), k = 1 + Math.floor(rng.uniform() * 5);
    const x = Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * k) * 2 + rng.normal() * (0.2 + rng.uniform()));
    const kde = gaussianKde(x);
    const options = { gridSize: 1024, minRelativeProminence: 0.01 };
    const want = withKernels(() => modesOnGrid(kdeGrid(kde, options), (p) => kdeEvaluate(kde, p), 0.01));
    assertSameModes(withKernels(() => kdeModes(kde, options)), want, `random ${t} n ${n}`);
  }
});

function histogramOf(x: ArrayLike<number>): SparseHistogram {
  const counts = new Map<number, number>();
  for (let i = 0; i < x.length; i++) counts.set(histKeyOf(x[i]!), (counts.get(histKeyOf(x[i]!)) ?? 0) + 1);
  const keys = [...counts.keys()].sort((a, b) => a - b);
  return { keys, counts: keys.map((k) => counts.get(k)!) };
}

test("binnedKdeModes from the histogram kernel are the TypeScript path's bit for bit", () => {
  let compared = 0;
  const rng = new Rng(31);
  const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
  const hists = [
    draw(20_000, () => 0.02 * rng.normal()),
    draw(15_000, () => (rng.uniform() < 0.4 ? -0.5 : 0.7) + 0.1 * rng.normal()),
    draw(10_000, () => (0.01 * rng.normal()) / Math.max(0.02, rng.uniform())),
    draw(8_000, () => (rng.uniform() < 0.3 ? 0 : rng.normal())),
    draw(6_000, () => Math.floor(rng.uniform() * 30) + 0.02 * rng.normal()),
    draw(500, () => [0.5, 0.51, -0.3][Math.floor(rng.uniform() * 3)]!),
    Float64Array.from([0.25, 0.25, 0.25, 0.25]),
    Float64Array.from([1, -1]),
    ...Array.from({ length: 60 }, (_, t) => draw(50 + t * 97, () => Math.floor(rng.uniform() * (1 + (t % 4))) + (0.05 + rng.uniform()) * rng.normal())),
  ];
  for (const [i, x] of hists.entries()) {
    const d = binnedFromHistogram(histogramOf(x));
    const n = d.total, mo = binnedMoments(d), sd = Math.sqrt((mo.m2 * n) / Math.max(1, n - 1));
    const hs = [outcome(() => binnedSilvermanBandwidth(n, mo.m2)), outcome(() => binnedBandwidthSJ(d, sd)), 1e-9, 0];
    for (const h of hs) {
      if (typeof h === "string") continue;
      for (const gridSize of [1024, 64]) {
        for (const minRelativeProminence of [0.01, 0, 0.25]) {
          const evaluate = (p: number[]) => binnedKdeEvaluate(d, h, p);
          const want = withKernels(() => outcome(() => modesOnGrid(binnedKdeGrid(d, h, { gridSize }), evaluate, minRelativeProminence)));
          const oracle = outcome(() => modesOnGrid(binnedKdeGrid(d, h, { gridSize }), evaluate, minRelativeProminence)); // no kernels at all
          assertSameModes(oracle, want, `histogram ${i} h ${h}: the oracles`);
          const got = withKernels(() => outcome(() => binnedKdeModes(d, h, { gridSize, minRelativeProminence })));
          assertSameModes(got, want, `histogram ${i} h ${h} grid ${gridSize} prominence ${minRelativeProminence}`);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 300, `compared ${compared}`);
});

test("bw.SJ's pair counts of values from the shape kernel are the TypeScript path's (the same integers), and so its bandwidths", () => {
  // the path they replace: the bins counted in TypeScript, then the kernel's binAutocorrelation or the pair loop
  const oldPath = Object.assign(Object.create(shape) as WasmShapeKernels, { sjPairCounts: () => null });
  const rng = new Rng(41);
  let compared = 0;
  for (let t = 0; t < 80; t++) {
    const n = 2 + Math.floor(rng.uniform() ** 2 * 20_000), spread = 10 ** (4 * rng.uniform() - 2);
    const x = Float64Array.from({ length: n }, () => (t % 5 === 0 ? Math.round(rng.normal() * 8) : rng.normal() * spread + (t % 3) * 5)).sort();
    if (x[0] === x[n - 1]) continue;
    const run = (k: WasmShapeKernels) => {
      const previous = setShapeKernels(k);
      try {
        return { pc: pairCounts(x, SJ_BINS, x[0]!, x[n - 1]!), h: outcome(() => bandwidthSJ(x)) };
      } finally {
        setShapeKernels(previous);
      }
    };
    const want = run(oldPath), got = run(shape);
    assert.equal(got.pc.binWidth, want.pc.binWidth);
    assert.deepStrictEqual(got.pc.counts, want.pc.counts, `sample ${t} n ${n}`);
    assert.ok(Object.is(got.h, want.h) || got.h === want.h, `sample ${t}: bandwidth ${String(got.h)} != ${String(want.h)}`);
    compared++;
  }
  assert.ok(compared > 60);
});

test("bw.SJ's equation solved in the shape kernel gives the TypeScript solver's bandwidths and errors bit for bit", () => {
  const rng = new Rng(43);
  let compared = 0, errors = 0;
  const check = (n: number, pc: { binWidth: number; counts: Float64Array }, scale: number, what: string) => {
    const want = withKernels(() => outcome(() => solveSJByPhi(n, pc, scale, "ste")));
    const got = withKernels(() => outcome(() => bandwidthSJFromPairCounts(n, pc, scale, "ste")));
    assert.ok(Object.is(got, want), `${what}: ${String(got)} != ${String(want)}`);
    if (typeof want === "string") errors++;
    compared++;
  };
  for (let t = 0; t < 150; t++) {
    const n = 2 + Math.floor(rng.uniform() ** 3 * 20_000), spread = 10 ** (4 * rng.uniform() - 2);
    const x = Float64Array.from({ length: n }, () => (t % 7 === 0 ? spread * rng.normal() / Math.max(0.001, rng.uniform()) : Math.floor(rng.uniform() * (1 + (t % 4))) * 3 * spread + spread * rng.normal())).sort();
    if (x[0] === x[n - 1]) continue;
    const pc = withKernels(() => pairCounts(x, SJ_BINS, x[0]!, x[n - 1]!));
    const sd = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / n - (x.reduce((s, v) => s + v, 0) / n) ** 2);
    for (const scale of [sd, sd * 1e-3, 0]) check(n, pc, scale, `values ${t} n ${n} scale ${scale}`);
    const d = binnedFromHistogram(histogramOf(x)), mo = binnedMoments(d);
    check(d.total, pc, Math.sqrt(mo.m2), `histogram ${t}`);
  }
  // whole bandwidths as the analysis computes them
  for (let t = 0; t < 20; t++) {
    const x = Float64Array.from({ length: 500 + t * 300 }, () => rng.normal() + (t % 2) * (rng.uniform() < 0.5 ? 4 : 0));
    const d = binnedFromHistogram(histogramOf(x)), mo = binnedMoments(d), sd = Math.sqrt((mo.m2 * d.total) / (d.total - 1));
    // the path it replaces: bandwidth-binned.ts's pair counts and scale, then the TypeScript solver (phi sums by the kernel)
    const pc = withKernels(() => binnedPairCounts(d, SJ_BINS, d.lo[0]!, d.hi[d.count.length - 1]!));
    const scale = Math.min(sd, (binnedQuantile(d, 0.75) - binnedQuantile(d, 0.25)) / 1.349);
    const want = withKernels(() => outcome(() => solveSJByPhi(d.total, pc, scale, "ste")));
    const got = withKernels(() => outcome(() => binnedBandwidthSJ(d, sd)));
    assert.ok(Object.is(got, want), `binned ${t}: ${String(got)} != ${String(want)}`);
  }
  assert.ok(compared > 400 && errors > 0, `compared ${compared}, errors ${errors}`);
});
