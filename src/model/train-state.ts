// The training-state files of a checkpoint folder, and the atomic save / find-latest / resume of
// whole checkpoints: `trainer_state.json` (Hugging Face Trainer format), `optimizer.safetensors`
// (AdamW moments, step count, f32 master weights when the model is saved in f16/bf16) and
// `forking_paths_state.json` (settings fingerprint and the pending log window).
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FileSource } from "../io/file-source.js";
import { readSafetensorsHeader, writeSafetensorsFile } from "../formats/safetensors/index.js";
import { decodeToFloat32 } from "../formats/dtype.js";
import { readTensorBytes } from "../tensor/read.js";
import { ByteSourceError, ForkingPathsError } from "../util/errors.js";
import type { GPTNeoX } from "./gpt-neox.js";
import { writeModelFiles, loadModelWeights, MODEL_FILE, CONFIG_FILE } from "./checkpoint-io.js";
import type { ConfigJsonOptions } from "./checkpoint-io.js";
import { TRAINER_STATE_FILE } from "../formats/hf-files.js";

export { TRAINER_STATE_FILE };
export const OPTIMIZER_FILE = "optimizer.safetensors";
export const RUN_STATE_FILE = "forking_paths_state.json";
const CHECKPOINT_FILES = [MODEL_FILE, CONFIG_FILE, TRAINER_STATE_FILE, OPTIMIZER_FILE, RUN_STATE_FILE];
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;

/** A run folder's saved state cannot be used to resume (corrupt, or made with other settings). */
export class ResumeError extends ForkingPathsError {
  constructor(readonly path: string, problem: string, hint: string) {
    super("RESUME", `${path}: ${problem} ---> HINT: ${hint}`);
  }
}

/** A training log entry as the Hugging Face Trainer writes it (loss = mean since the previous entry). */
export interface TrainLogEntry {
  epoch: number;
  grad_norm: number;
  learning_rate: number;
  loss: number;
  step: number;
}

/**
 * A validation log entry as the Hugging Face Trainer writes it; runs of a synthetic task add their
 * metrics (quality/task-metrics.ts names, e.g. test_accuracy) to it as further number fields.
 */
export interface EvalLogEntry {
  epoch: number;
  eval_loss: number;
  step: number;
}

export type LogEntry = TrainLogEntry | EvalLogEntry;

/** `trainer_state.json`, with the fields the Hugging Face Trainer writes. */
export interface TrainerState {
  best_metric: null;
  best_model_checkpoint: null;
  epoch: number;
  eval_steps: null;
  global_step: number;
  is_hyper_param_search: false;
  is_local_process_zero: true;
  is_world_process_zero: true;
  log_history: LogEntry[];
  logging_steps: number;
  max_steps: number;
  num_input_tokens_seen: number;
  num_train_epochs: number;
  save_steps: number;
  total_flos: number;
  train_batch_size: number;
  trial_name: null;
  trial_params: null;
}

/** Our own resume state: what must match to continue, and the partly filled log window. */
export interface RunState {
  format: "forking-paths-train-state";
  version: 1;
  /** Global step of this checkpoint. */
  step: number;
  /** Canonical JSON of the settings that determine the result (compared on resume). */
  settings: string;
  /** Sum and count of training losses since the last training log entry. */
  pendingLossSum: number;
  pendingLossCount: number;
}

/** Everything saved in one checkpoint besides the model. */
export interface CheckpointContent {
  trainerState: TrainerState;
  runState: RunState;
  configJson: ConfigJsonOptions;
}

/** Path of checkpoint `step` in a run folder. */
export function checkpointDir(runDir: string, step: number): string {
  return join(runDir, `checkpoint-${step}`);
}

/**
 * Writes checkpoint `step` atomically: everything goes to `checkpoint-<step>.tmp/`, which is then
 * renamed; a crash leaves at most a .tmp folder, never a partial checkpoint. Returns its path.
 */
export async function saveCheckpoint(runDir: string, step: number, model: GPTNeoX, c: CheckpointContent): Promise<string> {
  const final = checkpointDir(runDir, step), tmp = `${final}.tmp`;
  try {
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
  } catch (err) {
    throw new ByteSourceError(tmp, `cannot create the checkpoint folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  await writeModelFiles(tmp, model, c.configJson);
  const optimizer = [
    { name: "exp_avg", dtype: "F32" as const, shape: [model.m.length], data: model.m.slice() },
    { name: "exp_avg_sq", dtype: "F32" as const, shape: [model.v.length], data: model.v.slice() },
  ];
  if (c.configJson.dtype !== "f32") optimizer.push({ name: "master_weights", dtype: "F32", shape: [model.params.flat.length], data: model.params.flat.slice() });
  await writeSafetensorsFile(join(tmp, OPTIMIZER_FILE), optimizer, { optimizer: "adamw", step: String(model.stepCount) });
  await writeJson(join(tmp, TRAINER_STATE_FILE), c.trainerState);
  await writeJson(join(tmp, RUN_STATE_FILE), c.runState);
  try {
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
  } catch (err) {
    throw new ByteSourceError(final, `cannot move the finished checkpoint into place (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return final;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
  } catch (err) {
    throw new ByteSourceError(path, `cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** Steps of the complete checkpoints of a run folder (all files present; .tmp folders skipped), ascending. */
export async function completeCheckpointSteps(runDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ByteSourceError(runDir, `cannot list the run folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const steps: number[] = [];
  for (const name of names) {
    const m = CHECKPOINT_DIR.exec(name);
    if (m === null) continue;
    const dir = join(runDir, name);
    const present = await Promise.all(CHECKPOINT_FILES.map((f) => stat(join(dir, f)).then((s) => s.isFile(), () => false)));
    if (present.every((p) => p)) steps.push(Number(m[1]));
  }
  return steps.sort((a, b) => a - b);
}

/** The saved state of a checkpoint, after its weights and optimizer moments were loaded into `model`. */
export interface ResumedState {
  trainerState: TrainerState;
  runState: RunState;
}

/**
 * Loads checkpoint `dir` into `model` (f32 weights: model.safetensors; f16/bf16: the f32 master
 * copy), its AdamW moments and step count, and returns its trainer and run state.
 */
export async function loadCheckpointState(dir: string, model: GPTNeoX): Promise<ResumedState> {
  const runState = (await readJson(join(dir, RUN_STATE_FILE))) as RunState;
  const trainerState = (await readJson(join(dir, TRAINER_STATE_FILE))) as TrainerState;
  if (runState.format !== "forking-paths-train-state" || runState.version !== 1 || !Number.isInteger(runState.step)) {
    throw new ResumeError(join(dir, RUN_STATE_FILE), "not a forking-paths training state (version 1)", "resume only folders written by `forking-paths train`, or use a new --out folder");
  }
  const source = await FileSource.open(join(dir, OPTIMIZER_FILE));
  try {
    const file = await readSafetensorsHeader(source);
    const read = async (name: string): Promise<Float32Array> => {
      const ref = file.tensors.find((t) => t.name === name);
      if (ref === undefined || ref.dtype !== "F32" || ref.numel !== model.m.length) {
        throw new ResumeError(source.name, `tensor "${name}" is missing or is not F32 with ${model.m.length} elements`, "the checkpoint was written for another model; use a new --out folder");
      }
      return decodeToFloat32(ref.dtype, await readTensorBytes(ref));
    };
    model.m.set(await read("exp_avg"));
    model.v.set(await read("exp_avg_sq"));
    if (file.tensors.some((t) => t.name === "master_weights")) model.params.flat.set(await read("master_weights"));
    else await loadModelWeights(model, join(dir, MODEL_FILE));
    const step = Number(file.metadata["step"]);
    if (!Number.isInteger(step) || step !== runState.step) throw new ResumeError(source.name, `optimizer step ${file.metadata["step"]} does not match the checkpoint step ${runState.step}`, "delete this checkpoint folder to resume from the one before");
    model.stepCount = step;
  } finally {
    await source.close();
  }
  return { trainerState, runState };
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new ResumeError(path, `cannot read (${err instanceof Error ? err.message : String(err)})`, "delete this checkpoint folder to resume from the one before, or use a new --out folder");
  }
}
