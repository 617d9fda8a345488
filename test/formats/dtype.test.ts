// f16 / bf16 decoding and encoding of src/formats/dtype.ts against numpy and torch conversions
// recorded by tools/reference/dtype_fixtures.py (exhaustive digests plus listed edge values).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  bf16BitsToNumber,
  decodeToFloat64,
  decodeToFloat32,
  encodeFloats,
  f16BitsToNumber,
  numberToBf16Bits,
  numberToF16Bits,
} from "../../src/formats/dtype.js";

interface SweepDigests { f16_numpy_sha256: string; f16_torch_sha256: string; f16_numpy_torch_agree: boolean; bf16_torch_sha256: string }
interface Fixture {
  decode: { f16_all_patterns_f64_sha256: string; bf16_all_patterns_f64_sha256: string };
  decode_edges: { bits: number; f16: number | string; bf16: number | string }[];
  encode_sweeps: Record<"all" | "ties" | "bf_ties", SweepDigests>;
  encode_edges: { f32_bits: number; value: number | string; f16_numpy: number; f16_torch: number; bf16_torch: number }[];
  float64_inputs: { value: number; f16_numpy: number; f16_torch: number; bf16_torch: number }[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/formats/dtype.json", import.meta.url), "utf8")) as Fixture;
const N = 65536;

function num(v: number | string): number {
  return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number);
}
function sha(a: ArrayBufferView): string {
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");
}
/** Same canonicalisation as the fixture script: NaN payloads are not part of the contract. */
function canonF64(values: Float64Array): BigUint64Array {
  const bits = new BigUint64Array(values.slice().buffer);
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) bits[i] = 0x7ff8000000000000n;
  return bits;
}
function canonF16(b: number): number {
  return (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0 ? 0x7e00 : b;
}
function canonBf16(b: number): number {
  return (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0 ? 0x7fc0 : b;
}
/** The sweeps of the fixture script, as float32 bit patterns. */
function sweep(kind: "all" | "ties" | "bf_ties"): Uint32Array {
  const out = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    const hashed = Number((BigInt(i) * 2654435761n) % 2n ** 32n);
    if (kind === "all") out[i] = (i * 65537 + 12345) % 2 ** 32;
    else if (kind === "ties") out[i] = ((hashed & ~0x1fff) | 0x1000) >>> 0;
    else out[i] = ((hashed & 0xffff0000) | 0x8000) >>> 0;
  }
  return out;
}
function sameNumber(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  else assert.ok(Object.is(actual, expected), `${what}: expected ${expected}, got ${actual}`);
}

test("f16 and bf16 decoding of all 65,536 bit patterns matches numpy / torch", () => {
  const f16 = new Float64Array(N), bf16 = new Float64Array(N);
  for (let h = 0; h < N; h++) {
    f16[h] = f16BitsToNumber(h);
    bf16[h] = bf16BitsToNumber(h);
  }
  assert.equal(sha(canonF64(f16)), fixture.decode.f16_all_patterns_f64_sha256);
  assert.equal(sha(canonF64(bf16)), fixture.decode.bf16_all_patterns_f64_sha256);
});

test("decoding edge bit patterns (zeros, subnormals, max, inf, nan) matches numpy / torch", () => {
  assert.ok(fixture.decode_edges.length >= 10);
  for (const e of fixture.decode_edges) {
    sameNumber(f16BitsToNumber(e.bits), num(e.f16), `f16 0x${e.bits.toString(16)}`);
    sameNumber(bf16BitsToNumber(e.bits), num(e.bf16), `bf16 0x${e.bits.toString(16)}`);
  }
});

test("f16 / bf16 encoding of float32 sweeps (all exponents, exact ties) matches numpy and torch", () => {
  for (const kind of ["all", "ties", "bf_ties"] as const) {
    const inputs = new Float32Array(sweep(kind).buffer);
    const f16 = new Uint16Array(N), bf16 = new Uint16Array(N);
    for (let i = 0; i < N; i++) {
      f16[i] = canonF16(numberToF16Bits(inputs[i]!));
      bf16[i] = canonBf16(numberToBf16Bits(inputs[i]!));
    }
    const ref = fixture.encode_sweeps[kind];
    assert.ok(ref.f16_numpy_torch_agree, `${kind}: numpy and torch disagree; fixture is not a single reference`);
    assert.equal(sha(f16), ref.f16_numpy_sha256, `f16 sweep "${kind}"`);
    assert.equal(sha(bf16), ref.bf16_torch_sha256, `bf16 sweep "${kind}"`);
  }
});

test("f16 / bf16 encoding of edge float32 values matches numpy / torch value by value", () => {
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  for (const e of fixture.encode_edges) {
    u32[0] = e.f32_bits;
    const what = `value ${e.value} (f32 0x${e.f32_bits.toString(16)})`;
    assert.equal(e.f16_numpy, e.f16_torch, `${what}: references disagree`);
    assert.equal(canonF16(numberToF16Bits(f32[0]!)), canonF16(e.f16_numpy), `${what} -> f16`);
    assert.equal(canonBf16(numberToBf16Bits(f32[0]!)), canonBf16(e.bf16_torch), `${what} -> bf16`);
  }
});

test("float64 inputs are rounded through float32 first, as torch does (numpy rounds once)", () => {
  let numpyDiffers = 0;
  for (const e of fixture.float64_inputs) {
    assert.equal(numberToF16Bits(e.value), e.f16_torch, `f16 of ${e.value}`);
    assert.equal(numberToBf16Bits(e.value), e.bf16_torch, `bf16 of ${e.value}`);
    if (e.f16_numpy !== e.f16_torch) numpyDiffers++;
  }
  assert.ok(numpyDiffers > 0, "the fixture should hold cases where the two references differ");
});

test("decodeToFloat64 / decodeToFloat32 / encodeFloats round-trip every dtype", () => {
  const values = [0, 1, -2, 3.5, -0.25, 100];
  for (const dtype of ["F64", "F32", "F16", "BF16"] as const) {
    const bytes = encodeFloats(dtype, values);
    assert.deepEqual(Array.from(decodeToFloat64(dtype, bytes)), values, dtype);
    assert.deepEqual(Array.from(decodeToFloat32(dtype, bytes)), values, dtype);
  }
  const ints = [0, 1, -2, 7, -100, 100];
  for (const dtype of ["I64", "I32", "I16", "I8"] as const) {
    assert.deepEqual(Array.from(decodeToFloat64(dtype, encodeFloats(dtype, ints))), ints, dtype);
  }
  assert.deepEqual(Array.from(decodeToFloat64("U8", encodeFloats("U8", [0, 1, 255]))), [0, 1, 255]);
  assert.deepEqual(Array.from(decodeToFloat64("BOOL", new Uint8Array([0, 1, 2]))), [0, 1, 1]);
  // Unaligned F32 bytes (offset 1) still decode.
  const buf = new Uint8Array(9);
  buf.set(encodeFloats("F32", [1.5, -2]), 1);
  assert.deepEqual(Array.from(decodeToFloat32("F32", buf.subarray(1))), [1.5, -2]);
  // I64 little-endian layout checked byte by byte.
  assert.deepEqual(Array.from(encodeFloats("I64", [-2])), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
});

test("decodeToFloat32 of F16 and BF16 (table decode) gives, bit for bit, Float32Array.from(decodeToFloat64(...)) for all 65,536 patterns, aligned or not", () => {
  for (const dtype of ["F16", "BF16"] as const) {
    const all = new Uint8Array(2 * 0x10000 + 1);
    for (let h = 0; h < 0x10000; h++) {
      all[1 + 2 * h] = h & 0xff;
      all[2 + 2 * h] = h >> 8;
    }
    for (const bytes of [all.slice(1), all.subarray(1)]) {
      const oracle = new Uint32Array(Float32Array.from(decodeToFloat64(dtype, bytes)).buffer);
      const got = decodeToFloat32(dtype, bytes);
      assert.equal(got.length, 0x10000);
      const bits = new Uint32Array(got.buffer, got.byteOffset, got.length);
      let differ = 0;
      for (let h = 0; h < 0x10000; h++) if (bits[h] !== oracle[h]) differ++;
      assert.equal(differ, 0, `${dtype} at byte offset ${bytes.byteOffset}: patterns whose float32 bits differ from the float64 path's`);
    }
  }
});
