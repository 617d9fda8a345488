// `forking-paths merge <dir>`: combine the parts written by shards or queue workers into
// <dir>/analysis.duckdb (as a single-process analysis writes it), then detect the events.
import type { Command } from "commander";
import { say } from "../terminal.js";
import { mergeParts, type MergeSummary } from "../../index.js";
import { formatSeconds } from "../progress.js";
import { collect, printJson } from "../options.js";

interface MergeFlags { from?: string[]; allowMissing?: boolean; events: boolean; json?: boolean }

export function register(program: Command): void {
  program
    .command("merge")
    .description("merge the parts under <dir>/parts/ (from `analyze --shard` or `worker`) into <dir>/analysis.duckdb, exactly as one process writes it, then detect events; refuses when checkpoints are missing")
    .argument("<dir>", "the --out folder of the shards or of `cluster submit`")
    .option("--from <part>", "merge only this part folder (repeatable; default: every folder under <dir>/parts/)", collect)
    .option("--allow-missing", "merge even when some checkpoints of the run are in no part (a partial result)")
    .option("--no-events", "skip event detection after the merge")
    .option("--json", "print the summary as JSON")
    .action(async (dir: string, flags: MergeFlags) => {
      const s = await mergeParts(dir, {
        events: flags.events,
        ...(flags.from !== undefined && { from: flags.from }),
        ...(flags.allowMissing === true && { allowMissing: true }),
      });
      if (flags.json) printJson(s);
      else printMergeSummary(s);
    });
}

function printMergeSummary(s: MergeSummary): void {
  say(`run "${s.runId}": merged ${s.merged} of ${s.checkpoints} checkpoint(s) from ${s.parts} part(s) in ${formatSeconds(s.seconds)}`);
  if (s.missing.length > 0) say(`  PARTIAL: ${s.missing.length} checkpoint(s) missing (steps ${s.missing.slice(0, 8).join(", ")}${s.missing.length > 8 ? ", ..." : ""})`);
  if (s.events !== null) say(`  events: ${Object.entries(s.events).map(([k, n]) => `${n} ${k}`).join(", ")}`);
  say(`  store: ${s.storePath}`);
}
