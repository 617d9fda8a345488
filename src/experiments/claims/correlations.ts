// Pooled feature/validation-loss correlations of the study: per run, Spearman rho of each
// parameter feature with the validation loss across checkpoints; the mean over runs with a
// bootstrap CI over runs, top features by |mean rho|. Pure; descriptive (no verdict).
import { spearman, MIN_CORRELATION_POINTS } from "../../quality/correlation.js";
import type { FeatureCorrelation, FeatureCorrelationsSummary } from "../verdict-types.js";
import type { StudyRunData } from "../run-data.js";
import { meanEstimate } from "../verdict-rule.js";

/** Fewest runs a feature needs for its mean correlation (descriptive: no verdict rests on it). */
export const MIN_CORRELATION_RUNS = 2;

/** Features kept in the study output. */
export const TOP_FEATURE_CORRELATIONS = 15;

/** Spearman rho of one feature column with the validation loss of one run; null when undefined. */
function runRho(run: StudyRunData, j: number): { rho: number; n: number } | null {
  const xs: number[] = [], ys: number[] = [];
  run.steps.forEach((_, i) => {
    const x = run.features[i]?.[j], y = run.valLoss[i];
    if (typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)) { xs.push(x); ys.push(y); }
  });
  if (xs.length < MIN_CORRELATION_POINTS) return null;
  const { rho } = spearman(xs, ys);
  return Number.isFinite(rho) ? { rho, n: xs.length } : null;
}

export function featureCorrelations(runs: readonly StudyRunData[], top = TOP_FEATURE_CORRELATIONS, metric = "eval/loss"): FeatureCorrelationsSummary {
  const perFeature = new Map<string, FeatureCorrelation["per_run"]>();
  const usedRuns = new Set<string>();
  for (const run of runs) {
    run.featureNames.forEach((feature, j) => {
      const r = runRho(run, j);
      if (r === null) return;
      usedRuns.add(run.runId);
      perFeature.set(feature, [...(perFeature.get(feature) ?? []), { run: run.runId, ...r }]);
    });
  }
  const ranked = [...perFeature.entries()]
    .filter(([, list]) => list.length >= MIN_CORRELATION_RUNS)
    .map(([feature, list]) => ({ feature, list, mean: list.reduce((s, r) => s + r.rho, 0) / list.length }))
    .sort((a, b) => Math.abs(b.mean) - Math.abs(a.mean) || a.feature.localeCompare(b.feature))
    .slice(0, top);
  return {
    metric,
    method: `per run, Spearman rho of the feature with ${metric} across analysed checkpoints (>= ${MIN_CORRELATION_POINTS} finite pairs); mean over runs, t-interval over runs; features defined in >= ${MIN_CORRELATION_RUNS} runs, top ${top} by |mean rho|`,
    n_runs: usedRuns.size,
    top: ranked.map(({ feature, list }) => ({ feature, mean_spearman: meanEstimate(list.map((r) => r.rho)), per_run: list })),
  };
}
