// Shard specs: K/N and auto/N from the Slurm or Kubernetes index, the i mod N rule, and one-line
// usage errors for a missing index or one out of range.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseShardSpec, shardItems, shardPartName } from "../../src/cluster/shard.js";
import { UsageError } from "../../src/util/errors.js";

test("K/N and auto/N from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX", () => {
  assert.deepEqual(parseShardSpec("2/7", {}), { index: 2, count: 7 });
  assert.deepEqual(parseShardSpec("auto/4", { SLURM_ARRAY_TASK_ID: "3" }), { index: 3, count: 4 });
  assert.deepEqual(parseShardSpec("auto/4", { JOB_COMPLETION_INDEX: "0" }), { index: 0, count: 4 });
});

test("usage errors: no index in the environment, out of range, malformed", () => {
  assert.throws(() => parseShardSpec("auto/4", {}), (e: unknown) => e instanceof UsageError && /neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set/.test(e.message));
  assert.throws(() => parseShardSpec("auto/4", { SLURM_ARRAY_TASK_ID: "4" }), /SLURM_ARRAY_TASK_ID=4 is out of range 0\.\.3/);
  assert.throws(() => parseShardSpec("auto/4", { JOB_COMPLETION_INDEX: "x" }), /is not a non-negative integer/);
  assert.throws(() => parseShardSpec("5/5", {}), /K must be between 0 and 4/);
  assert.throws(() => parseShardSpec("1/0", {}), /N must be between 1/);
  assert.throws(() => parseShardSpec("1-4", {}), /expected K\/N or auto\/N/);
});

test("checkpoint i goes to shard i mod N; every checkpoint in exactly one shard", () => {
  const items = Array.from({ length: 10 }, (_, i) => i * 100);
  assert.deepEqual(shardItems(items, { index: 1, count: 3 }), [100, 400, 700]);
  for (const n of [1, 2, 3, 7, 12]) {
    const all = Array.from({ length: n }, (_, k) => shardItems(items, { index: k, count: n })).flat().sort((a, b) => a - b);
    assert.deepEqual(all, items);
  }
  assert.equal(shardPartName({ index: 3, count: 154 }), "shard-003-of-154");
});
