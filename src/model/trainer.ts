// The training loop: seeded batches of the task (the language-model corpus, modular addition or
// induction; model/tasks/training.ts), forward/backward, gradient clipping, AdamW with warmup +
// cosine learning rate, the task's evaluation (validation loss and quality metrics, logged in
// trainer_state.json) and an atomic checkpoint at each save step, and resume from the last
// complete checkpoint with a bitwise-identical result.
import { mkdir } from "node:fs/promises";
import { ByteSourceError } from "../util/errors.js";
import { GPTNeoX } from "./gpt-neox.js";
import type { NeoXKernels } from "./kernels.js";
import { scalarKernels } from "./kernels.js";
import { createWasmKernels } from "./wasm/kernels.js";
import { learningRate } from "./optim.js";
import { sotuTokenStreams, checkTokenRange } from "./data.js";
import { ByteTokenizer, JsonTokenizer } from "./tokenizer.js";
import { saveSteps } from "./schedule.js";
import { languageModelTask, syntheticTask } from "./tasks/training.js";
import type { TrainingTask } from "./tasks/training.js";
import { resolveTrainSettings, resolveTaskSettings, resolveSyntheticSettings, settingsFingerprint } from "./trainer-options.js";
import type { TrainOptions, TrainSettings } from "./trainer-options.js";
import { saveCheckpoint, completeCheckpointSteps, loadCheckpointState, checkpointDir, ResumeError } from "./train-state.js";
import type { TrainerState, RunState, LogEntry, EvalLogEntry } from "./train-state.js";

export interface StepInfo {
  /** Global step just completed (1-based). */
  step: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  gradNorm: number;
  /** Training tokens per second in this process. */
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface TrainCallbacks {
  onStep?(info: StepInfo): void;
  /** After checkpoint `step` is complete on disk (evalLoss: its validation loss; metrics: the task's quality metrics by stored name). */
  onCheckpoint?(step: number, dir: string, evalLoss: number, metrics: Readonly<Record<string, number>>): void;
}

export interface TrainResult {
  out: string;
  settings: TrainSettings;
  parameters: number;
  /** Global step reached (settings.steps unless aborted). */
  step: number;
  completed: boolean;
  /** Step of the checkpoint the run resumed from (null: started from scratch). */
  resumedFrom: number | null;
  /** Checkpoint folders written by this call. */
  checkpoints: string[];
  /** Mean training loss of the last log window (NaN if no step ran). */
  lastTrainLoss: number;
  /** Validation loss at the last checkpoint, and the number of predictions it averages. */
  lastEvalLoss: number;
  evalPredictions: number;
  /** The task's quality metrics at the last checkpoint (empty for the language model). */
  lastMetrics: Record<string, number>;
  wallSeconds: number;
  tokensPerSecond: number;
}

interface RunContext {
  s: TrainSettings;
  model: GPTNeoX;
  task: TrainingTask;
  /** Token id written as bos/eos in config.json. */
  eosId: number;
  saveAt: Set<number>;
  trainerState: TrainerState;
  runState: RunState;
}

/** Trains (or resumes) a run in `options.out`. Same settings and seed give bitwise-identical checkpoints. */
export async function train(options: TrainOptions, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const started = performance.now();
  const { s, task, eosId } = await resolveRun(options);
  await ensureDir(options.out);
  const kernels: NeoXKernels = options.backend === "scalar" ? scalarKernels() : await createWasmKernels(options.threads !== undefined ? { threads: options.threads } : {});
  try {
    const model = new GPTNeoX(s.config, { B: s.batchSize, T: s.config.max_position_embeddings, kernels, init: { scheme: s.init, seed: s.seed, scale: s.initScale ?? 1 } });
    const ctx: RunContext = { s, model, task, eosId, saveAt: new Set(saveSteps(s.steps, s.saveSchedule)), trainerState: newTrainerState(s, task), runState: newRunState(s) };
    const resumedFrom = await resume(ctx, options.out);
    const checkpoints: string[] = [];
    const lastEval = lastEvalEntry(ctx.trainerState);
    let evalLoss = lastEval?.eval_loss ?? NaN, evalPredictions = 0, lastMetrics = taskMetricsOf(lastEval);
    const checkpoint = async (step: number): Promise<void> => {
      const ev = task.evaluate(model);
      evalLoss = ev.loss;
      evalPredictions = ev.predictions;
      lastMetrics = ev.metrics;
      ctx.trainerState.log_history.push({ epoch: epochAt(ctx, step), eval_loss: ev.loss, step, ...ev.metrics });
      const dir = await saveCheckpoint(options.out, step, model, { trainerState: ctx.trainerState, runState: ctx.runState, configJson: { dtype: s.dtype, bosTokenId: eosId, eosTokenId: eosId } });
      checkpoints.push(dir);
      callbacks.onCheckpoint?.(step, dir, ev.loss, ev.metrics);
    };
    if (resumedFrom === null) await checkpoint(0);
    const first = model.stepCount, loopStart = performance.now();
    let lastTrainLoss = NaN;
    for (let step = first; step < s.steps; step++) {
      if (options.signal?.aborted) break;
      const { loss, lr, gradNorm } = trainStep(ctx, step);
      const global = step + 1;
      lastTrainLoss = logTraining(ctx, global, loss, lr, gradNorm) ?? lastTrainLoss;
      const elapsed = (performance.now() - loopStart) / 1000;
      const tps = ((global - first) * s.batchSize * s.config.max_position_embeddings) / Math.max(elapsed, 1e-9);
      callbacks.onStep?.({ step: global, totalSteps: s.steps, loss, learningRate: lr, gradNorm, tokensPerSecond: tps, elapsedSeconds: elapsed, etaSeconds: (elapsed / (global - first)) * (s.steps - global) });
      if (ctx.saveAt.has(global)) await checkpoint(global);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const trained = (model.stepCount - first) * s.batchSize * s.config.max_position_embeddings;
    return {
      out: options.out, settings: s, parameters: model.parameterCount, step: model.stepCount, completed: model.stepCount === s.steps, resumedFrom, checkpoints,
      lastTrainLoss, lastEvalLoss: evalLoss, evalPredictions, lastMetrics, wallSeconds, tokensPerSecond: trained / Math.max((performance.now() - loopStart) / 1000, 1e-9),
    };
  } finally {
    await kernels.dispose();
  }
}

/** The run's settings, its task and the eos id of config.json (the language model loads its tokenizer and corpus here). */
async function resolveRun(options: TrainOptions): Promise<{ s: TrainSettings; task: TrainingTask; eosId: number }> {
  if (options.task !== undefined && options.task.name !== "lm") {
    const taskSettings = resolveTaskSettings(options.task, options.seed ?? 0);
    const task = syntheticTask(taskSettings);
    const trainPairs = Number.isFinite(task.trainTokens) ? task.trainTokens / task.sequenceLength : null;
    const s = resolveSyntheticSettings(options, taskSettings, task.vocabSize, task.sequenceLength, trainPairs);
    return { s, task, eosId: s.config.vocab_size - 1 };
  }
  const tokenizer = options.tokenizer !== undefined ? await JsonTokenizer.fromFile(options.tokenizer) : new ByteTokenizer();
  const s = resolveTrainSettings(options, tokenizer.vocabSize);
  const data = sotuTokenStreams(tokenizer);
  checkTokenRange(data.train, s.config.vocab_size, "training data");
  return { s, task: languageModelTask(data, s.config.max_position_embeddings, s.config.vocab_size, s.evalTokens), eosId: tokenizer.eosId ?? s.config.vocab_size - 1 };
}

/** One optimizer step on the batch of 0-based `step`. */
function trainStep(ctx: RunContext, step: number): { loss: number; lr: number; gradNorm: number } {
  const { s, model } = ctx, T = s.config.max_position_embeddings;
  const lr = learningRate(step, { maxLr: s.lr, minLr: s.minLr, warmupSteps: s.warmupSteps, totalSteps: s.steps });
  const { inputs, targets } = ctx.task.batch(s.batchSize, s.seed, step);
  const B = inputs.length / T;
  model.zeroGrad();
  const { loss } = model.forward(inputs, B, T, targets);
  model.backward();
  const gradNorm = s.gradClip > 0 ? model.clipGradNorm(s.gradClip) : model.kernels.gradNorm(model.grads.flat);
  model.step({ lr, beta1: s.beta1, beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay });
  return { loss, lr, gradNorm };
}

/** Adds the step's loss to the log window; every logSteps steps (and at the end) writes an HF log entry and returns its mean loss. */
function logTraining(ctx: RunContext, global: number, loss: number, lr: number, gradNorm: number): number | undefined {
  const r = ctx.runState, st = ctx.trainerState;
  r.step = global;
  r.pendingLossSum += loss;
  r.pendingLossCount++;
  st.global_step = global;
  st.epoch = epochAt(ctx, global);
  st.num_input_tokens_seen = global * ctx.s.batchSize * ctx.s.config.max_position_embeddings;
  if (global % ctx.s.logSteps !== 0 && global !== ctx.s.steps) return undefined;
  const mean = r.pendingLossSum / r.pendingLossCount;
  const entry: LogEntry = { epoch: st.epoch, grad_norm: gradNorm, learning_rate: lr, loss: mean, step: global };
  st.log_history.push(entry);
  r.pendingLossSum = 0;
  r.pendingLossCount = 0;
  return mean;
}

function lastEvalEntry(st: TrainerState): EvalLogEntry | undefined {
  for (let i = st.log_history.length - 1; i >= 0; i--) {
    const e = st.log_history[i]!;
    if ("eval_loss" in e) return e;
  }
  return undefined;
}

/** The task metrics of an evaluation log entry: its keys besides epoch, step and eval_loss. */
function taskMetricsOf(e: EvalLogEntry | undefined): Record<string, number> {
  if (e === undefined) return {};
  return Object.fromEntries(Object.entries(e).filter(([k, v]) => k !== "epoch" && k !== "step" && k !== "eval_loss" && typeof v === "number"));
}

/** HF `epoch`: training tokens seen / distinct training tokens; for a task of fresh batches (induction), the fraction of the run. */
function epochAt(ctx: RunContext, step: number): number {
  if (!Number.isFinite(ctx.task.trainTokens)) return step / ctx.s.steps;
  return (step * ctx.s.batchSize * ctx.s.config.max_position_embeddings) / ctx.task.trainTokens;
}

/** Continues from the last complete checkpoint of `out`, if any; returns its step. */
async function resume(ctx: RunContext, out: string): Promise<number | null> {
  const steps = await completeCheckpointSteps(out);
  if (steps.length === 0) return null;
  const last = steps[steps.length - 1]!;
  const dir = checkpointDir(out, last);
  const saved = await loadCheckpointState(dir, ctx.model);
  if (saved.runState.settings !== ctx.runState.settings) {
    throw new ResumeError(dir, "this run was started with other settings (model, steps, batch, lr, seed, schedule, dtype or data)", "re-run with the original options to resume it, or choose a new --out folder");
  }
  ctx.trainerState = saved.trainerState;
  ctx.runState = saved.runState;
  return last;
}

function newTrainerState(s: TrainSettings, task: TrainingTask): TrainerState {
  return {
    best_metric: null, best_model_checkpoint: null, epoch: 0, eval_steps: null, global_step: 0,
    is_hyper_param_search: false, is_local_process_zero: true, is_world_process_zero: true, log_history: [],
    logging_steps: s.logSteps, max_steps: s.steps, num_input_tokens_seen: 0,
    num_train_epochs: Number.isFinite(task.trainTokens) ? Math.ceil((s.steps * s.batchSize * s.config.max_position_embeddings) / task.trainTokens) : 1,
    save_steps: s.saveSchedule.saveEvery, total_flos: 0, train_batch_size: s.batchSize, trial_name: null, trial_params: null,
  };
}

function newRunState(s: TrainSettings): RunState {
  return { format: "forking-paths-train-state", version: 1, step: 0, settings: settingsFingerprint(s), pendingLossSum: 0, pendingLossCount: 0 };
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ByteSourceError(dir, `cannot create the run folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}
