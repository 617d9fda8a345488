// Sharded-checkpoint index files (`model.safetensors.index.json`, `pytorch_model.bin.index.json`):
// {"metadata": {...}, "weight_map": {tensor: shardFile}}, validated before any shard is opened.
import type { ByteSource } from "../io/byte-source.js";
import { CheckpointFormatError } from "../util/errors.js";
import { MAX_INDEX_JSON_BYTES } from "../util/limits.js";

/** A sharded-checkpoint index is malformed or names shard files it must not. */
export class ShardIndexError extends CheckpointFormatError {
  constructor(file: string, tensor: string | undefined, problem: string, hint?: string) {
    super("SHARD_INDEX", file, tensor, problem, hint ?? "the index file is corrupt; re-download it or regenerate it with save_pretrained");
  }
}

export interface ShardIndex {
  /** Distinct shard file names, sorted; relative to the folder of the index file. */
  readonly shards: string[];
  /** Tensor name -> shard file name. */
  readonly weightMap: Map<string, string>;
  /** The index's "metadata" object ({} when absent), e.g. {"total_size": 123}. */
  readonly metadata: Record<string, unknown>;
}

/** Reads and validates an index file through a ByteSource (size-limited before reading). */
export async function readShardIndex(source: ByteSource): Promise<ShardIndex> {
  if (source.size > MAX_INDEX_JSON_BYTES) {
    throw new ShardIndexError(source.name, undefined, `index file is ${source.size} bytes, over the limit of ${MAX_INDEX_JSON_BYTES} bytes`);
  }
  return parseShardIndex(source.name, await source.read(0, source.size));
}

/** Validates the bytes of an index file. Pure. */
export function parseShardIndex(file: string, bytes: Uint8Array): ShardIndex {
  if (bytes.byteLength > MAX_INDEX_JSON_BYTES) {
    throw new ShardIndexError(file, undefined, `index file is ${bytes.byteLength} bytes, over the limit of ${MAX_INDEX_JSON_BYTES} bytes`);
  }
  const json = parseJsonObject(file, bytes);
  const metadata = json["metadata"] ?? {};
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new ShardIndexError(file, undefined, `"metadata" is ${kindOf(metadata)}, expected an object`);
  }
  const map = json["weight_map"];
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new ShardIndexError(file, undefined, `"weight_map" is ${kindOf(map)}, expected an object of tensor name -> shard file`);
  }
  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== "string") throw new ShardIndexError(file, tensor, `shard is ${kindOf(shard)}, expected a file name`);
    checkShardName(file, tensor, shard);
    weightMap.set(tensor, shard);
  }
  if (weightMap.size === 0) throw new ShardIndexError(file, undefined, `"weight_map" lists no tensors`);
  const shards = [...new Set(weightMap.values())].sort();
  return { shards, weightMap, metadata: metadata as Record<string, unknown> };
}

function parseJsonObject(file: string, bytes: Uint8Array): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ShardIndexError(file, undefined, `index is not valid UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ShardIndexError(file, undefined, `index JSON is ${kindOf(json)}, expected an object with "weight_map"`);
  }
  return json as Record<string, unknown>;
}

/** Shard names stay inside the checkpoint folder: relative, no "..", no drive letters or NULs. */
function checkShardName(file: string, tensor: string, shard: string): void {
  const segments = shard.split(/[/\\]/);
  const bad =
    shard.length === 0 ? "is empty" :
    shard.includes("\0") ? "contains a NUL byte" :
    /^([/\\]|[A-Za-z]:)/.test(shard) ? "is an absolute path" :
    segments.includes("..") ? 'climbs out of the checkpoint folder with ".."' :
    segments.some((s) => s === "" || s === ".") ? "has an empty or '.' path segment" :
    undefined;
  if (bad !== undefined) {
    throw new ShardIndexError(file, tensor, `shard file name ${JSON.stringify(shard)} ${bad}`, "shard files must be plain names inside the checkpoint folder; refusing to open it");
  }
}

function kindOf(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}
