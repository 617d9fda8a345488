// Benchmark: `exportTensorBoard` on a Pythia-70M-shaped store (76 tensors, 21 groups per
// checkpoint; weight-matrix and group histograms of ~5,400 buckets, the spread of bf16 weights
// with std 0.02; biases and LayerNorm tensors of 512 buckets), STEPS checkpoints. Prints the time
// to write the store (setup), the export time, the file size, and per-checkpoint figures.
// There is no peer here: TensorFlow / tensorboardX are not installed on this machine.
// Run: node --import tsx bench/tensorboard-export.ts [--steps 20]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sketchOfValues } from "../src/stats/sketch-values.js";
import { summarizeSketch } from "../src/stats/summary.js";
import { Store } from "../src/store/store.js";
import { exportTensorBoard } from "../src/store/tensorboard/export.js";
import type { CheckpointResult, GroupStatsInput, HistogramData, TensorStatsInput } from "../src/store/types.js";
import { classifyTensor } from "../src/tensor/names.js";
import { Rng } from "../src/util/rng.js";

const LAYERS = 6;
const ROLES_PER_LAYER: readonly [string, boolean][] = [
  ["input_layernorm.weight", false], ["input_layernorm.bias", false], ["post_attention_layernorm.weight", false], ["post_attention_layernorm.bias", false],
  ["attention.query_key_value.weight", true], ["attention.query_key_value.bias", false], ["attention.dense.weight", true], ["attention.dense.bias", false],
  ["mlp.dense_h_to_4h.weight", true], ["mlp.dense_h_to_4h.bias", false], ["mlp.dense_4h_to_h.weight", true], ["mlp.dense_4h_to_h.bias", false],
];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** Keys of every bf16 magnitude in [2^-24, 2^-3) of both signs (wide) or 512 random ones. */
function histogram(rng: Rng, wide: boolean): HistogramData {
  const magnitudes: number[] = [];
  if (wide) for (let k = (127 - 24) << 7; k < (127 - 3) << 7; k++) magnitudes.push(k);
  else for (let i = 0; i < 256; i++) magnitudes.push(((127 - 10) << 7) + rng.int(7 << 7));
  const keys = [...new Set([...magnitudes, ...magnitudes.map((k) => k | 0x8000)])].sort((a, b) => a - b);
  return { keys, counts: keys.map(() => 1 + rng.int(1000)) };
}

function checkpoint(step: number): CheckpointResult {
  const rng = new Rng(step + 1);
  const base = summarizeSketch(sketchOfValues(Array.from({ length: 4096 }, () => rng.normal() * 0.02)));
  const extra = { shape: { dip: { dip: 0.01, pValue: 0.5 }, bimodality: { coefficient: 0.3 }, weibull: { k: 1.2, lambda: 0.02 }, ks: { d: 0.02 }, mixtures: { bestComponents: 1 } } };
  const tensors: TensorStatsInput[] = [];
  const add = (name: string, wide: boolean) => {
    const { layer, role, kind } = classifyTensor(name);
    tensors.push({ ...base, tensor: name, layer, role, kind, dtype: "F16", shape: [512], histogram: histogram(rng, wide), extra });
  };
  add("gpt_neox.embed_in.weight", true);
  for (let l = 0; l < LAYERS; l++) for (const [suffix, wide] of ROLES_PER_LAYER) add(`gpt_neox.layers.${l}.${suffix}`, wide);
  add("gpt_neox.final_layer_norm.weight", false);
  add("gpt_neox.final_layer_norm.bias", false);
  add("embed_out.weight", true);
  const groups: GroupStatsInput[] = [{ ...base, group_kind: "model", group_name: "model", n_tensors: tensors.length, histogram: histogram(rng, true) }];
  for (const [role] of ROLES_PER_LAYER.slice(0, 14)) groups.push({ ...base, group_kind: "role", group_name: role, n_tensors: LAYERS, histogram: histogram(rng, true) });
  for (let l = 0; l < LAYERS; l++) groups.push({ ...base, group_kind: "layer", group_name: `layer.${l}`, n_tensors: 12, histogram: histogram(rng, true) });
  return { checkpoint: { step, label: `step${step}`, path: `/p70m/step${step}`, format: "safetensors", n_tensors: tensors.length, total_bytes: 0 }, tensors, groups };
}

const steps = Array.from({ length: arg("--steps", 20) }, (_, i) => i * 1000);
const dir = mkdtempSync(join(tmpdir(), "fp-bench-tb-"));
try {
  const store = await Store.openDir(join(dir, "out"));
  let t = performance.now();
  await store.putRun({ run_id: "pythia-70m-shaped", source: "bench" });
  for (const step of steps) await store.writeCheckpoint("pythia-70m-shaped", checkpoint(step));
  const setup = (performance.now() - t) / 1000;
  t = performance.now();
  const cpu = process.cpuUsage();
  const [r] = await exportTensorBoard(store, { to: join(dir, "tb") });
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6; // includes DuckDB's reader threads
  await store.close();
  console.log(`store: ${steps.length} checkpoints x (76 tensors + 21 groups), written in ${setup.toFixed(1)} s`);
  console.log(`export: ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU, ${(r!.bytes / 1e6).toFixed(1)} MB, ${r!.histograms} histograms, ${r!.scalars} scalars`);
  console.log(`per checkpoint: ${((seconds / steps.length) * 1000).toFixed(0)} ms, ${(r!.bytes / steps.length / 1e6).toFixed(2)} MB; ${(r!.bytes / 1e6 / seconds).toFixed(0)} MB/s`);
  console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(" ")} (2 cores, shared machine)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
