// StatsPool.call: pure task functions run on the workers (or in this thread with 0 workers), in
// parallel with sketching, with their errors surfaced as KernelErrors naming the task.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySource } from "../../src/io/index.js";
import { MODULE_EXT } from "../../src/kernels/load.js";
import { StatsPool } from "../../src/kernels/stats-pool.js";
import { KernelError } from "../../src/util/errors.js";

const TASKS = new URL("./pool-call-task" + MODULE_EXT, import.meta.url).href;

for (const workers of [0, 2]) {
  test(`StatsPool(${workers}).call runs task functions, concurrently with sketches, and reports their errors`, async () => {
    const pool = await StatsPool.create(workers);
    try {
      const values = Float64Array.from({ length: 1000 }, (_, i) => i);
      const bytes = new Uint8Array(new Float32Array(1 << 16).fill(0.5).buffer);
      const source = new MemorySource(bytes, "mem");
      const sketch = pool.sketchTensor({ name: "w", dtype: "F32", shape: [1 << 16], numel: 1 << 16, file: "mem", source, byteOffset: 0, byteLength: bytes.byteLength }, { chunkBytes: 4096 });
      const sums = await Promise.all([1, 2, 3, 4, 5].map((k) => pool.call<number>(TASKS, "sumOf", [values, k])));
      assert.deepEqual(sums, [1, 2, 3, 4, 5].map((k) => 499500 * k));
      assert.equal((await sketch).n, 1 << 16);
      assert.equal(values[999], 999, "the caller's arguments are left intact");
      await assert.rejects(pool.call(TASKS, "fails", ["x"]), (err: unknown) => (workers === 0 ? err instanceof Error : err instanceof KernelError) && /task refused x/.test((err as Error).message));
      await assert.rejects(pool.call(TASKS, "missing", []), /has no function missing/);
      assert.equal(await pool.call<number>(TASKS, "sumOf", [values, 1]), 499500, "the pool still works after a failed task");
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.call(TASKS, "sumOf", [new Float64Array(1), 1]), /closed/);
  });
}

test("StatsPool.call: calls started together spread over the workers (each takes its slot before the next looks)", async () => {
  const pool = await StatsPool.create(2);
  try {
    const threads = await Promise.all([0, 1, 2, 3].map(() => pool.call<number>(TASKS, "threadOf", [30])));
    assert.equal(new Set(threads).size, 2, `4 simultaneous calls ran on threads ${threads.join(", ")}`);
    assert.deepEqual([...threads].sort(), [...new Set(threads)].flatMap((t) => [t, t]).sort(), "two calls per worker");
    assert.deepEqual(await Promise.all([0, 1].map(() => pool.call<boolean>(TASKS, "inheritedStatsKernel", []))), [true, true], "workers reuse the parent's compiled kernel");
  } finally {
    await pool.close();
  }
});

test("StatsPool.call: arguments that cannot be sent reject and free their worker slot", async () => {
  const pool = await StatsPool.create(1);
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(pool.call(TASKS, "sumOf", [() => 1, 1]), /could not be cloned/);
    assert.equal(await pool.call<number>(TASKS, "sumOf", [Float64Array.of(1, 2), 1]), 3, "the slots taken by the failed calls were freed");
  } finally {
    await pool.close();
  }
});
