// Claim 2: do parameter-only features predict held-out loss on an unseen seed? Leave-one-run-out
// over the held-out seeds of one configuration: ridge on the stored distribution features (lambda
// by cross-validation grouped by run, inside the training runs only) against the step mean (the
// training runs' mean validation loss at the same step: no parameters at all; primary), the
// learning-curve extrapolation from the held-out run's first half, and ridge on WeightWatcher
// alpha alone. All are scored on the same checkpoints: the held-out run's second half. Pure.
import { extrapolateLoss, DEFAULT_FIT_FRACTION } from "../../quality/extrapolate.js";
import { fitRidgeGroupedCv } from "../../quality/ridge-grouped.js";
import { predictRidge } from "../../quality/ridge.js";
import type { PairedComparison, Verdict } from "../verdict-types.js";
import type { StudyRunData } from "../run-data.js";
import type { ClaimPlan } from "../plan.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** Smallest MAE advantage (nats) worth reporting. */
export const PREDICT_MIN_EFFECT = 0.01;

export interface StudyPredictRun {
  runId: string;
  steps: number[];
  featureNames: string[];
  features: (number | null)[][];
  target: (number | null)[];
}

/** Every run gets the union of feature names (null where a run lacks one), in sorted order. */
export function predictRuns(runs: readonly StudyRunData[]): StudyPredictRun[] {
  const names = [...new Set(runs.flatMap((r) => r.featureNames))].sort();
  return runs.map((r) => {
    const col = names.map((n) => r.featureNames.indexOf(n));
    return { runId: r.runId, steps: [...r.steps], featureNames: names, features: r.features.map((row) => col.map((j) => (j >= 0 ? row[j] ?? null : null))), target: [...r.valLoss] };
  });
}

type Model = "features" | "step_mean" | "extrapolation" | "alpha";

export interface PredictScore {
  runId: string;
  /** Steps scored: the held-out run's second half (evaluated checkpoints). */
  steps: number[];
  mae: Record<Model, number>;
  /** Lambdas chosen by grouped CV. */
  lambda: { features: number | null; alpha: number | null };
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** Indices of a run's evaluated checkpoints in its second half (as the extrapolation holds out). */
function scoredIndices(r: StudyPredictRun, fitFraction: number): number[] {
  const idx = r.steps.map((_, i) => i).filter((i) => finite(r.target[i]));
  return idx.slice(Math.max(1, Math.floor(idx.length * fitFraction)));
}

/** Rows of the given columns (missing -> column mean of these rows), targets, groups and scored flags. */
function design(runs: readonly StudyPredictRun[], cols: readonly number[], fitFraction: number): { x: number[][]; y: number[]; g: string[]; scored: boolean[]; means: number[] } {
  const x: number[][] = [], y: number[] = [], g: string[] = [], scored: boolean[] = [];
  for (const r of runs) {
    const sc = new Set(scoredIndices(r, fitFraction));
    r.steps.forEach((_, i) => { if (finite(r.target[i])) { x.push(cols.map((c) => r.features[i]![c] ?? Number.NaN)); y.push(r.target[i]!); g.push(r.runId); scored.push(sc.has(i)); } });
  }
  const means = cols.map((_, j) => { const f = x.map((row) => row[j]!).filter(Number.isFinite); return f.length > 0 ? f.reduce((a, b) => a + b, 0) / f.length : 0; });
  for (const row of x) row.forEach((v, j) => { if (!Number.isFinite(v)) row[j] = means[j]!; });
  return { x, y, g, scored, means };
}

function ridgeMae(train: readonly StudyPredictRun[], test: StudyPredictRun, cols: readonly number[], idx: readonly number[], fitFraction: number): { mae: number; lambda: number | null } {
  if (cols.length === 0 || train.length < 2) return { mae: Number.NaN, lambda: null };
  const d = design(train, cols, fitFraction);
  if (d.y.length < 3) return { mae: Number.NaN, lambda: null };
  const model = fitRidgeGroupedCv(d.x, d.y, d.g, d.scored);
  const pred = predictRidge(model, idx.map((i) => cols.map((c, j) => { const v = test.features[i]![c]; return finite(v) ? v : d.means[j]!; })));
  return { mae: idx.reduce((s, i, k) => s + Math.abs(pred[k]! - test.target[i]!), 0) / idx.length, lambda: model.lambda };
}

/** The step-mean baseline: the training runs' mean loss at each scored step (steps no training run has are skipped). */
export function stepMeanMae(train: readonly StudyPredictRun[], test: StudyPredictRun, idx: readonly number[]): number {
  let s = 0, n = 0;
  for (const i of idx) {
    const at = train.map((r) => r.target[r.steps.indexOf(test.steps[i]!)]).filter(finite);
    if (at.length === 0) continue;
    s += Math.abs(at.reduce((a, b) => a + b, 0) / at.length - test.target[i]!);
    n++;
  }
  return n > 0 ? s / n : Number.NaN;
}

function extrapolationMae(test: StudyPredictRun, idx: readonly number[], fitFraction: number): number {
  try {
    const ex = extrapolateLoss(test.steps, test.target, { fitFraction });
    const byStep = new Map(ex.heldOut.map((h) => [h.step, h.predicted]));
    const pts = idx.filter((i) => byStep.has(test.steps[i]!));
    return pts.length > 0 ? pts.reduce((s, i) => s + Math.abs(byStep.get(test.steps[i]!)! - test.target[i]!), 0) / pts.length : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Leave-one-run-out scores of the four models on each run's second half. */
export function predictScores(runs: readonly StudyPredictRun[], fitFraction = DEFAULT_FIT_FRACTION): PredictScore[] {
  const names = runs[0]?.featureNames ?? [];
  const all = names.map((_, j) => j);
  const alpha = all.filter((j) => names[j]!.includes("alpha"));
  return runs.map((test) => {
    const train = runs.filter((r) => r !== test);
    const idx = scoredIndices(test, fitFraction);
    const f = ridgeMae(train, test, all, idx, fitFraction), a = ridgeMae(train, test, alpha, idx, fitFraction);
    return {
      runId: test.runId, steps: idx.map((i) => test.steps[i]!),
      mae: { features: f.mae, step_mean: stepMeanMae(train, test, idx), extrapolation: extrapolationMae(test, idx, fitFraction), alpha: a.mae },
      lambda: { features: f.lambda, alpha: a.lambda },
    };
  });
}

const NAMES: Record<Exclude<Model, "features">, string> = {
  step_mean: "step mean: the other seeds' mean validation loss at the same step",
  extrapolation: "learning-curve extrapolation a + b t^-c fitted on the run's first half",
  alpha: "ridge on WeightWatcher spectral alpha (mean over 2-D weights)",
};
const QUESTION = "Do parameter-only features predict held-out loss on an unseen seed better than the other seeds' mean loss at the same step (and than extrapolation or WeightWatcher alpha)?";

export function predictLossVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const minEffect = plan?.min_effect ?? PREDICT_MIN_EFFECT;
  const fitFraction = typeof plan?.settings["scored_fraction"] === "number" ? 1 - plan.settings["scored_fraction"] : DEFAULT_FIT_FRACTION;
  const base = { claim: "predict_loss_from_parameters", question: QUESTION, measure: "mean absolute error of the predicted validation loss (nats) on the held-out seed's second half, leave-one-seed-out; ridge lambda by cross-validation grouped by run within the training seeds (lower is better)" };
  if (runs.length < 2) return { ...base, ours: meanEstimate([]), baseline: null, verdict: "inconclusive", reason: `leave-one-run-out needs at least 2 runs, got ${runs.length}`, details: {} };
  const scores = predictScores(predictRuns(runs), fitFraction);
  const ours = meanEstimate(scores.map((s) => s.mae.features));
  const tests: PairedComparison[] = [];
  const missing: string[] = [];
  (["step_mean", "extrapolation", "alpha"] as const).forEach((m, i) => {
    const ok = scores.filter((s) => Number.isFinite(s.mae.features) && Number.isFinite(s.mae[m]));
    if (ok.length === 0) { missing.push(m); return; }
    tests.push(compare(ok.map((s) => s.mae[m] - s.mae.features), { baseline: NAMES[m], role: i === 0 ? "primary" : "secondary", minEffect }));
  });
  const label = labelFamily(tests);
  const stepMean = meanEstimate(scores.map((s) => s.mae.step_mean));
  const reason = tests.length === 0
    ? "no baseline could be scored on any held-out run"
    : `our ridge MAE ${formatEstimate(ours)}, step mean ${formatEstimate(stepMean)}, extrapolation ${formatEstimate(meanEstimate(scores.map((s) => s.mae.extrapolation)))}, alpha ${formatEstimate(meanEstimate(scores.map((s) => s.mae.alpha)))}; ${tests.map((c) => describeComparison(c)).join("; ")}${missing.length > 0 ? `; not scored: ${missing.join(", ")} (no data)` : ""}`;
  return {
    ...base, ours,
    baseline: { name: NAMES.step_mean, estimate: stepMean },
    verdict: label, reason, tests,
    details: { not_scored: missing, features: predictRuns(runs)[0]?.featureNames.length ?? 0, runs: scores },
  };
}
