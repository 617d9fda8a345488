// `forking-paths analyze <run-dir> --out <out-dir>`: statistics of every tensor of every checkpoint.
// Start-up is on the critical path of short analyses (issue 11): this file loads only what parsing
// needs, and the action starts the worker pool first, then loads the analysis (the store, DuckDB)
// while the workers get ready on the other core. So it takes those functions from the modules
// that define them (the same ones src/index.ts exports), not from index.js, which loads the whole
// library (~130 modules more).
import type { Command } from "commander";
import type { AnalyzeProgress, AnalyzeSummary, PartAnalyzeOptions } from "../../index.js";
import { createAnalyzePool } from "../../pipeline/analyze-pool.js";
import { isHubUrl } from "../../runs/hub-url.js";
import { UsageError } from "../../util/errors.js";
import { progressBar, formatBytes, formatSeconds } from "../progress.js";
import { collect, parseIntOption, parseStepList, printJson } from "../options.js";
import { say } from "../terminal.js";
import { stamp } from "../../util/timeline.js";
import { applyCliV8FlagsOnce } from "../v8-flags.js";
import { exitOnceDone } from "../exit.js";

export interface AnalyzeFlags {
  out: string;
  run?: string;
  include?: string[];
  exclude?: string[];
  workers: number;
  steps?: number[];
  key?: string;
  keepFull?: number;
  shape: boolean;
  shapeSample?: number;
  spectralMaxDim?: number;
  events: boolean;
  json?: boolean;
  revisions?: string;
  progress?: boolean;
  reanalyze?: boolean;
  shard?: string;
}

export function register(program: Command): void {
  program
    .command("analyze")
    .description("compute exact, mergeable statistics of every tensor of every checkpoint of a run into <out>/analysis.duckdb (resumes where it stopped)")
    .argument("<run-dir>", "hf://<owner>/<repo>[@<revision>] (with --revisions: a run over revisions), or a folder of checkpoints (checkpoint-<N>/, step<N>/, global_step<N>/, *_step<N>.safetensors ...) or a single checkpoint")
    .requiredOption("--out <out-dir>", "output folder (holds analysis.duckdb)")
    .option("--run <name>", "name of the run in the store (default: the folder name)")
    .option("--include <glob>", "only tensors matching this glob (repeatable; * matches across dots)", collect)
    .option("--exclude <glob>", "skip tensors matching this glob (repeatable)", collect)
    .option("--workers <n>", "statistics worker threads (0 = main thread)", parseIntOption("--workers"), 2)
    .option("--steps <list>", "explicit steps (comma-separated), mapped in order onto the checkpoints found", parseStepList)
    .option("--key <key>", "key of the model state dict in nested PyTorch checkpoints (e.g. model_state_dict)")
    .option("--keep-full <n>", "keep tensors with at most n elements in full (trajectories)", parseIntOption("--keep-full"))
    .option("--no-shape", "skip shape statistics (dip test, mixtures, KDE modes, Weibull, KS) of tensors and groups")
    .option("--shape-sample <n>", "shape statistics of large tensors and of groups, computed from their bucket histograms (every value, within the bounds stated in extra.shape_method): any n >= 8 turns them on (the default; n is no longer a sample size), 0 keeps only the exact shapes of kept tensors (the fastest)", parseShapeSample)
    .option("--spectral-max-dim <d>", "spectral alpha (WeightWatcher-style power-law fit of the eigenvalues of W^T W) of attention/MLP weight matrices with min(rows, cols) <= d; 0 disables (default 256; cost grows as d^3)", parseIntOption("--spectral-max-dim"))
    .option("--no-events", "skip event detection after the statistics (run `forking-paths events <out-dir> --recompute` later)")
    .option("--reanalyze", "replace the run's stored rows when its source or options changed (otherwise such a re-run is refused)")
    .option("--json", "print the summary as JSON")
    .option("--revisions <spec>", "hf:// runs: revisions to analyze (\"pythia\" = Pythia's 154 steps, \"step1000,step2000\", or a glob like \"step*000\")")
    .option("--shard <K/N>", "analyze only shard K of N (checkpoint i of the run, in step order, when i mod N = K; auto/N takes K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX) into <out>/parts/, without events; then `forking-paths merge <out>`")
    .option("--progress", "progress on stderr even when it is not a terminal (a line every 2 s, for logs)")
    .action(async (runDir: string, flags: AnalyzeFlags) => {
      if (flags.shard !== undefined) {
        applyCliV8FlagsOnce();
        return (await import("./analyze-shard.js")).analyzeShardCommand(runDir, flags);
      }
      stamp("cli: command parsed");
      const pool = createAnalyzePool(flags.workers); // first: the workers get ready while the rest loads
      pool.catch(() => {}); // its error is thrown by analyzeRun
      // V8's flags once the workers have started (src/cli/v8-flags.ts: set earlier, each worker's start-up compiles Node's internal modules from source)
      void pool.then((p) => p.started, () => {}).then(applyCliV8FlagsOnce);
      try {
        const { analyzeRun } = await import("../../pipeline/analyze.js");
        stamp("cli: analysis modules loaded");
        const bar = progressBar("analyze", flags.progress ? (process.stderr.isTTY === true ? true : "lines") : !flags.json && process.stderr.isTTY === true);
        // hf:// runs: bytes fetched over HTTP, counted as they arrive.
        let fetched = 0;
        const hub = isHubUrl(runDir) ? { hub: { http: { onBytes: (n: number) => void (fetched += n) } } } : {};
        const summary = await analyzeRun(runDir, {
          ...hub,
          out: flags.out,
          pool,
          events: flags.events,
          ...partOptions(flags),
          ...(flags.reanalyze === true && { reanalyze: true }),
          onProgress: (p) => bar.update(p.checkpointsDone + (p.checkpointBytes > 0 ? p.checkpointBytesDone / p.checkpointBytes : 0), p.checkpointsTotal,
            analyzeProgressDetail(p, hub.hub !== undefined ? fetched : undefined)),
        });
        bar.done();
        if (flags.json) printJson(summary);
        else printAnalyzeSummary(summary);
      } finally {
        await pool.then((p) => p.close(), () => {});
      }
      exitOnceDone(); // the store is closed and the workers stopped: no heap teardown after the summary
    });
}

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

/** "checkpoint 1/3 done (step 1000), 12.0 MiB analyzed[, 3.1 MiB fetched]". */
export function analyzeProgressDetail(p: AnalyzeProgress, fetchedBytes: number | undefined): string {
  const fetched = fetchedBytes === undefined ? "" : `, ${formatBytes(fetchedBytes)} fetched`;
  return `checkpoint ${p.checkpointsDone}/${p.checkpointsTotal} done (step ${p.step}), ${formatBytes(p.bytesDone)} analyzed${fetched}`;
}

function parseShapeSample(value: string): number {
  const n = parseIntOption("--shape-sample")(value);
  if (n > 0 && n < 8) throw new UsageError(`--shape-sample: expected 0 (kept tensors only) or an integer >= 8, got "${value}"`);
  return n;
}

export function printAnalyzeSummary(s: AnalyzeSummary): void {
  const rate = s.seconds > 0 ? ` (${formatBytes(s.bytes / s.seconds)}/s)` : "";
  say(`run "${s.runId}": ${s.checkpoints} checkpoint(s), steps ${s.steps[0]}..${s.steps[s.steps.length - 1]}; analyzed ${s.analyzed}, already stored ${s.skipped}`);
  say(`  ${s.tensors} tensor statistics, ${s.buffers} non-parameter buffers, ${formatBytes(s.bytes)} read in ${formatSeconds(s.seconds)}${rate}`);
  if (s.nonFinite.length > 0) {
    say(`  non-finite values in ${s.nonFinite.length} tensor(s), e.g. step ${s.nonFinite[0]!.step} ${s.nonFinite[0]!.tensor}: ${s.nonFinite[0]!.nan} NaN, ${s.nonFinite[0]!.inf} Inf`);
  }
  if (s.remote !== undefined) {
    const pct = s.remote.filesBytes > 0 ? ` (${((100 * s.remote.bytesTransferred) / s.remote.filesBytes).toFixed(2)}%)` : "";
    say(`  transferred ${formatBytes(s.remote.bytesTransferred)} of ${formatBytes(s.remote.filesBytes)} of checkpoint files${pct}`);
  }
  if (s.events !== null) {
    const counts = Object.entries(s.events).map(([kind, n]) => `${n} ${kind}`).join(", ");
    say(`  events: ${counts} (in ${formatSeconds(s.eventSeconds)}; list them with: forking-paths events <out-dir>)`);
  } else say("  events: not detected (--no-events)");
  if (s.metrics !== null) {
    if ("error" in s.metrics) say(`  training log not stored as metrics: ${s.metrics.error}`);
    else say(`  metrics: ${s.metrics.values} values of ${s.metrics.names.length} metrics from ${s.metrics.file} (list them with: forking-paths metrics <out-dir>)`);
  }
  say(`  store: ${s.storePath}`);
}
