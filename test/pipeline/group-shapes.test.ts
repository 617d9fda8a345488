// Group rows carry extra.shape computed from their merged histogram (stats/extras.ts's
// histogramShapeExtra), reproducibly, in the form the mode detector reads back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { storedHistogramShapeOf, storedShapeOf, snapshotFromHistogram } from "../../src/dynamics/modes/snapshots.js";
import { groupRows } from "../../src/pipeline/group-rows.js";
import { DEFAULT_SHAPE_SAMPLE_SIZE, shapeSeed } from "../../src/stats/extras.js";
import type { ShapeSummary } from "../../src/stats/shape/index.js";
import { sketchOfValues } from "../../src/stats/sketch-values.js";
import { summarizeSketch } from "../../src/stats/summary.js";
import type { TensorStatsInput } from "../../src/store/types.js";
import type { TensorRole } from "../../src/store/vocabulary.js";
import { Rng } from "../../src/util/rng.js";

function rowOf(name: string, role: TensorRole, layer: number, values: Float32Array): { row: TensorStatsInput; sketch: ReturnType<typeof sketchOfValues> } {
  const sketch = sketchOfValues(values);
  const row: TensorStatsInput = {
    ...summarizeSketch(sketch), tensor: name, layer, role, kind: "weight", dtype: "F32", shape: [values.length],
    histogram: { keys: sketch.histKeys, counts: sketch.histCounts },
  };
  return { row, sketch };
}

test("group rows carry extra.shape from the histogram, reproducibly, in the form the mode detector reads", () => {
  const rng = new Rng(2);
  const tensors = [0, 1].map((layer) => rowOf(`layers.${layer}.mlp.weight`, "mlp.in", layer, Float32Array.from({ length: 20_000 }, () => 0.02 * rng.normal())));
  const step = 64;
  const rows = groupRows(tensors, { step, sampleSize: DEFAULT_SHAPE_SAMPLE_SIZE });
  assert.deepEqual(rows.map((r) => r.group_name), ["model", "mlp.in.weight", "layer.0", "layer.1"]);
  for (const r of rows) {
    const method = r.extra!.shape_method as { method: string; seed: number; n: number };
    assert.equal(method.method, "histogram");
    assert.equal(method.seed, shapeSeed("group", r.group_name, step));
    assert.equal(method.n, r.numel);
    const shape = r.extra!.shape as ShapeSummary;
    assert.ok(shape.weibull !== null && shape.dip !== null && shape.mixtures !== null && shape.kde.length === 2);
    // the mode detector's own snapshot of this group (from the same histogram) has the stored modes
    const stored = storedShapeOf(r.extra)!;
    const snapshot = snapshotFromHistogram(r.histogram!, r.std, method.seed);
    assert.deepEqual(stored.silvermanModes, snapshot.modes);
    assert.ok(stored.dipPValue !== null && stored.bic1 !== null && stored.bic2 !== null);
    // so the event detectors reuse the stored statistics of histogram rows: the same snapshot, dip included
    assert.deepEqual(storedHistogramShapeOf(r.extra), stored);
    assert.deepEqual(snapshotFromHistogram(r.histogram!, r.std, method.seed, undefined, storedHistogramShapeOf(r.extra)), snapshot);
    assert.equal(storedHistogramShapeOf({ ...r.extra, shape_method: { ...method, method: "exact" } }), null, "exact shapes are of other values");
  }
  assert.deepEqual(groupRows(tensors, { step, sampleSize: DEFAULT_SHAPE_SAMPLE_SIZE }), rows, "same input, same rows");
  assert.ok(groupRows(tensors).every((r) => r.extra === undefined), "no shape unless asked");
});
