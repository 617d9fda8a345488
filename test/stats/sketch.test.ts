import { test } from "node:test";
import assert from "node:assert/strict";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { emptySketch, mergeSketches, mergeAllSketches } from "../../src/stats/sketch.js";
import { summarizeSketch } from "../../src/stats/summary.js";
import { DTYPE_ITEMSIZE } from "../../src/formats/dtype.js";
import { assertClose, checkAgainstExpected, loadStatsCases } from "./sketch-fixtures.js";

const cases = loadStatsCases();

test("scalar sketch matches numpy/scipy on every fixture (counts exact, moments 1e-9, quantiles in bound)", () => {
  for (const c of cases) {
    const s = sketchChunkScalar(c.dtype, c.bytes);
    checkAgainstExpected(c.name, s, summarizeSketch(s), c.expected);
  }
});

test("bf16 data has exact keys: quantiles equal numpy's exactly", () => {
  const c = cases.find((x) => x.name === "bf16_normal")!;
  const sum = summarizeSketch(sketchChunkScalar(c.dtype, c.bytes));
  assert.equal(sum.quantile_rel_error_bound, 0);
  Object.values(sum.quantiles).forEach((v, i) => assertClose(v, c.expected.quantiles_linear![i]!, 1e-12, 0, `q${i}`));
});

test("merging sketches of pieces split at odd places gives the sketch of the whole", () => {
  for (const c of cases) {
    const size = DTYPE_ITEMSIZE[c.dtype];
    const numel = c.bytes.byteLength / size;
    const whole = sketchChunkScalar(c.dtype, c.bytes);
    const cuts = [0, Math.floor(numel / 7), Math.floor(numel / 3) + 1, numel - 1, numel].filter((v, i, a) => v >= 0 && v <= numel && (i === 0 || v >= a[i - 1]!));
    const parts = cuts.slice(1).map((end, i) => sketchChunkScalar(c.dtype, c.bytes.subarray(cuts[i]! * size, end * size)));
    const merged = mergeAllSketches(parts);
    assert.deepEqual(
      { ...merged, mean: 0, m2: 0, m3: 0, m4: 0, l1: 0, l2sq: 0 },
      { ...whole, mean: 0, m2: 0, m3: 0, m4: 0, l1: 0, l2sq: 0 },
      `${c.name}: counts, extremes and histogram identical`,
    );
    const scale = whole.linf;
    for (const k of ["mean", "m2", "m3", "m4", "l1", "l2sq"] as const) {
      const scaleK = k === "m2" || k === "l2sq" ? scale ** 2 : k === "m3" ? scale ** 3 : k === "m4" ? scale ** 4 : scale;
      assertClose(merged[k], whole[k], 1e-9, 1e-12 * scaleK * Math.max(1, whole.n), `${c.name}: ${k}`);
    }
  }
});

test("the empty sketch is the identity of merge and summarizes to nulls, JSON-safe", () => {
  const c = cases.find((x) => x.name === "f32_normal")!;
  const s = sketchChunkScalar(c.dtype, c.bytes);
  assert.deepEqual(mergeSketches(emptySketch(), s), s);
  assert.deepEqual(mergeSketches(s, emptySketch()), s);
  const sum = summarizeSketch(emptySketch());
  assert.equal(sum.mean, null);
  assert.equal(sum.min, null);
  assert.equal(sum.quantiles["0.5"], null);
  assert.equal(sum.l2, 0);
  const json = JSON.stringify(sum);
  assert.ok(!/NaN|Infinity/.test(json), json);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, "a sketch survives a JSON round trip");
});

test("non-float dtypes and partial elements are refused with a clear error", () => {
  assert.throws(() => sketchChunkScalar("I64", new Uint8Array(16)), /I64 has no distribution statistics/);
  assert.throws(() => sketchChunkScalar("F32", new Uint8Array(6)), /not a whole number of F32 elements/);
});
