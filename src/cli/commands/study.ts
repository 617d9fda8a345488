// `forking-paths study --preset tiny --runs N`: trains the sweep, analyzes every run into one
// store, measures pruning tolerance around each run's main fork, computes the five claims'
// verdicts with bootstrap CIs, runs the metric side on Pythia's published evaluations, and
// writes <out>/verdicts.json. Progress on stderr, the summary table (or --json) on stdout.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../index.js";
import { runStudy, formatVerdictTable, DEFAULT_PYTHIA_DIR } from "../../index.js";
import { parseIntOption, parseNumberOption, printJson } from "../options.js";

interface StudyFlags {
  preset: string;
  runs: number;
  steps?: number;
  out: string;
  json?: boolean;
  threads?: number;
  skipPruning?: boolean;
  pythia: string | boolean;
  pruneTokens?: number;
  sparsities?: number[];
}

/** The repository root (this file is src/cli/commands/study.ts or dist/cli/commands/study.js). */
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function parseSparsities(value: string): number[] {
  const list = value.split(",").map((s) => parseNumberOption("--sparsities")(s.trim()));
  if (list.some((s) => !(s > 0 && s < 1))) throw new UsageError(`--sparsities: each value must be in (0, 1), got "${value}"`);
  return list;
}

export function register(program: Command): void {
  program
    .command("study")
    .description("the paper's claims as experiments: train a sweep (learning rate, width, weight decay, seed), analyze, prune around each run's main fork, and write verdicts.json (supported / not supported / inconclusive, with bootstrap CIs over runs)")
    .option("--preset <name>", "model preset (only tiny)", "tiny")
    .requiredOption("--runs <n>", "sweep runs (at least 2)", parseIntOption("--runs", 2))
    .option("--steps <n>", "training steps per run (default: the preset's)", parseIntOption("--steps", 1))
    .option("--out <dir>", "output folder: runs/, analysis.duckdb, verdicts.json", "study-output")
    .option("--threads <n>", "compute threads for training, analysis and pruning", parseIntOption("--threads", 1))
    .option("--skip-pruning", "skip the pruning-tolerance curves (the sparsification claim is then inconclusive)")
    .option("--pythia <dir>", "Pythia reference data with evals/ (the default is relative to the repository root)", DEFAULT_PYTHIA_DIR)
    .option("--no-pythia", "skip the metric side on Pythia's evaluations")
    .option("--prune-tokens <n>", "validation tokens per pruning evaluation (default: the trainer's 8192)", parseIntOption("--prune-tokens", 2))
    .option("--sparsities <list>", "pruning sparsities, comma-separated (default 0.1,...,0.9)", parseSparsities)
    .option("--json", "print verdicts.json instead of the table")
    .action(async (flags: StudyFlags) => {
      if (flags.preset !== "tiny") throw new UsageError(`--preset: only "tiny" is supported by study, got "${flags.preset}"`);
      const result = await runStudy({
        runs: flags.runs, out: flags.out, pythia: pythiaDir(flags.pythia),
        ...(flags.steps !== undefined && { steps: flags.steps }),
        ...(flags.threads !== undefined && { threads: flags.threads }),
        ...(flags.skipPruning === true && { skipPruning: true }),
        ...(flags.pruneTokens !== undefined && { pruneTokens: flags.pruneTokens }),
        ...(flags.sparsities !== undefined && { sparsities: flags.sparsities }),
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (flags.json) printJson(result.file);
      else {
        console.log(formatVerdictTable(result.file));
        const w = result.file.wall_seconds;
        console.log(`\nwall time: train ${w.train.toFixed(1)} s, analyze ${w.analyze.toFixed(1)} s, pruning ${w.pruning.toFixed(1)} s, experiments ${w.experiments.toFixed(1)} s, total ${w.total.toFixed(1)} s`);
        console.log(`verdicts: ${resolve(result.path)}`);
      }
    });
}

/** --pythia: a given folder as is; the default relative to the repository root; null when skipped or absent. */
function pythiaDir(flag: string | boolean): string | null {
  if (flag === false) return null;
  const dir = flag === true || flag === DEFAULT_PYTHIA_DIR ? join(REPO_ROOT, DEFAULT_PYTHIA_DIR) : flag;
  if (!existsSync(dir)) {
    if (flag !== DEFAULT_PYTHIA_DIR && flag !== true) throw new UsageError(`--pythia: folder "${dir}" not found`);
    return null;
  }
  return dir;
}
