// StatsPool batching: small tensors (and tasks on sketches) bound for one worker in one turn of the
// event loop go in one message (BATCH_MAX_REQUESTS at most) and come back in one reply; each call
// still gets its own result, the same as when sent alone, and a request that fails inside a batch
// (a short read, a task that throws) fails alone, with the error it has when sent alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DTYPE_ITEMSIZE, encodeFloats, type Dtype } from "../../src/formats/dtype.js";
import type { TensorRef } from "../../src/formats/tensor-ref.js";
import { FileSource, MemorySource, type ByteSource } from "../../src/io/index.js";
import { MODULE_EXT } from "../../src/kernels/load.js";
import { BATCH_MAX_REQUESTS, StatsPool, type TensorValues } from "../../src/kernels/stats-pool.js";
import { Rng } from "../../src/util/rng.js";

const TASKS = new URL("./pool-call-task" + MODULE_EXT, import.meta.url).href;

interface Tensor { name: string; dtype: Dtype; numel: number; offset: number; values: TensorValues }

/** 20 small tensors of mixed dtypes laid out one after another in one buffer. */
function layout(): { bytes: Uint8Array; tensors: Tensor[] } {
  const rng = new Rng(5);
  const parts: Uint8Array[] = [];
  const tensors: Tensor[] = [];
  let offset = 0;
  for (let i = 0; i < 20; i++) {
    const dtype = (["F32", "F16", "BF16"] as const)[i % 3]!;
    const numel = 300 + 37 * i;
    const b = encodeFloats(dtype, Array.from({ length: numel }, (_, j) => (j % 53 === 7 ? NaN : 0.02 * rng.normal() + 0.001 * i)));
    parts.push(b);
    tensors.push({ name: `t${i}`, dtype, numel, offset, values: (["none", "use", "return"] as const)[i % 3]! });
    offset += b.byteLength;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return { bytes, tensors };
}

function refOf(source: ByteSource, t: Tensor, numel = t.numel): TensorRef {
  return { name: t.name, dtype: t.dtype, shape: [numel], numel, file: source.name, source, byteOffset: t.offset, byteLength: numel * DTYPE_ITEMSIZE[t.dtype] };
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string; type: string };

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: (e as Error).message, type: (e as Error).constructor.name };
  }
}

/**
 * Each tensor through sketchAndCall, one at a time (every request sent alone) and all at once
 * (batched), on a pool of `workers`; `bad` tensors are read past the end of their source, and the
 * task refuses the tensor named `refused`.
 */
async function bothWays(source: ByteSource, tensors: Tensor[], workers: number, bad: Set<string>, refused: string): Promise<{ alone: Outcome[]; batched: Outcome[]; counts: { messages: number; requests: number } }> {
  const run = (pool: StatsPool, t: Tensor) => outcome(pool.sketchAndCall(refOf(source, t, bad.has(t.name) ? 1_000_000 : t.numel), TASKS, "sketchAndValuesUnless", [t.name, refused], { values: t.values }));
  const single = await StatsPool.create(workers);
  const alone: Outcome[] = [];
  try {
    for (const t of tensors) alone.push(await run(single, t));
    const c = single.messageCounts;
    assert.equal(c.messages, c.requests, "one at a time: every request is its own message");
  } finally {
    await single.close();
  }
  const pool = await StatsPool.create(workers);
  try {
    const batched = await Promise.all(tensors.map((t) => run(pool, t)));
    return { alone, batched, counts: pool.messageCounts };
  } finally {
    await pool.close();
  }
}

test("StatsPool batches small tensors: fewer messages than requests, each call's sketch, result and values as when sent alone", async () => {
  const { bytes, tensors } = layout();
  const dir = mkdtempSync(join(tmpdir(), "fp-pool-batch-"));
  try {
    const file = join(dir, "t.bin");
    writeFileSync(file, bytes);
    const fileSource = await FileSource.open(file);
    try {
      for (const source of [fileSource, new MemorySource(bytes, "mem")] as ByteSource[]) {
        const { alone, batched, counts } = await bothWays(source, tensors, 2, new Set(), "");
        assert.ok(alone.every((o) => o.ok), "all succeed");
        assert.deepStrictEqual(batched, alone, `${source.name}: batched results`);
        assert.equal(counts.requests, tensors.length);
        if (source === fileSource) {
          // local file ranges need no byte-carrying slot: 20 requests over 2 workers, BATCH_MAX_REQUESTS per message at most
          assert.ok(counts.messages <= Math.ceil(tensors.length / BATCH_MAX_REQUESTS) + 2, `${counts.messages} messages for ${counts.requests} requests`);
        } else {
          assert.ok(counts.messages < counts.requests, `memory sources: ${counts.messages} messages for ${counts.requests} requests`);
        }
      }
    } finally {
      await fileSource.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("StatsPool: a tensor failing inside a batch (short read, task error) fails alone with its typed error; the others' results are as when sent alone", async () => {
  const { bytes, tensors } = layout();
  const dir = mkdtempSync(join(tmpdir(), "fp-pool-batch-err-"));
  try {
    const file = join(dir, "t.bin");
    writeFileSync(file, bytes);
    const source = await FileSource.open(file);
    try {
      // one worker: the error names the worker, so both ways run on worker 0
      const { alone, batched, counts } = await bothWays(source, tensors, 1, new Set(["t4", "t11"]), "t7");
      assert.ok(counts.messages < counts.requests, `batched: ${counts.messages} messages for ${counts.requests} requests`);
      assert.deepStrictEqual(batched, alone);
      const failed = batched.flatMap((o, i) => (o.ok ? [] : [{ name: tensors[i]!.name, ...o }]));
      assert.deepStrictEqual(failed.map((f) => [f.name, f.type]), [["t4", "KernelError"], ["t7", "KernelError"], ["t11", "KernelError"]]);
      assert.match(failed[0]!.error, /t\.bin: tensor "t4": task sketchAndValuesUnless: statistics worker 0 failed: .*short read/);
      assert.match(failed[1]!.error, /task refused t7/);
      assert.equal(batched.filter((o) => o.ok).length, tensors.length - 3);
    } finally {
      await source.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("StatsPool batches tasks on sketches (groups): same results as one by one, fewer messages", async () => {
  const pool = await StatsPool.create(2);
  try {
    const { bytes, tensors } = layout();
    const source = new MemorySource(bytes, "mem");
    const sketches = [];
    for (const t of tensors) sketches.push(await pool.sketchTensor(refOf(source, t)));
    const before = pool.messageCounts;
    const alone = [];
    for (const [i, s] of sketches.entries()) alone.push(await pool.callOnSketch(s, TASKS, "sketchAndValues", [`g${i}`]));
    const mid = pool.messageCounts;
    assert.equal(mid.messages - before.messages, sketches.length);
    const together = await Promise.all(sketches.map((s, i) => pool.callOnSketch(s, TASKS, "sketchAndValues", [`g${i}`])));
    assert.deepStrictEqual(together, alone);
    const after = pool.messageCounts;
    assert.equal(after.requests - mid.requests, sketches.length);
    assert.ok(after.messages - mid.messages <= Math.ceil(sketches.length / BATCH_MAX_REQUESTS) + 2, `${after.messages - mid.messages} messages`);
  } finally {
    await pool.close();
  }
});

test("StatsPool: the analysis's row task (tensorRowStatsOf: summary, shape, encoded JSON, kept values) gives the same rows batched as one by one", async () => {
  const { ROW_TASKS_URL } = await import("../../src/pipeline/row-tasks-url.js");
  const { bytes, tensors } = layout();
  const source = new MemorySource(bytes, "mem");
  const rows = async (pool: StatsPool, together: boolean) => {
    const one = (t: Tensor, i: number) => {
      const kept = i % 2 === 0;
      const spec = { name: `gpt_neox.layers.${i}.attention.dense.bias`, step: 7, kept, spectral: null, shapeSampleSize: 4096, ...(i % 4 < 2 && { encode: true }) };
      return outcome(pool.sketchAndCall(refOf(source, t), ROW_TASKS_URL, "tensorRowStatsOf", [spec], { values: kept ? "return" : "none" }));
    };
    if (together) return Promise.all(tensors.map(one));
    const out: Outcome[] = [];
    for (const [i, t] of tensors.entries()) out.push(await one(t, i));
    return out;
  };
  const pool = await StatsPool.create(2, { preload: [ROW_TASKS_URL] });
  try {
    const alone = await rows(pool, false);
    const c0 = pool.messageCounts;
    const batched = await rows(pool, true);
    const c1 = pool.messageCounts;
    assert.ok(alone.every((o) => o.ok), "all rows computed");
    assert.ok(c1.messages - c0.messages < c1.requests - c0.requests, "batched");
    assert.deepStrictEqual(batched, alone);
  } finally {
    await pool.close();
  }
});

test("StatsPool.callOnSketch lending a packed sketch: the same results, alone or batched; its histogram comes back (new arrays, same values); arrays that share a buffer are copied, not lent", async () => {
  const { packSketch } = await import("../../src/kernels/packed-sketch.js");
  const pool = await StatsPool.create(2);
  try {
    const { bytes, tensors } = layout();
    const source = new MemorySource(bytes, "mem");
    const plain: Awaited<ReturnType<StatsPool["sketchTensor"]>>[] = [];
    for (const t of tensors) plain.push(await pool.sketchTensor(refOf(source, t)));
    const copied = await Promise.all(plain.map((s, i) => pool.callOnSketch(s, TASKS, "histogramSeen", [`g${i}`])));
    const packed = plain.map((s) => packSketch(s));
    const arrays = packed.map((p) => [p.histKeys, p.histCounts] as const);
    const lent = await Promise.all(packed.map((p, i) => pool.callOnSketch(p, TASKS, "histogramSeen", [`g${i}`], 0, { lend: true })));
    assert.deepStrictEqual(lent, copied);
    packed.forEach((p, i) => {
      assert.notEqual(p.histKeys, arrays[i]![0], "new arrays came back");
      assert.equal(arrays[i]![0].byteLength, 0, "the arrays lent were transferred, not copied");
      assert.deepStrictEqual(p.histKeys, Int32Array.from(plain[i]!.histKeys));
      assert.deepStrictEqual(p.histCounts, Float64Array.from(plain[i]!.histCounts));
    });
    // views of a larger buffer: lending them would detach the rest of it; they are copied instead
    const first = packed[0]!;
    const n = first.histKeys.length;
    const sharedKeys = new Int32Array(2 * n), sharedCounts = new Float64Array(2 * n);
    sharedKeys.set(first.histKeys);
    sharedCounts.set(first.histCounts);
    const view = { ...first, histKeys: sharedKeys.subarray(0, n), histCounts: sharedCounts.subarray(0, n) };
    assert.deepStrictEqual(await pool.callOnSketch(view, TASKS, "histogramSeen", ["g0"], 0, { lend: true }), copied[0]);
    assert.equal(sharedKeys.length, 2 * n, "not detached");
    assert.equal(view.histKeys.buffer, sharedKeys.buffer, "kept as they were");
  } finally {
    await pool.close();
  }
});
