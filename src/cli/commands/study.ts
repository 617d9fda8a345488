// `forking-paths study --preset tiny|grokking|induction [--seeds 8]`: fixes <out>/plan.json before training, trains
// every configuration x (development, held-out) seed, analyzes every run into one store, measures
// pruning tolerance around each run's main fork and at placebo checkpoints, computes the five
// claims' verdicts on the held-out seeds (t-tests, Wilcoxon check, Holm), runs the metric side on
// Pythia's published evaluations, and writes <out>/verdicts.json with the plan's sha256. The
// grokking and induction presets train the synthetic task (its defaults, one varied factor), judge
// the two transition claims too and write transitions.md (every run's transition and lead time).
// Progress on stderr, the summary table (or --json) on stdout.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../index.js";
import { runStudy, formatVerdictTable, formatTransitionTable, studyTransitionTable, transitionsHeader, DEFAULT_PYTHIA_DIR, STUDY_PRESETS, TRANSITIONS_FILE, type StudyPreset } from "../../index.js";
import { say } from "../terminal.js";
import { parseIntOption, parseNumberOption, printJson } from "../options.js";

interface StudyFlags {
  preset: string;
  seeds: number;
  devSeeds: number;
  configs?: string[];
  randomMasks: number;
  newPlan?: boolean;
  steps?: number;
  out: string;
  json?: boolean;
  threads?: number;
  skipPruning?: boolean;
  pythia: string | boolean;
  pruneTokens?: number;
  evalTokens?: number;
  sparsities?: number[];
  taskOptions?: Record<string, number | string>;
  table?: boolean;
  store?: string;
}

/** The repository root (this file is src/cli/commands/study.ts or dist/cli/commands/study.js). */
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function parseSparsities(value: string): number[] {
  const list = value.split(",").map((s) => parseNumberOption("--sparsities")(s.trim()));
  if (list.some((s) => !(s > 0 && s < 1))) throw new UsageError(`--sparsities: each value must be in (0, 1), got "${value}"`);
  return list;
}

/** --task-options "modulus=31,pairing=unordered": numbers where they parse as numbers. */
function parseTaskOptions(value: string): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const part of value.split(",").map((x) => x.trim()).filter((x) => x !== "")) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(part);
    if (m === null) throw new UsageError(`--task-options: "${part}" is not key=value (e.g. modulus=31,trainFraction=0.5)`);
    const n = Number(m[2]);
    out[m[1]!] = Number.isFinite(n) ? n : m[2]!;
  }
  return out;
}

export function register(program: Command): void {
  program
    .command("study")
    .description("the paper's claims as experiments under a plan fixed before the data (plan.json): train fixed configurations x seeds, analyze, prune around each run's main fork and at placebo checkpoints, and write verdicts.json from the held-out seeds (supported / not supported / inconclusive: t-test with Wilcoxon check, Holm across claims, at least 8 held-out seeds)")
    .option("--preset <name>", "tiny (language model), grokking (modular addition) or induction (induction heads)", "tiny")
    .option("--seeds <n>", "held-out seeds per configuration (a label other than inconclusive needs 8)", parseIntOption("--seeds", 2), 8)
    .option("--dev-seeds <n>", "development seeds per configuration (for tuning; never in the verdicts)", parseIntOption("--dev-seeds", 0), 2)
    .option("--configs <list>", "configurations to train, comma-separated: tiny: base, overtrain; grokking, induction: base, varied (default both)", (v: string) => v.split(",").map((x) => x.trim()))
    .option("--random-masks <n>", "random-pruning masks per checkpoint", parseIntOption("--random-masks", 1), 3)
    .option("--new-plan", "replace a different plan.json already in --out (the new plan records the hash it supersedes)")
    .option("--steps <n>", "training steps of every configuration (default: the plan's)", parseIntOption("--steps", 1))
    .option("--out <dir>", "output folder: plan.json, runs/, analysis.duckdb, verdicts.json, development.json", "study-output")
    .option("--threads <n>", "compute threads for training, analysis and pruning", parseIntOption("--threads", 1))
    .option("--skip-pruning", "skip the pruning-tolerance curves (the sparsification claim is then inconclusive)")
    .option("--pythia <dir>", "Pythia reference data with evals/ (the default is relative to the repository root)", DEFAULT_PYTHIA_DIR)
    .option("--no-pythia", "skip the metric side on Pythia's evaluations")
    .option("--prune-tokens <n>", "validation tokens per pruning evaluation (default: the trainer's 8192)", parseIntOption("--prune-tokens", 2))
    .option("--eval-tokens <n>", "validation tokens of the trainer's evaluation at each checkpoint (default: the trainer's 8192; part of the plan)", parseIntOption("--eval-tokens", 2))
    .option("--sparsities <list>", "pruning sparsities, comma-separated (default 0.1,...,0.9)", parseSparsities)
    .option("--task-options <list>", "grokking / induction: override the task's default options, key=value comma-separated (e.g. modulus=31 or offsetMax=16); written into the plan", parseTaskOptions)
    .option("--table", "train nothing: print every run's transition and lead time recomputed from the study in --out (its plan.json and store, read only; runs not analysed yet are listed as missing)")
    .option("--store <file>", "with --table: read this copy of the study's analysis.duckdb (e.g. while the study still writes the original)")
    .option("--json", "print verdicts.json instead of the table (with --table: the rows as JSON)")
    .action(async (flags: StudyFlags) => {
      if (flags.table === true) return printTable(flags);
      if (flags.store !== undefined) throw new UsageError("--store is read with --table only; a study writes <out>/analysis.duckdb");
      if (!STUDY_PRESETS.includes(flags.preset as StudyPreset)) throw new UsageError(`--preset: use ${STUDY_PRESETS.join(", ")}, got "${flags.preset}"`);
      const result = await runStudy({
        preset: flags.preset as StudyPreset, out: flags.out, pythia: pythiaDir(flags.pythia), heldoutSeeds: flags.seeds, developmentSeeds: flags.devSeeds, randomMasks: flags.randomMasks,
        ...(flags.configs !== undefined && { configurations: flags.configs }),
        ...(flags.newPlan === true && { newPlan: true }),
        ...(flags.steps !== undefined && { steps: flags.steps }),
        ...(flags.threads !== undefined && { threads: flags.threads }),
        ...(flags.skipPruning === true && { skipPruning: true }),
        ...(flags.pruneTokens !== undefined && { pruneTokens: flags.pruneTokens }),
        ...(flags.evalTokens !== undefined && { evalTokens: flags.evalTokens }),
        ...(flags.sparsities !== undefined && { sparsities: flags.sparsities }),
        ...(flags.taskOptions !== undefined && { taskOptions: flags.taskOptions }),
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (flags.json) printJson(result.file);
      else {
        for (const line of formatVerdictTable(result.file).split("\n")) say(line);
        const w = result.file.wall_seconds;
        say("");
        say(`wall time: train ${w.train.toFixed(1)} s, analyze ${w.analyze.toFixed(1)} s, pruning ${w.pruning.toFixed(1)} s, experiments ${w.experiments.toFixed(1)} s, total ${w.total.toFixed(1)} s`);
        const p = result.file.phases;
        if (p !== undefined) say(`cpu time: ${(["train", "analysis", "events", "pruning", "verdicts", "total"] as const).map((k) => `${k} ${p[k].cpu_seconds.toFixed(1)} s`).join(", ")}`);
        say(`verdicts: ${resolve(result.path)}`);
        if (result.file.transitions !== undefined) say(`transitions: ${resolve(join(flags.out, TRANSITIONS_FILE))} (${result.file.transitions.filter((t) => t.transition_step !== null).length} of ${result.file.transitions.length} runs with a transition)`);
      }
    });
}

/** `study --table`: the transitions table of the study in --out, recomputed read-only (markdown, or the rows with --json). */
async function printTable(flags: StudyFlags): Promise<void> {
  const t = await studyTransitionTable(flags.out, flags.store);
  if (flags.json) {
    printJson({ plan_sha256: t.sha256, preset: t.plan.preset, missing: t.missing, transitions: t.rows });
    return;
  }
  for (const line of formatTransitionTable(t.rows, transitionsHeader(t.plan, t.sha256)).split("\n")) say(line);
  if (t.missing.length > 0) say(`not analysed yet (no transition stored): ${t.missing.join(", ")}`);
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
