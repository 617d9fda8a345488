// `analyze --shard K/N`: analyze the checkpoints of shard K (index i mod N = K in discovery
// order) into the part `<out>/parts/shard-K-of-N/`, without events; a re-run skips what it stored.
// The run is discovered once; each checkpoint is the pipeline's unit of work (unit.ts).
import type { AnalyzeSummary } from "../pipeline/analyze.js";
import { canonicalRunPath, partDir, writePartManifest } from "./parts.js";
import { shardItems, shardPartName, type ShardSpec } from "./shard.js";
import { analyzeCheckpointsIntoPart, discoverPartRun, type PartAnalyzeOptions, type PartExecution } from "./unit.js";

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
  const run = await discoverPartRun(runPath, options, exec.hub);
  const all = run.checkpoints;
  const assigned = shardItems(all, spec).map((c) => c.step);
  const folder = partDir(out, shardPartName(spec));
  writePartManifest(folder, {
    format: "forking-paths-part", version: 1, runPath: canonicalRunPath(runPath),
    steps: all.map((c) => c.step), assigned, assignment: { kind: "shard", index: spec.index, count: spec.count }, analyze: options,
  });
  const summary = await analyzeCheckpointsIntoPart(run, options, assigned, folder, exec);
  return { ...summary, shard: spec, part: folder, runCheckpoints: all.length };
}
