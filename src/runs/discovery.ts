// Local run discovery: a folder of checkpoints -> checkpoints ordered by training step.
// Reads directory listings and trainer_state.json only; never opens the checkpoint files.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { openCheckpoint } from "../formats/checkpoint.js";
import type { OpenCheckpoint, OpenCheckpointOptions } from "../formats/checkpoint-files.js";
import { TRAINER_STATE_FILE } from "../formats/hf-files.js";
import { RunDiscoveryError } from "../util/errors.js";
import { describeLookalikes, lookalikeCheckpointFolders } from "./lookalikes.js";

/**
 * A checkpoint of a run, whatever holds its files (local folder, Hub revision, Hub cache): the
 * analysis only calls open(). Where the bytes come from was decided when the run was discovered.
 */
export interface RunCheckpoint {
  /** Training step (from trainer_state.json when present, else from the name or `steps`). */
  readonly step: number;
  /** Absolute path of the checkpoint directory or file, or its `hf://owner/repo@revision` reference. */
  readonly path: string;
  /** The entry's name as found (e.g. "checkpoint-1000", "step1000"), for display. */
  readonly label: string;
  /** Opens the checkpoint's files (headers only; with a selection, only what holds selected tensors). */
  open(options?: OpenCheckpointOptions): Promise<OpenCheckpoint>;
}

/** A checkpoint of a local folder or file. */
export function localCheckpoint(step: number, path: string, label: string): RunCheckpoint {
  return { step, path, label, open: (options) => openCheckpoint(path, options) };
}

export interface DiscoverOptions {
  /**
   * When entry names carry no step: the steps of the checkpoint folders, in natural name order
   * (counts must match). When names carry steps: a selection; only these steps are returned
   * and a step not found is an error.
   */
  steps?: readonly number[];
}

/** Directory layouts recognised, with the step in group 1. */
const DIR_PATTERNS: readonly { pattern: RegExp; describe: string }[] = [
  { pattern: /^checkpoint-(\d+)$/, describe: "checkpoint-<N>/ (Hugging Face Trainer)" },
  { pattern: /^global_step(\d+)$/, describe: "global_step<N>/ (DeepSpeed)" },
  { pattern: /^step_?(\d+)$/, describe: "step<N>/ or step_<N>/" },
  { pattern: /^iter_(\d+)$/, describe: "iter_<N>/ (Megatron)" },
];
const CHECKPOINT_EXT = /\.(safetensors|bin|pt|pth|ckpt)$/;
/** Checkpoint files named by step: model_step_100.pt, run-step100.safetensors, x_step100.bin, checkpoint-100.pt. */
const FILE_PATTERNS: readonly { pattern: RegExp; describe: string }[] = [
  { pattern: /(?:^|[-_.])step[-_]?(\d+)\.(?:safetensors|bin|pt|pth|ckpt)$/, describe: "*step<N>.{safetensors,bin,pt,pth,ckpt} (also *_step_<N>, *-step<N>)" },
  { pattern: /^(?:checkpoint|ckpt)[-_](\d+)\.(?:safetensors|bin|pt|pth|ckpt)$/, describe: "checkpoint-<N>.<ext> / ckpt_<N>.<ext>" },
];
/** Names that make a folder one checkpoint (possibly sharded), never a series of files. */
const SINGLE_CHECKPOINT_FILE = /^(?:model|pytorch_model|consolidated|adapter_model)(?:[-.]\d+(?:-of-\d+)?)?\.(?:safetensors|bin|pth?)$|\.index\.json$/;
/** Files with checkpoint extensions that hold optimizer or trainer state, not model weights. */
const NOT_MODEL_FILES = /^(?:training_args\.bin|optimizer\.(?:pt|bin)|scheduler\.pt|scaler\.pt|rng_state(?:_\d+)?\.pth|.*_optim_states\.pt)$/;

/** Does this file name hold model weights (or index them)? */
export function isCheckpointFileName(name: string): boolean {
  if (name.startsWith(".")) return false;
  if (NOT_MODEL_FILES.test(name)) return false;
  return CHECKPOINT_EXT.test(name) || name.endsWith(".index.json");
}

/** Human-readable list of the layouts looked for, for error messages and docs. */
export function describeRunLayouts(): string[] {
  return [
    ...DIR_PATTERNS.map((p) => p.describe),
    ...FILE_PATTERNS.map((p) => p.describe),
    "a single checkpoint folder (model.safetensors / pytorch_model.bin / *.index.json)",
    "unnamed checkpoint folders with trainer_state.json, or with an explicit steps list",
  ];
}

interface Entry {
  name: string;
  path: string;
  isDir: boolean;
}

/** Find the checkpoints of a run folder, ordered by step. */
export async function discoverRun(path: string, options: DiscoverOptions = {}): Promise<RunCheckpoint[]> {
  const root = resolve(path);
  const info = await stat(root).catch(() => null);
  if (info === null) throw new RunDiscoveryError(root, "does not exist ---> HINT: check the path of the run folder");
  if (info.isFile()) return singleFileRun(root, options);
  const entries = await listEntries(root);
  const named = await namedCheckpoints(entries);
  if (named.length > 0) await refuseLookalikes(root, entries);
  if (named.length > 0) return selectSteps(root, orderAndCheck(root, named), options.steps);
  let found: RunCheckpoint[];
  const files = entries.filter((e) => !e.isDir && isCheckpointFileName(e.name));
  if (files.length > 1 && !files.some((f) => SINGLE_CHECKPOINT_FILE.test(f.name)) && (options.steps?.length ?? 0) > 1) {
    found = mapStepsInOrder(root, files, options.steps!);
  } else if (files.length > 0) {
    found = [await singleFolderCheckpoint(root, options.steps)];
  } else {
    found = await unnamedCheckpoints(root, entries, options.steps);
  }
  return orderAndCheck(root, found);
}

async function listEntries(root: string): Promise<Entry[]> {
  const dirents = await readdir(root, { withFileTypes: true });
  const out: Entry[] = [];
  for (const d of dirents) {
    if (d.name.startsWith(".")) continue;
    const full = join(root, d.name);
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) isDir = (await stat(full).catch(() => null))?.isDirectory() ?? false;
    out.push({ name: d.name, path: full, isDir });
  }
  return out;
}

async function namedCheckpoints(entries: readonly Entry[]): Promise<RunCheckpoint[]> {
  const out: RunCheckpoint[] = [];
  for (const e of entries) {
    if (e.isDir) {
      const m = DIR_PATTERNS.map((p) => p.pattern.exec(e.name)).find((x) => x !== null);
      if (m === undefined || !(await hasCheckpointFile(e.path))) continue;
      const fromState = await trainerStateStep(e.path);
      out.push(localCheckpoint(fromState ?? Number(m[1]), e.path, e.name));
    } else if (isCheckpointFileName(e.name)) {
      const m = FILE_PATTERNS.map((p) => p.pattern.exec(e.name)).find((x) => x !== null);
      if (m !== undefined) out.push(localCheckpoint(Number(m[1]), e.path, e.name));
    }
  }
  return out;
}

async function refuseLookalikes(root: string, entries: readonly Entry[]): Promise<void> {
  const candidates: string[] = [];
  for (const e of entries) if (e.isDir && (await hasCheckpointFile(e.path))) candidates.push(e.name);
  const lookalikes = lookalikeCheckpointFolders(candidates, DIR_PATTERNS.map((p) => p.pattern));
  if (lookalikes.length > 0) throw new RunDiscoveryError(root, describeLookalikes(lookalikes));
}

async function hasCheckpointFile(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some(isCheckpointFileName);
}

/** `global_step` from a trainer_state.json in `dir`, or null when there is none. */
export async function trainerStateStep(dir: string): Promise<number | null> {
  const file = join(dir, TRAINER_STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RunDiscoveryError(file, `is not valid JSON (${(err as Error).message}) ---> HINT: repair or remove the file`);
  }
  const step = (parsed as { global_step?: unknown } | null)?.global_step;
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
    throw new RunDiscoveryError(file, `has no non-negative integer "global_step" (got ${JSON.stringify(step)})`);
  }
  return step;
}

function selectSteps(root: string, found: RunCheckpoint[], steps: readonly number[] | undefined): RunCheckpoint[] {
  if (steps === undefined) return found;
  const byStep = new Map(found.map((c) => [c.step, c]));
  const missing = steps.filter((s) => !byStep.has(s));
  if (missing.length > 0) {
    throw new RunDiscoveryError(
      root,
      `requested step(s) ${missing.join(", ")} not found; the run has steps ${[...byStep.keys()].sort((a, b) => a - b).join(", ")}`,
    );
  }
  return [...new Set(steps)].sort((a, b) => a - b).map((s) => byStep.get(s)!);
}

async function singleFolderCheckpoint(root: string, steps: readonly number[] | undefined): Promise<RunCheckpoint> {
  const fromState = await trainerStateStep(root);
  if (steps !== undefined && steps.length !== 1) {
    throw new RunDiscoveryError(root, `is a single checkpoint, but ${steps.length} steps were given ---> HINT: give one step, or point at the folder holding the checkpoints`);
  }
  return localCheckpoint(fromState ?? steps?.[0] ?? 0, root, basename(root));
}

function singleFileRun(file: string, options: DiscoverOptions): RunCheckpoint[] {
  const name = basename(file);
  if (!isCheckpointFileName(name)) {
    throw new RunDiscoveryError(file, `is a file but not a checkpoint (expected ${CHECKPOINT_EXT.source} or *.index.json)`);
  }
  const m = FILE_PATTERNS.map((p) => p.pattern.exec(name)).find((x) => x !== null);
  const steps = options.steps;
  if (steps !== undefined && steps.length !== 1) {
    throw new RunDiscoveryError(file, `is a single checkpoint file, but ${steps.length} steps were given`);
  }
  return [localCheckpoint(steps?.[0] ?? (m ? Number(m[1]) : 0), file, name)];
}

async function unnamedCheckpoints(root: string, entries: readonly Entry[], steps: readonly number[] | undefined): Promise<RunCheckpoint[]> {
  const dirs: Entry[] = [];
  for (const e of entries) if (e.isDir && (await hasCheckpointFile(e.path))) dirs.push(e);
  if (dirs.length === 0) {
    throw new RunDiscoveryError(root, `no checkpoints found. Looked for: ${describeRunLayouts().join("; ")}`);
  }
  if (steps !== undefined) return mapStepsInOrder(root, dirs, steps);
  const out: RunCheckpoint[] = [];
  for (const d of dirs) {
    const step = await trainerStateStep(d.path);
    if (step === null) {
      throw new RunDiscoveryError(
        root,
        `found checkpoint folder(s) whose names carry no step (${dirs.map((x) => x.name).join(", ")}) and "${d.name}" has no trainer_state.json ---> HINT: pass the steps explicitly (one per folder, in natural name order)`,
      );
    }
    out.push(localCheckpoint(step, d.path, d.name));
  }
  return out;
}

function mapStepsInOrder(root: string, entries: Entry[], steps: readonly number[]): RunCheckpoint[] {
  const sorted = [...entries].sort((a, b) => naturalCompare(a.name, b.name));
  if (steps.length !== sorted.length) {
    throw new RunDiscoveryError(
      root,
      `${steps.length} steps were given for ${sorted.length} checkpoint(s) (${sorted.map((d) => d.name).join(", ")}) ---> HINT: give one step per checkpoint, in natural name order`,
    );
  }
  return sorted.map((d, i) => localCheckpoint(steps[i]!, d.path, d.name));
}

function orderAndCheck(root: string, found: RunCheckpoint[]): RunCheckpoint[] {
  for (const c of found) {
    if (!Number.isSafeInteger(c.step) || c.step < 0) throw new RunDiscoveryError(c.path, `step ${c.step} is not a non-negative integer`);
  }
  const sorted = [...found].sort((a, b) => a.step - b.step || naturalCompare(a.label, b.label));
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.step === b.step) {
      throw new RunDiscoveryError(root, `two checkpoints have step ${a.step}: ${a.path} and ${b.path} ---> HINT: remove one, or point at a folder holding only one of them`);
    }
  }
  return sorted;
}

/** Compare names with digit runs as numbers: step2 < step10. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      if (x.length !== y.length) return x.length - y.length;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return pa.length - pb.length;
}
