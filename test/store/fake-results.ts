// Deterministic fake analysis results for store tests (no statistics code involved): the
// same (step, seed) always gives the same rows, so stores written in different ways compare.
import { Rng } from "../../src/util/rng.js";
import type { CheckpointResult, StatValues, TensorStatsInput } from "../../src/store/types.js";

export interface FakeOptions {
  tensors: number;
  histogramKeys: number;
  trajectoryLength: number;
}

function fakeStats(rng: Rng, numel: number): StatValues {
  const mean = rng.normal() * 0.01;
  const std = 0.02 + rng.uniform() * 0.01;
  return {
    numel,
    nan_count: rng.int(3),
    posinf_count: rng.int(2),
    neginf_count: 0,
    zero_count: rng.int(10),
    mean,
    std,
    variance: std * std,
    skewness: rng.normal(),
    excess_kurtosis: rng.normal() * 2,
    min: mean - 5 * std,
    max: mean + 5 * std,
    l1: numel * std * 0.8,
    l2: Math.sqrt(numel) * std,
    linf: 5 * std,
    quantiles: { "0.01": mean - 2.3 * std, "0.5": mean, "0.99": mean + 2.3 * std, "1": Infinity },
    frac_abs_le: { "1e-4": rng.uniform() * 0.01, "1e-3": rng.uniform() * 0.1, "1e-2": NaN },
    frac_abs_le_rel_std: { "0.01": 0.008, "0.1": 0.08, "0.5": 0.38 },
  };
}

export function fakeCheckpoint(step: number, seed: number, o: FakeOptions): CheckpointResult {
  const rng = new Rng(seed * 1_000_003 + step);
  const tensors: TensorStatsInput[] = [];
  for (let i = 0; i < o.tensors; i++) {
    const keys = new Int32Array(o.histogramKeys);
    const counts = new Float64Array(o.histogramKeys);
    for (let k = 0; k < keys.length; k++) {
      keys[k] = 0x3c00 + k * 3;
      counts[k] = 1 + rng.int(1000);
    }
    tensors.push({
      tensor: `gpt_neox.layers.${i % 6}.mlp.t${i}.weight`,
      layer: i % 6,
      role: "mlp.in",
      kind: "weight",
      dtype: "F32",
      shape: [64, 16 + i],
      ...fakeStats(rng, 64 * (16 + i)),
      histogram: { keys, counts },
      sketch: { version: 1, m2: rng.uniform(), bins: [1, 2, 3] },
      extra: { dip: rng.uniform(), gmm: { bic: [rng.normal(), rng.normal()] } },
    });
  }
  const values = new Float32Array(o.trajectoryLength);
  for (let i = 0; i < values.length; i++) values[i] = 1 + rng.normal() * 0.1;
  return {
    checkpoint: { step, label: `checkpoint-${step}`, path: `/runs/x/checkpoint-${step}`, format: "safetensors", n_tensors: o.tensors + 1, total_bytes: 1234 * step + 7 },
    tensors,
    groups: [
      { group_kind: "role", group_name: "mlp.in", n_tensors: o.tensors, ...fakeStats(rng, 100), histogram: { keys: [1, 5, 9], counts: [3, 4, 5] } },
      { group_kind: "model", group_name: "model", n_tensors: o.tensors, ...fakeStats(rng, 100) },
    ],
    buffers: [{ tensor: "gpt_neox.layers.0.attention.bias", dtype: "BOOL", shape: [1, 1, 8, 8], numel: 64, role: "buffer" }],
    trajectories: [{ tensor: "gpt_neox.final_layer_norm.weight", values }],
  };
}
