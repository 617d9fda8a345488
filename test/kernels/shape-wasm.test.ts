import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WasmShapeKernels } from "../../src/kernels/shape-wasm.js";
import { scalarEmSums } from "../../src/stats/shape/em-sums.js";
import { bandwidthSJ } from "../../src/stats/shape/bandwidth.js";
import { acceleratedEmScalar, fitGaussianMixture, quantileStart } from "../../src/stats/shape/gmm.js";
import { scalarBinnedEmSums } from "../../src/stats/shape/gmm-binned.js";
import { cellsOfSorted } from "../../src/stats/shape/gmm-refined.js";
import { convolveKernel, kdeOnEvenGrid, gaussianKde, kdeGrid, KDE_GRID_TERM_FLOOR } from "../../src/stats/shape/kde.js";
import { dipOfSorted, scalarDipCounts } from "../../src/stats/shape/dip.js";
import { setShapeKernels, shapeKernels } from "../../src/stats/shape/kernels.js";
import { shapeSummary } from "../../src/stats/shape/summary.js";
import { Rng } from "../../src/util/rng.js";
import { centralSums, finiteValues, markSortedFinite, radixSortedFinite, sortedFiniteCopy } from "../../src/stats/shape/sample.js";
import { ksDistance, ksToNormal } from "../../src/stats/shape/ks.js";
import { absOfSorted, weibullFitAbs, weibullPlotSums } from "../../src/stats/shape/weibull.js";

const wasm = WasmShapeKernels.create();
const GRID_REACH = Math.sqrt(-2 * Math.log(KDE_GRID_TERM_FLOOR));

/** Runs f with the WASM kernels installed in this thread (the oracles again afterwards). */
function withKernels<T>(f: () => T): T {
  const previous = setShapeKernels(wasm);
  try {
    return f();
  } finally {
    setShapeKernels(previous);
  }
}

test("the kernel's vectorised exp is within 4e-16 relative of Math.exp on [-708, 0]; exp(0) = 1 exactly; 0 below -708", () => {
  const n = 400_001;
  const x = Float64Array.from({ length: n }, (_, i) => (-708 * i) / (n - 1));
  const rng = new Rng(5);
  const y = wasm.exp(x), small = wasm.exp(Float64Array.from({ length: 10_001 }, () => -rng.uniform() * 2));
  let maxRel = 0;
  for (let i = 0; i < n; i++) maxRel = Math.max(maxRel, Math.abs(y[i]! - Math.exp(x[i]!)) / Math.exp(x[i]!));
  assert.ok(maxRel < 4e-16, `max relative error ${maxRel}`);
  assert.ok(maxRel > 0, "the polynomial is not Math.exp: some rounding difference is expected");
  assert.ok(small.every((v) => v > 0.13 && v <= 1));
  assert.deepEqual(Array.from(wasm.exp(new Float64Array([0, -0, -709, -1e10, -Infinity]))), [1, 1, 0, 0, 0]);
  assert.ok(Math.abs(wasm.exp(new Float64Array([1]))[0]! / Math.E - 1) < 4e-16);
});

test("EM sums from the kernel equal the TypeScript oracle (k = 1, 2, 3; odd and even counts; underflowing components)", () => {
  const rng = new Rng(7);
  for (const n of [1, 2, 3, 7, 64, 65, 769, 4096 + 3]) {
    const x = Float64Array.from({ length: n }, () => (rng.uniform() < 0.6 ? 0.02 * rng.normal() : 0.5 + 0.1 * rng.normal())).sort();
    const cases = [
      { means: [0.01, 0.4, 2], base: [0.3, -0.2, 0.1], halfInv: [200, 50, 400] },
      { means: [0, 0.5, 0.500001], base: [1, 1, -3], halfInv: [1e6, 1e5, 1e4] }, // terms far below exp(-708)
    ];
    for (const c of cases) {
      for (const k of [1, 2, 3]) {
        const args = [c.means, c.base, c.halfInv].map((a) => Float64Array.from(a.slice(0, k))) as [Float64Array, Float64Array, Float64Array];
        const s0 = new Float64Array(3 * k).fill(1e-15), s1 = new Float64Array(3 * k).fill(1e-15);
        const t0 = scalarEmSums(x)(...args, s0), t1 = wasm.emSums(x)(...args, s1);
        assert.ok(Math.abs(t1 - t0) <= 1e-13 * Math.abs(t0) + 1e-12, `n ${n} k ${k}: logL ${t1} vs ${t0}`);
        for (let i = 0; i < 3 * k; i++) {
          // sums of r d cancel: their scale is sum |r d| <= n max |d|; the others have no cancellation
          const c = i % k, maxD = Math.max(Math.abs(x[0]! - args[0][c]!), Math.abs(x[n - 1]! - args[0][c]!));
          const scale = i < k ? n : i < 2 * k ? n * maxD : Math.abs(s0[i]!);
          // plus the terms the kernel sets to 0: responsibilities below exp(-708) = 3.3e-308
          assert.ok(Math.abs(s1[i]! - s0[i]!) <= 1e-13 * scale + n * 3.3e-308 * Math.max(1, maxD * maxD), `n ${n} k ${k} sum ${i}: ${s1[i]} vs ${s0[i]}`);
        }
      }
    }
  }
});

test("binned EM sums from the kernel equal the TypeScript oracle (k = 1, 2, 3; odd cell counts; underflowing components)", () => {
  const rng = new Rng(17);
  for (const nc of [1, 2, 3, 40, 641]) {
    const mean = Float64Array.from({ length: nc }, () => (rng.uniform() < 0.6 ? 0.02 * rng.normal() : 0.5 + 0.1 * rng.normal())).sort();
    const count = Float64Array.from({ length: nc }, () => 1 + Math.floor(rng.uniform() * 5000));
    const variance = Float64Array.from({ length: nc }, () => (rng.uniform() < 0.2 ? 0 : 1e-6 * rng.uniform()));
    const cells = { count, mean, variance };
    const cases = [
      { means: [0.01, 0.4, 2], base: [0.3, -0.2, 0.1], inv: [400, 100, 800] },
      { means: [0, 0.5, 0.500001], base: [1, 1, -3], inv: [2e6, 2e5, 2e4] },
    ];
    for (const c of cases) {
      for (const k of [1, 2, 3]) {
        const args = [c.means, c.base, c.inv].map((a) => Float64Array.from(a.slice(0, k))) as [Float64Array, Float64Array, Float64Array];
        const o = [0, 1, 2].map(() => new Float64Array(k).fill(1e-15)), f = [0, 1, 2].map(() => new Float64Array(k).fill(1e-15));
        const t0 = scalarBinnedEmSums(cells)(...args, o[0]!, o[1]!, o[2]!), t1 = wasm.binnedEmSums(cells)(...args, f[0]!, f[1]!, f[2]!);
        assert.ok(Math.abs(t1 - t0) <= 1e-12 * Math.abs(t0), `nc ${nc} k ${k}: logL ${t1} vs ${t0}`);
        let total = 0;
        for (let b = 0; b < nc; b++) total += count[b]!;
        for (let j = 0; j < 3; j++) {
          for (let i = 0; i < k; i++) {
            const maxD = Math.max(Math.abs(mean[0]! - args[0][i]!), Math.abs(mean[nc - 1]! - args[0][i]!), 1e-3);
            const scale = j === 0 ? total : j === 1 ? total * maxD : Math.abs(o[2]![i]!) + total * 1e-6;
            assert.ok(Math.abs(f[j]![i]! - o[j]![i]!) <= 1e-12 * scale + total * 3.3e-308 * Math.max(1, maxD * maxD), `nc ${nc} k ${k} s${j}[${i}]: ${f[j]![i]} vs ${o[j]![i]}`);
          }
        }
      }
    }
  }
});

test("a bound EM pass stays right when other kernel calls reuse the scratch memory in between", () => {
  const rng = new Rng(8);
  const x = Float64Array.from({ length: 1001 }, () => rng.normal());
  const args = [new Float64Array([-1, 1]), new Float64Array([-1, -1]), new Float64Array([0.5, 0.5])] as const;
  const sums = wasm.emSums(x);
  const a = new Float64Array(6), b = new Float64Array(6);
  const ta = sums(...args, a);
  wasm.kdeGridSums(Float64Array.from({ length: 5000 }, () => 9), 1, 0, 0.1, 3000, GRID_REACH); // overwrites the scratch
  const tb = sums(...args, b);
  assert.equal(tb, ta);
  assert.deepEqual(b, a);
});

test("the kernel's exact KDE grid equals kdeOnEvenGrid to 1e-12 of the peak (wide and narrow bandwidths, grid edges, short walks)", () => {
  const rng = new Rng(9);
  for (const n of [1, 2, 5, 300, 2048]) {
    const x = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? rng.normal() : 4 + 0.2 * rng.normal())).sort();
    for (const h of [1e-3, 0.02, 0.3, 3]) {
      for (const m of [3, 17, 1024]) {
        const lo = x[0]! - 3 * h, step = (x[n - 1]! + 3 * h - lo) / (m - 1);
        const exact = kdeOnEvenGrid(x, h, lo, step, m);
        const sums = wasm.kdeGridSums(x, h, lo, step, m, GRID_REACH);
        const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
        let peak = 0;
        for (let j = 0; j < m; j++) peak = Math.max(peak, exact[j]!);
        for (let j = 0; j < m; j++) assert.ok(Math.abs(sums[j]! * norm - exact[j]!) <= 1e-12 * peak, `n ${n} h ${h} m ${m} node ${j}: ${sums[j]! * norm} vs ${exact[j]}`);
      }
    }
  }
});

test("the kernel's convolution equals convolveKernel's loop (zero weights, kernel longer than the grid)", () => {
  const rng = new Rng(10);
  for (const [m, len] of [[1, 1], [2, 5], [9, 4], [1024, 101], [300, 700]] as const) {
    const w = Float64Array.from({ length: m }, () => (rng.uniform() < 0.3 ? 0 : rng.uniform()));
    const kernel = Float64Array.from({ length: len }, (_, d) => Math.exp(-0.5 * (d / (len / 8)) ** 2));
    assert.equal(shapeKernels(), null);
    const oracle = convolveKernel(w, kernel);
    const fast = wasm.convolve(w, kernel);
    for (let i = 0; i < m; i++) assert.ok(Math.abs(fast[i]! - oracle[i]!) <= 1e-15 * Math.abs(oracle[i]!) + 1e-300, `m ${m} len ${len} at ${i}`);
  }
});

test("bw.SJ's pair counts from the kernel equal the oracle's exactly; phi sums to rounding, so bw.SJ agrees within 1e-9", () => {
  const rng = new Rng(21);
  for (const n of [2, 3, 50, 777, 3001]) {
    const x = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? rng.normal() : 5 + 0.3 * rng.normal()));
    for (const method of ["ste", "dpi"] as const) {
      const a = bandwidthSJ(x, method), b = withKernels(() => bandwidthSJ(x, method));
      assert.ok(Math.abs(b / a - 1) < 1e-9, `n ${n} ${method}: ${b} vs ${a}`);
    }
  }
  const bins = Float64Array.from({ length: 1007 }, () => (rng.uniform() < 0.4 ? 0 : Math.floor(rng.uniform() * 40)));
  for (const nb of [1, 10, 1000, 2000]) {
    const fast = wasm.binAutocorrelation(bins, nb);
    const slow = new Float64Array(nb);
    for (let a = 0; a < bins.length; a++) {
      slow[0]! += (bins[a]! * (bins[a]! - 1)) / 2;
      for (let b = 0; b < a; b++) if (a - b < nb) slow[a - b]! += bins[a]! * bins[b]!;
    }
    assert.deepEqual(fast, slow);
  }
});

test("bw.SJ's pair counts by the kernel's FFT are the exact integers (heavy bins, 20,000 values in a few bins, a bin sequence longer than nb)", () => {
  const rng = new Rng(22);
  const direct = (bins: Float64Array, nb: number) => {
    const out = new Float64Array(nb);
    for (let a = 0; a < bins.length; a++) {
      out[0]! += (bins[a]! * (bins[a]! - 1)) / 2;
      for (let b = 0; b < a; b++) if (a - b < nb) out[a - b]! += bins[a]! * bins[b]!;
    }
    return out;
  };
  const cases = [
    Float64Array.from({ length: 1010 }, () => Math.floor(rng.uniform() * 3)), // a kept tensor's bins: mostly 0-2 values each
    Float64Array.from({ length: 1001 }, (_, b) => (b % 97 === 0 ? 2000 + Math.floor(rng.uniform() * 100) : 0)), // ~20,000 values in 11 bins
    Float64Array.from({ length: 3000 }, () => Math.floor(rng.uniform() * 20)), // L > nb
  ];
  for (const bins of cases) {
    const fast = wasm.binAutocorrelation(bins, 1000);
    assert.deepEqual(fast, direct(bins, 1000));
    assert.ok(fast.every((c) => Number.isInteger(c) && !Object.is(c, -0)));
  }
  // beyond the FFT's error guard (2^30 values in the bins) the direct pass is taken: still exact
  const heavy = Float64Array.from({ length: 1000 }, (_, b) => (b % 10 === 0 ? 2 ** 23 + b : 0));
  assert.deepEqual(wasm.binAutocorrelation(heavy, 1000), direct(heavy, 1000));
});

interface GmmRef { components: 1 | 2 | 3; means: number[]; weights: number[]; variances: number[]; bic: number; logLikelihood: number }
const fix = JSON.parse(readFileSync(new URL("../fixtures/shape/shape_python.json", import.meta.url), "utf8")) as {
  cases: { name: string; x: number[]; gmm?: GmmRef[] }[];
};

test("accelerated EM through the kernel equals scikit-learn within 1e-3 and the oracle's fit within 1e-9", () => {
  let fits = 0;
  for (const c of fix.cases) {
    for (const ref of c.gmm ?? []) {
      const options = { components: ref.components, tol: 1e-10, maxIter: 1000, seed: 1, accelerate: true } as const;
      const r = withKernels(() => fitGaussianMixture(c.x, options));
      const o = fitGaussianMixture(c.x, options);
      assert.equal(r.converged, true, `${c.name} k=${ref.components}`);
      for (let j = 0; j < ref.components; j++) {
        for (const f of ["means", "weights", "variances"] as const) {
          assert.ok(Math.abs(r[f][j]! - ref[f][j]!) < 1e-3, `${c.name} k=${ref.components} ${f} ${j}`);
          assert.ok(Math.abs(r[f][j]! - o[f][j]!) < 1e-9, `${c.name} k=${ref.components} ${f} ${j}: kernel ${r[f][j]} oracle ${o[f][j]}`);
        }
      }
      assert.ok(Math.abs(r.bic / ref.bic - 1) < 1e-3, `${c.name} bic ${r.bic} vs ${ref.bic}`);
      assert.ok(Math.abs(r.logLikelihood - o.logLikelihood) < 1e-9 * Math.abs(o.logLikelihood));
      fits++;
    }
  }
  assert.ok(fits >= 5);
});

test("shapeSummary with the kernels installed equals the oracles' (exact and binned KDE grids, accelerated mixtures)", () => {
  const rng = new Rng(12);
  for (const n of [700, 3000]) { // 3000 > KDE_EXACT_MAX_POINTS: the binned grid's convolution
    const x = Float64Array.from({ length: n }, () => (rng.uniform() < 0.7 ? 0.05 * rng.normal() : 0.3 + 0.05 * rng.normal()));
    const options = { mixtureEm: { tol: 1e-6, nInit: 1, maxIter: 300, accelerate: true } } as const;
    const fast = withKernels(() => shapeSummary(x, options)), slow = shapeSummary(x, options);
    assert.equal(fast.mixtures!.bestComponents, slow.mixtures!.bestComponents);
    fast.mixtures!.fits.forEach((f, i) => {
      const g = slow.mixtures!.fits[i]!;
      assert.ok(Math.abs(f.logLikelihood - g.logLikelihood) < 1e-6 * Math.abs(g.logLikelihood), `n ${n} k ${f.components}: ${f.logLikelihood} vs ${g.logLikelihood}`);
      f.means.forEach((mu, j) => assert.ok(Math.abs(mu - g.means[j]!) < 1e-6, `n ${n} k ${f.components} mean ${j}`));
    });
    fast.kde.forEach((k, i) => {
      const s = slow.kde[i]!;
      assert.equal(k!.modes.length, s.modes.length);
      k!.modes.forEach((mode, j) => {
        assert.ok(Math.abs(mode.location - s.modes[j]!.location) < 1e-9, `n ${n} ${k!.rule} mode ${j}`);
        assert.ok(Math.abs(mode.mass - s.modes[j]!.mass) < 1e-9);
      });
    });
    const g = gaussianKde(x);
    const a = withKernels(() => kdeGrid(g)).density, b = kdeGrid(g).density;
    const peak = Math.max(...b);
    for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) <= 1e-12 * peak);
  }
});

test("the kernel's dip of sorted values is dip.ts's (plain ties) bit for bit: random, tied, clustered, tiny and R's samples", () => {
  const rng = new Rng(11);
  const cases: Float64Array[] = [];
  for (const n of [4, 5, 7, 20, 128, 768, 1238, 3072]) {
    cases.push(Float64Array.from({ length: n }, () => rng.normal()).sort());
    cases.push(Float64Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 4).sort()); // ties
    cases.push(Float64Array.from({ length: n }, () => (rng.uniform() < 0.4 ? -2 : 2) + 0.3 * rng.normal()).sort()); // bimodal
    cases.push(Float64Array.from({ length: n }, () => Math.fround(1 + 0.01 * rng.normal())).sort()); // LayerNorm-like float32
  }
  cases.push(new Float64Array([1, 1, 1, 1]), new Float64Array([0, 0, 0, 1]), new Float64Array([-1, 0, 0, 0, 1]), Float64Array.from({ length: 50 }, (_, i) => i));
  const samples = JSON.parse(readFileSync(new URL("../fixtures/shape/dip.json", import.meta.url), "utf8")) as { cases: Array<{ x: number[] }> };
  for (const c of samples.cases) cases.push(Float64Array.from(c.x).sort());
  for (const x of cases) {
    const got = wasm.dipCounts(x), want = scalarDipCounts(x, "plain");
    assert.ok(Object.is(got.dip, want.dip) && got.low === want.low && got.high === want.high, `n ${x.length}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
  }
  // through dipOfSorted with the kernels installed
  const x = cases[9]!;
  assert.deepEqual(withKernels(() => dipOfSorted(x)), dipOfSorted(x));
});

test("the kernel's whole accelerated EM run is gmm.ts's run over the kernel's pass, bit for bit (k = 1, 2, 3; converged, capped, backtracking)", () => {
  const rng = new Rng(21);
  let runs = 0, capped = 0;
  for (const n of [7, 129, 768, 1001, 1238]) {
    for (const shape of ["normal", "bimodal", "ties"] as const) {
      const x = Float64Array.from({ length: n }, () =>
        shape === "normal" ? rng.normal() : shape === "bimodal" ? (rng.uniform() < 0.3 ? -3 : 2) + rng.normal() : Math.round(rng.normal() * 3) / 3).sort();
      for (const k of [1, 2, 3] as const) {
        const start = {
          weights: Float64Array.from({ length: k }, () => 1 / k),
          means: Float64Array.from({ length: k }, (_, c) => x[Math.floor(((c + 0.5) * n) / k)]! + 0.1 * rng.normal()),
          variances: Float64Array.from({ length: k }, () => 0.5 + rng.uniform()),
        };
        for (const cfg of [{ maxIter: 300, tol: 1e-6, regCovar: 1e-6 }, { maxIter: 5, tol: 1e-12, regCovar: 1e-6 }]) {
          const got = wasm.emRun(x, start, cfg);
          // k = 1: the per-step path took em-sums.ts's scalar pass (WasmShapeKernels.emSums delegates to it)
          const want = acceleratedEmScalar(x, start, cfg, k === 1 ? scalarEmSums(x) : wasm.emSums(x));
          assert.deepEqual(got, want, `n ${n} ${shape} k ${k} maxIter ${cfg.maxIter}`);
          runs++;
          if (!got.converged) capped++;
        }
      }
    }
  }
  assert.ok(capped >= 10 && capped < runs, `capped ${capped} of ${runs}`);
  // through fitGaussianMixture: with the kernels installed, the oracles' fit up to the SIMD pass's rounding
  const x = Float64Array.from({ length: 500 }, () => (rng.uniform() < 0.5 ? -1 : 1) + 0.4 * rng.normal());
  for (const k of [1, 2, 3] as const) {
    const fit = withKernels(() => fitGaussianMixture(x, { components: k, nInit: 2, accelerate: true, seed: 4 }));
    const ref = fitGaussianMixture(x, { components: k, nInit: 2, accelerate: true, seed: 4 });
    assert.ok(fit.converged && Math.abs(fit.logLikelihood - ref.logLikelihood) < 1e-6, `k ${k}: ${fit.logLikelihood} vs ${ref.logLikelihood}`);
    for (let c = 0; c < k; c++) assert.ok(Math.abs(fit.means[c]! - ref.means[c]!) < 1e-6, `k ${k} mean ${c}`);
  }
});

test("the kernel's EM pass with four, then two value pairs interleaved per iteration is its one-pair loop's, bit for bit (k = 2, 3; every count mod 8; whole runs)", () => {
  const rng = new Rng(33);
  let compared = 0;
  // pair counts n >> 1: 1..4, then 6, 7 and 10 (four-pair iterations with 2, 3, 2 pairs left), 31..33, 63..65, 384, 2049 (log batches)
  const counts = [2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 20, 21, 63, 64, 65, 66, 127, 128, 129, 130, 768, 4099];
  for (const n of counts) {
    const x = Float64Array.from({ length: n }, () => (rng.uniform() < 0.6 ? 0.02 * rng.normal() : 0.5 + 0.1 * rng.normal())).sort();
    const cases = [
      { means: [0.01, 0.4, 2], base: [0.3, -0.2, 0.1], halfInv: [200, 50, 400] },
      { means: [0, 0.5, 0.500001], base: [1, 1, -3], halfInv: [1e6, 1e5, 1e4] }, // terms far below exp(-708)
      { means: [0.3, 0.3, 0.3], base: [0, 0, 0], halfInv: [10, 10, 10] }, // tied terms
    ];
    for (const c of cases) {
      for (const k of [2, 3]) {
        const args = [c.means, c.base, c.halfInv].map((a) => Float64Array.from(a.slice(0, k))) as [Float64Array, Float64Array, Float64Array];
        const s0 = new Float64Array(3 * k).fill(1e-15), s1 = new Float64Array(3 * k).fill(1e-15);
        const t0 = wasm.emSums(x, true)(...args, s0), t1 = wasm.emSums(x)(...args, s1);
        assert.ok(Object.is(t1, t0), `n ${n} k ${k}: logL ${t1} vs ${t0}`);
        assert.deepStrictEqual(s1, s0, `n ${n} k ${k}: sums`);
        compared++;
      }
    }
    // the kernel's whole run (interleaved pass) is gmm.ts's run over the one-pair pass
    for (const k of [2, 3] as const) {
      const start = {
        weights: Float64Array.from({ length: k }, () => 1 / k),
        means: Float64Array.from({ length: k }, (_, c) => x[Math.floor(((c + 0.5) * n) / k)]!),
        variances: Float64Array.from({ length: k }, () => 0.01),
      };
      const cfg = { maxIter: 300, tol: 1e-6, regCovar: 1e-6 };
      if (n >= 2 * k + 1) assert.deepEqual(wasm.emRun(x, start, cfg), acceleratedEmScalar(x, start, cfg, wasm.emSums(x, true)), `n ${n} k ${k}: run`);
    }
  }
  assert.equal(compared, counts.length * 3 * 2);
});

test("bw.SJ's phi sums with four, then two index pairs per iteration are the one-pair loop's, bit for bit (every term count mod 8, orders 4 and 6)", () => {
  const rng = new Rng(9);
  const counts = Float64Array.from({ length: 1200 }, (_, i) => Math.round(4000 * Math.exp(-i / 250) * rng.uniform()));
  let compared = 0;
  const termCounts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 100, 101, 102, 103, 104, 105, 106, 107, 1200];
  for (const terms of termCounts) {
    for (const h of [0.0007, 0.004, 0.05]) {
      for (const order of [4, 6] as const) {
        const serial = wasm.sjPhiSum(counts, terms, 0.0005, h, order, true), paired = wasm.sjPhiSum(counts, terms, 0.0005, h, order);
        assert.ok(Object.is(paired, serial), `terms ${terms} h ${h} order ${order}: ${paired} vs ${serial}`);
        if (terms >= 4) assert.notEqual(serial, 0);
        compared++;
      }
    }
  }
  assert.equal(compared, termCounts.length * 3 * 2);
});

test("the kernel's KS distance and Weibull plot sums are ks.ts's and weibull.ts's, bit for bit", () => {
  const rng = new Rng(31);
  for (const n of [10, 11, 64, 768, 1238, 3072]) {
    for (const shape of ["normal", "signed-ties", "positive", "zeros"] as const) {
      const v = Float64Array.from({ length: n }, () => {
        const z = rng.normal();
        return shape === "normal" ? z : shape === "signed-ties" ? Math.round(z * 5) / 5 : shape === "positive" ? Math.exp(z) : rng.uniform() < 0.3 ? 0 : Math.fround(0.02 * z);
      }).sort();
      const c = centralSums(v), std = Math.sqrt(c.s2 / (n - 1));
      assert.ok(Object.is(wasm.ksDistance(v, c.mean, std), ksDistance(v, c.mean, std)), `ks n ${n} ${shape}`);
      const y = Float64Array.from({ length: n }, (_, i) => Math.log(-Math.log(1 - (i + 1 - 0.3) / (n + 0.4))));
      const got = wasm.weibullPlotSums(v, y), want = weibullPlotSums(absOfSorted(v), y);
      for (const key of ["m", "mt", "my", "stt", "sty", "syy"] as const) assert.ok(Object.is(got[key], want[key]), `weibull n ${n} ${shape} ${key}: ${got[key]} vs ${want[key]}`);
    }
  }
  // through the fits: the marked sorted values with the kernels installed give the oracles' results
  const x = markSortedFinite(Float64Array.from({ length: 999 }, () => rng.normal() * 0.02).sort());
  assert.deepEqual(withKernels(() => weibullFitAbs(x)), weibullFitAbs(Array.from(x)));
  assert.deepEqual(withKernels(() => ksToNormal(x)), ksToNormal(Array.from(x)));
});

test("the kernel's sort of float32 values is finiteValues(x).sort(), element for element (-0 before +0, non-finite dropped)", () => {
  const rng = new Rng(41);
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1];
  for (const n of [1, 2, 64, 777, 1238, 3072]) {
    for (const kind of ["spread", "ties", "narrow"] as const) {
      const x = Float32Array.from({ length: n }, () => {
        const u = rng.uniform();
        return kind === "ties" ? Math.round(u * 8) - 4 : kind === "narrow" ? 1 + (u - 0.5) * 1e-3 : (u - 0.5) * 2 ** (Math.floor(rng.uniform() * 80) - 40);
      });
      for (const v of special) if (rng.uniform() < 0.5) x[Math.floor(rng.uniform() * n)] = v;
      const got = wasm.sortedFiniteF32(x), want = finiteValues(x).sort();
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `n ${n} ${kind} at ${i}: ${got[i]} vs ${want[i]}`);
      if (n >= 64) assert.deepEqual(withKernels(() => sortedFiniteCopy(x)), radixSortedFinite(x));
    }
  }
});

test("the kernel's quantile start of a mixture is gmm.ts's (mStepHard over quantileLabels), bit for bit", () => {
  const rng = new Rng(51);
  for (const n of [3, 5, 7, 100, 129, 1238, 3072]) {
    const x = Float64Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 5 : 0) + rng.normal()).sort();
    for (const k of [1, 2, 3] as const) {
      if (n < 2 * k + 1) continue;
      assert.deepEqual(wasm.quantileStart(x, k, 1e-6), quantileStart(x, k, 1e-6), `n ${n} k ${k}`);
    }
  }
});

test("cellsOfSorted in the kernel gives the TypeScript cells bit for bit", () => {
  const rng = new Rng(59);
  for (let t = 0; t < 60; t++) {
    const n = 1 + Math.floor(rng.uniform() ** 2 * 20_000), cells = [64, 1, 7, 1000][t % 4]!;
    const x = Float64Array.from({ length: n }, () => (t % 5 === 0 ? Math.round(rng.normal() * 3) : rng.normal() / Math.max(0.01, rng.uniform()))).sort();
    if (t % 9 === 0) x.fill(x[0]!);
    const want = cellsOfSorted(x, cells), got = wasm.cellsOfSorted(x, cells);
    assert.deepStrictEqual(got, want, `sample ${t}: n ${n}, ${cells} cells`);
    assert.ok(got.count.length >= 1 && got.count.length <= cells);
  }
});
