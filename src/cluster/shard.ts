// Shard index for job arrays: `K/N` or `auto/N` (K from SLURM_ARRAY_TASK_ID or the Kubernetes
// Indexed Job's JOB_COMPLETION_INDEX), and the rule that assigns checkpoints to shards: the
// checkpoint at index i of the discovery order (ascending step) belongs to shard i mod N.
import { UsageError } from "../util/errors.js";

/** Environment variables that carry an array index, in the order they are looked up. */
export const SHARD_INDEX_ENV = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] as const;
/** More shards than this is a typo, not a plan (Pythia has 154 checkpoints per size). */
export const MAX_SHARDS = 100_000;

export interface ShardSpec {
  /** 0 <= index < count. */
  readonly index: number;
  readonly count: number;
}

const SPEC_RE = /^(auto|\d+)\/(\d+)$/;

/** Parse `K/N` or `auto/N`; `auto` reads the index from `env` (SHARD_INDEX_ENV). */
export function parseShardSpec(text: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const m = SPEC_RE.exec(text.trim());
  if (m === null) throw new UsageError(`--shard: expected K/N or auto/N (e.g. 0/4), got "${text}"`);
  const count = Number(m[2]);
  if (!(count >= 1 && count <= MAX_SHARDS)) throw new UsageError(`--shard ${text}: N must be between 1 and ${MAX_SHARDS}`);
  let index: number;
  if (m[1] === "auto") {
    const found = SHARD_INDEX_ENV.find((name) => env[name] !== undefined && env[name] !== "");
    if (found === undefined) {
      throw new UsageError(`--shard auto/${count}: neither ${SHARD_INDEX_ENV.join(" nor ")} is set; run it as a Slurm array task or Kubernetes Indexed Job, or give the index (--shard K/${count})`);
    }
    const value = env[found]!;
    if (!/^\d+$/.test(value)) throw new UsageError(`--shard auto/${count}: ${found}="${value}" is not a non-negative integer`);
    index = Number(value);
    if (index >= count) throw new UsageError(`--shard auto/${count}: ${found}=${index} is out of range 0..${count - 1} (the array size must equal N)`);
  } else {
    index = Number(m[1]);
    if (index >= count) throw new UsageError(`--shard ${text}: K must be between 0 and ${count - 1}`);
  }
  return { index, count };
}

/** The items of shard `spec` among `items` in discovery order: item i when i mod N = K. */
export function shardItems<T>(items: readonly T[], spec: ShardSpec): T[] {
  return items.filter((_, i) => i % spec.count === spec.index);
}

/** Folder name of a shard's part (`shard-0002-of-0007`). */
export function shardPartName(spec: ShardSpec): string {
  const width = String(spec.count - 1).length;
  return `shard-${String(spec.index).padStart(width, "0")}-of-${spec.count}`;
}
