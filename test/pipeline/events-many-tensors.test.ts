// Many tensors (issue 13 item 6): event detection loaded histograms and trajectories with one
// store query per tensor, each scanning the whole table (quadratic: 59 s of 74 s for 20 k
// one-element tensors). The batched loader makes it a bounded number of range queries per run,
// with the same results.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { BatchedTensorLoader, loadTrajectories, tensorHistograms } from "../../src/pipeline/event-inputs.js";
import { fakeCheckpoint } from "../store/fake-results.js";
import { withinBudget } from "../helpers/budget.js";

test("item 6: 1,000 tensors x 3 checkpoints: histograms and trajectories in at most 64 queries each, equal to per-tensor loads", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-many-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    for (const step of [0, 10, 20]) {
      const cp = fakeCheckpoint(step, 1, { tensors: 1000, histogramKeys: 4, trajectoryLength: 8 });
      await store.writeCheckpoint("r", { ...cp, trajectories: cp.tensors.map((t, i) => ({ tensor: t.tensor, values: Float32Array.of(i, step) })) });
    }
    const names = (await store.tensorStats({ run: "r", step: 0 })).map((r) => r.tensor);
    let queries = 0;
    const histograms = store.histograms.bind(store), trajectories = store.trajectories.bind(store);
    store.histograms = (f) => { queries++; return histograms(f); };
    store.trajectories = (f) => { queries++; return trajectories(f); };
    const loader = new BatchedTensorLoader(store, "r", names);
    const ordered = loader.inLoadOrder(names.map((name) => ({ name })));
    await withinBudget("batched loads", { seconds: 30, megabytes: 300 }, async () => {
      for (const { name } of ordered) {
        assert.equal((await loader.histograms(name)).size, 3);
        assert.equal((await loader.trajectories(name)).steps.length, 3);
      }
    });
    assert.ok(queries <= 2 * 64, `${queries} queries for ${names.length} tensors`);
    for (const name of [names[0]!, names[500]!, names[999]!]) {
      assert.deepEqual(await loader.histograms(name), await tensorHistograms(store, "r", name));
      assert.deepEqual(await loader.trajectories(name), await loadTrajectories(store, "r", name));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
