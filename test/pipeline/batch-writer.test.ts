// The batch writer moves the store's write-ahead log into the file between writes when the next
// write of the same size would pass DuckDB's threshold (so that the last write, on the critical
// path, does not pay for a checkpoint), never after the last write; on a real store the log is
// then empty and every row is still there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriter, WRITER_MAX_WAITING, type WalControl } from "../../src/pipeline/batch-writer.js";
import { Store } from "../../src/store/store.js";
import type { CheckpointResult } from "../../src/store/types.js";
import { fakeCheckpoint } from "../store/fake-results.js";
import { TABLE_NAMES } from "../../src/store/schema.js";

const batch = (step: number) => ({ checkpoint: { step } }) as unknown as CheckpointResult;

/** A target whose writes end when the test says (release()), recording each write's steps. */
function heldTarget() {
  const writes: number[][] = [];
  const releases: (() => void)[] = [];
  let fail: Error | undefined;
  const target = {
    writeCheckpoints: (rs: readonly CheckpointResult[]) => new Promise<void>((resolve, reject) => {
      writes.push(rs.map((r) => r.checkpoint.step));
      releases.push(() => (fail !== undefined ? reject(fail) : resolve()));
    }),
  };
  const release = async () => {
    releases.shift()!();
    // the writer's continuations (and setImmediate before a write) run
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return { target, writes, release, failNext: (e: Error) => { fail = e; } };
}

test("BatchWriter writes the batches that waited for the write under way together, in order; write() waits only when more than WRITER_MAX_WAITING wait", async () => {
  assert.equal(WRITER_MAX_WAITING, 2);
  const { target, writes, release } = heldTarget();
  const writer = new BatchWriter(target);
  await writer.write(batch(0)); // starts at once (after setImmediate), alone
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, [[0]]);
  await writer.write(batch(1));
  await writer.write(batch(2)); // two wait: both returned without waiting for the write of 0
  let thirdReturned = false;
  const third = writer.write(batch(3)).then(() => { thirdReturned = true; });
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(thirdReturned, false, "a third waiting batch waits for the write under way");
  assert.deepEqual(writes, [[0]]);
  await release(); // write of 0 ends: 1, 2 and 3 go in one write
  await third;
  assert.deepEqual(writes, [[0], [1, 2, 3]]);
  let flushed = false;
  const flushing = writer.flush().then(() => { flushed = true; });
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(flushed, false, "flush waits for the write under way");
  await release();
  await flushing;
  // a batch after an idle moment is written alone
  await writer.write(batch(4));
  await new Promise<void>((resolve) => setImmediate(resolve));
  await release();
  await writer.flush();
  assert.deepEqual(writes, [[0], [1, 2, 3], [4]]);
});

test("BatchWriter: after a failed write the batches that waited are not written and the error comes from the next write() and from flush()", async () => {
  const { target, writes, release, failNext } = heldTarget();
  const writer = new BatchWriter(target);
  await writer.write(batch(0));
  await new Promise<void>((resolve) => setImmediate(resolve));
  await writer.write(batch(1));
  failNext(new Error("disk full"));
  await release(); // the write of 0 fails; 1 is never written
  await assert.rejects(writer.write(batch(2)), /disk full/);
  await assert.rejects(writer.flush(), /disk full/);
  assert.deepEqual(writes, [[0]]);
});

test("Store.writeCheckpoints writes several checkpoints in one transaction: the same rows as one write each; a failure leaves none of them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-batch-writer-"));
  try {
    const options = { tensors: 12, histogramKeys: 300, trajectoryLength: 16 };
    const one = await Store.open(join(dir, "one.duckdb"));
    const together = await Store.open(join(dir, "together.duckdb"));
    try {
      for (const store of [one, together]) await store.putRun({ run_id: "r", source: "/x" });
      for (const step of [0, 1, 2, 3]) await one.writeCheckpoint("r", fakeCheckpoint(step, 1, options));
      await together.writeCheckpoints("r", [fakeCheckpoint(0, 1, options)]);
      await together.writeCheckpoints("r", [1, 2, 3].map((step) => fakeCheckpoint(step, 1, options)));
      for (const table of TABLE_NAMES) {
        if (table === "checkpoints") continue; // analyzed_at differs
        assert.deepEqual(await together.dumpTable(table), await one.dumpTable(table), table);
      }
      assert.deepEqual((await together.listCheckpoints("r", { completeOnly: true })).map((c) => c.step), [0, 1, 2, 3]);
      // the second checkpoint of a write is refused (step not an integer): neither is stored
      const bad = { ...fakeCheckpoint(5, 1, options), checkpoint: { ...fakeCheckpoint(5, 1, options).checkpoint, step: 5.5 } };
      await assert.rejects(together.writeCheckpoints("r", [fakeCheckpoint(4, 1, options), bad]), /not an integer/);
      assert.deepEqual((await together.listCheckpoints("r")).map((c) => c.step), [0, 1, 2, 3]);
      assert.equal((await together.tensorStats({ run: "r", step: 4 })).length, 0);
      assert.deepEqual(await together.checkIntegrity(), { ok: true, problems: [] });
    } finally {
      await one.close();
      await together.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("BatchWriter checkpoints the log ahead of a write that would pass the threshold (two writes ahead, one when one remains), only when more writes follow", async () => {
  let wal = 0;
  const checkpoints: number[] = [];
  const written: number[] = [];
  const control: WalControl = { thresholdBytes: 100, walBytes: () => wal, checkpointWal: async () => { checkpoints.push(written.at(-1)!); wal = 0; } };
  const writer = new BatchWriter({ writeCheckpoints: async (rs: readonly CheckpointResult[]) => { for (const r of rs) written.push(r.checkpoint.step); wal += 30; } }, control);
  const batch = (step: number) => ({ checkpoint: { step } }) as unknown as CheckpointResult;
  // each write ends before the next batch comes (one transaction each)
  for (let step = 0; step < 9; step++) {
    await writer.write(batch(step), { remaining: 8 - step });
    await writer.flush();
  }
  // 30 per write, two writes ahead: after step 1 (60 + 2 x 30 > 100), 3 and 5; after step 6 (30 +
  // 60 <= 100) not; after step 7 (one remains: 60 + 30 <= 100) not; never after the last
  assert.deepEqual(written, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(checkpoints, [1, 3, 5]);
  assert.equal(wal, 90);
  // 70 + 2 x 30 > 100
  wal = 40;
  const ahead = new BatchWriter({ writeCheckpoints: async () => { wal += 30; } }, control);
  await ahead.write(batch(0), { remaining: 2 });
  await ahead.flush();
  assert.deepEqual(checkpoints, [1, 3, 5, 8]); // (the step last written by the first writer)
  assert.equal(wal, 0);
  // without `more` (other callers), never
  const quiet = new BatchWriter({ writeCheckpoints: async () => { wal += 50; } }, control);
  for (let step = 0; step < 3; step++) {
    await quiet.write(batch(step));
    await quiet.flush();
  }
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

test("BatchWriter commits the run's last write (remaining 0) into the store file, and no other write (nor any when remaining is not given)", async () => {
  const calls: Array<{ steps: number[]; intoFile: boolean }> = [];
  const target = { writeCheckpoints: async (rs: readonly CheckpointResult[], options?: { intoFile?: boolean }) => { calls.push({ steps: rs.map((r) => r.checkpoint.step), intoFile: options?.intoFile === true }); } };
  const writer = new BatchWriter(target);
  for (let step = 0; step < 3; step++) {
    await writer.write(batch(step), { remaining: 2 - step });
    await writer.flush();
  }
  assert.deepEqual(calls, [{ steps: [0], intoFile: false }, { steps: [1], intoFile: false }, { steps: [2], intoFile: true }]);
  // batches that waited together: the write's last batch decides
  calls.length = 0;
  const { target: held, writes, release } = heldTarget();
  const together = new BatchWriter({ writeCheckpoints: (rs: readonly CheckpointResult[], options?: { intoFile?: boolean }) => { calls.push({ steps: rs.map((r) => r.checkpoint.step), intoFile: options?.intoFile === true }); return held.writeCheckpoints(rs); } });
  await together.write(batch(0), { remaining: 2 });
  await new Promise<void>((resolve) => setImmediate(resolve));
  await together.write(batch(1), { remaining: 1 });
  await together.write(batch(2), { remaining: 0 });
  await release();
  await release();
  await together.flush();
  assert.deepEqual(writes, [[0], [1, 2]]);
  assert.deepEqual(calls, [{ steps: [0], intoFile: false }, { steps: [1, 2], intoFile: true }]);
  calls.length = 0;
  const quiet = new BatchWriter(target);
  for (let step = 0; step < 2; step++) await quiet.write(batch(step));
  await quiet.flush();
  assert.ok(calls.length > 0 && calls.every((c) => !c.intoFile));
});

test("Store.writeCheckpoints({ intoFile }) commits into the store file: no write-ahead log after it, the rows there after a reopen; later commits are logged again", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-batch-writer-"));
  const options = { tensors: 20, histogramKeys: 200, trajectoryLength: 16 };
  try {
    const store = await Store.openDir(dir);
    try {
      await store.putRun({ run_id: "r", source: "/x" });
      await store.writeCheckpoints("r", [fakeCheckpoint(0, 1, options)]);
      assert.ok(store.walBytes() > 0, "a commit is logged");
      await store.writeCheckpoints("r", [1, 2].map((step) => fakeCheckpoint(step, 1, options)), undefined, { intoFile: true });
      assert.equal(store.walBytes(), 0, "the commit moved the log and its own rows into the file");
      assert.equal((await store.tensorStats({ run: "r" })).length, 60);
      // the checkpoint threshold is the store's again: the next commit is logged, not checkpointed
      await store.writeCheckpoints("r", [fakeCheckpoint(3, 1, options)]);
      assert.ok(store.walBytes() > 0, "a later commit is logged again");
    } finally {
      await store.close();
    }
    const reopened = await Store.openDir(dir, { readOnly: true });
    try {
      assert.deepEqual((await reopened.listCheckpoints("r", { completeOnly: true })).map((c) => c.step), [0, 1, 2, 3]);
      assert.equal((await reopened.histograms({ run: "r" })).length, 80);
      assert.deepEqual(await reopened.checkIntegrity(), { ok: true, problems: [] });
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
