// StatsPool's dispatch: each worker's queued work stays within its limit (bytes of tensor data plus
// REQUEST_WORK_BYTES per request) and is spread over the workers; requests take slots in the order
// they were made, a large tensor's parts together, so tensors started after it do not overtake it;
// and a worker runs a task on a sketch made elsewhere (a checkpoint's groups) before the tensors
// queued ahead of it, so a checkpoint's end does not wait behind the next checkpoints' tensors;
// requests of a lower priority (an earlier checkpoint's) are dealt and run before those of a higher
// one made before them, whether they wait for a slot here or are queued on the worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TensorRef } from "../../src/formats/tensor-ref.js";
import { FileSource, type ByteSource } from "../../src/io/index.js";
import { MODULE_EXT } from "../../src/kernels/load.js";
import { REQUEST_WORK_BYTES, StatsPool } from "../../src/kernels/stats-pool.js";
import { Rng } from "../../src/util/rng.js";

const TASKS = new URL("./pool-call-task" + MODULE_EXT, import.meta.url).href;
const MIB = 1024 * 1024;

/** A file of `count` F32 tensors of `numel` values each, one after another (seeded normal values). */
async function withTensors(count: number, numel: number, use: (source: ByteSource, refs: TensorRef[]) => Promise<void>): Promise<void> {
  const rng = new Rng(11);
  const values = new Float32Array(count * numel);
  for (let i = 0; i < values.length; i++) values[i] = 0.02 * rng.normal() + 1e-4 * Math.floor(i / numel);
  const dir = mkdtempSync(join(tmpdir(), "fp-pool-queue-"));
  try {
    const file = join(dir, "t.bin");
    writeFileSync(file, new Uint8Array(values.buffer));
    const source = await FileSource.open(file);
    try {
      const refs = Array.from({ length: count }, (_, i): TensorRef => ({
        name: `t${i}`, dtype: "F32", shape: [numel], numel, file: source.name, source, byteOffset: i * numel * 4, byteLength: numel * 4,
      }));
      await use(source, refs);
    } finally {
      await source.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves to the order in which `promises` settled (their indices). */
async function settleOrder(promises: Promise<unknown>[]): Promise<number[]> {
  const order: number[] = [];
  await Promise.all(promises.map((p, i) => p.then(() => order.push(i))));
  return order;
}

test("StatsPool: queued work per worker within its limit, on both workers, a large tensor's parts with small tensors; sketches as alone", async () => {
  // t0: 6 MiB, sketched in 1 MiB parts; t1..t12: 1 MiB each (2 MiB of work each with REQUEST_WORK_BYTES)
  await withTensors(13, 256 * 1024, async (_source, refs) => {
    const large: TensorRef = { ...refs[0]!, name: "large", shape: [6 * 256 * 1024], numel: 6 * 256 * 1024, byteLength: 6 * MIB };
    const limit = 3 * (MIB + REQUEST_WORK_BYTES);
    const pool = await StatsPool.create(2, { queuedWork: limit });
    const oracle = await StatsPool.create(0);
    try {
      const small = refs.slice(1);
      await Promise.all(small.slice(0, 4).map((r) => pool.sketchTensor(r))); // both workers warm (a first request costs more)
      const started = [pool.sketchTensor(large, { chunkBytes: MIB }), ...small.map((r) => pool.sketchTensor(r))];
      await Promise.allSettled(started);
      const most = pool.largestQueuedWork;
      assert.ok(most.every((w) => w > 0), `both workers used: ${most}`);
      assert.ok(most.every((w) => w <= limit), `queued work ${most} within ${limit}`);
      // the same sketches as each tensor alone (the large one's parts merged in order, whichever worker did each)
      const sketches = await Promise.all(started);
      const alone = [await pool.sketchTensor(large, { chunkBytes: MIB })];
      for (const r of small) alone.push(await pool.sketchTensor(r));
      assert.deepStrictEqual(sketches, alone);
      assert.deepStrictEqual(sketches.slice(1), await Promise.all(small.map((r) => oracle.sketchTensor(r))), "small tensors as in-thread");
    } finally {
      await Promise.all([pool.close(), oracle.close()]);
    }
  });
});

test("StatsPool: a task on a sketch (a group's) runs before the tensors queued ahead of it on its worker", async () => {
  await withTensors(16, MIB, async (_source, refs) => {
    const pool = await StatsPool.create(1);
    try {
      const sketch = await pool.sketchTensor(refs[0]!);
      const tensors = refs.map((r) => pool.sketchAndCall(r, TASKS, "sketchAndValues", [r.name], { values: "none" }));
      const group = pool.callOnSketch(sketch, TASKS, "sketchAndValues", ["group"]);
      const order = await settleOrder([group, ...tensors]);
      // arrival order would put it last (16 tensors of 4 MiB queued ahead of it)
      assert.ok(order.indexOf(0) <= 8, `the group's task finished after ${order.indexOf(0)} of 16 tensors queued ahead of it (order ${order})`);
      assert.deepStrictEqual(await group, { numel: MIB, valuesLength: null, valuesSum: null, tag: "group" });
    } finally {
      await pool.close();
    }
  });
});

/**
 * Tensors t0..t11 with priority 1 (a later checkpoint's), then t12..t15 with priority 0 (an earlier
 * one's), on one worker with `queuedWork` of queue: the order they finished in, and their sketches.
 */
async function priorityOrder(refs: TensorRef[], queuedWork: number | undefined): Promise<{ order: number[]; sketches: unknown[] }> {
  const pool = await StatsPool.create(1, queuedWork !== undefined ? { queuedWork } : {});
  try {
    await pool.sketchTensor(refs[0]!); // the worker warm (a first request costs more)
    const started = refs.map((r, i) => pool.sketchAndCall(r, TASKS, "sketchAndValues", [r.name], { values: "none", priority: i < 12 ? 1 : 0 }));
    const order = await settleOrder(started);
    return { order, sketches: (await Promise.all(started)).map((r) => [r.sketch, r.value]) };
  } finally {
    await pool.close();
  }
}

test("StatsPool: an earlier checkpoint's requests (lower priority) go before a later one's made before them; same results", async () => {
  await withTensors(16, MIB, async (_source, refs) => {
    // waiting here for a slot (two 4 MiB tensors queued on the worker at most) ...
    const dealt = await priorityOrder(refs, 2 * (4 * MIB + REQUEST_WORK_BYTES));
    // ... and all queued on the worker at once (the default 128 MiB of queue)
    const queued = await priorityOrder(refs, undefined);
    for (const [how, { order }] of [["waiting for a slot", dealt], ["queued on the worker", queued]] as const) {
      const lastEarly = Math.max(...[12, 13, 14, 15].map((i) => order.indexOf(i)));
      // arrival order would finish them last (positions 12-15); by priority they pass all but the few under way
      assert.ok(lastEarly <= 8, `${how}: the priority-0 tensors finished by position ${lastEarly} of 16 (order ${order})`);
      // within a priority, in arrival order
      const late = order.filter((i) => i < 12);
      assert.deepStrictEqual(late, [...late].sort((x, y) => x - y), `${how}: priority-1 tensors in order (${order})`);
    }
    assert.deepStrictEqual(dealt.sketches, queued.sketches, "the same sketches and task results whatever the order");
    const pool = await StatsPool.create(1);
    try {
      const alone = [];
      for (const r of refs) {
        const one = await pool.sketchAndCall(r, TASKS, "sketchAndValues", [r.name], { values: "none" });
        alone.push([one.sketch, one.value]);
      }
      assert.deepStrictEqual(queued.sketches, alone, "as each tensor alone");
    } finally {
      await pool.close();
    }
  });
});
