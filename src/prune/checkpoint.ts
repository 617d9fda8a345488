// Prunes a checkpoint folder into a complete new one: every tensor copied in its own dtype (the
// prunable ones with masked elements zeroed), config.json (and tokenizer files) copied, and
// pruning.json describing the masks; optionally the loss before and after with our evaluator.
import { copyFile, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { openCheckpoint } from "../formats/checkpoint.js";
import { decodeToFloat32, DTYPE_ITEMSIZE, type Dtype } from "../formats/dtype.js";
import { writeSafetensorsFile, type SafetensorsEntry } from "../formats/safetensors/index.js";
import { CONFIG_FILE, SAFETENSORS_SINGLE, TOKENIZER_FILES } from "../formats/hf-files.js";
import { readTensorBytes } from "../tensor/read.js";
import { ByteSourceError, UsageError } from "../util/errors.js";
import { evaluateLoss } from "../model/evaluate.js";
import { createWasmKernels } from "../model/wasm/kernels.js";
import { applyMaskToBytes, checkSparsity, countZeros, pruneMasks, DEFAULT_PRUNE_SEED, type PruneMethod, type PruneScope } from "./masks.js";
import { prunableFilter } from "./prunable.js";

/** Files copied unchanged from the source folder when present (config.json is required). */
export const COPIED_FILES: readonly string[] = [CONFIG_FILE, ...TOKENIZER_FILES];
export const PRUNED_MODEL_FILE = SAFETENSORS_SINGLE;
export const PRUNING_FILE = "pruning.json";

export interface PruneEvalOptions {
  /** Token ids evaluated before and after (protocol of evaluateLoss). */
  tokens: Int32Array;
  batchSize?: number;
  threads?: number;
}

export interface PruneOptions {
  sparsity: number;
  method: PruneMethod;
  scope: PruneScope;
  /** Extra tensors to prune (name globs), beyond the default 2-D attention/MLP weights. */
  include?: readonly string[];
  /** Seed of the random method (default 0). */
  seed?: number;
  /** Output folder (created); must differ from the source. */
  out: string;
  /** Replace an existing model.safetensors in `out` (default false). */
  overwrite?: boolean;
  eval?: PruneEvalOptions;
}

export interface PrunedTensorInfo {
  name: string;
  dtype: Dtype;
  numel: number;
  /** Elements the mask selected. */
  masked: number;
  /** Exact zeros before and after pruning. */
  zerosBefore: number;
  zeros: number;
}

export interface PruneResult {
  checkpoint: string;
  out: string;
  sparsity: number;
  method: PruneMethod;
  scope: PruneScope;
  seed: number;
  prunedTensors: PrunedTensorInfo[];
  /** Elements of the pruned tensors, and exact zeros among them after pruning. */
  numel: number;
  zeros: number;
  zerosFraction: number;
  lossBefore?: number;
  lossAfter?: number;
  lossIncrease?: number;
  predictions?: number;
}

/** Reads every tensor, prunes the prunable ones, writes the complete pruned checkpoint to `o.out`. */
export async function pruneCheckpoint(checkpointDir: string, o: PruneOptions): Promise<PruneResult> {
  checkSparsity(o.sparsity);
  const folder = await prepareOut(checkpointDir, o);
  const seed = o.seed ?? DEFAULT_PRUNE_SEED;
  const { entries, prunable } = await readAllTensors(checkpointDir, o.include ?? []);
  if (prunable.length === 0) throw new UsageError(`${checkpointDir}: no prunable tensors (2-D attention/MLP weights) found ---> HINT: widen the set with --include "<glob>"`);
  const values = prunable.map((i) => ({ name: entries[i]!.name, values: decodeToFloat32(entries[i]!.dtype, entries[i]!.data as Uint8Array) }));
  const masks = pruneMasks(values, { sparsity: o.sparsity, method: o.method, scope: o.scope, seed });
  const prunedTensors = prunable.map((idx, j): PrunedTensorInfo => {
    const e = entries[idx]!, v = values[j]!.values, mask = masks[j]!;
    const zerosBefore = countZeros(v);
    let newZeros = 0;
    for (let i = 0; i < v.length; i++) if (mask.pruned[i] === 1 && v[i] !== 0) newZeros++;
    applyMaskToBytes(e.data as Uint8Array, DTYPE_ITEMSIZE[e.dtype], mask);
    return { name: e.name, dtype: e.dtype, numel: v.length, masked: mask.count, zerosBefore, zeros: zerosBefore + newZeros };
  });
  await writeSafetensorsFile(join(o.out, PRUNED_MODEL_FILE), entries, { format: "pt" });
  await copyMetadataFiles(folder, o.out);
  const numel = prunedTensors.reduce((n, t) => n + t.numel, 0);
  const zeros = prunedTensors.reduce((n, t) => n + t.zeros, 0);
  const result: PruneResult = { checkpoint: checkpointDir, out: o.out, sparsity: o.sparsity, method: o.method, scope: o.scope, seed, prunedTensors, numel, zeros, zerosFraction: zeros / numel };
  if (o.eval !== undefined) Object.assign(result, await lossBeforeAfter(checkpointDir, o.out, o.eval));
  await writeJson(join(o.out, PRUNING_FILE), pruningRecord(result));
  return result;
}

/** Checks the source has config.json and the output folder is usable; returns the source folder. */
async function prepareOut(checkpointDir: string, o: PruneOptions): Promise<string> {
  const folder = await checkpointFolder(checkpointDir);
  if (resolve(o.out) === resolve(folder)) throw new UsageError(`--out must differ from the checkpoint folder ${folder} (the source is never modified)`);
  if (!(await stat(join(folder, CONFIG_FILE)).then(() => true, () => false))) {
    throw new UsageError(`${folder}: no config.json ---> HINT: a checkpoint folder needs the model's config.json next to its weights`);
  }
  const existing = await stat(join(o.out, PRUNED_MODEL_FILE)).then(() => true, () => false);
  if (existing && o.overwrite !== true) throw new UsageError(`${join(o.out, PRUNED_MODEL_FILE)} already exists ---> HINT: choose another --out or pass --force to replace it`);
  try {
    await mkdir(o.out, { recursive: true });
  } catch (err) {
    throw new ByteSourceError(o.out, `cannot create the output folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return folder;
}

interface MutableEntry extends SafetensorsEntry {
  readonly data: Uint8Array;
}

/** All tensors of the checkpoint as raw bytes, and the indices of the prunable ones. */
async function readAllTensors(checkpointDir: string, include: readonly string[]): Promise<{ entries: MutableEntry[]; prunable: number[] }> {
  const isPrunable = prunableFilter(include);
  const ckpt = await openCheckpoint(checkpointDir);
  try {
    const entries: MutableEntry[] = [];
    const prunable: number[] = [];
    for (const ref of ckpt.tensors) {
      if (isPrunable(ref.name, ref.shape, ref.dtype)) prunable.push(entries.length);
      entries.push({ name: ref.name, dtype: ref.dtype, shape: [...ref.shape], data: await readTensorBytes(ref) });
    }
    return { entries, prunable };
  } finally {
    await ckpt.close();
  }
}

async function copyMetadataFiles(from: string, to: string): Promise<void> {
  const names = new Set(await readdir(from));
  for (const name of COPIED_FILES) {
    if (!names.has(name)) continue;
    try {
      await copyFile(join(from, name), join(to, name));
    } catch (err) {
      throw new ByteSourceError(join(to, name), `cannot copy ${name} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }
}

async function lossBeforeAfter(before: string, after: string, e: PruneEvalOptions): Promise<Pick<PruneResult, "lossBefore" | "lossAfter" | "lossIncrease" | "predictions">> {
  const kernels = await createWasmKernels(e.threads !== undefined ? { threads: e.threads } : {});
  try {
    const opts = { kernels, ...(e.batchSize !== undefined && { batchSize: e.batchSize }) };
    const b = await evaluateLoss(before, e.tokens, opts);
    const a = await evaluateLoss(after, e.tokens, opts);
    return { lossBefore: b.loss, lossAfter: a.loss, lossIncrease: a.loss - b.loss, predictions: a.predictions };
  } finally {
    await kernels.dispose();
  }
}

/** The pruning.json record (snake_case, as the CLI's --json). */
export function pruningRecord(r: PruneResult): Record<string, unknown> {
  return {
    source: r.checkpoint,
    method: r.method,
    scope: r.scope,
    sparsity: r.sparsity,
    seed: r.seed,
    tie_rule: "k = floor(s*n + 0.5); magnitude: |w| ascending, then tensor name (code points), then row-major index; existing zeros rank first",
    pruned_tensors: r.prunedTensors.map((t) => ({ name: t.name, dtype: t.dtype, numel: t.numel, masked: t.masked, zeros_before: t.zerosBefore, zeros: t.zeros })),
    numel: r.numel,
    zeros: r.zeros,
    zeros_fraction: r.zerosFraction,
    ...(r.lossBefore !== undefined && { loss_before: r.lossBefore, loss_after: r.lossAfter, loss_increase: r.lossIncrease, predictions: r.predictions }),
  };
}

/** The checkpoint's folder: the path itself, or the folder of a weights file. */
export async function checkpointFolder(checkpoint: string): Promise<string> {
  const trimmed = checkpoint.replace(/[/\\]+$/, "");
  let isDir: boolean;
  try {
    isDir = (await stat(trimmed)).isDirectory();
  } catch (err) {
    throw new ByteSourceError(checkpoint, `checkpoint path not found (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return isDir ? trimmed : dirname(trimmed);
}

async function writeJson(path: string, value: unknown): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
  } catch (err) {
    throw new ByteSourceError(path, `cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}
