// `analyze --shard K/N`: analyze the checkpoints of shard K (index i mod N = K in discovery
// order) into the part `<out>/parts/shard-K-of-N/`, without events; a re-run skips what it stored.
import type { AnalyzeSummary } from "../pipeline/analyze.js";
import { canonicalRunPath, partDir, writePartManifest } from "./parts.js";
import { shardItems, shardPartName, type ShardSpec } from "./shard.js";
import { analyzeSteps, discoverCheckpoints, type PartAnalyzeOptions, type PartExecution } from "./unit.js";

export interface ShardSummary extends AnalyzeSummary {
  shard: ShardSpec;
  /** The part folder written. */
  part: string;
  /** Checkpoints of the whole run. */
  runCheckpoints: number;
}

export async function analyzeShard(
  runPath: string, out: string, spec: ShardSpec, options: PartAnalyzeOptions = {}, exec: PartExecution = {},
): Promise<ShardSummary> {
  const all = await discoverCheckpoints(runPath, options, exec.hub);
  const assigned = shardItems(all, spec).map((c) => c.step);
  const folder = partDir(out, shardPartName(spec));
  writePartManifest(folder, {
    format: "forking-paths-part", version: 1, runPath: canonicalRunPath(runPath),
    steps: all.map((c) => c.step), assigned, assignment: { kind: "shard", index: spec.index, count: spec.count }, analyze: options,
  });
  const summary = await analyzeSteps(runPath, options, assigned, folder, exec);
  return { ...summary, shard: spec, part: folder, runCheckpoints: all.length };
}
