// A checkpoint's staged rows (store/staging.ts): held in JS and appended once into the store's
// tables at the write while they are few; spilled to TEMP tables once they outgrow
// STAGE_MEMORY_ROWS. Either way the store ends up holding exactly what an unstaged write of the
// same rows stores, no TEMP table outlives the write, and a write that fails changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { STAGE_MEMORY_ROWS, type CheckpointStage } from "../../src/store/staging.js";
import type { CheckpointResult, TensorStatsInput } from "../../src/store/types.js";
import { tempDir } from "../helpers/temp.js";
import { fakeCheckpoint } from "./fake-results.js";

const RUN = "r";
const STAGED = ["tensor_stats", "histograms", "trajectories"] as const;
/** Rows handed to a stage per append, as analyzeCheckpoint does. */
const CHUNK = 256;

async function tempTables(store: Store): Promise<string[]> {
  type Reader = { read(fn: (c: { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }> }) => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>[]> };
  const rows = await (store as unknown as Reader).read(async (c) => (await c.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'temp'")).getRowObjectsJS());
  return rows.map((r) => String(r.table_name));
}

async function openWithRun(dir: string, name: string): Promise<Store> {
  const store = await Store.openDir(join(dir, name));
  await store.putRun({ run_id: RUN, source: "/runs/x" });
  return store;
}

/** Stages `cp`'s tensor rows and trajectories in chunks (a failure discards the stage, as withStage does); the batch to write names the stage. */
async function staged(store: Store, cp: CheckpointResult): Promise<{ stage: CheckpointStage; batch: CheckpointResult }> {
  const stage = await store.stageCheckpoint(RUN, cp.checkpoint.step);
  const tensors = cp.tensors;
  try {
    for (let at = 0; at < tensors.length; at += CHUNK) await stage.append(tensors.slice(at, at + CHUNK), at === 0 ? cp.trajectories ?? [] : []);
  } catch (err) {
    await stage.discard();
    throw err;
  }
  return { stage, batch: { ...cp, tensors: [], trajectories: [], stage } };
}

for (const [label, tensors] of [["held (few rows)", 40], ["spilled (more than STAGE_MEMORY_ROWS)", STAGE_MEMORY_ROWS + 300]] as const) {
  test(`staged rows ${label}: the store holds what an unstaged write stores; no TEMP table outlives the write`, { timeout: 120_000 }, async () => {
    const dir = tempDir("fp-staging-");
    const plain = await openWithRun(dir, "plain");
    const viaStage = await openWithRun(dir, "staged");
    try {
      for (const step of [0, 10]) {
        const cp = fakeCheckpoint(step, 7, { tensors, histogramKeys: 24, trajectoryLength: 300 });
        await plain.writeCheckpoint(RUN, cp);
        const { stage, batch } = await staged(viaStage, cp);
        assert.deepEqual(stage.counts, { tensors, trajectories: 1 });
        const spilled = tensors > STAGE_MEMORY_ROWS;
        assert.equal((await tempTables(viaStage)).length, spilled ? STAGED.length : 0, spilled ? "a spilled stage has its TEMP tables" : "a held stage makes no TEMP table");
        await viaStage.writeCheckpoint(RUN, batch);
        assert.deepEqual(await tempTables(viaStage), [], "no TEMP table outlives the write");
      }
      for (const table of [...STAGED, "group_stats", "checkpoints"] as const) {
        const rows = await viaStage.dumpTable(table);
        assert.ok(rows.length > 0, table);
        assert.deepEqual(rows, await plain.dumpTable(table), table);
      }
      // a row the store refuses (found when spilled, or at the write) leaves the store as it was and no stage behind
      const before = await Promise.all(STAGED.map((t) => viaStage.dumpTable(t)));
      const good = fakeCheckpoint(20, 7, { tensors, histogramKeys: 24, trajectoryLength: 300 });
      const last = good.tensors[tensors - 1]!;
      const refused: TensorStatsInput = { ...last, histogram: { keys: last.histogram!.keys, counts: Array.from(last.histogram!.counts, () => -1) } };
      const attempt = staged(viaStage, { ...good, tensors: [...good.tensors.slice(0, -1), refused] }).then(({ batch }) => viaStage.writeCheckpoint(RUN, batch));
      await assert.rejects(attempt, /not a non-negative integer/);
      assert.deepEqual(await Promise.all(STAGED.map((t) => viaStage.dumpTable(t))), before, "the failed write changed nothing");
      assert.deepEqual(await tempTables(viaStage), [], "the failed write's stage was dropped");
      assert.equal((await viaStage.listCheckpoints(RUN)).some((c) => c.step === 20), false);
    } finally {
      await plain.close();
      await viaStage.close();
    }
  });
}
