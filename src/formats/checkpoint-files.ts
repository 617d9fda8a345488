// The one checkpoint opener: a checkpoint is a list of named files, each with open() returning a
// ByteSource, whatever holds them (a local folder, a Hub revision, the Hub cache, a cluster
// shard). Chooses the weight files by name, opens them (headers only), checks sharding rules.
// With a tensor selection, only the shards holding selected tensors are opened and only the
// selected PyTorch storages are located. Local folders are listed by formats/checkpoint.ts.
import { extname } from "node:path";
import { PYTORCH_INDEX, PYTORCH_SINGLE, SAFETENSORS_INDEX, SAFETENSORS_SINGLE } from "./hf-files.js";
import type { ByteSource } from "../io/byte-source.js";
import { CheckpointFormatError } from "../util/errors.js";
import { MAX_TENSORS_PER_CHECKPOINT } from "../util/limits.js";
import { openTorchArchive, readPytorchCheckpoint, selectStateDict, tensorRefOf } from "./pytorch/index.js";
import { readSafetensorsHeader } from "./safetensors/index.js";
import { readShardIndex } from "./shard-index.js";
import type { TensorRef } from "./tensor-ref.js";

export type CheckpointFormat = "safetensors" | "pytorch";

export interface OpenCheckpointOptions {
  /** PyTorch only: sub-dict of the saved object holding the model tensors (e.g. "model_state_dict"). */
  readonly key?: string;
  /** Only tensors whose names this accepts are listed, located and (for shards) opened; default: all. */
  readonly select?: (tensorName: string) => boolean;
}
/** Kept for callers of the former Hub-only opener. */
export type OpenFromFilesOptions = OpenCheckpointOptions;

export interface OpenCheckpoint {
  /** Where the checkpoint is (folder, file or `hf://` reference), as given; names it in errors. */
  readonly path: string;
  readonly format: CheckpointFormat;
  /** Files whose tensors are listed (shards in order), as their sources name them. */
  readonly files: string[];
  /** All (selected) tensors, file by file, each in its file's order. */
  readonly tensors: TensorRef[];
  /** Sum of the listed sizes of the checkpoint's files (index and every shard it names, or the weight files). */
  readonly filesBytes: number;
  /** Bytes fetched so far by the files opened (sources with a `bytesRead` count, e.g. HTTP; 0 for local files). */
  bytesTransferred(): number;
  /** Closes every file; the TensorRefs cannot be read afterwards. */
  close(): Promise<void>;
}
/** Kept for callers of the former Hub-only opener. */
export type FilesCheckpoint = OpenCheckpoint;

/** A file of a checkpoint listing: its name relative to the checkpoint folder, its size if known, and how to open it. */
export interface CheckpointFile {
  readonly name: string;
  readonly size?: number;
  open(): Promise<ByteSource>;
}

/** What to open: one index file, or a list of weight files read as one checkpoint (names of the listing). */
export type CheckpointPlan = { readonly index: string } | { readonly files: string[] };

export { SAFETENSORS_INDEX, SAFETENSORS_SINGLE, PYTORCH_INDEX, PYTORCH_SINGLE };
const PYTORCH_EXTENSIONS = [".bin", ".pt", ".pth", ".ckpt"];
/** Files the Hugging Face Trainer saves next to the model that are not model weights. */
const NOT_MODEL_FILES = new Set(["training_args.bin", "optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth"]);
export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/**
 * Which of a folder's file `names` make up its checkpoint, in order of preference:
 * model.safetensors.index.json, model.safetensors, other *.safetensors (sorted),
 * pytorch_model.bin.index.json, pytorch_model.bin, a single *.bin/*.pt/*.pth/*.ckpt (trainer side
 * files such as optimizer.pt are never the model). Returns names, not paths; `where` names the
 * folder (or remote revision) in errors. Pure.
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

interface OpenedFile {
  /** Name in the listing. */
  readonly name: string;
  readonly source: ByteSource;
  readonly format: CheckpointFormat;
  tensors: TensorRef[];
}

/** Transfer bookkeeping shared by every file of one checkpoint. */
class Transfers {
  private closedBytes = 0;
  readonly open: ByteSource[] = [];
  add(source: ByteSource): void {
    this.open.push(source);
  }
  retire(source: ByteSource): void {
    this.closedBytes += countOf(source);
    const i = this.open.indexOf(source);
    if (i >= 0) this.open.splice(i, 1);
  }
  total(): number {
    return this.closedBytes + this.open.reduce((s, src) => s + countOf(src), 0);
  }
}

function countOf(source: ByteSource): number {
  const n = (source as { bytesRead?: unknown }).bytesRead;
  return typeof n === "number" ? n : 0;
}

/**
 * Opens the checkpoint made of `files` (a folder listing; the choice looks at top-level names,
 * shards named by an index may be anywhere in it), reading headers only; `plan` overrides the
 * choice (a single file given by path). `where` names the checkpoint in errors and becomes its
 * `path`. close() releases every opened file.
 */
export async function openCheckpointFromSources(where: string, files: readonly CheckpointFile[], options: OpenCheckpointOptions = {}, plan?: CheckpointPlan): Promise<OpenCheckpoint> {
  const all = new Map(files.map((f) => [f.name, f] as const));
  const chosen = plan ?? chooseCheckpointFiles(where, files.filter((f) => !f.name.includes("/")).map((f) => f.name));
  const transfers = new Transfers();
  const opened: OpenedFile[] = [];
  try {
    let filesBytes: number;
    if ("index" in chosen) filesBytes = await openShardedFiles(where, all, chosen.index, options, transfers, opened);
    else {
      filesBytes = 0;
      for (const name of chosen.files) {
        const file = all.get(name);
        if (file === undefined) throw new CheckpointFormatError("NO_CHECKPOINT_FILES", where, undefined, `the file ${name} is not among the checkpoint's files`);
        filesBytes += file.size ?? 0;
        opened.push(await openWeightFile(file, options, transfers));
        const n = opened.length, of = chosen.files.length;
        checkTensorCount(where, opened.reduce((sum, f) => sum + f.tensors.length, 0), n === of ? `in its ${of === 1 ? "file" : `${of} files`}` : `in the first ${n} of its ${of} files`);
      }
      checkNoDuplicates(opened);
    }
    const format = checkSameFormat(where, opened, "index" in chosen ? chosen.index : undefined);
    let closed = false;
    return {
      path: where,
      format,
      files: opened.map((f) => f.source.name),
      tensors: opened.flatMap((f) => f.tensors),
      filesBytes,
      bytesTransferred: () => transfers.total(),
      close: async () => {
        if (closed) return;
        closed = true;
        await closeAll(opened, transfers);
      },
    };
  } catch (err) {
    await closeAll(opened, transfers);
    throw err;
  }
}

/** Reads the index, opens only the shards holding selected tensors, checks each is where the index says. */
async function openShardedFiles(
  where: string,
  all: ReadonlyMap<string, CheckpointFile>,
  indexName: string,
  options: OpenCheckpointOptions,
  transfers: Transfers,
  opened: OpenedFile[],
): Promise<number> {
  const indexFile = all.get(indexName)!;
  const indexSource = await indexFile.open();
  transfers.add(indexSource);
  let index;
  try {
    index = await readShardIndex(indexSource);
  } finally {
    transfers.retire(indexSource);
    await indexSource.close();
  }
  const select = options.select ?? (() => true);
  const wanted = [...index.weightMap].filter(([tensor]) => select(tensor));
  const neededShards = new Set(wanted.map(([, shard]) => shard));
  checkTensorCount(where, wanted.length, `listed by ${indexName} in ${neededShards.size} shards`); // before any shard is opened
  let filesBytes = indexFile.size ?? 0;
  for (const shard of index.shards) {
    const file = all.get(shard);
    if (file === undefined) {
      throw new CheckpointFormatError("SHARD_NOT_FOUND", where, undefined, `the index ${indexName} names shard ${shard}, which is not among the files`,
        "the download or upload is incomplete, or the index comes from another save");
    }
    filesBytes += file.size ?? 0;
    if (neededShards.has(shard)) opened.push(await openWeightFile(file, options, transfers));
  }
  checkNoDuplicates(opened);
  const inShard = new Map(opened.map((f) => [f.name, new Map(f.tensors.map((t) => [t.name, t] as const))] as const));
  const owner = new Map(opened.flatMap((f) => f.tensors.map((t) => [t.name, f.name] as const)));
  const keep = new Set<TensorRef>();
  for (const [tensor, shard] of wanted) {
    const ref = inShard.get(shard)?.get(tensor);
    if (ref === undefined) {
      const elsewhere = owner.get(tensor);
      throw new CheckpointFormatError("SHARD_MISSING_TENSOR", `${where}/${indexName}`, tensor,
        `the index puts it in shard ${shard}, but that shard has no such tensor${elsewhere !== undefined ? ` (it is in ${elsewhere})` : ""}`,
        "the index and the shards come from different saves; re-download the checkpoint");
    }
    keep.add(ref);
  }
  // Keep shard order, and each shard's own order, for sequential reads.
  for (const f of opened) f.tensors = f.tensors.filter((t) => keep.has(t));
  return filesBytes;
}

/** Refuses a checkpoint with more than MAX_TENSORS_PER_CHECKPOINT selected tensors (`counted`: where they were counted). */
function checkTensorCount(where: string, tensors: number, counted: string): void {
  if (tensors <= MAX_TENSORS_PER_CHECKPOINT) return;
  throw new CheckpointFormatError("TOO_MANY_TENSORS", where, undefined,
    `${tensors} selected tensors ${counted}, over the limit of ${MAX_TENSORS_PER_CHECKPOINT} per checkpoint (MAX_TENSORS_PER_CHECKPOINT)`,
    "analyze it in parts with --include/--exclude (tensor-name globs), each part under its own --run name or --out folder");
}

async function openWeightFile(file: CheckpointFile, options: OpenCheckpointOptions, transfers: Transfers): Promise<OpenedFile> {
  const source = await file.open();
  transfers.add(source);
  try {
    const format = await sniffFormat(source, file.name);
    const select = options.select;
    let tensors: TensorRef[];
    if (format === "safetensors") {
      tensors = (await readSafetensorsHeader(source)).tensors;
      if (select !== undefined) tensors = tensors.filter((t) => select(t.name));
    } else if (select === undefined) {
      tensors = await readPytorchCheckpoint(source, options.key !== undefined ? { key: options.key } : {});
    } else {
      tensors = await selectedPytorchTensors(source, options.key, select);
    }
    return { name: file.name, source, format, tensors };
  } catch (err) {
    transfers.retire(source);
    await source.close();
    throw err;
  }
}

/** Like readPytorchCheckpoint, but locates (reads the zip local header of) selected storages only. */
async function selectedPytorchTensors(source: ByteSource, key: string | undefined, select: (name: string) => boolean): Promise<TensorRef[]> {
  const archive = await openTorchArchive(source);
  const refs: TensorRef[] = [];
  for (const { name, tensor } of selectStateDict(source.name, archive.root, key)) {
    if (select(name)) refs.push(await tensorRefOf(archive, name, tensor));
  }
  return refs;
}

/** Zip magic means torch.save; a .safetensors name or a JSON header start means safetensors. */
async function sniffFormat(source: ByteSource, name: string): Promise<CheckpointFormat> {
  const head = await source.read(0, Math.min(9, source.size));
  if (head.byteLength >= 4 && ZIP_MAGIC.every((b, i) => head[i] === b)) return "pytorch";
  if (name.endsWith(".safetensors")) return "safetensors";
  if (head.byteLength === 9 && head[8] === 0x7b /* "{" */) return "safetensors";
  // Not zip, not safetensors: let the PyTorch reader explain (e.g. legacy non-zip torch.save).
  return "pytorch";
}

/** A tensor name in two files is an error naming both. */
function checkNoDuplicates(opened: readonly OpenedFile[]): void {
  const owner = new Map<string, string>();
  for (const f of opened) {
    for (const t of f.tensors) {
      const first = owner.get(t.name);
      if (first !== undefined) {
        throw new CheckpointFormatError("DUPLICATE_TENSOR", f.source.name, t.name, `also present in ${first}; a tensor must be stored in exactly one shard`,
          "the checkpoint mixes files of different saves; keep only one checkpoint's files");
      }
      owner.set(t.name, f.source.name);
    }
  }
}

/** The files' common format; with no file opened (nothing selected in a sharded checkpoint), the index's. */
function checkSameFormat(where: string, opened: readonly OpenedFile[], indexName: string | undefined): CheckpointFormat {
  if (opened.length === 0 && indexName !== undefined) return indexName === SAFETENSORS_INDEX ? "safetensors" : "pytorch";
  const formats = [...new Set(opened.map((f) => f.format))];
  if (formats.length !== 1) {
    throw new CheckpointFormatError("MIXED_FORMATS", where, undefined, `the checkpoint's files mix formats: ${opened.map((f) => `${f.name} (${f.format})`).join(", ")}`);
  }
  return formats[0]!;
}

async function closeAll(opened: readonly OpenedFile[], transfers: Transfers): Promise<void> {
  for (const f of opened) transfers.retire(f.source);
  await Promise.all(opened.map((f) => f.source.close()));
}
