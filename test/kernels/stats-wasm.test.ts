import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeToFloat64, encodeFloats, DTYPE_ITEMSIZE, type Dtype } from "../../src/formats/dtype.js";
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

/**
 * The F16/BF16 fold (assembly/lib/stats-half.ts foldHalf) written out in TypeScript: per 16-bit
 * pattern counts, then in pattern order the count-weighted sum and |x| sum of the finite values,
 * their mean c, the power sums of x - c, and the kernel's merge of that one block into empty totals.
 */
function halfFoldMoments(dtype: "F16" | "BF16", bytes: Uint8Array): { mean: number; m2: number; m3: number; m4: number; l1: number; l2sq: number } {
  const counts = new Float64Array(65536), h16 = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  for (const h of h16) counts[h]!++;
  const value = (h: number) => decodeToFloat64(dtype, new Uint8Array(new Uint16Array([h]).buffer))[0]!;
  const finite: { x: number; c: number }[] = [];
  let n = 0, sum = 0, l1 = 0;
  for (let h = 0; h < 65536; h++) {
    const c = counts[h]!;
    if (c === 0) continue;
    const x = value(h);
    if (!Number.isFinite(x)) continue;
    finite.push({ x, c });
    n += c; sum += c * x; l1 += c * Math.abs(x);
  }
  const c0 = n > 0 ? sum / n : 0;
  let s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (const { x, c } of finite) {
    const d = x - c0, d2 = d * d;
    s1 += c * d; s2 += c * d2; s3 += c * d2 * d; s4 += c * d2 * d2;
  }
  const d = s1 / n, mean = c0 + d;
  const m2 = Math.max(0, s2 - s1 * d);
  return { mean, m2, m3: s3 - 3 * d * s2 + 2 * d * d * s1, m4: s4 - 4 * d * s3 + 6 * d * d * s2 - 3 * d * d * d * s1, l1, l2sq: m2 + n * mean * mean };
}

test("F16/BF16 moments are the fold's pattern-order sums bit for bit (one fold of nasty and of weight-like values)", () => {
  const rng = new Rng(21);
  for (const dtype of ["F16", "BF16"] as const) {
    for (const [what, values] of [
      ["nasty", nastyValues(rng, 30001, dtype)],
      ["weight-like", Array.from({ length: 200000 }, () => 0.02 * rng.normal())],
    ] as const) {
      const bytes = encodeFloats(dtype, values);
      const got = sketchChunkWasm(dtype, bytes), want = halfFoldMoments(dtype, bytes);
      for (const k of ["mean", "m2", "m3", "m4", "l1", "l2sq"] as const) assert.ok(Object.is(got[k], want[k]), `${dtype} ${what}: ${k} ${got[k]} != ${want[k]}`);
    }
  }
});
