// `forking-paths analyze <run> --out <dir> --shard K/N|auto/N`: one shard of a job array.
import { analyzeShard, parseShardSpec, type PartAnalyzeOptions } from "../../index.js";
import { formatBytes, formatSeconds, progressBar } from "../progress.js";
import { printJson } from "../options.js";
import type { AnalyzeFlags } from "./analyze.js";
import { say } from "../terminal.js";

/** The analyze flags that shape a part (the same for every shard and queue job of one analysis). */
export function partOptions(flags: Omit<AnalyzeFlags, "out" | "events" | "json" | "shard" | "workers">): PartAnalyzeOptions {
  return {
    shape: flags.shape,
    ...(flags.run !== undefined && { runId: flags.run }),
    ...(flags.include !== undefined && { include: flags.include }),
    ...(flags.exclude !== undefined && { exclude: flags.exclude }),
    ...(flags.steps !== undefined && { steps: flags.steps }),
    ...(flags.key !== undefined && { key: flags.key }),
    ...(flags.keepFull !== undefined && { keepFullMaxElements: flags.keepFull }),
    ...(flags.shapeSample !== undefined && { shapeSampleSize: flags.shapeSample }),
    ...(flags.spectralMaxDim !== undefined && { spectralMaxDim: flags.spectralMaxDim }),
    ...(flags.revisions !== undefined && { revisions: flags.revisions }),
  };
}

export async function analyzeShardCommand(runDir: string, flags: AnalyzeFlags): Promise<void> {
  const spec = parseShardSpec(flags.shard!);
  const bar = progressBar(`shard ${spec.index}/${spec.count}`, !flags.json && process.stderr.isTTY === true);
  const s = await analyzeShard(runDir, flags.out, spec, partOptions(flags), {
    workers: flags.workers,
    onProgress: (p) => bar.update(p.checkpointsDone, p.checkpointsTotal, `checkpoint ${p.checkpointsDone}/${p.checkpointsTotal} (step ${p.step})`),
  });
  bar.done();
  if (flags.json) return printJson(s);
  say(`shard ${spec.index}/${spec.count} of run "${s.runId}": ${s.checkpoints} of ${s.runCheckpoints} checkpoint(s); analyzed ${s.analyzed}, already stored ${s.skipped}; ${formatBytes(s.bytes)} in ${formatSeconds(s.seconds)}`);
  say(`  part: ${s.part} (merge the parts with: forking-paths merge ${flags.out})`);
}
