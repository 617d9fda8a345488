// featuresFromStore: one feature row per analysed checkpoint from stored group statistics,
// plus the mean spectral alpha when tensors store one; values equal what was written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../../src/store/index.js";
import { featuresFromStore } from "../../src/quality/index.js";
import { fakeCheckpoint } from "../store/fake-results.js";
import { tempDir } from "../helpers/temp.js";

test("featuresFromStore returns stored group statistics per step", async () => {
  const store = await Store.openDir(tempDir("fp-qfeat-"));
  try {
    await store.putRun({ run_id: "r", source: "/runs/r" });
    const written = [0, 10, 20].map((step) => fakeCheckpoint(step, 1, { tensors: 2, histogramKeys: 3, trajectoryLength: 4 }));
    written[1]!.tensors[0]!.extra = { spectral: { alpha: 3.5 } };
    written[1]!.tensors[1]!.extra = { spectral: { powerLaw: { alpha: 4.5 } } };
    for (const w of written) await store.writeCheckpoint("r", w);
    const f = await featuresFromStore(store, "r");
    assert.deepEqual(f.steps, [0, 10, 20]);
    const col = (name: string) => f.rows.map((r) => r[f.featureNames.indexOf(name)]);
    assert.deepEqual(col("model:model:std"), written.map((w) => w.groups![1]!.std));
    assert.deepEqual(col("role:mlp.in:excess_kurtosis"), written.map((w) => w.groups![0]!.excess_kurtosis));
    assert.deepEqual(col("model:model:frac_abs_le:1e-3"), written.map((w) => w.groups![1]!.frac_abs_le["1e-3"]));
    assert.deepEqual(col("alpha:mean"), [null, 4, null]);
  } finally {
    await store.close();
  }
});
