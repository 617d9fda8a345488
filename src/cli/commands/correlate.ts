// `forking-paths correlate <out-dir>`: rank correlations (Spearman, Kendall, bootstrap CIs) of every
// stored distribution feature with each stored metric series, and lead/lag of events vs metric changes.
import type { Command } from "commander";
import { Store, UsageError, correlateRun, type ConfidenceInterval, type MetricCorrelations, type RunCorrelationReport } from "../../index.js";
import { parseIntOption, printJson } from "../options.js";
import { printTable, type Column } from "../table.js";
import { say } from "../terminal.js";

interface CorrelateFlags { run?: string; metric?: string; source?: string; top: number; resamples?: number; seed?: number; json?: boolean; artefacts?: boolean }

/** Rows shown per table unless --top says otherwise. */
export const DEFAULT_CORRELATE_TOP = 15;

export function register(program: Command): void {
  program
    .command("correlate")
    .description("correlate every stored distribution feature with each stored metric (Spearman, Kendall, bootstrap CIs) and match events with the metric's change points")
    .argument("<out-dir>", "output folder of `analyze` with metrics added by `forking-paths metrics <out-dir> --add <file>`")
    .option("--run <name>", "only this run (default: every run that has metrics)")
    .option("--metric <name>", "only this metric (default: every stored metric series)")
    .option("--source <name>", "only metrics from this source")
    .option("--top <n>", `features shown per table, by |Spearman|`, parseIntOption("--top", 1), DEFAULT_CORRELATE_TOP)
    .option("--resamples <n>", "bootstrap resamples per CI (default 1000)", parseIntOption("--resamples", 1))
    .option("--seed <n>", "bootstrap seed", parseIntOption("--seed", 0))
    .option("--artefacts", "also match events labelled as optimizer artefacts (a split of a constant-initialised tensor at its first updates; left out by default)")
    .option("--json", "print the full report (every feature), one object per run")
    .action(async (outDir: string, flags: CorrelateFlags) => {
      const store = await Store.openDir(outDir, { readOnly: true });
      try {
        const runs = await runsToCorrelate(store, flags.run, outDir);
        const options = {
          ...(flags.metric !== undefined && { metric: flags.metric }), ...(flags.source !== undefined && { source: flags.source }),
          ...(flags.resamples !== undefined && { resamples: flags.resamples }), ...(flags.seed !== undefined && { seed: flags.seed }),
          ...(flags.artefacts === true && { includeArtefacts: true }),
        };
        const reports: RunCorrelationReport[] = [];
        for (const run of runs) reports.push(await correlateRun(store, run, options));
        if (flags.json) printJson(reports);
        else for (const r of reports) printReport(r, flags.top);
      } finally {
        await store.close();
      }
    });
}

async function runsToCorrelate(store: Store, run: string | undefined, outDir: string): Promise<string[]> {
  const all = (await store.listRuns()).map((r) => r.run_id);
  if (run !== undefined) {
    if (!all.includes(run)) throw new UsageError(`run "${run}" is not in ${store.path}; see \`forking-paths stats ${outDir}\` for the runs stored`);
    return [run];
  }
  const withMetrics: string[] = [];
  for (const r of all) if ((await store.metrics({ run: r })).length > 0) withMetrics.push(r);
  if (withMetrics.length === 0) throw new UsageError(`no run in ${store.path} has metrics; add them with \`forking-paths metrics ${outDir} --add <file>\``);
  return withMetrics;
}

function num(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);
}

function withCi(estimate: number, ci: ConfidenceInterval): string {
  return `${num(estimate)} [${num(ci.low)}, ${num(ci.high)}]`;
}

/** One sentence on the metric's change points and the events before them. */
export function leadLagLine(m: MetricCorrelations, nEvents: number): string {
  const s = m.lead_lag.summary;
  if (s.nChanges === 0) return `lead/lag: no change point detected in ${m.metric} (${nEvents} events available)`;
  const steps = m.lead_lag.changes.map((c) => c.step).join(", ");
  const med = s.medianLeadSteps !== null ? `; median lead ${withCi(s.medianLeadSteps.estimate, s.medianLeadSteps.ci)} steps` : "";
  const within = s.fractionWithinWindow !== null ? `; within a factor ${num(Math.exp(s.windowLog), 1)} in (1+step): ${withCi(s.fractionWithinWindow.estimate, s.fractionWithinWindow.ci)}` : "";
  return `lead/lag: ${s.nChanges} change point(s) of ${m.metric} (at steps ${steps}); ${s.nPreceded} preceded by one of ${nEvents} events${med}${within}`;
}

function printReport(r: RunCorrelationReport, top: number): void {
  for (const m of r.metrics) {
    const level = Math.round(r.settings.confidence * 100);
    say(`run ${r.run}, metric ${m.source}:${m.metric}: ${m.n_checkpoints} checkpoints, ${r.n_features} features (top ${Math.min(top, m.correlations.length)} by |Spearman|)`);
    printTable(
      [{ header: "feature" }, ...[`Spearman [${level}% CI]`, `Kendall [${level}% CI]`, "n"].map((header): Column => ({ header, align: "right" }))],
      m.correlations.slice(0, top).map((c) => [c.feature, withCi(c.spearman.estimate, c.spearman.ci), withCi(c.kendall.estimate, c.kendall.ci), String(c.n)]),
    );
    say(leadLagLine(m, r.events.length));
    if (r.artefacts_excluded > 0) say(`${r.artefacts_excluded} optimizer-artefact event(s) left out (--artefacts to include them)`);
    say("");
  }
  for (const s of r.skipped_metrics) say(`run ${r.run}, metric ${s.source}:${s.metric}: skipped (${s.n} checkpoints with a value; needs 3)`);
}
