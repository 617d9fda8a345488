// The batch writer moves the store's write-ahead log into the file between writes when the next
// write of the same size would pass DuckDB's threshold (so that the last write, on the critical
// path, does not pay for a checkpoint), never after the last write; on a real store the log is
// then empty and every row is still there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriter, type WalControl } from "../../src/pipeline/batch-writer.js";
import { Store } from "../../src/store/store.js";
import type { CheckpointResult } from "../../src/store/types.js";
import { fakeCheckpoint } from "../store/fake-results.js";

test("BatchWriter checkpoints the log ahead of a write that would pass the threshold (two writes ahead, one when one remains), only when more writes follow", async () => {
  let wal = 0;
  const checkpoints: number[] = [];
  const written: number[] = [];
  const control: WalControl = { thresholdBytes: 100, walBytes: () => wal, checkpointWal: async () => { checkpoints.push(written.at(-1)!); wal = 0; } };
  const writer = new BatchWriter({ writeCheckpoint: async (r: CheckpointResult) => { written.push(r.checkpoint.step); wal += 30; } }, control);
  const batch = (step: number) => ({ checkpoint: { step } }) as unknown as CheckpointResult;
  for (let step = 0; step < 9; step++) await writer.write(batch(step), { remaining: 8 - step });
  await writer.flush();
  // 30 per write, two writes ahead: after step 1 (60 + 2 x 30 > 100), 3 and 5; after step 6 (30 +
  // 60 <= 100) not; after step 7 (one remains: 60 + 30 <= 100) not; never after the last
  assert.deepEqual(written, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(checkpoints, [1, 3, 5]);
  assert.equal(wal, 90);
  // 70 + 2 x 30 > 100
  wal = 40;
  const ahead = new BatchWriter({ writeCheckpoint: async () => { wal += 30; } }, control);
  await ahead.write(batch(0), { remaining: 2 });
  await ahead.flush();
  assert.deepEqual(checkpoints, [1, 3, 5, 8]); // (the step last written by the first writer)
  assert.equal(wal, 0);
  // without `more` (other callers), never
  const quiet = new BatchWriter({ writeCheckpoint: async () => { wal += 50; } }, control);
  for (let step = 0; step < 3; step++) await quiet.write(batch(step));
  await quiet.flush();
  assert.deepEqual(checkpoints, [1, 3, 5, 8]);
});

test("Store.checkpointWal empties the write-ahead log; the rows stay", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-batch-writer-"));
  try {
    const store = await Store.openDir(dir);
    try {
      await store.putRun({ run_id: "r", source: "/x" });
      await store.writeCheckpoint("r", fakeCheckpoint(0, 1, { tensors: 20, histogramKeys: 200, trajectoryLength: 16 }));
      assert.ok(store.walBytes() > 0, "a commit leaves the log non-empty");
      await store.checkpointWal();
      assert.equal(store.walBytes(), 0);
      assert.equal((await store.tensorStats({ run: "r" })).length, 20);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Store.checkpointWalBeside moves the log on a second connection while reads go on; a later write waits for it; the close has nothing of it left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-batch-writer-"));
  try {
    const store = await Store.openDir(dir);
    try {
      await store.putRun({ run_id: "r", source: "/x" });
      for (const step of [0, 1]) await store.writeCheckpoint("r", fakeCheckpoint(step, 1, { tensors: 20, histogramKeys: 200, trajectoryLength: 16 }));
      const walBefore = store.walBytes();
      assert.ok(walBefore > 0, "commits leave the log non-empty");
      store.checkpointWalBeside();
      // reads issued at once run beside the checkpoint and see every committed row
      const [stats, histograms] = await Promise.all([store.tensorStats({ run: "r" }), store.histograms({ run: "r" })]);
      assert.equal(stats.length, 40);
      assert.equal(histograms.length, 40);
      // a write issued after it runs once the log is in the file: the log then holds that write alone
      await store.putRun({ run_id: "r2", source: "/y" });
      assert.ok(store.walBytes() > 0 && store.walBytes() < walBefore / 4, `log after the checkpoint and one small write: ${store.walBytes()} bytes (was ${walBefore})`);
    } finally {
      await store.close();
    }
    const reopened = await Store.openDir(dir, { readOnly: true });
    try {
      assert.equal((await reopened.tensorStats({ run: "r" })).length, 40);
      assert.deepEqual((await reopened.listRuns()).map((r) => r.run_id).sort(), ["r", "r2"]);
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
