// `forking-paths train --preset tiny|small --out <run-dir>`: trains a GPT-NeoX model on the
// State of the Union corpus (or, with --task, on modular addition or induction sequences), writing
// Hugging Face style checkpoints on a Pythia-like schedule.
import type { Command } from "commander";
import {
  UsageError, train, type TrainResult, TRAIN_DEFAULTS, TASK_TRAIN_DEFAULTS, type TrainOptions, type TaskOptions, WEIGHT_DTYPES, type WeightDtype, type NeoXPresetName,
  DEFAULT_MODULAR_ADDITION, DEFAULT_INDUCTION, DEFAULT_INDUCTION_EVAL_SEQUENCES, TASK_NAMES, type TaskName,
} from "../../index.js";
import { progressBar, formatSeconds } from "../progress.js";
import { parseIntOption, parseNumberOption, printJson } from "../options.js";
import { say } from "../terminal.js";

interface TrainFlags {
  task: string;
  preset?: string;
  out: string;
  steps?: number;
  lr?: number;
  seed: number;
  width?: number;
  layers?: number;
  batch?: number;
  dtype: string;
  workers?: number;
  saveEvery?: number;
  logStepsUpTo?: number;
  evalTokens?: number;
  tokenizer?: string;
  init?: string;
  json?: boolean;
  saveSchedule?: string;
  attentionOnly?: boolean;
  rotaryPct?: number;
  layerNorm?: boolean;
  parallelResidual?: boolean;
  initScale?: number;
  weightDecay?: number;
  warmup?: number;
  minLr?: number;
  beta2?: number;
  gradClip?: number;
  modulus?: number;
  trainFraction?: number;
  pairs?: string;
  splitSeed?: number;
  vocab?: number;
  segmentLength?: number;
  offsetMax?: number;
  evalSequences?: number;
}

const t = TRAIN_DEFAULTS.tiny;
const ma = TASK_TRAIN_DEFAULTS["modular-addition"], ind = TASK_TRAIN_DEFAULTS.induction;

export function register(program: Command): void {
  program
    .command("train")
    .description(
      `train a GPT-NeoX model (Pythia architecture) on the State of the Union corpus (byte tokens; most recent addresses held out for validation) with the WASM SIMD kernels; ` +
        `checkpoints <out>/checkpoint-<step>/ (model.safetensors, config.json, trainer_state.json, optimizer state) at steps 0, 1, 2, 4, ... then every --save-every; ` +
        `re-running with the same --out resumes from the last complete checkpoint. Default tiny: ${t.steps} steps of ${t.batchSize} x 128 tokens, lr ${t.lr}.`,
    )
    .requiredOption("--out <run-dir>", "run folder (created; an existing run there is resumed)")
    .option("--task <name>", `lm (the corpus), modular-addition (a b = (a+b) mod p; grokking) or induction (a random segment of L tokens that recurs at a per-sequence distance among random tokens; induction heads); each quality metric is evaluated at every checkpoint into trainer_state.json`, "lm")
    .option("--preset <name>", "lm: tiny (~0.86M parameters, 4 layers, width 128, context 128) or small (~10.8M, 6 layers, width 384, context 256); default tiny")
    .option("--steps <n>", `optimizer steps (default: the preset's; modular-addition ${ma.steps}, induction ${ind.steps})`, parseIntOption("--steps", 1))
    .option("--lr <x>", `peak learning rate after warmup (default: the preset's; modular-addition ${ma.lr}, induction ${ind.lr})`, parseNumberOption("--lr"))
    .option("--min-lr <x>", "learning rate at the end of the cosine decay (default lr/10; the tasks: lr, i.e. constant)", parseNumberOption("--min-lr"))
    .option("--warmup <n>", `linear warmup steps (default: the preset's, at most steps/10; modular-addition ${ma.warmupSteps}, induction ${ind.warmupSteps})`, parseIntOption("--warmup", 0))
    .option("--weight-decay <x>", `AdamW weight decay on matrices and embeddings (default 0.1; modular-addition ${ma.weightDecay}, induction ${ind.weightDecay})`, parseNumberOption("--weight-decay"))
    .option("--beta2 <x>", `AdamW beta2 (default 0.95; the tasks ${ma.beta2})`, parseNumberOption("--beta2"))
    .option("--grad-clip <x>", `global gradient-norm clip, 0 = none (default 1; modular-addition ${ma.gradClip})`, parseNumberOption("--grad-clip"))
    .option("--seed <s>", "seed of initialisation and batch sampling (and of the modular-addition split unless --split-seed)", parseIntOption("--seed"), 0)
    .option("--width <d>", `hidden size override (a multiple of the head size; tasks: ${ma.width}, heads of 16)`, parseIntOption("--width", 1))
    .option("--layers <l>", `number of layers override (modular-addition ${ma.layers}, induction ${ind.layers})`, parseIntOption("--layers", 1))
    .option("--attention-only", "layers without MLP blocks (Olsson et al.'s attention-only transformers; the default for induction)")
    .option("--no-attention-only", "keep the MLP blocks (for induction)")
    .option("--rotary-pct <f>", `fraction of each head's dimensions with rotary positions (GPT-NeoX rotary_pct; default 0.25, induction ${ind.rotaryPct})`, parseNumberOption("--rotary-pct"))
    .option("--layer-norm", "keep the LayerNorms (the default for lm and induction)")
    .option("--no-layer-norm", `no LayerNorm: identity in place of each, no gains or biases (Nanda et al.'s grokking model)${ma.layerNorm ? "" : "; the default for modular-addition"}`)
    .option("--parallel-residual", `x + attn(x) + mlp(x), GPT-NeoX's use_parallel_residual (the default${ma.parallelResidual ? "" : " for lm and induction"})`)
    .option("--no-parallel-residual", `sequential residual: h = x + attn(x), then h + mlp(h) (as Nanda et al.)${ma.parallelResidual ? "" : "; the default for modular-addition"}`)
    .option("--init-scale <x>", `multiply the init std of every matrix and embedding (Omnigrok's init scale; default 1${ma.initScale !== 1 ? `, modular-addition ${ma.initScale}` : ""})`, parseNumberOption("--init-scale"))
    .option("--batch <b>", "sequences per step (default: the preset's; modular-addition: the whole training split; induction 32)", parseIntOption("--batch", 1))
    .option("--dtype <t>", "saved weight precision: f32, f16 or bf16", "f32")
    .option("--workers <n>", "compute threads of the WASM kernels (results do not depend on it)", parseIntOption("--workers", 1))
    .option("--save-schedule <kind>", "default (lm: 0, 1, 2, 4, ... then the preset's interval) or dense (the log-spaced start up to min(512, steps/8) plus every 1% of training; the default for the tasks)")
    .option("--save-every <k>", "save every k steps after the log-spaced start", parseIntOption("--save-every", 1))
    .option("--log-steps-up-to <p>", "save at 1, 2, 4, ... up to this power of two (Pythia: 512)", parseIntOption("--log-steps-up-to", 0))
    .option("--eval-tokens <n>", "lm: validation tokens evaluated at every checkpoint", parseIntOption("--eval-tokens", 2))
    .option("--tokenizer <file>", "lm: a Hugging Face tokenizer.json instead of bytes (e.g. Pythia's 20B_tokenizer.json)")
    .option("--init <scheme>", "initialisation: pythia (small_init + wang_init) or hf (normal(0, 0.02)); default pythia (modular-addition: hf)")
    .option("--modulus <p>", `modular-addition: the prime p (default ${DEFAULT_MODULAR_ADDITION.p})`, parseIntOption("--modulus", 3))
    .option("--train-fraction <f>", `modular-addition: fraction of the p^2 pairs in the training split (default ${DEFAULT_MODULAR_ADDITION.trainFraction}); metrics on the full train and test splits`, parseNumberOption("--train-fraction"))
    .option("--pairs <kind>", "modular-addition: ordered (pairs split independently, as the papers) or unordered ((a, b) and (b, a) in the same split)")
    .option("--split-seed <s>", "modular-addition: seed of the train/test split (default: --seed)", parseIntOption("--split-seed"))
    .option("--vocab <v>", `induction: tokens drawn uniformly from [0, v) (default ${DEFAULT_INDUCTION.vocabSize})`, parseIntOption("--vocab", 2))
    .option("--segment-length <l>", `induction: length L of the segment that is repeated (default ${DEFAULT_INDUCTION.segmentLength})`, parseIntOption("--segment-length", 2))
    .option("--offset-max <r>", `induction: per sequence, a random prefix r and a random gap g between the two copies with r + g <= R (sequence 2L + R; default ${DEFAULT_INDUCTION.offsetMax}; 0 = fixed offset, which one layer can copy)`, parseIntOption("--offset-max", 0))
    .option("--eval-sequences <n>", `induction: size of the fixed seeded evaluation set (default ${DEFAULT_INDUCTION_EVAL_SEQUENCES})`, parseIntOption("--eval-sequences", 1))
    .option("--json", "print the result as JSON")
    .action(async (flags: TrainFlags) => {
      const options = trainOptionsFrom(flags);
      const bar = progressBar("train", !flags.json && process.stderr.isTTY === true);
      let first: number | undefined;
      const result = await train(options, {
        onStep: (i) => {
          first ??= i.step - 1;
          bar.update(i.step - first, i.totalSteps - first, `step ${i.step}/${i.totalSteps} loss ${i.loss.toFixed(3)} ${i.tokensPerSecond.toFixed(0)} tok/s`);
        },
      });
      bar.done();
      if (flags.json) printJson(result);
      else say(trainSummary(result));
    });
}

function trainOptionsFrom(f: TrainFlags): TrainOptions {
  if (!TASK_NAMES.includes(f.task as TaskName)) throw new UsageError(`--task must be one of ${TASK_NAMES.join(", ")}, got "${f.task}"`);
  if (f.preset !== undefined && f.preset !== "tiny" && f.preset !== "small") throw new UsageError(`--preset must be tiny or small, got "${f.preset}"`);
  if (!WEIGHT_DTYPES.includes(f.dtype as WeightDtype)) throw new UsageError(`--dtype must be one of ${WEIGHT_DTYPES.join(", ")}, got "${f.dtype}"`);
  if (f.init !== undefined && f.init !== "pythia" && f.init !== "hf") throw new UsageError(`--init must be pythia or hf, got "${f.init}"`);
  if (f.saveSchedule !== undefined && f.saveSchedule !== "default" && f.saveSchedule !== "dense") throw new UsageError(`--save-schedule must be default or dense, got "${f.saveSchedule}"`);
  const saveSchedule = { ...(f.saveEvery !== undefined && { saveEvery: f.saveEvery }), ...(f.logStepsUpTo !== undefined && { logSpacedUpTo: f.logStepsUpTo }) };
  return {
    out: f.out,
    task: taskOptionsFrom(f),
    seed: f.seed,
    dtype: f.dtype as WeightDtype,
    saveSchedule,
    ...(f.preset !== undefined && { preset: f.preset as NeoXPresetName }),
    ...(f.init !== undefined && { init: f.init as "pythia" | "hf" }),
    ...(f.saveSchedule !== undefined && { denseSaves: f.saveSchedule === "dense" }),
    ...(f.attentionOnly !== undefined && { attentionOnly: f.attentionOnly }),
    ...(f.rotaryPct !== undefined && { rotaryPct: f.rotaryPct }),
    ...(f.layerNorm !== undefined && { layerNorm: f.layerNorm }),
    ...(f.parallelResidual !== undefined && { parallelResidual: f.parallelResidual }),
    ...(f.initScale !== undefined && { initScale: f.initScale }),
    ...(f.steps !== undefined && { steps: f.steps }),
    ...(f.lr !== undefined && { lr: f.lr }),
    ...(f.minLr !== undefined && { minLr: f.minLr }),
    ...(f.warmup !== undefined && { warmupSteps: f.warmup }),
    ...(f.weightDecay !== undefined && { weightDecay: f.weightDecay }),
    ...(f.beta2 !== undefined && { beta2: f.beta2 }),
    ...(f.gradClip !== undefined && { gradClip: f.gradClip }),
    ...(f.width !== undefined && { width: f.width }),
    ...(f.layers !== undefined && { layers: f.layers }),
    ...(f.batch !== undefined && { batchSize: f.batch }),
    ...(f.workers !== undefined && { threads: f.workers }),
    ...(f.evalTokens !== undefined && { evalTokens: f.evalTokens }),
    ...(f.tokenizer !== undefined && { tokenizer: f.tokenizer }),
  };
}

/** The --task and its parameters; a parameter of another task is refused (it would be silently ignored). */
function taskOptionsFrom(f: TrainFlags): TaskOptions {
  const given = (names: Array<[keyof TrainFlags, string]>): string[] => names.filter(([k]) => f[k] !== undefined).map(([, flag]) => flag);
  const maFlags = given([["modulus", "--modulus"], ["trainFraction", "--train-fraction"], ["pairs", "--pairs"], ["splitSeed", "--split-seed"]]);
  const indFlags = given([["vocab", "--vocab"], ["segmentLength", "--segment-length"], ["offsetMax", "--offset-max"], ["evalSequences", "--eval-sequences"]]);
  const foreign = f.task === "modular-addition" ? indFlags : f.task === "induction" ? maFlags : [...maFlags, ...indFlags];
  if (foreign.length > 0) throw new UsageError(`${foreign.join(", ")} do not apply to --task ${f.task}`);
  if (f.task === "modular-addition") {
    if (f.pairs !== undefined && f.pairs !== "ordered" && f.pairs !== "unordered") throw new UsageError(`--pairs must be ordered or unordered, got "${f.pairs}"`);
    return {
      name: "modular-addition",
      ...(f.modulus !== undefined && { modulus: f.modulus }), ...(f.trainFraction !== undefined && { trainFraction: f.trainFraction }),
      ...(f.pairs !== undefined && { pairing: f.pairs as "ordered" | "unordered" }), ...(f.splitSeed !== undefined && { splitSeed: f.splitSeed }),
    };
  }
  if (f.task === "induction") {
    return {
      name: "induction",
      ...(f.vocab !== undefined && { vocabSize: f.vocab }), ...(f.segmentLength !== undefined && { segmentLength: f.segmentLength }),
      ...(f.offsetMax !== undefined && { offsetMax: f.offsetMax }),
      ...(f.evalSequences !== undefined && { evalSequences: f.evalSequences }),
    };
  }
  return { name: "lm" };
}

/** The final one-line summary. */
export function trainSummary(r: TrainResult): string {
  const s = r.settings;
  const from = r.resumedFrom !== null ? ` (resumed from step ${r.resumedFrom})` : "";
  const state = r.completed ? "finished" : "stopped";
  const metrics = Object.entries(r.lastMetrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ");
  if (s.task !== undefined) {
    return `${state} ${s.task.name} run (${r.parameters.toLocaleString("en-US")} parameters${s.config.attention_only === true ? ", attention-only" : ""}) at step ${r.step}/${s.steps}${from} in ${formatSeconds(r.wallSeconds)}: ` +
      `train loss ${r.lastTrainLoss.toFixed(4)}; last checkpoint: ${metrics}; ${r.checkpoints.length} checkpoint(s) written to ${r.out}`;
  }
  return `${state} ${s.preset} run (${r.parameters.toLocaleString("en-US")} parameters) at step ${r.step}/${s.steps}${from} in ${formatSeconds(r.wallSeconds)}: ` +
    `${r.tokensPerSecond.toFixed(0)} tokens/s, train loss ${r.lastTrainLoss.toFixed(4)}, validation loss ${r.lastEvalLoss.toFixed(4)} nats/token ` +
    `(${r.evalPredictions} predictions); ${r.checkpoints.length} checkpoint(s) written to ${r.out}`;
}
