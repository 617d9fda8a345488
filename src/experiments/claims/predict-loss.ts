// Claim 2: do parameter-only features predict held-out loss across runs? Leave-one-run-out
// ridge on the stored distribution features vs ridge on WeightWatcher alpha alone and vs
// learning-curve extrapolation from the held-out run's own first half. Pure.
import { leaveOneRunOut, type PredictRun, type RunScore } from "../../quality/predict.js";
import type { PairedComparison, Verdict } from "../verdict-types.js";
import type { StudyRunData } from "../run-data.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** Smallest MAE advantage (nats) worth reporting. */
export const PREDICT_MIN_EFFECT = 0.01;

/** Every run gets the union of feature names (null where a run lacks one), in sorted order. */
export function predictRuns(runs: readonly StudyRunData[]): PredictRun[] {
  const names = [...new Set(runs.flatMap((r) => r.featureNames))].sort();
  return runs.map((r) => {
    const col = names.map((n) => r.featureNames.indexOf(n));
    return { runId: r.runId, steps: [...r.steps], featureNames: names, features: r.features.map((row) => col.map((j) => (j >= 0 ? row[j] ?? null : null))), target: [...r.valLoss] };
  });
}

function versus(scores: readonly RunScore[], model: "alpha" | "extrapolation", name: string, role: "primary" | "secondary"): PairedComparison | null {
  const ok = scores.filter((s) => Number.isFinite(s.scores.features.mae) && Number.isFinite(s.scores[model].mae));
  if (ok.length === 0) return null;
  return compare(ok.map((s) => s.scores[model].mae - s.scores.features.mae), { baseline: name, role, minEffect: PREDICT_MIN_EFFECT });
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
  const tried = { extrapolation: versus(scores, "extrapolation", EXTRAPOLATION_NAME, "primary"), alpha: versus(scores, "alpha", ALPHA_NAME, "secondary") };
  const tests = Object.values(tried).filter((c): c is PairedComparison => c !== null);
  const missing = Object.entries(tried).filter(([, c]) => c === null).map(([k]) => k);
  const label = labelFamily(tests);
  const maeOf = (model: "alpha" | "extrapolation") => meanEstimate(scores.map((s) => s.scores[model].mae));
  const primary = tried.extrapolation !== null ? { name: EXTRAPOLATION_NAME, estimate: maeOf("extrapolation") } : tried.alpha !== null ? { name: ALPHA_NAME, estimate: maeOf("alpha") } : null;
  const reason = tests.length === 0
    ? "no baseline could be scored on any held-out run"
    : `our ridge MAE ${formatEstimate(ours)}; ${tests.map((c) => describeComparison(c)).join("; ")}${missing.length > 0 ? `; not scored: ${missing.join(", ")} (no data)` : ""}`;
  return {
    ...base, ours,
    baseline: primary,
    verdict: label, reason, tests,
    details: { not_scored: missing, features: predictRuns(runs)[0]?.featureNames.length ?? 0, runs: scores },
  };
}
