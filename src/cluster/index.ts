// Cluster layer: the analysis unit on other engines (job arrays, BullMQ on Redis) and the exact merge.
export { parseShardSpec, shardItems, shardPartName, SHARD_INDEX_ENV, MAX_SHARDS, type ShardSpec } from "./shard.js";
export { analyzeShard, type ShardSummary } from "./analyze-shard.js";
export { mergeParts, type MergeOptions, type MergeSummary } from "./merge.js";
export { listPartDirs, readPartManifest, PARTS_DIR, PART_MANIFEST, type PartManifest } from "./parts.js";
export { discoverCheckpoints, discoverPartRun, checkpointJobOf, type PartAnalyzeOptions, type PartExecution } from "./unit.js";
export { PartMismatchError, IncompleteMergeError, RedisUnavailableError } from "./errors.js";
export * from "./queue/index.js";
