// `forking-paths analyze <run> --out <dir> --shard K/N|auto/N`: one shard of a job array.
import { analyzeShard, parseShardSpec } from "../../index.js";
import { formatBytes, formatSeconds, progressBar } from "../progress.js";
import { printJson } from "../options.js";
import { partOptions, type AnalyzeFlags } from "./analyze.js";
import { say } from "../terminal.js";

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
