import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFloats, DTYPE_ITEMSIZE, type Dtype } from "../../src/formats/dtype.js";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { sketchChunkWasm, StatsKernel } from "../../src/kernels/stats-wasm.js";
import { mergeAllSketches } from "../../src/stats/sketch.js";
import { summarizeSketch } from "../../src/stats/summary.js";
import { Rng } from "../../src/util/rng.js";
import { assertSketchesAgree, checkAgainstExpected, loadStatsCases } from "../stats/sketch-fixtures.js";

/** Random values with zeros, -0, NaN, +-Inf, subnormals of the dtype and a few big ones. */
function nastyValues(rng: Rng, n: number, dtype: Dtype): number[] {
  const sub = { F32: 1e-40, F16: 3e-6, BF16: 1e-39, F64: 1e-310 }[dtype as "F32"] ?? 1e-40;
  return Array.from({ length: n }, () => {
    const u = rng.uniform();
    if (u < 0.002) return NaN;
    if (u < 0.003) return rng.uniform() < 0.5 ? Infinity : -Infinity;
    if (u < 0.03) return rng.uniform() < 0.5 ? 0 : -0;
    if (u < 0.05) return sub * rng.normal();
    if (u < 0.055) return 1000 * rng.normal();
    return 0.3 + 0.05 * rng.normal();
  });
}

const DTYPES: Dtype[] = ["F32", "F16", "BF16", "F64"];

test("WASM kernel equals the scalar oracle on nasty random data, every dtype, odd lengths", () => {
  const rng = new Rng(11);
  for (const dtype of DTYPES) {
    for (const n of [1, 3, 5, 7, 4097, 12289 + 3]) {
      const bytes = encodeFloats(dtype, nastyValues(rng, n, dtype));
      assertSketchesAgree(sketchChunkWasm(dtype, bytes), sketchChunkScalar(dtype, bytes), `${dtype} n=${n}`);
    }
    // Blocks with no NaN/Inf take the SIMD path, blocks with them the scalar one: mix both.
    const clean = Array.from({ length: 20000 }, (_, i) => (i === 15000 ? NaN : 0.01 * rng.normal()));
    const bytes = encodeFloats(dtype, clean);
    assertSketchesAgree(sketchChunkWasm(dtype, bytes), sketchChunkScalar(dtype, bytes), `${dtype} mostly clean`);
  }
});

test("WASM kernel handles huge float32 values whose float32 pilot sum overflows", () => {
  const rng = new Rng(5);
  const bytes = encodeFloats("F32", Array.from({ length: 9001 }, () => 3e38 * (rng.uniform() * 2 - 1) + 1e38));
  assertSketchesAgree(sketchChunkWasm("F32", bytes), sketchChunkScalar("F32", bytes), "huge f32");
});

test("WASM kernel matches numpy/scipy on every fixture", () => {
  for (const c of loadStatsCases()) {
    const s = sketchChunkWasm(c.dtype, c.bytes);
    assertSketchesAgree(s, sketchChunkScalar(c.dtype, c.bytes), c.name);
    checkAgainstExpected(c.name, s, summarizeSketch(s), c.expected);
  }
});

test("chunks split at odd places: accumulated or merged, the sketch is the whole's", () => {
  const rng = new Rng(3);
  for (const dtype of DTYPES) {
    const size = DTYPE_ITEMSIZE[dtype];
    const bytes = encodeFloats(dtype, nastyValues(rng, 30011, dtype));
    const whole = sketchChunkScalar(dtype, bytes);
    const cuts = [0, 1, 4099, 4100, 17003, 30010, 30011];
    const pieces = cuts.slice(1).map((e, i) => bytes.subarray(cuts[i]! * size, e * size));
    const k = StatsKernel.create();
    for (const p of pieces) k.accumulate(dtype, p);
    assertSketchesAgree(k.sketch(), whole, `${dtype} accumulated`);
    assertSketchesAgree(mergeAllSketches(pieces.map((p) => sketchChunkWasm(dtype, p))), whole, `${dtype} merged`);
  }
});

test("a kernel snapshot restores an interrupted accumulation on another instance", () => {
  const rng = new Rng(9);
  const a = encodeFloats("F16", nastyValues(rng, 5001, "F16"));
  const b = encodeFloats("F16", nastyValues(rng, 3001, "F16"));
  const k1 = StatsKernel.create(), k2 = StatsKernel.create();
  k1.accumulate("F16", a);
  const snap = k1.snapshot();
  k1.reset();
  k1.accumulate("F32", encodeFloats("F32", [1, 2, 3]));
  k2.restore(snap);
  k2.accumulate("F16", b);
  const both = new Uint8Array(a.byteLength + b.byteLength);
  both.set(a); both.set(b, a.byteLength);
  assertSketchesAgree(k2.sketch(), sketchChunkScalar("F16", both), "restored");
});

test("the kernel refuses non-float dtypes and partial elements", () => {
  assert.throws(() => sketchChunkWasm("U8", new Uint8Array(4)), /U8 has no distribution statistics/);
  assert.throws(() => sketchChunkWasm("BF16", new Uint8Array(3)), /not a whole number/);
});

test("packedSketch (the workers' read-back, histogram in typed arrays) is sketch() packed: same fields in the same order, same keys and counts", async () => {
  const { packSketch } = await import("../../src/kernels/packed-sketch.js");
  const rng = new Rng(12);
  const kernel = StatsKernel.create();
  for (const dtype of DTYPES) {
    for (const n of [1, 7, 4097, 50000]) {
      kernel.reset();
      kernel.accumulate(dtype, encodeFloats(dtype, nastyValues(rng, n, dtype)));
      const packed = kernel.packedSketch();
      const want = packSketch(kernel.sketch());
      assert.deepEqual(Object.keys(packed), Object.keys(want), `${dtype} n=${n}: field order`);
      assert.ok(packed.histKeys instanceof Int32Array && packed.histCounts instanceof Float64Array, `${dtype} n=${n}: typed arrays`);
      assert.deepEqual(packed, want, `${dtype} n=${n}`);
      assert.ok(packed.histKeys.length > 0, `${dtype} n=${n}: a histogram was compared`);
    }
  }
});
