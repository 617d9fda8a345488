import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFloats, DTYPE_ITEMSIZE, type Dtype } from "../../src/formats/dtype.js";
import type { TensorRef } from "../../src/formats/tensor-ref.js";
import { FileSource, MemorySource, type ByteSource } from "../../src/io/index.js";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { StatsPool } from "../../src/kernels/stats-pool.js";
import { Rng } from "../../src/util/rng.js";
import { assertSketchesAgree } from "../stats/sketch-fixtures.js";

const PREFIX = 13; // tensor bytes start at an odd offset inside the source

function tensorBytes(dtype: Dtype, n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return encodeFloats(dtype, Array.from({ length: n }, (_, i) => (i % 997 === 5 ? NaN : i % 13 === 0 ? 0 : 0.05 * rng.normal())));
}

function refOver(source: ByteSource, dtype: Dtype, numel: number, name = "w"): TensorRef {
  return { name, dtype, shape: [numel], numel, file: source.name, source, byteOffset: PREFIX, byteLength: numel * DTYPE_ITEMSIZE[dtype] };
}

function memoryRef(dtype: Dtype, bytes: Uint8Array, name?: string): TensorRef {
  const all = new Uint8Array(PREFIX + bytes.byteLength + 7);
  all.set(bytes, PREFIX);
  return refOver(new MemorySource(all, "mem.safetensors"), dtype, bytes.byteLength / DTYPE_ITEMSIZE[dtype], name);
}

for (const workers of [0, 1, 2]) {
  test(`StatsPool(${workers}) sketches chunked tensors of every float dtype like the oracle`, async () => {
    const pool = await StatsPool.create(workers);
    try {
      for (const dtype of ["F32", "F16", "BF16", "F64"] as const) {
        const bytes = tensorBytes(dtype, 40_003, 1);
        let seen = 0;
        const s = await pool.sketchTensor(memoryRef(dtype, bytes), { chunkBytes: 10_001, onBytes: (n) => { seen += n; } });
        assertSketchesAgree(s, sketchChunkScalar(dtype, bytes), `${dtype} workers=${workers}`);
        assert.equal(seen, bytes.byteLength, "onBytes reports every byte once");
      }
      const empty = await pool.sketchTensor(memoryRef("F32", new Uint8Array(0)));
      assert.equal(empty.numel, 0);
      assert.equal(empty.min, null);
    } finally {
      await pool.close();
    }
  });
}

test("StatsPool runs concurrent tensors interleaved on the same workers", async () => {
  const pool = await StatsPool.create(2);
  try {
    const inputs = [["F32", 1], ["F16", 2], ["BF16", 3], ["F32", 4]] as const;
    const datas = inputs.map(([dtype, seed]) => tensorBytes(dtype, 25_000 + seed, seed));
    const sketches = await Promise.all(inputs.map(([dtype], i) => pool.sketchTensor(memoryRef(dtype, datas[i]!, `t${i}`), { chunkBytes: 4096 })));
    sketches.forEach((s, i) => assertSketchesAgree(s, sketchChunkScalar(inputs[i]![0], datas[i]!), `job ${i}`));
  } finally {
    await pool.close();
  }
});

test("StatsPool reads files through FileSource, transferring whole chunk buffers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-stats-pool-"));
  const pool = await StatsPool.create(2);
  try {
    const bytes = tensorBytes("F32", 100_001, 7);
    const file = join(dir, "t.bin");
    const all = new Uint8Array(PREFIX + bytes.byteLength);
    all.set(bytes, PREFIX);
    writeFileSync(file, all);
    const src = await FileSource.open(file);
    const s = await pool.sketchTensor(refOver(src, "F32", 100_001), { chunkBytes: 65_536 });
    await src.close();
    assertSketchesAgree(s, sketchChunkScalar("F32", bytes), "file");
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("StatsPool refuses non-float tensors and use after close", async () => {
  const pool = await StatsPool.create(0);
  await assert.rejects(pool.sketchTensor(memoryRef("I32", new Uint8Array(8))), /dtype I32 has no distribution statistics/);
  await pool.close();
  await assert.rejects(pool.sketchTensor(memoryRef("F32", new Uint8Array(8))), /pool is closed/);
  await assert.rejects(StatsPool.create(-1), /workers must be an integer/);
});

test("StatsPool.create({ early }): requests posted before the workers are ready are queued and answered like the oracle's", async () => {
  const pool = await StatsPool.create(2, { early: true });
  try {
    const ready = () => (pool as unknown as { slots: { ready: boolean }[] }).slots.map((s) => s.ready);
    assert.deepEqual(ready(), [false, false], "returned before any worker said ready");
    const inputs = [1, 2, 3, 4].map((seed) => tensorBytes("F16", 20_011, seed));
    const sketches = await Promise.all(inputs.map((bytes) => pool.sketchTensor(memoryRef("F16", bytes))));
    sketches.forEach((s, i) => assertSketchesAgree(s, sketchChunkScalar("F16", inputs[i]!), `tensor ${i}`));
    assert.deepEqual(ready(), [true, true], "each worker said ready before its replies");
  } finally {
    await pool.close();
  }
});

test("StatsPool.started: resolves once every worker said ready (early pool), at once for 0 workers or a pool created ready, and when a pool closes first", async () => {
  const early = await StatsPool.create(2, { early: true });
  try {
    const ready = () => (early as unknown as { slots: { ready: boolean }[] }).slots.map((s) => s.ready);
    assert.deepEqual(ready(), [false, false], "returned before any worker said ready");
    let started = false;
    void early.started.then(() => (started = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started, false, "not started while the workers load");
    await early.started;
    assert.deepEqual(ready(), [true, true], "started once both workers said ready");
  } finally {
    await early.close();
  }
  for (const pool of [await StatsPool.create(0), await StatsPool.create(1)]) {
    try {
      assert.equal(await Promise.race([pool.started.then(() => "started"), new Promise((resolve) => setImmediate(() => resolve("pending")))]), "started");
    } finally {
      await pool.close();
    }
  }
  const closed = await StatsPool.create(2, { early: true });
  await closed.close();
  await closed.started; // resolves (never rejects) though no worker said ready
});
