// Local checkpoints: a folder or a single file listed as CheckpointFiles (each opening a
// FileSource) and opened by the one opener of formats/checkpoint-files.ts. Reads headers only.
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileSource } from "../io/file-source.js";
import { ByteSourceError } from "../util/errors.js";
import {
  chooseCheckpointFiles, openCheckpointFromSources, type CheckpointFile, type CheckpointPlan, type OpenCheckpoint, type OpenCheckpointOptions,
} from "./checkpoint-files.js";
import { readShardIndex } from "./shard-index.js";

export {
  SAFETENSORS_INDEX, SAFETENSORS_SINGLE, PYTORCH_INDEX, PYTORCH_SINGLE, ZIP_MAGIC, chooseCheckpointFiles,
  type CheckpointFormat, type CheckpointPlan, type OpenCheckpoint, type OpenCheckpointOptions,
} from "./checkpoint-files.js";

const LOCAL_HINT = "check the path points at one checkpoint folder (e.g. step1000/) and that its download finished";

/** A local checkpoint as a listing: where it is, its files, and (for a file path) the plan. */
export interface LocalCheckpointFiles {
  readonly where: string;
  readonly files: CheckpointFile[];
  readonly plan: CheckpointPlan;
}

/**
 * Opens a checkpoint folder or file. In a folder, in order of preference: model.safetensors.index.json,
 * model.safetensors, all other *.safetensors (sorted), pytorch_model.bin.index.json,
 * pytorch_model.bin, a single *.bin/*.pt/*.pth/*.ckpt. A file is recognised by its content
 * (zip magic = PyTorch) and extension. Only headers are read; close() releases the files.
 */
export async function openCheckpoint(path: string, options: OpenCheckpointOptions = {}): Promise<OpenCheckpoint> {
  const local = await localCheckpointFiles(path);
  return openCheckpointFromSources(local.where, local.files, options, local.plan);
}

/** Decides which files make up the checkpoint at `path` (folder or file), without opening them. */
export async function planCheckpoint(path: string): Promise<CheckpointPlan> {
  const info = await statPath(path);
  if (!info.isDirectory()) return path.endsWith(".index.json") ? { index: path } : { files: [path] };
  const plan = chooseCheckpointFiles(path, await fileNames(path), LOCAL_HINT);
  return "index" in plan ? { index: join(path, plan.index) } : { files: plan.files.map((n) => join(path, n)) };
}

/**
 * The files of the local checkpoint at `path`: a folder's top-level files (and the shards its
 * index names), or a single file (an index file: it and its shards).
 */
export async function localCheckpointFiles(path: string): Promise<LocalCheckpointFiles> {
  const info = await statPath(path);
  const folder = info.isDirectory() ? path : dirname(path);
  let names: string[];
  let plan: CheckpointPlan;
  if (info.isDirectory()) {
    names = await fileNames(path);
    plan = chooseCheckpointFiles(path, names, LOCAL_HINT);
  } else {
    names = [basename(path)];
    plan = path.endsWith(".index.json") ? { index: basename(path) } : { files: [basename(path)] };
  }
  if ("index" in plan) names = [...new Set([...names, ...(await shardNames(join(folder, plan.index)))])];
  const files = await Promise.all(names.map((name) => localFile(folder, name)));
  return { where: path, files, plan };
}

async function localFile(folder: string, name: string): Promise<CheckpointFile> {
  const full = join(folder, name);
  const size = await stat(full).then((s) => s.size, () => undefined);
  return { name, ...(size !== undefined && { size }), open: () => FileSource.open(full) };
}

async function shardNames(indexPath: string): Promise<string[]> {
  const source = await FileSource.open(indexPath);
  try {
    return (await readShardIndex(source)).shards;
  } finally {
    await source.close();
  }
}

async function statPath(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ByteSourceError(path, code === "ENOENT" ? "checkpoint path not found" : `cannot access checkpoint path (${code ?? String(err)})`, { cause: err });
  }
}

async function fileNames(folder: string): Promise<string[]> {
  return (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
}
