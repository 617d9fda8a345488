// Options of a training run, the per-preset defaults, and their resolution into the complete
// settings that determine a run's result (stored in every checkpoint and compared on resume).
import { UsageError } from "../util/errors.js";
import { neoxPreset, headSize, rotaryDims } from "./config.js";
import type { NeoXConfig, NeoXPresetName } from "./config.js";
import type { InitScheme } from "./params.js";
import type { WeightDtype } from "./checkpoint-io.js";
import { WEIGHT_DTYPES } from "./checkpoint-io.js";
import { checkSaveSchedule, defaultSaveSchedule, denseSaveSchedule } from "./schedule.js";
import type { SaveSchedule } from "./schedule.js";
import { ADAMW_DEFAULTS } from "./optim.js";
import type { SyntheticTaskSettings, ModularAdditionTaskSettings, InductionTaskSettings } from "./tasks/training.js";
import { INDUCTION_EVAL_SEED, DEFAULT_INDUCTION_EVAL_SEQUENCES } from "./tasks/training.js";
import { DEFAULT_MODULAR_ADDITION } from "./tasks/modular-addition.js";
import { DEFAULT_INDUCTION } from "./tasks/induction.js";

/** What to train on: the language-model corpus (default) or a synthetic task; omitted fields take the task's defaults. */
export type TaskOptions =
  | { name: "lm" }
  | ({ name: "modular-addition" } & Partial<Omit<ModularAdditionTaskSettings, "name">>)
  | ({ name: "induction" } & Partial<Omit<InductionTaskSettings, "name">>);

export interface TrainOptions {
  /** Run folder: checkpoints go to <out>/checkpoint-<step>/; an existing run there is resumed. */
  out: string;
  preset?: NeoXPresetName;
  /** hidden_size override (intermediate = 4x, head size of the preset kept). */
  width?: number;
  /** num_hidden_layers override. */
  layers?: number;
  /** Optimizer steps of the whole run. */
  steps?: number;
  /** Sequences per step (each of max_position_embeddings tokens). */
  batchSize?: number;
  /** Peak learning rate (after warmup); cosine decay to minLr at the last step. */
  lr?: number;
  minLr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  /** Global gradient-norm clip (default 1.0; 0 = no clipping). */
  gradClip?: number;
  seed?: number;
  init?: InitScheme;
  /** Saved weight precision (default f32). */
  dtype?: WeightDtype;
  /** Compute threads of the WASM kernels (default min(2, cores)); results do not depend on it. */
  threads?: number;
  /** "wasm" (default) or the scalar TypeScript oracle. */
  backend?: "wasm" | "scalar";
  saveSchedule?: Partial<SaveSchedule>;
  /**
   * Dense checkpoints to resolve a transition: the log-spaced start (0, 1, 2, 4, ... up to
   * min(512, steps/8)) plus every 1% of training (denseSaveSchedule). Default: on for the
   * synthetic tasks, off for the language model; saveSchedule fields override it.
   */
  denseSaves?: boolean;
  /** Training task (default: the language-model corpus). */
  task?: TaskOptions;
  /** Layers without MLP blocks (Olsson et al.'s attention-only transformers); default off, on for induction. */
  attentionOnly?: boolean;
  /**
   * Fraction of each head's dimensions under rotary position embedding (GPT-NeoX's rotary_pct;
   * default: the preset's 0.25; 1 for induction, whose previous-token heads need the positions).
   */
  rotaryPct?: number;
  /** AdamW beta2 (default 0.95; 0.98 for modular addition, as Nanda et al.). */
  beta2?: number;
  /** false: no LayerNorm (identity in its place, no gains or biases; Nanda et al.'s grokking model). Default true; the task's default for the synthetic tasks. */
  layerNorm?: boolean;
  /** Multiplies the init scheme's std of every matrix and embedding (Omnigrok's init scale); default 1, the task's default for the synthetic tasks. */
  initScale?: number;
  /**
   * GPT-NeoX's use_parallel_residual: true (default for lm and induction) computes x + attn(ln1(x)) +
   * mlp(ln2(x)); false computes h = x + attn(ln1(x)), then h + mlp(ln2(h)) (the task's default for
   * modular addition: in a 1-layer parallel block the MLP at the answer position reads only the "="
   * token, so only attention combines a and b).
   */
  parallelResidual?: boolean;
  /** Steps between training-loss log entries (default 10). */
  logSteps?: number;
  /** Validation tokens evaluated at each checkpoint (first tokens of the validation stream). */
  evalTokens?: number;
  /** Path of a Hugging Face tokenizer.json; default: the byte tokenizer. */
  tokenizer?: string;
  /** Stop (without saving) once aborted; the run can be resumed from its last checkpoint. */
  signal?: AbortSignal;
}

/** Everything that determines the numbers of a run (threads do not). */
export interface TrainSettings {
  preset: NeoXPresetName;
  config: NeoXConfig;
  steps: number;
  batchSize: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  gradClip: number;
  seed: number;
  init: InitScheme;
  /** Multiplier of the init std; absent = 1 (so the settings of runs without it are unchanged). */
  initScale?: number;
  dtype: WeightDtype;
  saveSchedule: SaveSchedule;
  logSteps: number;
  evalTokens: number;
  /** "byte" or the tokenizer.json path ("none" for a synthetic task). */
  tokenizer: string;
  /** The synthetic task; absent for the language-model corpus (so LM settings, and resume of older runs, are unchanged). */
  task?: SyntheticTaskSettings;
}

interface PresetDefaults {
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  saveSchedule: SaveSchedule;
  evalTokens: number;
}

/**
 * Per-preset defaults. `tiny` (600 steps x 8 x 128 = 614,400 tokens) is
 * sized to finish in under 4 minutes on 2 cores: measured 3m06s wall, 3,414 tokens/s, validation
 * loss 1.95 nats/byte on all held-out addresses (a byte bigram model: 2.51).
 */
export const TRAIN_DEFAULTS: Record<NeoXPresetName, PresetDefaults> = {
  tiny: { steps: 600, batchSize: 8, lr: 4e-3, warmupSteps: 20, saveSchedule: { logSpacedUpTo: 32, saveEvery: 100 }, evalTokens: 64 * 128 },
  small: { steps: 3000, batchSize: 16, lr: 1e-3, warmupSteps: 150, saveSchedule: { logSpacedUpTo: 512, saveEvery: 500 }, evalTokens: 16 * 256 * 4 },
};

export const DEFAULT_LOG_STEPS = 10;
export const DEFAULT_GRAD_CLIP = 1.0;

/** Defaults of a synthetic task's run (model and optimizer); every one can be overridden by an option. */
export interface TaskTrainDefaults {
  steps: number;
  /** Sequences per step; null = the whole training split (full batch). */
  batchSize: number | null;
  lr: number;
  /** Learning rate at the end of the cosine decay, as a fraction of lr (1 = constant after warmup). */
  minLrFraction: number;
  warmupSteps: number;
  weightDecay: number;
  beta2: number;
  gradClip: number;
  init: InitScheme;
  /** Multiplier of the init std (1 = the scheme's). */
  initScale: number;
  layers: number;
  width: number;
  attentionOnly: boolean;
  /** rotary_pct of the model (the tiny preset's 0.25 unless the task needs more positional resolution). */
  rotaryPct: number;
  /** LayerNorms in the model (false: identity in their place). */
  layerNorm: boolean;
  /** use_parallel_residual of the model (false: sequential attention then MLP); absent = true (kept absent for induction so its plan is unchanged). */
  parallelResidual?: boolean;
}

/**
 * Defaults of the synthetic tasks. Modular addition (docs/results/grokking-probes.md, "The
 * recipe that groks", probes 15-21): Nanda et al.'s model as far as the GPT-NeoX block allows — 1
 * layer, width 64 (4 heads of 16), no LayerNorm, the sequential residual (the MLP reads x +
 * attention(x)), init N(0, 0.02 x 6.25) = N(0, 1/sqrt(64)) as their 1/sqrt(d_model) — full batch,
 * AdamW lr 1e-3 constant after 10 warmup steps, betas (0.9, 0.98), weight decay 3 (lr x wd = 3e-3,
 * 3x theirs, to bring the generalisation within ~1,000 steps), no clipping. p = 47, fraction 0.4,
 * ordered, seed 0: memorised by step 200 (test accuracy at the commutativity plateau ~0.38), test
 * accuracy 0.6 at step 800 and >= 0.95 from step ~1,000 (probe 21); through the trainer, seed 1:
 * >= 0.95 from step 1,175, findTransition step 858, 136 CPU s for the 2,500 steps (T3). 2,500 steps
 * leave an after-plateau for later seeds and the varied fraction.
 * Induction (docs/results/grokking-probes.md, probes I6-I7): Olsson et al.'s 2-layer attention-only
 * transformer at width 64 (4 heads of 16) with rotary on the whole head (rotary_pct 1: 8
 * frequencies, so a previous-token head can attend sharply to t - 1; at 0.25 a head has 2
 * frequencies and no drop came within 1,500 steps), batches of 32 fresh sequences, AdamW lr 3e-3
 * constant after 50 warmup steps, betas (0.9, 0.98), no weight decay, clipping at 1, Pythia init.
 * Seed 0 at 1 thread: the repeated-half loss sat near 3.7 (a positional spread) until step ~1,000,
 * then fell to 0.7 by step 1,150 (94 CPU s); the 1-layer control has no such drop. 2,500 steps
 * leave room for later seeds and an after-plateau.
 */
export const TASK_TRAIN_DEFAULTS: Record<SyntheticTaskSettings["name"], TaskTrainDefaults> = {
  "modular-addition": { steps: 2500, batchSize: null, lr: 1e-3, minLrFraction: 1, warmupSteps: 10, weightDecay: 3.0, beta2: 0.98, gradClip: 0, init: "hf", initScale: 6.25, layers: 1, width: 64, attentionOnly: false, layerNorm: false, rotaryPct: 0.25, parallelResidual: false },
  induction: { steps: 2500, batchSize: 32, lr: 3e-3, minLrFraction: 1, warmupSteps: 50, weightDecay: 0, beta2: 0.98, gradClip: DEFAULT_GRAD_CLIP, init: "pythia", initScale: 1, layers: 2, width: 64, attentionOnly: true, layerNorm: true, rotaryPct: 1 },
};

/** Head size of the synthetic tasks' models (width 64 = 4 heads). */
export const TASK_HEAD_SIZE = 16;

/** The task's settings with defaults filled in (the split seed defaults to the run's seed). */
export function resolveTaskSettings(t: Exclude<TaskOptions, { name: "lm" }>, seed: number): SyntheticTaskSettings {
  if (t.name === "modular-addition") {
    return { name: t.name, modulus: t.modulus ?? DEFAULT_MODULAR_ADDITION.p, trainFraction: t.trainFraction ?? DEFAULT_MODULAR_ADDITION.trainFraction, pairing: t.pairing ?? "ordered", splitSeed: t.splitSeed ?? seed };
  }
  if (t.name === "induction") {
    return { name: t.name, vocabSize: t.vocabSize ?? DEFAULT_INDUCTION.vocabSize, segmentLength: t.segmentLength ?? DEFAULT_INDUCTION.segmentLength, offsetMax: t.offsetMax ?? DEFAULT_INDUCTION.offsetMax, evalSequences: t.evalSequences ?? DEFAULT_INDUCTION_EVAL_SEQUENCES, evalSeed: t.evalSeed ?? INDUCTION_EVAL_SEED };
  }
  throw new UsageError(`unknown task "${String((t as { name: unknown }).name)}"; use lm, modular-addition or induction`);
}

/**
 * Settings of a synthetic-task run: the task's model (the tiny preset's rotary, LayerNorm and
 * residual settings; width, layers and attention-only from the task unless given), its vocabulary
 * and sequence length, and its optimizer defaults. `trainPairs` is the training split's size (full batch; a larger --batch is clipped to it), null for fresh batches.
 */
export function resolveSyntheticSettings(o: TrainOptions, task: SyntheticTaskSettings, vocabSize: number, sequenceLength: number, trainPairs: number | null): TrainSettings {
  const d = TASK_TRAIN_DEFAULTS[task.name];
  if (o.preset !== undefined) throw new UsageError(`--preset applies to the language-model task; the ${task.name} task has its own model (set --width, --layers, --attention-only)`);
  if (o.tokenizer !== undefined) throw new UsageError(`--tokenizer applies to the language-model task; the ${task.name} task has its own tokens`);
  const config = taskConfig(o.width ?? d.width, o.layers ?? d.layers, o.attentionOnly ?? d.attentionOnly, vocabSize, sequenceLength);
  setRotaryPct(config, o.rotaryPct ?? d.rotaryPct);
  if (!(o.layerNorm ?? d.layerNorm)) config.layer_norm = false;
  config.use_parallel_residual = o.parallelResidual ?? d.parallelResidual ?? true;
  const initScale = o.initScale ?? d.initScale;
  const steps = o.steps ?? d.steps, lr = o.lr ?? d.lr;
  const s: TrainSettings = {
    preset: "tiny", config, steps, batchSize: Math.min(o.batchSize ?? d.batchSize ?? trainPairs ?? 1, trainPairs ?? Infinity), lr, minLr: o.minLr ?? lr * d.minLrFraction,
    warmupSteps: o.warmupSteps ?? Math.min(d.warmupSteps, Math.floor(steps / 10)), weightDecay: o.weightDecay ?? d.weightDecay,
    beta1: ADAMW_DEFAULTS.beta1, beta2: o.beta2 ?? d.beta2, eps: ADAMW_DEFAULTS.eps, gradClip: o.gradClip ?? d.gradClip, seed: o.seed ?? 0,
    init: o.init ?? d.init, ...(initScale !== 1 && { initScale }), dtype: o.dtype ?? "f32", saveSchedule: scheduleFor(o.saveSchedule, o.denseSaves === false ? defaultSaveSchedule(steps) : denseSaveSchedule(steps)),
    logSteps: o.logSteps ?? DEFAULT_LOG_STEPS, evalTokens: 0, tokenizer: "none", task,
  };
  checkSettings(s);
  return s;
}

function taskConfig(width: number, layers: number, attentionOnly: boolean, vocabSize: number, sequenceLength: number): NeoXConfig {
  const c = neoxPreset("tiny");
  if (!(Number.isInteger(width) && width >= TASK_HEAD_SIZE && width % TASK_HEAD_SIZE === 0)) throw new UsageError(`--width must be a positive multiple of the head size ${TASK_HEAD_SIZE}, got ${width}`);
  if (!(Number.isInteger(layers) && layers >= 1)) throw new UsageError(`--layers must be a positive integer, got ${layers}`);
  c.hidden_size = width;
  c.num_attention_heads = width / TASK_HEAD_SIZE;
  c.intermediate_size = 4 * width;
  c.num_hidden_layers = layers;
  c.max_position_embeddings = sequenceLength;
  c.vocab_size = Math.ceil(vocabSize / 8) * 8;
  if (attentionOnly) c.attention_only = true;
  return c;
}

/** Resolves options against the preset defaults and checks them. */
export function resolveTrainSettings(o: TrainOptions, vocabSize: number): TrainSettings {
  if (o.task !== undefined && o.task.name !== "lm") throw new UsageError(`resolveTrainSettings is for the language-model task; the ${o.task.name} task is resolved by the trainer (resolveSyntheticSettings)`);
  const preset = o.preset ?? "tiny";
  if (!(preset in TRAIN_DEFAULTS)) throw new UsageError(`unknown preset "${String(preset)}"; use tiny or small`);
  const d = TRAIN_DEFAULTS[preset];
  const config = presetConfig(preset, o.width, o.layers, vocabSize);
  if (o.attentionOnly === true) config.attention_only = true;
  if (o.rotaryPct !== undefined) setRotaryPct(config, o.rotaryPct);
  if (o.layerNorm === false) config.layer_norm = false;
  if (o.parallelResidual !== undefined) config.use_parallel_residual = o.parallelResidual;
  const steps = o.steps ?? d.steps;
  const lr = o.lr ?? d.lr;
  const s: TrainSettings = {
    preset,
    config,
    steps,
    batchSize: o.batchSize ?? d.batchSize,
    lr,
    minLr: o.minLr ?? lr / 10,
    warmupSteps: o.warmupSteps ?? Math.min(d.warmupSteps, Math.floor(steps / 10)),
    weightDecay: o.weightDecay ?? ADAMW_DEFAULTS.weightDecay,
    beta1: ADAMW_DEFAULTS.beta1,
    beta2: o.beta2 ?? ADAMW_DEFAULTS.beta2,
    eps: ADAMW_DEFAULTS.eps,
    gradClip: o.gradClip ?? DEFAULT_GRAD_CLIP,
    seed: o.seed ?? 0,
    init: o.init ?? "pythia",
    ...(o.initScale !== undefined && o.initScale !== 1 && { initScale: o.initScale }),
    dtype: o.dtype ?? "f32",
    saveSchedule: scheduleFor(o.saveSchedule, o.denseSaves === true ? denseSaveSchedule(steps) : o.steps === undefined ? d.saveSchedule : defaultSaveSchedule(steps)),
    logSteps: o.logSteps ?? DEFAULT_LOG_STEPS,
    evalTokens: o.evalTokens ?? d.evalTokens,
    tokenizer: o.tokenizer ?? "byte",
  };
  checkSettings(s);
  return s;
}

/** Sets config.rotary_pct after checking it gives an even number (>= 2) of rotary dimensions per head. */
function setRotaryPct(config: NeoXConfig, rotaryPct: number): void {
  if (!(Number.isFinite(rotaryPct) && rotaryPct > 0 && rotaryPct <= 1)) throw new UsageError(`--rotary-pct must be in (0, 1], got ${rotaryPct}`);
  config.rotary_pct = rotaryPct;
  const dims = rotaryDims(config);
  if (dims < 2 || dims % 2 !== 0) throw new UsageError(`--rotary-pct ${rotaryPct} gives ${dims} rotary dimensions of a head of ${headSize(config)}; it needs an even number >= 2 (e.g. 0.25, 0.5 or 1)`);
}

function scheduleFor(given: Partial<SaveSchedule> | undefined, fallback: SaveSchedule): SaveSchedule {
  const s = { logSpacedUpTo: given?.logSpacedUpTo ?? fallback.logSpacedUpTo, saveEvery: given?.saveEvery ?? fallback.saveEvery };
  checkSaveSchedule(s);
  return s;
}

/** The preset's config with width / layers overrides and the tokenizer's vocabulary (rounded up to a multiple of 8). */
export function presetConfig(preset: NeoXPresetName, width: number | undefined, layers: number | undefined, vocabSize: number): NeoXConfig {
  const c = neoxPreset(preset);
  if (width !== undefined) {
    const hs = headSize(c);
    if (!(Number.isInteger(width) && width >= hs && width % hs === 0)) throw new UsageError(`--width must be a positive multiple of the head size ${hs}, got ${width}`);
    c.hidden_size = width;
    c.num_attention_heads = width / hs;
    c.intermediate_size = 4 * width;
  }
  if (layers !== undefined) {
    if (!(Number.isInteger(layers) && layers >= 1)) throw new UsageError(`--layers must be a positive integer, got ${layers}`);
    c.num_hidden_layers = layers;
  }
  c.vocab_size = Math.ceil(vocabSize / 8) * 8;
  if (rotaryDims(c) % 2 !== 0) throw new UsageError(`width ${c.hidden_size} gives an odd number of rotary dimensions`);
  return c;
}

function checkSettings(s: TrainSettings): void {
  const positiveInt = (name: string, v: number, min = 1): void => {
    if (!(Number.isInteger(v) && v >= min)) throw new UsageError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  const finite = (name: string, v: number, lo: number): void => {
    if (!(Number.isFinite(v) && v >= lo)) throw new UsageError(`${name} must be a finite number >= ${lo}, got ${v}`);
  };
  positiveInt("--steps", s.steps);
  positiveInt("--batch", s.batchSize);
  positiveInt("warmup steps", s.warmupSteps, 0);
  positiveInt("log steps", s.logSteps);
  if (s.task === undefined) positiveInt("eval tokens", s.evalTokens, 2);
  positiveInt("--seed", s.seed, 0);
  finite("--lr", s.lr, 0);
  finite("min lr", s.minLr, 0);
  finite("weight decay", s.weightDecay, 0);
  finite("grad clip", s.gradClip, 0);
  if (!(s.beta2 > 0 && s.beta2 < 1)) throw new UsageError(`--beta2 must be in (0, 1), got ${s.beta2}`);
  if (!WEIGHT_DTYPES.includes(s.dtype)) throw new UsageError(`--dtype must be one of ${WEIGHT_DTYPES.join(", ")}, got ${String(s.dtype)}`);
  if (s.initScale !== undefined && !(Number.isFinite(s.initScale) && s.initScale > 0)) throw new UsageError(`--init-scale must be a finite number > 0, got ${s.initScale}`);
  if (s.init !== "pythia" && s.init !== "hf") throw new UsageError(`init must be "pythia" or "hf", got ${String(s.init)}`);
}

/** Canonical JSON of settings (stable key order) for the resume check. */
export function settingsFingerprint(s: TrainSettings): string {
  return JSON.stringify(s, (_k, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}
