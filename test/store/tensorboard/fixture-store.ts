// A small, fully deterministic analysis store for the TensorBoard export tests and for the
// committed fixture file (tools/reference/tensorboard_fixture.ts writes it): two runs, three
// checkpoints, tensors with NaN, +-Inf, +-0, subnormals and float32 extremes, an empty tensor,
// one whose counts exceed float32's exact integers, groups merged from the tensor sketches,
// events (one without any step) and metrics.
import { groupRows } from "../../../src/pipeline/group-rows.js";
import { sketchOfValues } from "../../../src/stats/sketch-values.js";
import { summarizeSketch } from "../../../src/stats/summary.js";
import type { Store } from "../../../src/store/store.js";
import type { CheckpointResult, EventInput, TensorStatsInput } from "../../../src/store/types.js";
import type { TensorKind, TensorRole } from "../../../src/store/vocabulary.js";
import type { TensorSketch } from "../../../src/stats/sketch.js";
import { Rng } from "../../../src/util/rng.js";

export const FIXTURE_RUNS = ["tiny", "hub/org-model"] as const;
export const FIXTURE_STEPS = [0, 10, 100] as const;
/** Wall time of every event in the committed fixture file (2026-01-01T00:00:00Z). */
export const FIXTURE_WALL_TIME = 1767225600;

/** float32 values that exercise every edge case of the bucket edges. */
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 2 ** -133, -(2 ** -130), 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1, -1, 0.5];

function tensorValues(rng: Rng, n: number, scale: number, shift: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = shift + scale * rng.normal();
  return v;
}

function row(name: string, layer: number | null, role: TensorRole, kind: TensorKind, values: Float32Array): { row: TensorStatsInput; sketch: TensorSketch } {
  const sketch = sketchOfValues(values);
  return {
    sketch,
    row: {
      ...summarizeSketch(sketch), tensor: name, layer, role, kind, dtype: "F32", shape: [values.length],
      histogram: { keys: sketch.histKeys, counts: sketch.histCounts },
    },
  };
}

/**
 * A tensor of 41 * (2^20 + 1) elements, more than float32 counts exactly (2^24): its histogram
 * counts are exact doubles while its count scalars are rounded to float32. Built by scaling the
 * counts of 41 values (no statistics code runs on 43 million elements).
 */
function bigRow(rng: Rng): { row: TensorStatsInput; sketch: TensorSketch } {
  const { row: small, sketch } = row("big.weight", null, "other", "weight", tensorValues(rng, 41, 0.02, 0));
  const scale = 2 ** 20 + 1;
  const counts = sketch.histCounts.map((c) => c * scale);
  const numel = counts.reduce((a, b) => a + b, 0);
  return { sketch, row: { ...small, numel, finite_count: numel, shape: [numel], zero_count: small.zero_count * scale, histogram: { keys: sketch.histKeys, counts } } };
}

function checkpoint(run: number, step: number): CheckpointResult {
  const rng = new Rng(1000 * run + step + 1);
  const grow = 1 + step / 100;
  const weight = tensorValues(rng, 40, 0.02 * grow, 0);
  if (step === 100) weight.set(SPECIALS, 0);
  const tensors = [
    row("layers.0.mlp.weight", 0, "mlp.in", "weight", weight),
    row("layers.0.mlp.bias", 0, "mlp.in", "bias", tensorValues(rng, 8, 0.01, 0.001 * step)),
    row("layers.1.mlp.weight", 1, "mlp.in", "weight", tensorValues(rng, 24, 0.02 * grow, 0)),
    row("empty.weight", null, "other", "weight", new Float32Array(0)),
    bigRow(rng),
  ];
  return {
    checkpoint: { step, label: `checkpoint-${step}`, path: `/fixture/checkpoint-${step}`, format: "safetensors", n_tensors: tensors.length, total_bytes: 1000 + step },
    tensors: tensors.map((t) => t.row),
    groups: groupRows(tensors.filter((t) => t.row.tensor !== "big.weight")),
  };
}

const EVENTS: readonly EventInput[] = [
  { kind: "change_point", tensor: "layers.0.mlp.weight", step: 10, step_low: 0, step_high: 10, strength: 4.5, evidence: { statistic: "std", note: "a `quoted` word" }, detector: { method: "pelt" } },
  { kind: "change_point", tensor: "layers.1.mlp.weight", step: 10, step_low: 10, step_high: 10, strength: 2.25, evidence: { statistic: "excess_kurtosis" }, detector: { method: "pelt" } },
  { kind: "mode_split", tensor: "layers.0.mlp.bias", step: null, step_low: 100, step_high: null, strength: null, evidence: { modes: [1, 2] }, detector: {} },
  { kind: "layer_fork", tensor: null, step: null, step_low: null, step_high: null, strength: 1, evidence: {}, detector: {} },
];

/** Write both fixture runs into an open, writable store. */
export async function writeFixtureStore(store: Store): Promise<void> {
  for (const [i, run] of FIXTURE_RUNS.entries()) {
    await store.putRun({ run_id: run, source: `/fixture/${run}` });
    for (const step of FIXTURE_STEPS) await store.writeCheckpoint(run, checkpoint(i, step));
    if (i === 0) {
      await store.replaceEvents(run, EVENTS);
      await store.putMetrics(run, "eval", [
        { step: 0, name: "loss", value: 4.25 }, { step: 10, name: "loss", value: 3.5 }, { step: 50, name: "loss", value: 3.0 },
        { step: 100, name: "loss", value: 2.75 }, { step: 100, name: "accuracy", value: null },
      ]);
    }
  }
}
