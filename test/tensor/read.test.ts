// readTensorChunks / readTensorBytes / readViewChunks on torch views (views.pt from
// tools/reference/torch_fixtures.py): exact values for any chunk size, bounded storage spans.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTYPE_ITEMSIZE, decodeToFloat64 } from "../../src/formats/dtype.js";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import type { TensorRef } from "../../src/formats/tensor-ref.js";
import type { ByteSource } from "../../src/io/byte-source.js";
import { isContiguousView, readTensorBytes, readTensorChunks, readViewChunks } from "../../src/tensor/read.js";
import { fixtureSource, loadExpected } from "../formats/pytorch-test-helpers.js";

class RecordingSource implements ByteSource {
  readonly reads: number[] = [];
  constructor(private readonly inner: ByteSource) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }
  read(offset: number, length: number): Promise<Uint8Array> { this.reads.push(length); return this.inner.read(offset, length); }
  close(): Promise<void> { return this.inner.close(); }
}

const expected = loadExpected("views");
const wanted = new Map(expected.selections[0]!.tensors.map((t) => [t.name, t]));

function torchValues(name: string): Float64Array {
  const t = wanted.get(name)!;
  return expected.values.subarray(t.offset, t.offset + t.numel);
}

async function collect(chunks: AsyncIterable<Uint8Array>, maxChunk: number, ref: TensorRef): Promise<Float64Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) {
    assert.ok(c.byteLength <= maxChunk && c.byteLength % DTYPE_ITEMSIZE[ref.dtype] === 0 && c.byteLength > 0, `${ref.name}: chunk of ${c.byteLength}`);
    parts.push(c);
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.byteLength; }
  return decodeToFloat64(ref.dtype, all);
}

test("every view of views.pt reads torch's values for chunk sizes from one element to whole", async () => {
  const refs = await readPytorchCheckpoint(fixtureSource("views.pt"));
  assert.equal(refs.length, wanted.size);
  for (const ref of refs) {
    const want = torchValues(ref.name);
    assert.equal(isContiguousView(ref), wanted.get(ref.name)!.contiguous || ref.numel <= 1, ref.name);
    for (const chunk of [1, 6, 12, 40, 1 << 20]) {
      const effective = Math.max(DTYPE_ITEMSIZE[ref.dtype], Math.floor(chunk / DTYPE_ITEMSIZE[ref.dtype]) * DTYPE_ITEMSIZE[ref.dtype]);
      const got = await collect(readTensorChunks(ref, chunk), effective, ref);
      assert.deepEqual(Array.from(got), Array.from(want), `${ref.name} chunk ${chunk}`);
    }
    assert.deepEqual(Array.from(decodeToFloat64(ref.dtype, await readTensorBytes(ref))), Array.from(want), ref.name);
  }
});

test("strided views gathered with a tiny span limit read no span larger than the limit (one element excepted)", async () => {
  for (const maxSpan of [4, 16, 30]) {
    const source = new RecordingSource(fixtureSource("views.pt"));
    const refs = await readPytorchCheckpoint(source);
    for (const ref of refs.filter((r) => r.view !== undefined)) {
      source.reads.length = 0;
      const got = await collect(readViewChunks(ref, 8, maxSpan), 8, ref);
      assert.deepEqual(Array.from(got), Array.from(torchValues(ref.name)), `${ref.name} span ${maxSpan}`);
      const itemsize = DTYPE_ITEMSIZE[ref.dtype];
      assert.ok(source.reads.every((n) => n <= Math.max(maxSpan, itemsize)), `${ref.name}: reads ${source.reads.join(",")}`);
    }
  }
});

test("a 0-element tensor yields no chunk and a 0-d tensor one element", async () => {
  const refs = await readPytorchCheckpoint(fixtureSource("views.pt"));
  const empty = refs.find((r) => r.name === "empty")!;
  const chunks: Uint8Array[] = [];
  for await (const c of readTensorChunks(empty)) chunks.push(c);
  assert.equal(chunks.length, 0);
  assert.equal((await readTensorBytes(empty)).byteLength, 0);
  const scalar = refs.find((r) => r.name === "scalar")!;
  assert.deepEqual(Array.from(decodeToFloat64("F64", await readTensorBytes(scalar))), Array.from(torchValues("scalar")));
});
