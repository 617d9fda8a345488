// Opens one checkpoint (a folder or a single file) in safetensors or PyTorch format, sharded or
// not, and lists every tensor with the open ByteSources holding it. Reads headers only.
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { FileSource } from "../io/file-source.js";
import type { ByteSource } from "../io/byte-source.js";
import { ByteSourceError, CheckpointFormatError } from "../util/errors.js";
import { readPytorchCheckpoint } from "./pytorch/index.js";
import { readSafetensorsHeader } from "./safetensors/index.js";
import { readShardIndex } from "./shard-index.js";
import type { TensorRef } from "./tensor-ref.js";

export type CheckpointFormat = "safetensors" | "pytorch";

export interface OpenCheckpointOptions {
  /** PyTorch only: sub-dict of the saved object holding the model tensors (e.g. "model_state_dict"). */
  readonly key?: string;
}

export interface OpenCheckpoint {
  /** The path given to openCheckpoint. */
  readonly path: string;
  readonly format: CheckpointFormat;
  /** Files whose tensors are listed (shards in order), as opened. */
  readonly files: string[];
  /** All tensors, file by file, each in its file's order. */
  readonly tensors: TensorRef[];
  /** Closes every file; the TensorRefs cannot be read afterwards. */
  close(): Promise<void>;
}

export const SAFETENSORS_INDEX = "model.safetensors.index.json";
export const SAFETENSORS_SINGLE = "model.safetensors";
export const PYTORCH_INDEX = "pytorch_model.bin.index.json";
export const PYTORCH_SINGLE = "pytorch_model.bin";
const PYTORCH_EXTENSIONS = [".bin", ".pt", ".pth", ".ckpt"];
/** Files the Hugging Face Trainer saves next to the model that are not model weights. */
const NOT_MODEL_FILES = new Set(["training_args.bin", "optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth"]);
export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** What to open: one index file, or a list of weight files read as one checkpoint. */
export type CheckpointPlan = { readonly index: string } | { readonly files: string[] };

/** One opened weight file. */
interface OpenedFile {
  readonly source: ByteSource;
  readonly format: CheckpointFormat;
  readonly tensors: TensorRef[];
}

/**
 * Opens a checkpoint folder or file. In a folder, in order of preference: model.safetensors.index.json,
 * model.safetensors, all other *.safetensors (sorted), pytorch_model.bin.index.json,
 * pytorch_model.bin, a single *.bin/*.pt/*.pth/*.ckpt. A file is recognised by its content
 * (zip magic = PyTorch) and extension. Only headers are read; close() releases the files.
 */
export async function openCheckpoint(path: string, options: OpenCheckpointOptions = {}): Promise<OpenCheckpoint> {
  const plan = await planCheckpoint(path);
  const opened: OpenedFile[] = [];
  try {
    if ("index" in plan) await openSharded(plan.index, options, opened);
    else for (const file of plan.files) opened.push(await openWeightFile(file, options));
    const format = checkSameFormat(path, opened);
    const tensors = opened.flatMap((f) => f.tensors);
    if (!("index" in plan)) checkNoDuplicates(opened);
    let closed = false;
    return {
      path,
      format,
      files: opened.map((f) => f.source.name),
      tensors,
      close: async () => {
        if (closed) return;
        closed = true;
        await closeAll(opened);
      },
    };
  } catch (err) {
    await closeAll(opened);
    throw err;
  }
}

/** Decides which files make up the checkpoint at `path` (folder or file), without opening them. */
export async function planCheckpoint(path: string): Promise<CheckpointPlan> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ByteSourceError(path, code === "ENOENT" ? "checkpoint path not found" : `cannot access checkpoint path (${code ?? String(err)})`, { cause: err });
  }
  if (!info.isDirectory()) return path.endsWith(".index.json") ? { index: path } : { files: [path] };
  const names = (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  const plan = chooseCheckpointFiles(path, names, "check the path points at one checkpoint folder (e.g. step1000/) and that its download finished");
  return "index" in plan ? { index: join(path, plan.index) } : { files: plan.files.map((n) => join(path, n)) };
}

/**
 * Which of a folder's file `names` make up its checkpoint, in order of preference:
 * model.safetensors.index.json, model.safetensors, other *.safetensors (sorted),
 * pytorch_model.bin.index.json, pytorch_model.bin, a single *.bin/*.pt/*.pth/*.ckpt (trainer side
 * files such as optimizer.pt are never the model). Returns names, not paths; `where` names the
 * folder (or remote revision) in errors. Pure: shared by local folders and remote listings.
 */
export function chooseCheckpointFiles(where: string, names: readonly string[], hint = "check that the revision holds model weights at its top level"): CheckpointPlan {
  const have = new Set(names);
  if (have.has(SAFETENSORS_INDEX)) return { index: SAFETENSORS_INDEX };
  if (have.has(SAFETENSORS_SINGLE)) return { files: [SAFETENSORS_SINGLE] };
  const safetensors = [...have].filter((n) => n.endsWith(".safetensors")).sort();
  if (safetensors.length > 0) return { files: safetensors };
  if (have.has(PYTORCH_INDEX)) return { index: PYTORCH_INDEX };
  if (have.has(PYTORCH_SINGLE)) return { files: [PYTORCH_SINGLE] };
  const torch = [...have].filter((n) => PYTORCH_EXTENSIONS.includes(extname(n).toLowerCase()) && !NOT_MODEL_FILES.has(n)).sort();
  if (torch.length === 1) return { files: [torch[0]!] };
  if (torch.length > 1) {
    throw new CheckpointFormatError("AMBIGUOUS_CHECKPOINT", where, undefined, `several PyTorch files and no index: ${torch.join(", ")}`,
      `pass the path of the model file itself, or add a ${PYTORCH_INDEX}`);
  }
  throw new CheckpointFormatError("NO_CHECKPOINT_FILES", where, undefined,
    `no checkpoint file found; looked for ${SAFETENSORS_INDEX}, ${SAFETENSORS_SINGLE}, *.safetensors, ${PYTORCH_INDEX}, ${PYTORCH_SINGLE}, *.bin, *.pt, *.pth, *.ckpt`,
    hint);
}

/** Opens the shards of an index; each weight_map tensor must be in its shard, and only there. */
async function openSharded(indexPath: string, options: OpenCheckpointOptions, opened: OpenedFile[]): Promise<void> {
  const indexSource = await FileSource.open(indexPath);
  let index;
  try {
    index = await readShardIndex(indexSource);
  } finally {
    await indexSource.close();
  }
  const folder = dirname(indexPath);
  for (const shard of index.shards) opened.push(await openWeightFile(join(folder, shard), options));
  const owner = checkNoDuplicates(opened);
  const byName = new Map(opened.flatMap((f) => f.tensors.map((t) => [`${f.source.name}\0${t.name}`, t] as const)));
  const tensors: TensorRef[] = [];
  for (const [tensor, shard] of index.weightMap) {
    const shardPath = join(folder, shard);
    const ref = byName.get(`${shardPath}\0${tensor}`);
    if (ref === undefined) {
      const elsewhere = owner.get(tensor);
      throw new CheckpointFormatError(
        "SHARD_MISSING_TENSOR",
        indexPath,
        tensor,
        `the index puts it in shard ${shard}, but that shard has no such tensor${elsewhere !== undefined ? ` (it is in ${basename(elsewhere)})` : ""}`,
        "the index and the shards come from different saves; re-download the checkpoint",
      );
    }
    tensors.push(ref);
  }
  // Keep shard order, and each shard's own order, for sequential reads.
  const wanted = new Set(tensors);
  for (let i = 0; i < opened.length; i++) {
    opened[i] = { ...opened[i]!, tensors: opened[i]!.tensors.filter((t) => wanted.has(t)) };
  }
}

async function openWeightFile(path: string, options: OpenCheckpointOptions): Promise<OpenedFile> {
  const source = await FileSource.open(path);
  try {
    const format = await sniffFormat(source, path);
    const tensors =
      format === "safetensors"
        ? (await readSafetensorsHeader(source)).tensors
        : await readPytorchCheckpoint(source, options.key !== undefined ? { key: options.key } : {});
    return { source, format, tensors };
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** Zip magic means torch.save; a .safetensors name or a JSON header start means safetensors. */
async function sniffFormat(source: ByteSource, path: string): Promise<CheckpointFormat> {
  const head = await source.read(0, Math.min(9, source.size));
  if (head.byteLength >= 4 && ZIP_MAGIC.every((b, i) => head[i] === b)) return "pytorch";
  if (path.endsWith(".safetensors")) return "safetensors";
  if (head.byteLength === 9 && head[8] === 0x7b /* "{" */) return "safetensors";
  // Not zip, not safetensors: let the PyTorch reader explain (e.g. legacy non-zip torch.save).
  return "pytorch";
}

/** Maps every tensor name to its file; a name in two files is an error naming both. */
function checkNoDuplicates(opened: readonly OpenedFile[]): Map<string, string> {
  const owner = new Map<string, string>();
  for (const f of opened) {
    for (const t of f.tensors) {
      const first = owner.get(t.name);
      if (first !== undefined) {
        throw new CheckpointFormatError(
          "DUPLICATE_TENSOR",
          f.source.name,
          t.name,
          `also present in ${first}; a tensor must be stored in exactly one shard`,
          "the folder mixes files of different saves; keep only one checkpoint's files",
        );
      }
      owner.set(t.name, f.source.name);
    }
  }
  return owner;
}

function checkSameFormat(path: string, opened: readonly OpenedFile[]): CheckpointFormat {
  const formats = [...new Set(opened.map((f) => f.format))];
  if (formats.length !== 1) {
    throw new CheckpointFormatError("MIXED_FORMATS", path, undefined, `the checkpoint's files mix formats: ${opened.map((f) => `${basename(f.source.name)} (${f.format})`).join(", ")}`);
  }
  return formats[0]!;
}

async function closeAll(opened: readonly OpenedFile[]): Promise<void> {
  await Promise.all(opened.map((f) => f.source.close()));
}
