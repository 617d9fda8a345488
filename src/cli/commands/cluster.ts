// `forking-paths cluster submit|status`: an analysis as a BullMQ flow on Redis (one job per
// checkpoint, a merge job when all have finished), and its progress.
import type { Command } from "commander";
import { say } from "../terminal.js";
import { flowStatus, submitFlow, type FlowStatus } from "../../index.js";
import { collect, parseIntOption, parseStepList, printJson } from "../options.js";
import { partOptions } from "./analyze.js";

interface SubmitFlags {
  redis: string; out: string; run?: string; include?: string[]; exclude?: string[]; steps?: number[]; key?: string; keepFull?: number;
  shape: boolean; shapeSample?: number; spectralMaxDim?: number; revisions?: string; attempts?: number; backoff?: number; allowMissing?: boolean; queue?: string; json?: boolean;
}

export function register(program: Command): void {
  const cluster = program.command("cluster").description("run an analysis on many machines as a BullMQ flow on Redis (see docs/cluster.md)");
  cluster
    .command("submit")
    .description("enqueue one job per checkpoint and a merge job that runs when all have finished; prints the flow id; start workers with `forking-paths worker --redis URL`")
    .argument("<run>", "a run folder or hf://<owner>/<repo> (with --revisions), readable by every worker")
    .requiredOption("--redis <url>", "Redis, e.g. redis://127.0.0.1:6379")
    .requiredOption("--out <dir>", "output folder on a filesystem every worker shares (parts, then analysis.duckdb)")
    .option("--run <name>", "name of the run in the store (default: the folder name)")
    .option("--include <glob>", "only tensors matching this glob (repeatable)", collect)
    .option("--exclude <glob>", "skip tensors matching this glob (repeatable)", collect)
    .option("--steps <list>", "explicit steps, mapped in order onto the checkpoints found", parseStepList)
    .option("--key <key>", "key of the model state dict in nested PyTorch checkpoints")
    .option("--keep-full <n>", "keep tensors with at most n elements in full", parseIntOption("--keep-full"))
    .option("--no-shape", "skip shape statistics")
    .option("--shape-sample <n>", "values drawn from the histogram for the shape of large tensors (0: kept tensors only)", parseIntOption("--shape-sample"))
    .option("--spectral-max-dim <d>", "spectral alpha of matrices with min(rows, cols) <= d; 0 disables", parseIntOption("--spectral-max-dim"))
    .option("--revisions <spec>", "hf:// runs: revisions to analyze (\"pythia\", \"step1000,step2000\", \"step*000\")")
    .option("--attempts <n>", "attempts per checkpoint job before it is recorded as failed (default 5)", parseIntOption("--attempts", 1))
    .option("--backoff <ms>", "first retry delay, doubled at each attempt (default 2000)", parseIntOption("--backoff"))
    .option("--allow-missing", "let the merge job merge what finished when checkpoints failed (default: it refuses)")
    .option("--queue <name>", "BullMQ queue name (default forking-paths)")
    .option("--json", "print the flow as JSON")
    .action(async (run: string, f: SubmitFlags) => {
      const s = await submitFlow(run, {
        redis: f.redis, out: f.out, analyze: partOptions(f),
        ...(f.attempts !== undefined && { attempts: f.attempts }),
        ...(f.backoff !== undefined && { backoffMs: f.backoff }),
        ...(f.allowMissing === true && { allowMissing: true }),
        ...(f.queue !== undefined && { queue: f.queue }),
      });
      if (f.json) return printJson(s);
      say(s.flowId);
      process.stderr.write(`enqueued ${s.checkpoints} checkpoint job(s) and a merge job on queue "${s.queue}"; follow with: forking-paths cluster status ${s.dir} --redis ${f.redis}\n`);
    });
  cluster
    .command("status")
    .description("checkpoint jobs done / active / failed / waiting, each failed checkpoint with its error, and the merge job")
    .argument("<dir-or-id>", "the --out folder of `cluster submit`, or the flow id it printed")
    .requiredOption("--redis <url>", "Redis, e.g. redis://127.0.0.1:6379")
    .option("--queue <name>", "BullMQ queue name, for a flow id (default forking-paths)")
    .option("--json", "print the status as JSON")
    .action(async (target: string, f: { redis: string; queue?: string; json?: boolean }) => {
      const s = await flowStatus(target, { redis: f.redis, ...(f.queue !== undefined && { queue: f.queue }) });
      if (f.json) printJson(s);
      else printStatus(s);
    });
}

function printStatus(s: FlowStatus): void {
  const c = s.counts;
  say(`flow ${s.flowId}: ${s.checkpoints} checkpoint(s): ${c.done} done, ${c.active} active, ${c.failed} failed, ${c.waiting} waiting${c.missing > 0 ? `, ${c.missing} missing from Redis` : ""}`);
  for (const f of s.failed) say(`  failed step ${f.step} after ${f.attempts} attempt(s): ${f.error}`);
  say(`  merge: ${s.merge.state}${s.merge.error !== undefined ? `: ${s.merge.error}` : ""}`);
}
