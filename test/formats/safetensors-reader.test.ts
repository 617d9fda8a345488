// safetensors reader against the hand-written reference file of tools/reference/
// safetensors_fixtures.py (numpy/torch values, every dtype, 0-d and empty tensors).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FileSource, MemorySource, type ByteSource } from "../../src/io/index.js";
import { decodeToFloat64 } from "../../src/formats/dtype.js";
import { readSafetensorsHeader } from "../../src/formats/safetensors/index.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { FIXTURE_DIR, fixtureNumber, loadReferenceFixture } from "./safetensors-fixture.js";

const fx = loadReferenceFixture();
const refPath = fileURLToPath(new URL(fx.file, FIXTURE_DIR));

/** Wraps a source and records every range read. */
class RecordingSource implements ByteSource {
  readonly reads: [number, number][] = [];
  constructor(private readonly inner: ByteSource) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push([offset, length]);
    return this.inner.read(offset, length);
  }
  close(): Promise<void> { return this.inner.close(); }
}

test("reference file: fixture is the file the script wrote", () => {
  const bytes = readFileSync(refPath);
  assert.equal(createHash("sha256").update(bytes).digest("hex"), fx.file_sha256);
});

test("reference file: metadata, dtypes, shapes, offsets and every value match numpy/torch", async () => {
  const source = await FileSource.open(refPath);
  try {
    const st = await readSafetensorsHeader(source);
    assert.equal(st.file, refPath);
    assert.deepEqual(st.metadata, fx.metadata);
    assert.equal(st.unusedDataBytes, 0);
    assert.deepEqual(st.tensors.map((t) => t.name).sort(), Object.keys(fx.tensors).sort());
    for (const t of st.tensors) {
      const ref = fx.tensors[t.name]!;
      assert.equal(t.dtype, ref.dtype, t.name);
      assert.deepEqual(t.shape, ref.shape, t.name);
      assert.equal(t.numel, ref.values.length, t.name);
      assert.equal(t.byteOffset, st.dataStart + ref.data_offsets[0], t.name);
      assert.equal(t.byteLength, ref.data_offsets[1] - ref.data_offsets[0], t.name);
      assert.equal(t.source, source);
      const bytes = await readTensorBytes(t);
      assert.equal(createHash("sha256").update(bytes).digest("hex"), ref.sha256, `${t.name} raw bytes`);
      const values = Array.from(decodeToFloat64(t.dtype, bytes));
      assert.deepEqual(values, ref.values.map(fixtureNumber), `${t.name} values`);
    }
  } finally {
    await source.close();
  }
});

test("reference file: tensors come in data order, 0-d and empty tensors included", async () => {
  const st = await readSafetensorsHeader(new MemorySource(readFileSync(refPath), "ref"));
  const offsets = st.tensors.map((t) => t.byteOffset);
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
  const scalar = st.tensors.find((t) => t.name === "scalar")!;
  assert.deepEqual([scalar.shape, scalar.numel, scalar.byteLength], [[], 1, 4]);
  const empty = st.tensors.find((t) => t.name === "empty")!;
  assert.deepEqual([empty.shape, empty.numel, empty.byteLength], [[0, 3], 0, 0]);
  assert.ok(st.tensors.some((t) => t.name === "ünïcode.wéight"));
  assert.equal(st.dataStart, 8 + readFileSync(refPath).readUInt32LE(0));
});

test("reader touches only the 8-byte length and the header, never tensor data", async () => {
  const inner = new MemorySource(readFileSync(refPath), "ref");
  const source = new RecordingSource(inner);
  const st = await readSafetensorsHeader(source);
  assert.deepEqual(source.reads, [[0, 8], [8, st.dataStart - 8]]);
});
