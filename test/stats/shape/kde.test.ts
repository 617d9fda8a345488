import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gaussianKde, kdeEvaluate, kdeGrid } from "../../../src/stats/shape/kde.js";
import { kdeModes, modesOnGrid } from "../../../src/stats/shape/kde-modes.js";
import { UsageError } from "../../../src/util/errors.js";
import { Rng } from "../../../src/util/rng.js";

interface KdeRef { bandwidth: number; values: number[] }
interface PyCase { name: string; x: number[]; kdePoints: number[]; kde: { silverman: KdeRef; scott: KdeRef; fixed: KdeRef } }
const fix = JSON.parse(readFileSync(new URL("../../fixtures/shape/shape_python.json", import.meta.url), "utf8")) as { cases: PyCase[] };

test("gaussianKde bandwidths and values equal scipy gaussian_kde (1e-9 of the peak)", () => {
  let worst = 0;
  for (const c of fix.cases) {
    for (const rule of ["silverman", "scott", "fixed"] as const) {
      const ref = c.kde[rule];
      const kde = gaussianKde(c.x, { bandwidth: rule === "fixed" ? ref.bandwidth : rule });
      assert.ok(Math.abs(kde.bandwidth / ref.bandwidth - 1) < 1e-12, `${c.name} ${rule} bandwidth`);
      const v = kdeEvaluate(kde, c.kdePoints);
      const peak = Math.max(...ref.values);
      ref.values.forEach((y, i) => {
        const e = Math.abs(v[i]! - y) / peak;
        worst = Math.max(worst, e);
        assert.ok(e < 1e-9, `${c.name} ${rule} at ${c.kdePoints[i]}`);
      });
    }
  }
  console.log(`kde vs scipy: max |diff| / peak = ${worst.toExponential(2)}`);
  assert.throws(() => gaussianKde([1, 2, 3], { bandwidth: -1 }), UsageError);
});

function mixture(n: number, seed: number, centres: number[], sd: number, weights: number[]): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => {
    let u = rng.uniform(), c = 0;
    while (c < weights.length - 1 && (u -= weights[c]!) > 0) c++;
    return centres[c]! + sd * rng.normal();
  });
}

test("binned grid density is within its stated bound of the exact sum", () => {
  const x = mixture(6000, 3, [-2, 2], 0.7, [0.5, 0.5]);
  const kde = gaussianKde(x, { bandwidth: "silverman" });
  const exact = kdeGrid(kde, { gridSize: 512, binned: false });
  const binned = kdeGrid(kde, { gridSize: 512 });
  assert.equal(binned.binned, true);
  let err = 0;
  for (let i = 0; i < 512; i++) err = Math.max(err, Math.abs(binned.density[i]! - exact.density[i]!));
  console.log(`binned kde n=6000 grid=512: max error ${err.toExponential(2)}, bound ${binned.maxAbsError.toExponential(2)}`);
  assert.ok(err <= binned.maxAbsError && err > 0);
});

test("kdeModes finds the two modes of a known mixture with masses near the weights", () => {
  const x = mixture(4000, 11, [-3, 2], 0.8, [0.3, 0.7]);
  for (const bandwidth of ["silverman", "sj"] as const) {
    const modes = kdeModes(gaussianKde(x, { bandwidth }), { gridSize: 1024, minRelativeProminence: 0.01 });
    assert.equal(modes.length, 2, `${bandwidth}: ${JSON.stringify(modes)}`);
    assert.ok(Math.abs(modes[0]!.location + 3) < 0.15 && Math.abs(modes[1]!.location - 2) < 0.15, bandwidth);
    assert.ok(Math.abs(modes[0]!.mass - 0.3) < 0.03 && Math.abs(modes[1]!.mass - 0.7) < 0.03, bandwidth);
    // heights near the mixture density at the centres: w / (sqrt(2 pi) s) inflated by smoothing
    assert.ok(modes[1]!.height > modes[0]!.height);
    for (const m of modes) assert.ok(m.prominence > 0 && m.prominence <= m.height);
    assert.ok(Math.abs(modes[0]!.mass + modes[1]!.mass - 1) < 0.01);
  }
  const uni = kdeModes(gaussianKde(mixture(3000, 5, [0], 1, [1])), { minRelativeProminence: 0.01 });
  assert.equal(uni.length, 1);
  assert.ok(Math.abs(uni[0]!.location) < 0.2 && Math.abs(uni[0]!.mass - 1) < 0.01);
});

test("kdeModes without merging reports every local maximum; merging keeps the total mass", () => {
  const x = [0, 0.1, 0.2, 5, 10, 10.1];
  const kde = gaussianKde(x, { bandwidth: 0.3 });
  const all = kdeModes(kde);
  assert.equal(all.length, 3);
  const merged = kdeModes(kde, { minRelativeProminence: 0.9 });
  assert.equal(merged.length, 1);
  const total = (ms: { mass: number }[]) => ms.reduce((a, m) => a + m.mass, 0);
  assert.ok(Math.abs(total(all) - total(merged)) < 1e-12);
});

test("the exact grid by the Gaussian recurrence equals kdeEvaluate at the nodes to 1e-12 of the peak", () => {
  for (const n of [3, 200, 2000]) {
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1 + (i % 3 === 0 ? 4 : 0));
    for (const bandwidth of ["silverman", "sj", 0.01] as const) {
      const kde = gaussianKde(x, { bandwidth });
      const g = kdeGrid(kde, { gridSize: 1024, binned: false });
      const exact = kdeEvaluate(kde, g.x);
      const peak = Math.max(...exact);
      for (let i = 0; i < g.x.length; i++) assert.ok(Math.abs(g.density[i]! - exact[i]!) <= 1e-12 * peak, `n=${n} ${String(bandwidth)} at ${i}: ${g.density[i]} vs ${exact[i]}`);
    }
  }
});

/** The former quadratic merge (rescan every peak per merge): the oracle of the heap version. */
function modesOnGridByRescan(f: Float64Array, threshold: number): { peaks: number[]; bounds: number[] } {
  const m = f.length, peaks: number[] = [];
  for (let i = 1; i < m - 1; i++) if (f[i]! > f[i - 1]! && f[i]! >= f[i + 1]!) peaks.push(i);
  const bounds = [0];
  for (let p = 0; p + 1 < peaks.length; p++) {
    let arg = peaks[p]!;
    for (let i = peaks[p]!; i <= peaks[p + 1]!; i++) if (f[i]! < f[arg]!) arg = i;
    bounds.push(arg);
  }
  bounds.push(m - 1);
  const prominence = (p: number): number => f[peaks[p]!]! - Math.max(f[bounds[p]!]!, f[bounds[p + 1]!]!);
  while (peaks.length > 1) {
    let weakest = 0;
    for (let p = 1; p < peaks.length; p++) if (prominence(p) < prominence(weakest)) weakest = p;
    if (prominence(weakest) >= threshold) break;
    const left = bounds[weakest]!, right = bounds[weakest + 1]!;
    const dropLeft = weakest > 0 && (weakest === peaks.length - 1 || f[left]! >= f[right]!);
    const neighbour = dropLeft ? weakest - 1 : weakest + 1;
    if (f[peaks[neighbour]!]! < f[peaks[weakest]!]!) peaks[neighbour] = peaks[weakest]!;
    peaks.splice(weakest, 1);
    bounds.splice(dropLeft ? weakest : weakest + 1, 1);
  }
  return { peaks, bounds };
}

test("modesOnGrid merges weak peaks as the quadratic rescan does (noisy densities, ties included)", () => {
  let state = 7;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 40; trial++) {
    const m = 200 + trial * 37;
    const f = Float64Array.from({ length: m }, (_, i) => Math.exp(-(((i - m / 3) / (m / 8)) ** 2)) + 0.6 * Math.exp(-(((i - (2 * m) / 3) / (m / 10)) ** 2)) + (trial % 4 === 0 ? Math.round(rand() * 4) / 40 : 0.05 * rand()));
    const x = Float64Array.from({ length: m }, (_, i) => i);
    for (const rel of [0, 0.01, 0.05, 0.3]) {
      const top = Math.max(...f);
      const want = modesOnGridByRescan(f, rel * top);
      const got = modesOnGrid({ x, density: f, step: 1 }, (pts) => Float64Array.from(pts, (p) => f[Math.round(p)]!), rel);
      assert.equal(got.length, want.peaks.length, `trial ${trial} rel ${rel}`);
      for (let p = 0; p < got.length; p++) {
        let mass = 0;
        for (let i = want.bounds[p]!; i < want.bounds[p + 1]!; i++) mass += 0.5 * (f[i]! + f[i + 1]!);
        assert.equal(got[p]!.mass, mass, `trial ${trial} rel ${rel} mode ${p} mass`);
        assert.ok(Math.abs(got[p]!.location - want.peaks[p]!) <= 0.5, `trial ${trial} rel ${rel} mode ${p} location`);
      }
    }
  }
});
