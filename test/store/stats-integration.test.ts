// The store accepts stats/'s TensorSummary as it is (spread into a row) and returns it intact,
// with the sketch's sparse histogram stored alongside.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sketchOfValues, summarizeSketch } from "../../src/stats/index.js";
import { Store } from "../../src/store/index.js";
import { Rng } from "../../src/util/rng.js";

test("a TensorSummary from stats/ round-trips through tensor_stats and histograms", async () => {
  const rng = new Rng(9);
  const values = new Float32Array(5000);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * 0.02;
  values[0] = NaN;
  values[1] = Infinity;
  values[2] = 0;
  const sketch = sketchOfValues(values);
  const summary = summarizeSketch(sketch);
  const dir = mkdtempSync(join(tmpdir(), "fp-store-stats-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "s" });
    await store.writeCheckpoint("r", {
      checkpoint: { step: 3, label: "step3", path: "/x", format: "safetensors", n_tensors: 1, total_bytes: 20000 },
      tensors: [{ ...summary, tensor: "w", layer: 0, role: "mlp.in", kind: "weight", dtype: "F32", shape: [50, 100], histogram: { keys: sketch.histKeys, counts: sketch.histCounts }, sketch }],
    });
    const [row] = await store.tensorStats({ run: "r", withSketch: true });
    assert.ok(row !== undefined);
    for (const [key, value] of Object.entries(summary)) assert.deepEqual(row[key as keyof typeof row], value, key);
    assert.deepEqual(row.sketch, sketch);
    const h = await store.histogram("r", 3, "w");
    assert.deepEqual(Array.from(h!.keys), sketch.histKeys);
    assert.deepEqual(Array.from(h!.counts), sketch.histCounts);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
