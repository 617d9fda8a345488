// Staged rows (store/staging.ts) never outlive the analysis that staged them in a store that stays
// open (serve, watch, a caller's own Store): a checkpoint analyzed but never written, because an
// earlier checkpoint's write failed, has its stage dropped (its held rows let go, its TEMP tables,
// if it spilled, removed), and the store holds what it held. A small checkpoint's stage holds its
// rows in JS (no TEMP table), so what is checked is every stage's end state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import type { CheckpointStage } from "../../src/store/staging.js";
import { StoreError } from "../../src/util/errors.js";
import { safetensorsCheckpoint, tmp, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";

test("a failed analyze into an open store: the stage of the checkpoint analyzed after the failed write is dropped (no TEMP table left); the stored rows are those of the checkpoints written", async () => {
  const dir = tmp("unwritten-stages");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  const store = await Store.openDir(join(dir, "out"));
  try {
    // the write holding step 1 fails like a full disk, dropping its stages as writeCheckpoints
    // does, after step 2 (a tiny model, analyzed meanwhile in tens of ms) has its batch: that
    // batch is never written (or is in the failed write, if it waited for the write of step 0)
    const write = store.writeCheckpoints.bind(store);
    const stageCheckpoint = store.stageCheckpoint.bind(store);
    const stages: CheckpointStage[] = [];
    store.stageCheckpoint = async (runId, step) => {
      const stage = await stageCheckpoint(runId, step);
      stages.push(stage);
      return stage;
    };
    const step2 = (): CheckpointStage | undefined => stages.find((s) => s.step === 2);
    let step2Staged = false;
    store.writeCheckpoints = async (runId, results, claim) => {
      if (!results.some((r) => r.checkpoint.step === 1)) return write(runId, results, claim);
      for (let i = 0; i < 100 && !step2Staged; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        step2Staged = (step2()?.counts.tensors ?? 0) > 0; // step 2's rows are coming in
      }
      await new Promise((resolve) => setTimeout(resolve, 300)); // step 2 finishes its rows
      for (const r of results) await r.stage?.discard();
      throw new StoreError(store.path, "write failed: injected (disk full)");
    };
    await assert.rejects(analyzeRun(run.localDir, { out: join(dir, "out"), store, runId: "r", workers: 1, spectralMaxDim: 0 }), /injected \(disk full\)/);
    assert.ok(step2Staged, "step 2 was staged while step 1 was being written");
    assert.deepEqual(stages.map((s) => [s.step, s.status]), [[0, "committed"], [1, "dropped"], [2, "dropped"]], "no stage left open");
    assert.deepEqual(await store.stagedTables(), [], "no stage left behind");
    assert.deepEqual((await store.listCheckpoints("r", { completeOnly: true })).map((c) => c.step), [0], "only step 0 was written");
    assert.deepEqual([...new Set((await store.dumpTable("tensor_stats")).map((r) => Number(r.step)))], [0]);
    // the store is whole: the same analysis, its writes now working, completes the run
    store.writeCheckpoints = write;
    store.stageCheckpoint = stageCheckpoint;
    const summary = await analyzeRun(run.localDir, { out: join(dir, "out"), store, runId: "r", workers: 1, spectralMaxDim: 0, events: false });
    assert.deepEqual([summary.analyzed, summary.skipped], [2, 1]);
    assert.deepEqual(await store.stagedTables(), []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
