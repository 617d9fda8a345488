// StatsPool.sketchAndCall: a whole tensor sketched and handed to a task in one worker (local file
// ranges read by the worker, other sources read here and transferred once), the same sketch as
// sketchTensor, the task given the decoded values only when asked, and the values returned
// (transferred) with "return"; many tensors at once respect the byte-carrying limit and all finish.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeToFloat32, DTYPE_ITEMSIZE, encodeFloats, type Dtype } from "../../src/formats/dtype.js";
import type { TensorRef } from "../../src/formats/tensor-ref.js";
import { FileSource, MemorySource, type ByteSource } from "../../src/io/index.js";
import { MODULE_EXT } from "../../src/kernels/load.js";
import { StatsPool, type TensorValues } from "../../src/kernels/stats-pool.js";
import { Rng } from "../../src/util/rng.js";

const TASKS = new URL("./pool-call-task" + MODULE_EXT, import.meta.url).href;
const PREFIX = 13; // tensor bytes start at an odd offset inside the source

type Told = { numel: number; valuesLength: number | null; valuesSum: number | null; tag: string };

function tensorBytes(dtype: Dtype, n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return encodeFloats(dtype, Array.from({ length: n }, (_, i) => (i % 97 === 5 ? NaN : 0.05 * rng.normal())));
}

function refOver(source: ByteSource, dtype: Dtype, numel: number, name: string): TensorRef {
  return { name, dtype, shape: [numel], numel, file: source.name, source, byteOffset: PREFIX, byteLength: numel * DTYPE_ITEMSIZE[dtype] };
}

function withPrefix(bytes: Uint8Array): Uint8Array {
  const all = new Uint8Array(PREFIX + bytes.byteLength + 3);
  all.set(bytes, PREFIX);
  return all;
}

function finiteSum(values: Float32Array): number {
  let s = 0;
  for (const v of values) if (Number.isFinite(v)) s += v;
  return s;
}

for (const workers of [0, 2]) {
  test(`StatsPool(${workers}).sketchAndCall: same sketch as sketchTensor, values only when asked, returned with "return" (file and memory sources)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "fp-sketch-call-"));
    const pool = await StatsPool.create(workers);
    try {
      for (const dtype of ["F32", "BF16", "F16"] as const) {
        const bytes = tensorBytes(dtype, 5000, dtype.length);
        const file = join(dir, `${dtype}.bin`);
        writeFileSync(file, withPrefix(bytes));
        const fileSource = await FileSource.open(file);
        try {
          for (const source of [fileSource, new MemorySource(withPrefix(bytes), "mem")] as ByteSource[]) {
            const ref = refOver(source, dtype, 5000, `w.${dtype}`);
            const expected = await pool.sketchTensor(ref);
            const decoded = decodeToFloat32(dtype, bytes);
            for (const values of ["none", "use", "return"] as TensorValues[]) {
              let reported = 0;
              const r = await pool.sketchAndCall<Told>(ref, TASKS, "sketchAndValues", [values], { values, onBytes: (n) => (reported += n) });
              const what = `${dtype} ${source.name} ${values}`;
              assert.deepEqual(r.sketch, expected, `${what}: sketch`);
              assert.equal(reported, bytes.byteLength, `${what}: bytes reported`);
              assert.deepEqual(r.value, { numel: 5000, valuesLength: values === "none" ? null : 5000, valuesSum: values === "none" ? null : finiteSum(decoded), tag: values }, what);
              if (values === "return") assert.deepEqual(r.values, decoded, `${what}: values returned`);
              else assert.equal(r.values, null, `${what}: no values returned`);
            }
          }
        } finally {
          await fileSource.close();
        }
      }
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("StatsPool.sketchAndCall: 40 tensors from memory at once (bytes read only as byte-carrying slots free up) all finish, each with its own result", async () => {
  const pool = await StatsPool.create(2);
  try {
    const tensors = Array.from({ length: 40 }, (_, i) => ({ i, bytes: tensorBytes("F32", 1000 + i, i) }));
    const results = await Promise.all(tensors.map(({ i, bytes }) =>
      pool.sketchAndCall<Told>(refOver(new MemorySource(withPrefix(bytes), `m${i}`), "F32", 1000 + i, `t${i}`), TASKS, "sketchAndValues", [`t${i}`], { values: "use" })));
    results.forEach((r, i) => {
      assert.equal(r.sketch.numel, 1000 + i);
      assert.deepEqual(r.value, { numel: 1000 + i, valuesLength: 1000 + i, valuesSum: finiteSum(decodeToFloat32("F32", tensors[i]!.bytes)), tag: `t${i}` });
    });
    await assert.rejects(pool.sketchAndCall(refOver(new MemorySource(new Uint8Array(8), "short"), "F32", 100, "short"), TASKS, "sketchAndValues", ["x"], { values: "use" }));
    const again = await pool.sketchAndCall<Told>(refOver(new MemorySource(withPrefix(tensors[0]!.bytes), "m0"), "F32", 1000, "t0"), TASKS, "sketchAndValues", ["ok"], { values: "none" });
    assert.equal(again.value.tag, "ok", "a failed read frees its slot: the pool still works");
  } finally {
    await pool.close();
  }
});

test("StatsPool workers read a local tensor through its source's open descriptor: the file the source opened, even once its path names another", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-sketch-fd-"));
  const pool = await StatsPool.create(2);
  try {
    const numel = 300_001; // > FILE_READ_PIECE_BYTES: several pieces
    const bytes = tensorBytes("F32", numel, 11);
    const file = join(dir, "model.bin");
    writeFileSync(file, withPrefix(bytes));
    const source = await FileSource.open(file);
    try {
      assert.equal(typeof source.localFd, "number");
      const ref = refOver(source, "F32", numel, "w");
      const expected = await pool.sketchTensor(ref);
      // the path now names other values: a worker that opened the path would sketch those
      const other = join(dir, "other.bin");
      writeFileSync(other, withPrefix(tensorBytes("F32", numel, 12)));
      renameSync(other, file);
      assert.deepStrictEqual(await pool.sketchTensor(ref), expected, "sketchTensor (file-range parts)");
      const r = await pool.sketchAndCall<Told>(ref, TASKS, "sketchAndValues", ["fd"], { values: "return" });
      assert.deepStrictEqual(r.sketch, expected, "sketchAndCall");
      assert.deepStrictEqual(r.values, decodeToFloat32("F32", bytes), "values returned: the source's, read into their own buffer");
    } finally {
      await source.close();
    }
    assert.equal(source.localFd, undefined, "no descriptor once closed");
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
