// An analysis into a store not on disk yet (issue 11: start-up) sends its first checkpoint's
// tasks while the store opens, and writes the batches once it is open: the same rows as an
// analysis into an open store. A store that cannot be opened still fails the command with its
// own error as soon as its opening fails, whatever is under way, and leaves nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { analyzeRun, createAnalyzePool } from "../../src/pipeline/analyze.js";
import type { StatsPool } from "../../src/kernels/stats-pool.js";
import { Store, STORE_FILE_NAME } from "../../src/store/store.js";
import { StoreError } from "../../src/util/errors.js";
import { safetensorsCheckpoint, tmp, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";

const openDirOriginal = Store.openDir;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` (polled every 10 ms), at most `ms`; whether it came. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms && !done(); waited += 10) await sleep(10);
  return done();
}

/** Store.openDir replaced by `open` for the duration of `fn`. */
async function withOpenDir<T>(open: typeof Store.openDir, fn: () => Promise<T>): Promise<T> {
  const original = Store.openDir;
  Store.openDir = open;
  try {
    return await fn();
  } finally {
    Store.openDir = original;
  }
}

/** The pool's tasks counted as they are sent (sketchAndCall and callOnSketch). */
function countingPool(pool: StatsPool): { pool: StatsPool; sent: () => number } {
  let sent = 0;
  const sketchAndCall = pool.sketchAndCall.bind(pool), callOnSketch = pool.callOnSketch.bind(pool);
  pool.sketchAndCall = (...args) => (sent++, sketchAndCall(...args));
  pool.callOnSketch = (...args) => (sent++, callOnSketch(...args));
  return { pool, sent: () => sent };
}

test("a store not on disk yet: the first checkpoint's tasks are sent while it opens, and the stored rows equal those of an analysis into an open store", async () => {
  const dir = tmp("store-opening");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  try {
    // the store's opening waits until the analysis has sent tasks (at most 20 s)
    const { pool, sent } = countingPool(await createAnalyzePool(1));
    let sentBeforeOpen = 0;
    const summary = await withOpenDir(async (outDir, options) => {
      await until(() => sent() > 0, 20_000);
      sentBeforeOpen = sent();
      return openDirOriginal(outDir, options);
    }, () => analyzeRun(run.localDir, { out: join(dir, "fresh"), runId: "r", pool, spectralMaxDim: 0, events: false }));
    assert.ok(sentBeforeOpen > 0, "tasks were sent before the store was open");
    assert.deepEqual([summary.analyzed, summary.skipped, summary.storePath], [3, 0, join(dir, "fresh", STORE_FILE_NAME)]);
    // the same analysis into a store opened first (the path of an existing store)
    const opened = await Store.openDir(join(dir, "opened"));
    try {
      await analyzeRun(run.localDir, { out: join(dir, "opened"), store: opened, runId: "r", workers: 1, spectralMaxDim: 0, events: false });
    } finally {
      await opened.close();
    }
    const [fresh, reference] = [await Store.openDir(join(dir, "fresh"), { readOnly: true }), await Store.openDir(join(dir, "opened"), { readOnly: true })];
    try {
      for (const table of ["checkpoints", "tensor_stats", "histograms", "trajectories", "group_stats"] as const) {
        const [a, b] = [await fresh.dumpTable(table), await reference.dumpTable(table)];
        assert.ok(a.length > 0 || table === "trajectories", `${table} has rows`);
        assert.deepEqual(a, b, `${table}: same rows`);
      }
      assert.deepEqual(await fresh.stagedTables(), []);
    } finally {
      await Promise.all([fresh.close(), reference.close()]);
    }
    // re-run into the now existing store: everything is skipped (the store is opened first)
    const again = await analyzeRun(run.localDir, { out: join(dir, "fresh"), runId: "r", workers: 1, spectralMaxDim: 0, events: false });
    assert.deepEqual([again.analyzed, again.skipped], [0, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store that fails to open while its first checkpoint is under way: the command fails at once with the store's error, the pool is closed, nothing is left", async () => {
  const dir = tmp("store-opening-fails");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  try {
    // a pool whose tasks finish only when it is closed (rejected, as StatsPool.close does): the analysis would never end on its own
    let sent = 0, closed = false;
    const pending: ((err: Error) => void)[] = [];
    const never = () => new Promise((_, reject) => void pending.push(reject));
    const stuck = {
      workerCount: 1,
      sketchAndCall: () => (sent++, never()),
      sketchAndCallPacked: () => (sent++, never()),
      callOnSketch: () => (sent++, never()),
      sketchTensor: never,
      call: never,
      close: async () => {
        closed = true;
        for (const reject of pending) reject(new Error("the statistics pool was closed while sketching"));
      },
    } as unknown as StatsPool;
    const out = join(dir, "out");
    const started = Date.now();
    const failing = withOpenDir(async (outDir) => {
      await until(() => sent > 0, 20_000); // fails once the analysis is under way
      throw new StoreError(join(outDir, STORE_FILE_NAME), "could not be opened: injected");
    }, () => analyzeRun(run.localDir, { out, runId: "r", pool: stuck, spectralMaxDim: 0 }));
    const deadline = sleep(25_000).then(() => "timed out");
    const outcome = await Promise.race([failing.then(() => "resolved", (err: unknown) => err), deadline]);
    assert.ok(outcome instanceof StoreError, `rejected with the store's error, got ${String(outcome)}`);
    assert.match(outcome.message, /could not be opened: injected/);
    assert.ok(sent > 0, "the analysis was under way");
    assert.ok(closed, "the pool was closed");
    assert.ok(Date.now() - started < 25_000);
    assert.equal(existsSync(join(out, STORE_FILE_NAME)), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store not on disk whose file cannot be created (a dangling link in its place) fails with DuckDB's error as before, the link left alone", async () => {
  const dir = tmp("store-dangling");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  try {
    const out = join(dir, "out");
    mkdirSync(out);
    symlinkSync(join(dir, "no-such-folder", STORE_FILE_NAME), join(out, STORE_FILE_NAME));
    assert.equal(Store.isAbsentDir(out), true, "the store counts as absent (its file does not exist)");
    await assert.rejects(analyzeRun(run.localDir, { out, runId: "r", workers: 1, spectralMaxDim: 0 }),
      (err: unknown) => err instanceof StoreError && /analysis\.duckdb: could not be opened: IO Error: Cannot open file .*No such file or directory/.test(err.message));
    assert.deepEqual(readdirSync(out), [STORE_FILE_NAME]);
    assert.equal(existsSync(join(dir, "no-such-folder")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bad checkpoint analyzed while a store fails to open: the store's error is the one reported (as when the store was opened first)", async () => {
  const dir = tmp("store-and-run-fail");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", (step) => (step === 0 ? new Uint8Array(12) : safetensorsCheckpoint(step)));
  try {
    const out = join(dir, "out");
    await assert.rejects(withOpenDir(async (outDir) => {
      await sleep(300); // the bad checkpoint fails first
      throw new StoreError(join(outDir, STORE_FILE_NAME), "could not be opened: injected");
    }, () => analyzeRun(run.localDir, { out, runId: "r", workers: 1, spectralMaxDim: 0 })), /could not be opened: injected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
