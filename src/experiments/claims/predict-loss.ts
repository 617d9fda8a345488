// Claim 2: do parameter-only features predict held-out loss across runs? Leave-one-run-out
// ridge on the stored distribution features vs ridge on WeightWatcher alpha alone and vs
// learning-curve extrapolation from the held-out run's own first half. Pure.
import { leaveOneRunOut, type PredictRun, type RunScore } from "../../quality/predict.js";
import type { Estimate, VerdictLabel, Verdict } from "../verdict-types.js";
import type { StudyRunData } from "../run-data.js";
import { combineLabels, formatEstimate, meanEstimate, pairedVerdict } from "../verdict-rule.js";

/** Every run gets the union of feature names (null where a run lacks one), in sorted order. */
export function predictRuns(runs: readonly StudyRunData[]): PredictRun[] {
  const names = [...new Set(runs.flatMap((r) => r.featureNames))].sort();
  return runs.map((r) => {
    const col = names.map((n) => r.featureNames.indexOf(n));
    return { runId: r.runId, steps: [...r.steps], featureNames: names, features: r.features.map((row) => col.map((j) => (j >= 0 ? row[j] ?? null : null))), target: [...r.valLoss] };
  });
}

interface BaselineComparison {
  name: string;
  estimate: Estimate;
  difference: Estimate;
  label: VerdictLabel;
  runs: number;
}

function compare(scores: readonly RunScore[], model: "alpha" | "extrapolation", name: string): BaselineComparison | null {
  const ok = scores.filter((s) => Number.isFinite(s.scores.features.mae) && Number.isFinite(s.scores[model].mae));
  if (ok.length === 0) return null;
  const { difference, label } = pairedVerdict(ok.map((s) => s.scores[model].mae - s.scores.features.mae));
  return { name, estimate: meanEstimate(ok.map((s) => s.scores[model].mae)), difference, label, runs: ok.length };
}

const ALPHA_NAME = "ridge on WeightWatcher spectral alpha (mean over 2-D weights)";
const EXTRAPOLATION_NAME = "learning-curve extrapolation a + b t^-c fitted on the run's first half";
const QUESTION = "Do parameter-only features predict held-out loss on an unseen run better than WeightWatcher alpha and learning-curve extrapolation?";

export function predictLossVerdict(runs: readonly StudyRunData[]): Verdict {
  const base = { claim: "predict_loss_from_parameters", question: QUESTION, measure: "mean absolute error of the predicted validation loss (nats) on the held-out run's second half, leave-one-run-out (lower is better)" };
  if (runs.length < 2) {
    return { ...base, ours: meanEstimate([]), baseline: null, verdict: "inconclusive", reason: `leave-one-run-out needs at least 2 runs, got ${runs.length}`, details: {} };
  }
  const scores = leaveOneRunOut(predictRuns(runs));
  const ours = meanEstimate(scores.map((s) => s.scores.features.mae));
  const tried = { alpha: compare(scores, "alpha", ALPHA_NAME), extrapolation: compare(scores, "extrapolation", EXTRAPOLATION_NAME) };
  const comparisons = Object.values(tried).filter((c): c is BaselineComparison => c !== null);
  const missing = Object.entries(tried).filter(([, c]) => c === null).map(([k]) => k);
  const label = combineLabels(comparisons.map((c) => c.label));
  const strongest = [...comparisons].sort((a, b) => (a.estimate.value ?? Infinity) - (b.estimate.value ?? Infinity))[0] ?? null;
  const parts = comparisons.map((c) => `vs ${c.name.split(" (")[0]}: MAE ${formatEstimate(c.estimate)}, baseline - ours ${formatEstimate(c.difference)} -> ${c.label}`);
  const reason = comparisons.length === 0
    ? "no baseline could be scored on any held-out run"
    : `our ridge MAE ${formatEstimate(ours)}; ${parts.join("; ")}${missing.length > 0 ? `; not scored: ${missing.join(", ")} (no data)` : ""}. Supported only if better than every scored baseline; not supported if any baseline is better`;
  return {
    ...base, ours,
    baseline: strongest === null ? null : { name: strongest.name, estimate: strongest.estimate },
    verdict: label, reason,
    details: { comparisons, not_scored: missing, features: predictRuns(runs)[0]?.featureNames.length ?? 0, runs: scores },
  };
}
