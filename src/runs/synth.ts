// Synthetic checkpoint series with known answers, written as a Hugging Face Trainer run
// (outDir/checkpoint-<step>/model.safetensors + config.json + trainer_state.json) with
// Pythia-style tensor names, plus outDir/synth.json holding the ground truth.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CONFIG_FILE, SAFETENSORS_SINGLE, TRAINER_STATE_FILE } from "../formats/hf-files.js";
import { writeSafetensorsFile, type SafetensorsEntry } from "../formats/safetensors/index.js";
import { UsageError } from "../util/errors.js";
import { deriveSeed, Rng } from "../util/rng.js";
import { pythiaSchedule } from "./revisions.js";
import { branchesFromFinal, firstSeparatedIndex, gaussian, heavyTailMixture, logStep, simulatePitchfork } from "./synth-process.js";

export interface SyntheticRunOptions {
  /** "fork": LayerNorm gains split into two branches at forkStep; "null": they only widen. */
  kind: "fork" | "null";
  seed: number;
  /** Checkpoint steps (default: pythiaSchedule(8000): 0, 1, 2, 4 ... 512, 1000 ... 8000). */
  steps?: readonly number[];
  /** Transformer blocks (default 2). */
  layers?: number;
  /** Model width (default 32); LayerNorm tensors have this many elements. */
  hidden?: number;
  /** Vocabulary size (default 128). */
  vocab?: number;
  /** Causal-mask size of the attention.bias buffer (default 32). */
  maxPositions?: number;
  /** Step where r(t) crosses zero (default 128); for "null" the step where widening speeds up. */
  forkStep?: number;
}

export interface SyntheticRunInfo {
  kind: "fork" | "null";
  seed: number;
  steps: number[];
  /** Step where r(t) of the pitchfork crosses zero; null for the null run. */
  forkStep: number | null;
  /** First checkpoint from which the branches stay separated (means > 4 within-branch sd apart). */
  separationStep: number | null;
  /** Tensors whose elements fork (empty for the null run). */
  forkTensors: string[];
  /** Per fork tensor, each element's branch: 0 lower, 1 upper (its side at the last step). */
  branchOf: Record<string, number[]>;
  /** Small tensors designed for element trajectories (LayerNorm gains and biases). */
  keptTensors: string[];
  /** Gaussian weights whose std drifts upward with log(step). */
  driftTensors: string[];
  /** MLP output weights whose tails grow heavier (Student-t component, nu 30 -> 3). */
  heavyTailTensors: string[];
  /** Non-parameter buffers (causal mask, masked_bias, rotary inv_freq). */
  bufferTensors: string[];
  config: { layers: number; hidden: number; vocab: number; maxPositions: number; intermediate: number };
  checkpoints: { step: number; path: string }[];
}

/** Designed scales. Gains are 1 + GAIN_SCALE * y for the pitchfork variable y (|y| -> ~4). */
const GAIN_SCALE = 0.05;
const WEIGHT_STD = 0.02;
const HEADS = 4;
const ROTARY_PCT = 0.25;
const MASKED_BIAS = -1e9;

/** Write the run; refuses a non-empty outDir (nothing existing is overwritten). */
export async function writeSyntheticRun(outDir: string, options: SyntheticRunOptions): Promise<SyntheticRunInfo> {
  const plan = makePlan(options);
  await mkdir(outDir, { recursive: true });
  if ((await readdir(outDir)).length > 0) {
    throw new UsageError(`${outDir}: folder is not empty; synthetic runs are written only into an empty or new folder`);
  }
  const kept = simulateKept(plan);
  const checkpoints: SyntheticRunInfo["checkpoints"] = [];
  for (let row = 0; row < plan.steps.length; row++) {
    const step = plan.steps[row]!;
    const dir = join(outDir, `checkpoint-${step}`);
    await mkdir(dir);
    const entries = checkpointEntries(plan, step, row, kept);
    await writeSafetensorsFile(join(dir, SAFETENSORS_SINGLE), entries, { format: "pt" });
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify(hfConfig(plan), null, 2));
    await writeFile(join(dir, TRAINER_STATE_FILE), JSON.stringify(trainerState(plan.steps, step), null, 2));
    checkpoints.push({ step, path: dir });
  }
  const info = groundTruth(plan, kept, checkpoints);
  await writeFile(join(outDir, "synth.json"), JSON.stringify(info, null, 1));
  return info;
}

interface Plan {
  kind: "fork" | "null";
  seed: number;
  steps: number[];
  layers: number;
  hidden: number;
  vocab: number;
  maxPositions: number;
  forkStep: number;
  maxStep: number;
}

function makePlan(o: SyntheticRunOptions): Plan {
  const steps = [...(o.steps ?? pythiaSchedule(8000))];
  const plan: Plan = {
    kind: o.kind,
    seed: o.seed,
    steps,
    layers: o.layers ?? 2,
    hidden: o.hidden ?? 32,
    vocab: o.vocab ?? 128,
    maxPositions: o.maxPositions ?? 32,
    forkStep: o.forkStep ?? 128,
    maxStep: Math.max(...steps),
  };
  if (o.kind !== "fork" && o.kind !== "null") throw new UsageError(`synthetic run kind must be "fork" or "null", got ${String(o.kind)}`);
  if (steps.length === 0 || steps.some((s, i) => !Number.isSafeInteger(s) || s < 0 || (i > 0 && s <= steps[i - 1]!))) {
    throw new UsageError(`synthetic run steps must be distinct non-negative integers in increasing order, got ${steps.join(", ")}`);
  }
  for (const [name, v, min] of [["layers", plan.layers, 1], ["hidden", plan.hidden, HEADS * 2], ["vocab", plan.vocab, 2], ["maxPositions", plan.maxPositions, 1], ["forkStep", plan.forkStep, 1]] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`synthetic run ${name} must be an integer >= ${min}, got ${v}`);
  }
  if (plan.hidden % HEADS !== 0) throw new UsageError(`synthetic run hidden must be a multiple of ${HEADS}, got ${plan.hidden}`);
  return plan;
}

/** LayerNorm gains (pitchfork or null process) and biases (small unimodal noise). */
function keptNames(plan: Plan): { gains: string[]; biases: string[] } {
  const gains: string[] = [];
  const biases: string[] = [];
  for (let l = 0; l < plan.layers; l++) {
    for (const ln of ["input_layernorm", "post_attention_layernorm"]) {
      gains.push(`gpt_neox.layers.${l}.${ln}.weight`);
      biases.push(`gpt_neox.layers.${l}.${ln}.bias`);
    }
  }
  gains.push("gpt_neox.final_layer_norm.weight");
  biases.push("gpt_neox.final_layer_norm.bias");
  return { gains, biases };
}

/** Pitchfork-variable paths of every gain tensor, rows following plan.steps. */
function simulateKept(plan: Plan): Map<string, Float64Array[]> {
  const out = new Map<string, Float64Array[]>();
  for (const name of keptNames(plan).gains) {
    out.set(name, simulatePitchfork({
      n: plan.hidden, seed: deriveSeed(plan.seed, "pitchfork", name), fork: plan.kind === "fork", forkStep: plan.forkStep, steps: plan.steps,
    }));
  }
  return out;
}

function checkpointEntries(plan: Plan, step: number, row: number, kept: Map<string, Float64Array[]>): SafetensorsEntry[] {
  const h = plan.hidden;
  const f32 = (name: string, shape: number[], data: Float32Array): SafetensorsEntry => ({ name, dtype: "F32", shape, data });
  const rng = (name: string): Rng => new Rng(deriveSeed(plan.seed, name, step));
  const progress = logStep(step) / logStep(plan.maxStep); // 0 at step 0, 1 at the last step
  const drift = (name: string, shape: number[], layer: number): SafetensorsEntry =>
    f32(name, shape, gaussian(new Float32Array(shape[0]! * shape[1]!), WEIGHT_STD * (1 + (0.5 + 0.25 * layer) * progress), rng(name)));
  const bias = (name: string, n: number): SafetensorsEntry => f32(name, [n], gaussian(new Float32Array(n), 0.01 * progress, rng(name)));
  const { gains } = keptNames(plan);
  const gain = (name: string): SafetensorsEntry => f32(name, [h], Float32Array.from(kept.get(name)![row]!, (y) => 1 + GAIN_SCALE * y));

  const entries: SafetensorsEntry[] = [drift("gpt_neox.embed_in.weight", [plan.vocab, h], 0)];
  for (let l = 0; l < plan.layers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    entries.push(
      gain(gains[2 * l]!), bias(`${p}input_layernorm.bias`, h),
      gain(gains[2 * l + 1]!), bias(`${p}post_attention_layernorm.bias`, h),
      ...buffers(plan, p),
      drift(`${p}attention.query_key_value.weight`, [3 * h, h], l), bias(`${p}attention.query_key_value.bias`, 3 * h),
      drift(`${p}attention.dense.weight`, [h, h], l), bias(`${p}attention.dense.bias`, h),
      drift(`${p}mlp.dense_h_to_4h.weight`, [4 * h, h], l), bias(`${p}mlp.dense_h_to_4h.bias`, 4 * h),
      heavyTail(`${p}mlp.dense_4h_to_h.weight`, h, progress, rng), bias(`${p}mlp.dense_4h_to_h.bias`, h),
    );
  }
  entries.push(gain(gains[gains.length - 1]!), bias("gpt_neox.final_layer_norm.bias", h));
  entries.push(drift("embed_out.weight", [plan.vocab, h], 0));
  return entries;
}

function heavyTail(name: string, h: number, progress: number, rng: (name: string) => Rng): SafetensorsEntry {
  const nu = Math.round(30 - 27 * progress);
  const data = heavyTailMixture(new Float32Array(h * 4 * h), WEIGHT_STD, 0.3 * progress, nu, WEIGHT_STD * (1 + progress), rng(name));
  return { name, dtype: "F32", shape: [h, 4 * h], data };
}

/** Pythia's per-layer buffers: bool causal mask, masked_bias scalar, rotary inverse frequencies. */
function buffers(plan: Plan, prefix: string): SafetensorsEntry[] {
  const p = plan.maxPositions;
  const mask = new Uint8Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) mask[i * p + j] = 1;
  const rotaryDims = Math.max(2, Math.floor((plan.hidden / HEADS) * ROTARY_PCT));
  const invFreq = new Float32Array(rotaryDims / 2);
  for (let i = 0; i < invFreq.length; i++) invFreq[i] = 1 / 10000 ** ((2 * i) / rotaryDims);
  return [
    { name: `${prefix}attention.bias`, dtype: "BOOL", shape: [1, 1, p, p], data: mask },
    { name: `${prefix}attention.masked_bias`, dtype: "F32", shape: [], data: Float32Array.of(MASKED_BIAS) },
    { name: `${prefix}attention.rotary_emb.inv_freq`, dtype: "F32", shape: [invFreq.length], data: invFreq },
  ];
}

function hfConfig(plan: Plan): Record<string, unknown> {
  return {
    architectures: ["GPTNeoXForCausalLM"],
    model_type: "gpt_neox",
    hidden_size: plan.hidden,
    intermediate_size: 4 * plan.hidden,
    num_attention_heads: HEADS,
    num_hidden_layers: plan.layers,
    vocab_size: plan.vocab,
    max_position_embeddings: plan.maxPositions,
    rotary_pct: ROTARY_PCT,
    rotary_emb_base: 10000,
    layer_norm_eps: 1e-5,
    use_parallel_residual: true,
    tie_word_embeddings: false,
    hidden_act: "gelu",
    torch_dtype: "float32",
    forking_paths_synthetic: true,
  };
}

/** Minimal HF trainer_state.json: global_step and a designed loss curve up to this step. */
function trainerState(steps: readonly number[], step: number): Record<string, unknown> {
  const logHistory = steps.filter((s) => s > 0 && s <= step).map((s) => ({ step: s, loss: syntheticLoss(s) }));
  return { global_step: step, max_steps: steps[steps.length - 1], log_history: logHistory };
}

/** Designed training loss (a power law towards 2). */
export function syntheticLoss(step: number): number {
  return 2 + 8.8 / Math.sqrt(1 + step / 10);
}

function groundTruth(plan: Plan, kept: Map<string, Float64Array[]>, checkpoints: SyntheticRunInfo["checkpoints"]): SyntheticRunInfo {
  const { gains, biases } = keptNames(plan);
  const branchOf: Record<string, number[]> = {};
  // The run is separated from the first checkpoint at which every fork tensor is (and stays).
  let separation: number | null = null;
  if (plan.kind === "fork") {
    const perTensor: (number | null)[] = [];
    for (const name of gains) {
      const rows = kept.get(name)!;
      branchOf[name] = branchesFromFinal(rows[rows.length - 1]!);
      const idx = firstSeparatedIndex(rows, branchOf[name]!);
      perTensor.push(idx === null ? null : plan.steps[idx]!);
    }
    separation = perTensor.includes(null) ? null : Math.max(...(perTensor as number[]));
  }
  const perLayer = (suffixes: string[]): string[] =>
    Array.from({ length: plan.layers }, (_, l) => suffixes.map((s) => `gpt_neox.layers.${l}.${s}`)).flat();
  return {
    kind: plan.kind,
    seed: plan.seed,
    steps: plan.steps,
    forkStep: plan.kind === "fork" ? plan.forkStep : null,
    separationStep: separation,
    forkTensors: plan.kind === "fork" ? gains : [],
    branchOf,
    keptTensors: [...gains, ...biases].sort(),
    driftTensors: ["gpt_neox.embed_in.weight", "embed_out.weight", ...perLayer(["attention.query_key_value.weight", "attention.dense.weight", "mlp.dense_h_to_4h.weight"])],
    heavyTailTensors: perLayer(["mlp.dense_4h_to_h.weight"]),
    bufferTensors: perLayer(["attention.bias", "attention.masked_bias", "attention.rotary_emb.inv_freq"]),
    config: { layers: plan.layers, hidden: plan.hidden, vocab: plan.vocab, maxPositions: plan.maxPositions, intermediate: 4 * plan.hidden },
    checkpoints,
  };
}
