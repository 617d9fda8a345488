// safetensors writer: round trips (write -> parse -> compare), the header conventions, the
// file accepted by the reference script's independent parser, atomic streaming file writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySource } from "../../src/io/index.js";
import { decodeToFloat64, encodeFloats } from "../../src/formats/dtype.js";
import {
  encodeSafetensors,
  readSafetensorsHeader,
  writeSafetensorsFile,
  type SafetensorsEntry,
} from "../../src/formats/safetensors/index.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { ByteSourceError, UsageError } from "../../src/util/errors.js";
import { entriesFromFixture, loadReferenceFixture } from "./safetensors-fixture.js";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function headerJson(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

const sample: SafetensorsEntry[] = [
  { name: "z.weight", dtype: "F32", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, -0, 1e-30]) },
  { name: "a.bias", dtype: "F64", shape: [3], data: Float64Array.from([Math.PI, -1e300, 5e-324]) },
  { name: "h", dtype: "F16", shape: [2], data: new Uint16Array([0x3c00, 0x7c00]) },
  { name: "b", dtype: "BF16", shape: [1, 2], data: encodeFloats("BF16", [1.5, -3]) },
  { name: "scalar", dtype: "I64", shape: [], data: BigInt64Array.from([-5n]) },
  { name: "empty", dtype: "F32", shape: [4, 0], data: new Float32Array(0) },
  { name: "10", dtype: "U8", shape: [3], data: Uint8Array.from([0, 128, 255]) },
  { name: "9", dtype: "BOOL", shape: [2], data: Uint8Array.from([1, 0]) },
];

test("round trip: every tensor reads back with its dtype, shape and exact bytes", async () => {
  const bytes = encodeSafetensors(sample, { format: "pt", step: "1000" });
  const st = await readSafetensorsHeader(new MemorySource(bytes, "mem.safetensors"));
  assert.deepEqual(st.metadata, { format: "pt", step: "1000" });
  assert.equal(st.tensors.length, sample.length);
  for (const e of sample) {
    const t = st.tensors.find((x) => x.name === e.name)!;
    assert.ok(t, e.name);
    assert.equal(t.dtype, e.dtype);
    assert.deepEqual(t.shape, e.shape);
    const raw = await readTensorBytes(t);
    assert.deepEqual(raw, new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), e.name);
  }
  const z = st.tensors.find((x) => x.name === "z.weight")!;
  assert.deepEqual(Array.from(decodeToFloat64("F32", await readTensorBytes(z))), Array.from(Float32Array.from([1, -2, 3.5, 0, -0, 1e-30])));
});

test("header: reference writer order (dtype alignment descending, then name), metadata first, padding, contiguous offsets", () => {
  const bytes = encodeSafetensors(sample, { format: "pt" });
  const { length, text } = headerJson(bytes);
  assert.equal(length % 8, 0);
  assert.match(text, /^\{"__metadata__":\{"format":"pt"\},"scalar":\{"dtype":"I64","shape":\[\],"data_offsets":\[0,8\]\},"a\.bias":/);
  assert.match(text, /\} *$/, "padding is spaces after the closing brace");
  assert.ok(length - text.trimEnd().length < 8);
  const parsed = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  // Key order as written (Object.keys would put integer-like keys first).
  const names = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]!);
  assert.deepEqual(names, ["scalar", "a.bias", "empty", "z.weight", "b", "h", "10", "9"]);
  let at = 0;
  for (const n of names) {
    assert.equal(parsed[n]!.data_offsets[0], at, n);
    const itemsize = { I64: 8, F64: 8, F32: 4, BF16: 2, F16: 2, U8: 1, BOOL: 1 }[parsed[n]!.dtype]!;
    assert.equal((8 + length + at) % itemsize, 0, `${n} is aligned to its itemsize in the file`);
    at = parsed[n]!.data_offsets[1];
  }
  assert.equal(bytes.byteLength, 8 + length + at);
  // No metadata -> no "__metadata__" key, as the Python writer does.
  assert.ok(!headerJson(encodeSafetensors(sample)).text.includes("__metadata__"));
});

test("byte-exact against the test vectors of the reference Rust writer (huggingface/safetensors tensor.rs)", () => {
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  const le64 = (n: number): number[] => [n, 0, 0, 0, 0, 0, 0, 0];
  const f32Bytes = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]; // 0..5 as f32 LE
  const data = Float32Array.from([0, 1, 2, 3, 4, 5]);
  // test_serialization: 64-byte header, no padding needed.
  assert.deepEqual(Array.from(encodeSafetensors([{ name: "attn.0", dtype: "F32", shape: [1, 2, 3], data }])), [
    ...le64(64), ...ascii('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'), ...f32Bytes,
  ]);
  // test_serialization_forced_alignement: 65 bytes of JSON padded with 7 spaces to 72.
  assert.deepEqual(Array.from(encodeSafetensors([{ name: "attn0", dtype: "F32", shape: [1, 1, 2, 3], data }])), [
    ...le64(72), ...ascii('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '), ...f32Bytes,
  ]);
  // test_empty, without and with metadata.
  assert.deepEqual(Array.from(encodeSafetensors([])), [...le64(8), ...ascii("{}      ")]);
  assert.deepEqual(Array.from(encodeSafetensors([], { framework: "pt" })), [...le64(40), ...ascii('{"__metadata__":{"framework":"pt"}}     ')]);
});

test("interop: our bytes for the reference tensors are the file the Python parser accepted", () => {
  const fx = loadReferenceFixture();
  assert.ok(fx.interop, "run tools/reference/safetensors_fixtures.py to record the interop check");
  assert.equal(fx.interop.verdict, "ok");
  assert.equal(fx.interop.tensors_checked, Object.keys(fx.tensors).length);
  for (const [fact, holds] of Object.entries(fx.interop.header_facts)) if (typeof holds === "boolean") assert.equal(holds, true, fact);
  const bytes = encodeSafetensors(entriesFromFixture(fx), fx.metadata);
  assert.equal(bytes.byteLength, fx.interop.ours_bytes);
  assert.equal(sha(bytes), fx.interop.ours_sha256);
});

test("writeSafetensorsFile streams the same bytes as encodeSafetensors and leaves no temp file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-st-"));
  try {
    const path = join(dir, "model.safetensors");
    writeFileSync(path, "old contents");
    await writeSafetensorsFile(path, sample, { a: "b" });
    assert.deepEqual(new Uint8Array(readFileSync(path)), encodeSafetensors(sample, { a: "b" }));
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeSafetensorsFile: a failed write leaves the old file and no temp file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-st-"));
  try {
    const path = join(dir, "model.safetensors");
    writeFileSync(path, "old contents");
    const bad = [...sample, { name: "bad", dtype: "F32", shape: [2], data: new Float32Array(3) } as SafetensorsEntry];
    await assert.rejects(writeSafetensorsFile(path, bad), UsageError);
    // Renaming onto a directory fails after the data was written: the temp file must go.
    await assert.rejects(writeSafetensorsFile(dir, sample), ByteSourceError);
    await assert.rejects(writeSafetensorsFile(join(dir, "missing", "x.safetensors"), sample), /cannot create/);
    assert.equal(readFileSync(path, "utf8"), "old contents");
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writer refuses inconsistent entries with a UsageError naming the tensor", () => {
  const cases: [SafetensorsEntry[], RegExp][] = [
    [[{ name: "w", dtype: "F32", shape: [2], data: new Float64Array(2) }], /"w": Float64Array data does not match dtype F32/],
    [[{ name: "w", dtype: "BF16", shape: [2], data: new Float32Array(2) }], /"w": Float32Array data does not match dtype BF16 \(give Uint16Array/],
    [[{ name: "w", dtype: "F32", shape: [3], data: new Float32Array(2) }], /"w": data has 8 bytes but F32 shape \[3\] needs 12/],
    [[{ name: "w", dtype: "F32", shape: [-1], data: new Float32Array(0) }], /"w": shape \[-1\]/],
    [[{ name: "w", dtype: "F8" as never, shape: [1], data: new Uint8Array(1) }], /"w": unsupported dtype "F8"/],
    [[{ name: "__metadata__", dtype: "U8", shape: [1], data: new Uint8Array(1) }], /invalid tensor name/],
    [[sample[0]!, sample[0]!], /"z.weight" appears twice/],
  ];
  for (const [entries, pattern] of cases) {
    assert.throws(() => encodeSafetensors(entries), (err: unknown) => err instanceof UsageError && pattern.test(err.message));
  }
  assert.throws(() => encodeSafetensors(sample, { n: 1 as unknown as string }), /metadata "n" must be a string/);
});

test("raw Uint8Array data is accepted for every dtype (little-endian bytes)", async () => {
  const raw = encodeFloats("F64", [1, 2]);
  const st = await readSafetensorsHeader(new MemorySource(encodeSafetensors([{ name: "x", dtype: "F64", shape: [2], data: raw }])));
  assert.deepEqual(Array.from(decodeToFloat64("F64", await readTensorBytes(st.tensors[0]!))), [1, 2]);
});
