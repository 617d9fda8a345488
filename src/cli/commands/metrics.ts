// `forking-paths metrics <out-dir> [--add <file|dir>]`: stores quality metrics per checkpoint
// (lm-eval-harness JSON, trainer_state.json, CSV) in the analysis store, or lists what is stored.
import { basename, extname } from "node:path";
import type { Command } from "commander";
import { Store, UsageError, readMetricsPath, recomputeRunTransition, summarizeMetrics } from "../../index.js";
import { printJson } from "../options.js";
import { printTable } from "../table.js";
import { say } from "../terminal.js";

interface MetricsFlags { add?: string; run?: string; source?: string; createRun?: boolean; json?: boolean }

export function register(program: Command): void {
  program
    .command("metrics")
    .description("add quality metrics per checkpoint (lm-eval-harness JSON, trainer_state.json, CSV) to the store, or list them")
    .argument("<out-dir>", "output folder of `analyze` (holds analysis.duckdb)")
    .option("--add <path>", "a metrics file, or a folder searched recursively for .json/.csv files")
    .option("--run <name>", "run the metrics belong to (default: the only run in the store)")
    .option("--source <name>", "name of this metrics source; adding the same (run, source) again replaces it (default: the file or folder name)")
    .option("--create-run", "register --run if the store does not have it yet (e.g. published evaluations without checkpoints)")
    .option("--json", "machine-readable output")
    .action(async (outDir: string, flags: MetricsFlags) => {
      if (flags.add !== undefined) await addMetrics(outDir, flags.add, flags);
      else await listMetrics(outDir, flags);
    });
}

async function chooseRun(store: Store, flags: MetricsFlags, path: string): Promise<string> {
  const runs = (await store.listRuns()).map((r) => r.run_id);
  if (flags.run !== undefined) {
    if (runs.includes(flags.run)) return flags.run;
    if (flags.createRun) {
      await store.putRun({ run_id: flags.run, source: path, options: { created_by: "metrics" } });
      return flags.run;
    }
    throw new UsageError(`run "${flags.run}" is not in the store (runs: ${runs.length > 0 ? runs.join(", ") : "none"}); pass one of them to --run, or add --create-run`);
  }
  if (runs.length === 1) return runs[0]!;
  if (runs.length === 0) throw new UsageError("the store has no runs: analyze checkpoints first, or give --run <name> --create-run");
  throw new UsageError(`the store has ${runs.length} runs (${runs.join(", ")}); say which one with --run`);
}

async function addMetrics(outDir: string, path: string, flags: MetricsFlags): Promise<void> {
  const { files, metrics } = await readMetricsPath(path);
  const source = flags.source ?? basename(path, extname(path));
  const store = await Store.openDir(outDir);
  try {
    const run = await chooseRun(store, flags, path);
    await store.putMetrics(run, source, metrics);
    const transition = await recomputeRunTransition(store, run); // the run's transition follows its metrics
    const names = new Set(metrics.map((m) => m.name));
    const steps = [...new Set(metrics.map((m) => m.step))].sort((a, b) => a - b);
    const summary = { run, source, files: files.length, formats: [...new Set(files.map((f) => f.format))], metrics: metrics.length, names: names.size, steps: steps.length, first_step: steps[0] ?? null, last_step: steps[steps.length - 1] ?? null,
      transition: transition === null ? null : { metric: transition.metric, found: transition.found, step: transition.step, step_low: transition.step_low, step_high: transition.step_high } };
    if (flags.json) printJson(summary);
    else say(`stored ${summary.metrics} values of ${summary.names} metrics at ${summary.steps} steps (${summary.first_step}..${summary.last_step}) from ${summary.files} file(s) as run "${run}", source "${source}"`);
  } finally {
    await store.close();
  }
}

async function listMetrics(outDir: string, flags: MetricsFlags): Promise<void> {
  const store = await Store.openDir(outDir, { readOnly: true });
  try {
    const series = summarizeMetrics(await store.metrics(flags.run !== undefined ? { run: flags.run } : {}));
    if (flags.json) { printJson(series); return; }
    if (series.length === 0) { say("(no metrics stored: add some with `forking-paths metrics <out-dir> --add <file|dir>`)"); return; }
    const columns = ["run", "source", "metric", "points", "missing", "steps"].map((header) => ({ header }));
    printTable(columns, series.map((s) => [s.run, s.source, s.name, String(s.points), String(s.missing), `${s.first_step}..${s.last_step}`]));
  } finally {
    await store.close();
  }
}
