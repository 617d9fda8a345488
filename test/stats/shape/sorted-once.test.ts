// shapeSummary sorts its values once and marks them (sample.ts markSortedFinite): the statistics
// read the marked array in place, and the Weibull fit takes |v| by a merge instead of a sort. The
// results must be the same bytes as from an unmarked copy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../../src/util/rng.js";
import { finiteValues, isMarkedSortedFinite, markSortedFinite, seededSample, sortedFinite, sortedFiniteCopy } from "../../../src/stats/shape/sample.js";
import { weibullFitAbs } from "../../../src/stats/shape/weibull.js";
import { fitGaussianMixture } from "../../../src/stats/shape/gmm.js";

function sample(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => (rng.uniform() < 0.3 ? -1 : 1) * rng.uniform() * rng.uniform());
  x.push(0, -0, 0, -0, 1e-30, -1e-30, -0.5, 0.5);
  return x;
}

test("a marked sorted array is read in place; an unmarked one is copied", () => {
  const v = markSortedFinite(finiteValues(sample(50, 1)).sort());
  assert.equal(isMarkedSortedFinite(v), true);
  assert.equal(sortedFinite(v, 4, "test"), v);
  const copy = Float64Array.from(v);
  assert.equal(isMarkedSortedFinite(copy), false);
  assert.notEqual(sortedFinite(copy, 4, "test"), copy);
  assert.deepEqual(sortedFinite(copy, 4, "test"), v);
});

test("weibullFitAbs of marked sorted values (|v| by merge) equals the fit of the unsorted values (|v| by sort), bit for bit", () => {
  for (const [n, seed] of [[10, 2], [97, 3], [768, 4], [5000, 5]] as const) {
    const x = sample(n, seed);
    const marked = markSortedFinite(finiteValues(x).sort());
    assert.deepEqual(weibullFitAbs(marked), weibullFitAbs(x), `n ${n}`);
  }
  // all negative, all positive
  const neg = markSortedFinite(Float64Array.from({ length: 40 }, (_, i) => -40 + i));
  assert.deepEqual(weibullFitAbs(neg), weibullFitAbs(Array.from(neg)));
  const pos = markSortedFinite(Float64Array.from({ length: 40 }, (_, i) => i + 1));
  assert.deepEqual(weibullFitAbs(pos), weibullFitAbs(Array.from(pos)));
});

test("mixture fits of marked values equal those of an unmarked copy, bit for bit", () => {
  const x = sample(600, 6);
  const marked = markSortedFinite(finiteValues(x).sort());
  for (const k of [1, 2, 3] as const) {
    for (const accelerate of [false, true]) {
      assert.deepEqual(fitGaussianMixture(marked, { components: k, accelerate, nInit: 2, seed: 3 }), fitGaussianMixture(x, { components: k, accelerate, nInit: 2, seed: 3 }), `k ${k}`);
    }
  }
});

test("seededSample marks its draws in a byte array: the same sample as Floyd's algorithm with a Set", () => {
  const floyd = (values: ArrayLike<number>, size: number, seed: number): Float64Array => {
    const rng = new Rng(seed), chosen = new Set<number>();
    for (let j = values.length - size; j < values.length; j++) {
      const t = rng.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    const idx = Float64Array.from(chosen).sort();
    return Float64Array.from(idx, (i) => values[i]!);
  };
  for (const [n, size, seed] of [[65_536, 20_000, 0], [20_001, 20_000, 7], [1000, 1, 3], [5000, 4999, 11]] as const) {
    const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    assert.deepEqual(seededSample(values, size, seed), floyd(values, size, seed), `n ${n} size ${size}`);
  }
});

test("sortedFiniteCopy of float32 values (radix sort of the bits) equals finiteValues(x).sort(), element for element", () => {
  const rng = new Rng(7);
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1, 1, 0, -0];
  for (const n of [1, 63, 64, 65, 300, 1238, 5000]) {
    for (const kind of ["spread", "ties", "narrow", "positive"] as const) {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        x[i] = kind === "ties" ? Math.round(u * 8) - 4 : kind === "narrow" ? 1 + (u - 0.5) * 1e-3 : kind === "positive" ? u * 2 ** (Math.floor(u * 60) - 30) : (u - 0.5) * 2 ** (Math.floor(rng.uniform() * 80) - 40);
      }
      for (let i = 0; i < Math.min(n, special.length); i++) if (rng.uniform() < 0.5) x[Math.floor(rng.uniform() * n)] = special[i]!;
      const got = sortedFiniteCopy(x), want = finiteValues(x).sort();
      assert.equal(got.length, want.length, `n ${n} ${kind}`);
      for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `n ${n} ${kind} at ${i}: ${got[i]} vs ${want[i]}`);
    }
  }
  // other inputs take the comparison sort
  const plain = [3, -0, 0, NaN, -2];
  assert.deepEqual(Array.from(sortedFiniteCopy(plain)), [-2, -0, 0, 3]);
});
