// The metric side of the study on Pythia's published lm-eval results (no weights, so no event
// placement): per metric series, budgeted evaluation uniform vs log-uniform for k = 3..10,
// change points of the series, and learning-curve extrapolation of the headline metrics. Pure.
import { changePointsOnSteps } from "../dynamics/changepoints/index.js";
import { budgetedEvaluation, DEFAULT_BUDGETS } from "../quality/budget.js";
import { extrapolateLoss } from "../quality/extrapolate.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "./verdict-rule.js";

/** Smallest advantage (share of the metric's range) worth reporting. */
export const PYTHIA_MIN_EFFECT = 0.01;

export interface PythiaSeries {
  /** e.g. "pythia-70m". */
  model: string;
  /** e.g. "zero-shot". */
  setting: string;
  /** `task/metric` as parseLmEval names it. */
  name: string;
  steps: number[];
  values: number[];
}

/** Metrics given in full detail (change points, extrapolation, per-k errors) when present. */
export const HEADLINE_PYTHIA_METRICS: readonly string[] = ["lambada_openai/ppl", "lambada_openai/acc", "piqa/acc", "arc_easy/acc", "winogrande/acc", "sciq/acc"];
/** Series with fewer points are not used (k = 10 needs at least 10). */
export const MIN_PYTHIA_POINTS = 6;

const NO_EVENTS_NOTE = "Pythia's weights are not in the bundled data, so no parameter events exist here: event placement, lead/lag against events and the parameter predictors cannot be run; only the metric side is.";

/** Error per k of uniform and log-uniform placement, divided by the series' range (comparable across metrics). */
function relativeBudget(s: PythiaSeries, budgets: readonly number[]): { k: number; uniform: number; logUniform: number }[] {
  const range = Math.max(...s.values) - Math.min(...s.values);
  const rows = budgetedEvaluation(s.steps, s.values, [], { budgets: budgets.filter((k) => k <= s.steps.length) });
  return budgets.filter((k) => k <= s.steps.length).map((k) => {
    const at = (strategy: string): number => rows.find((r) => r.k === k && r.strategy === strategy)!.meanAbsError / range;
    return { k, uniform: at("uniform"), logUniform: at("log-uniform") };
  });
}

function headline(s: PythiaSeries, budgets: readonly number[]): Record<string, unknown> {
  const cps = changePointsOnSteps(s.steps, s.values, { axis: "log-step" }).changes.map((c) => ({ step: c.step, step_low: c.stepLow }));
  let extrapolation: Record<string, unknown>;
  // Perplexity spans orders of magnitude (millions at step 0): its log, the loss in nats, is extrapolated.
  const isPpl = s.name.endsWith("/ppl");
  try {
    const ex = extrapolateLoss(s.steps, isPpl ? s.values.map(Math.log) : s.values);
    const meanAbs = ex.heldOut.reduce((t, h) => t + Math.abs(h.observed), 0) / Math.max(1, ex.heldOut.length);
    extrapolation = { of: isPpl ? "ln(ppl), nats" : "the metric", fit: ex.fit, fit_steps: ex.fitSteps.length, held_out: ex.heldOut.length, mae: ex.mae, relative_mae: ex.mae / meanAbs };
  } catch (e) {
    extrapolation = { error: (e as Error).message };
  }
  const budget = budgetedEvaluation(s.steps, s.values, [], { budgets: budgets.filter((k) => k <= s.steps.length) })
    .filter((r) => r.strategy !== "events").map((r) => ({ k: r.k, strategy: r.strategy, mean_abs_error: r.meanAbsError, steps: r.steps }));
  return { model: s.model, setting: s.setting, metric: s.name, points: s.steps.length, change_points: cps, extrapolation, budget };
}

/** Summary of the metric side over all usable series (constant or short series are counted and skipped). */
export function pythiaMetricSide(series: readonly PythiaSeries[], budgets: readonly number[] = DEFAULT_BUDGETS): Record<string, unknown> {
  const usable = series.filter((s) => s.steps.length >= MIN_PYTHIA_POINTS && Math.max(...s.values) > Math.min(...s.values));
  const perSeries = usable.map((s) => ({ s, rows: relativeBudget(s, budgets) }));
  // One paired difference per series: mean over k of (uniform - log-uniform) relative error. The
  // series of one model share its checkpoints and its training run: they are not replicates, so
  // the unit of the verdict is the model (series averaged within each model and setting).
  const diffs = perSeries.map(({ rows }) => rows.reduce((t, r) => t + (r.uniform - r.logUniform), 0) / rows.length);
  const unitOf = perSeries.map(({ s }) => `${s.model}/${s.setting}`);
  const units = [...new Set(unitOf)].sort();
  const perUnit = units.map((u) => meanEstimate(diffs.filter((_, i) => unitOf[i] === u)).value!);
  const tests = [compare(perUnit, { baseline: "uniform placement", role: "primary", minEffect: PYTHIA_MIN_EFFECT, unit: "models" })];
  const label = labelFamily(tests);
  const difference = tests[0]!.difference;
  const byK = budgets.map((k) => {
    const at = perSeries.flatMap(({ rows }) => rows.filter((r) => r.k === k));
    return { k, series: at.length, uniform: meanEstimate(at.map((r) => r.uniform), "metric series"), log_uniform: meanEstimate(at.map((r) => r.logUniform), "metric series"), log_uniform_better_share: at.length > 0 ? at.filter((r) => r.logUniform < r.uniform).length / at.length : null };
  });
  const models = [...new Set(series.map((s) => `${s.model}/${s.setting}`))].sort();
  return {
    note: NO_EVENTS_NOTE,
    models,
    series: series.length,
    usable_series: usable.length,
    budget_log_uniform_vs_uniform: {
      measure: "mean over k of (uniform - log-uniform) reconstruction error / range of the metric, per metric series, averaged within each model/setting: the model is the replicate (positive: log-uniform better)",
      difference, verdict: label, tests,
      series_mean: meanEstimate(diffs, "metric series (dependent: descriptive only)"),
      reason: `log-uniform placement's advantage ${formatEstimate(difference, 4)} of the metric range over ${units.length} model/setting units (${usable.length} series, not independent); ${describeComparison(tests[0]!, 4)}`,
    },
    by_k: byK,
    headline: usable.filter((s) => HEADLINE_PYTHIA_METRICS.includes(s.name)).map((s) => headline(s, budgets)),
  };
}
