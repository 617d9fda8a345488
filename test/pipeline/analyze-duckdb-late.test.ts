// DuckDB (its client's ~180 modules and its ~70 MB native library) is loaded when the store is
// first used, not with the store's modules (store/duckdb.ts), and an analysis into a store not on
// disk yet opens it once its first checkpoint's tasks are posted (issue 11: start-up): the main
// thread sends the workers their first tasks before it spends ~50-70 ms loading DuckDB. A store on
// disk is still opened (and the run claimed) before any task. Its own file: whether DuckDB is
// loaded is per process, and a test before would have loaded it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readdirSync, rmSync } from "node:fs";
import { analyzeRun, createAnalyzePool } from "../../src/pipeline/analyze.js";
import type { StatsPool } from "../../src/kernels/stats-pool.js";
import { Store, STORE_FILE_NAME } from "../../src/store/store.js";
import { TABLES } from "../../src/store/schema.js";
import { duckdbLoaded } from "../../src/store/duckdb.js";
import { StoreError } from "../../src/util/errors.js";
import { safetensorsCheckpoint, tmp, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";

/** The pool's tasks counted as they are sent, with whether DuckDB was loaded when the first one was. */
function countingPool(pool: StatsPool): { pool: StatsPool; sent: () => number; duckdbAtFirstTask: () => boolean | undefined } {
  let sent = 0;
  let atFirst: boolean | undefined;
  const count = () => {
    if (sent++ === 0) atFirst = duckdbLoaded();
  };
  const sketchAndCall = pool.sketchAndCall.bind(pool), sketchAndCallPacked = pool.sketchAndCallPacked.bind(pool), callOnSketch = pool.callOnSketch.bind(pool);
  pool.sketchAndCall = (...args) => (count(), sketchAndCall(...args));
  pool.sketchAndCallPacked = (...args) => (count(), sketchAndCallPacked(...args));
  pool.callOnSketch = (...args) => (count(), callOnSketch(...args));
  return { pool, sent: () => sent, duckdbAtFirstTask: () => atFirst };
}

/** Store.openDir wrapped for the duration of `fn`: the tasks sent when each call was made. */
async function recordingOpens<T>(sent: () => number, fn: () => Promise<T>): Promise<{ result: T; sentAtOpen: number[] }> {
  const original = Store.openDir;
  const sentAtOpen: number[] = [];
  Store.openDir = (outDir, options) => {
    sentAtOpen.push(sent());
    return original(outDir, options);
  };
  try {
    return { result: await fn(), sentAtOpen };
  } finally {
    Store.openDir = original;
  }
}

test("a fresh store: DuckDB is loaded after the first checkpoint's tasks are sent; a store on disk is opened before any task", async () => {
  // the store's and the analysis's modules, the tables' declarations included, leave DuckDB unloaded
  assert.ok(TABLES.histograms.some((c) => c.name === "counts"));
  assert.equal(duckdbLoaded(), false, "importing the store and the analysis does not load DuckDB");
  const dir = tmp("duckdb-late");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  // each analysis closes the pool it is given
  const counting = countingPool(await createAnalyzePool(1));
  const second = countingPool(await createAnalyzePool(1));
  try {
    const out = join(dir, "out");
    const fresh = await recordingOpens(counting.sent, () => analyzeRun(run.localDir, { out, runId: "r", pool: counting.pool, spectralMaxDim: 0, events: false }));
    assert.equal(counting.duckdbAtFirstTask(), false, "no DuckDB when the first task was sent");
    assert.equal(fresh.sentAtOpen.length, 1);
    assert.ok(fresh.sentAtOpen[0]! > 0, `the store was opened after the first tasks (${fresh.sentAtOpen[0]} sent)`);
    assert.deepEqual([fresh.result.analyzed, fresh.result.storePath], [3, join(out, STORE_FILE_NAME)]);
    assert.equal(duckdbLoaded(), true);
    // the store now on disk: opened (and the run claimed) before anything of another run is analyzed
    const again = await recordingOpens(second.sent, () => analyzeRun(run.localDir, { out, runId: "r2", pool: second.pool, spectralMaxDim: 0, events: false }));
    assert.deepEqual(again.sentAtOpen, [0], "opened before any task");
    assert.ok(second.sent() > 0);
    assert.equal(again.result.analyzed, 3);
  } finally {
    await Promise.all([counting.pool.close(), second.pool.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a fresh store's output folder that cannot be made fails with its own error, and nothing is made", async () => {
  const dir = tmp("duckdb-late-folder");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  try {
    // a file where a folder of the output path should be
    const out = join(dir, "run", "step0", "model.safetensors", "out");
    await assert.rejects(analyzeRun(run.localDir, { out, runId: "r", workers: 1, spectralMaxDim: 0, events: false }),
      (err: unknown) => err instanceof StoreError && /cannot create the output folder: a file is in the way/.test(err.message));
    assert.deepEqual(readdirSync(join(dir, "run", "step0")), ["model.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
