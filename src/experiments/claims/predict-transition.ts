// Claim 7 (runs with a known phase transition): can the transition step be predicted from parameter
// features of checkpoints before it, better than the baselines? Leave one run out. Pure.
//
// The rule, stated once:
// - Target: ln T of each run's quality transition (runs without one are left out). Errors are
//   |ln predicted - ln T| (0.1 = about 10% off), so runs with early and late transitions weigh alike.
// - For the held-out run, only the other runs are seen: the cutoff is `cutoffFraction` x the
//   earliest transition step among them, and every run is described by its feature values at its
//   last checkpoint at or before the cutoff (features non-finite in any of the runs are dropped).
//   The held-out run's features are therefore from before its transition whenever its transition is
//   not earlier than every other run's by more than 1/cutoffFraction; `beforeTransition` says so.
// - Model: ridge regression (quality/ridge.ts: standardised features, lambda by exact
//   leave-one-out over the training runs) of ln T on those features.
// - Baselines: the mean of the other runs' ln T (primary), and optionally the same ridge on a
//   baseline feature subset (e.g. the total weight norm alone; secondary: it can only block
//   "supported" by being firmly better).
// - Across runs: per run d = baseline error - model error (positive = ours better), labelled by
//   verdict-rule.ts.
import { fitRidge, predictRidge } from "../../quality/ridge.js";
import { UsageError } from "../../util/errors.js";
import type { Verdict } from "../verdict-types.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** Default cutoff: features at or before half the earliest transition of the training runs. */
export const DEFAULT_TRANSITION_CUTOFF_FRACTION = 0.5;
/** Smallest mean error advantage (in |ln| units, ~10%) worth reporting. */
export const PREDICT_TRANSITION_MIN_EFFECT = 0.1;
/** Fewest training runs a ridge fit is attempted with (fitRidge needs 3). */
export const MIN_TRANSITION_TRAINING_RUNS = 3;

export interface TransitionPredictRun {
  runId: string;
  /** Checkpoint steps, ascending. */
  steps: readonly number[];
  featureNames: readonly string[];
  /** One row per checkpoint (aligned with steps), one column per feature name; null where not stored. */
  features: readonly (readonly (number | null)[])[];
  /** The quality transition step T (null: the run has none). */
  transitionStep: number | null;
}

export interface TransitionPredictOptions {
  cutoffFraction?: number;
  /** Feature names used by the model (default: every name shared by all runs). */
  features?: readonly string[];
  /** Feature names of the secondary ridge baseline (e.g. ["total_weight_norm"]); absent: no such baseline. */
  baselineFeatures?: readonly string[];
  lambdas?: readonly number[];
}

export interface TransitionPrediction {
  runId: string;
  transitionStep: number;
  /** The cutoff step used and the held-out run's checkpoint read (null: none at or before the cutoff). */
  cutoff: number;
  checkpoint: number | null;
  /** Is that checkpoint before the held-out run's own transition? */
  beforeTransition: boolean;
  /** Predicted T by the model, by the mean of the other runs, and by the baseline features (null when not computable). */
  predicted: number | null;
  meanBaseline: number;
  featureBaseline: number | null;
  /** |ln predicted - ln T| for each. */
  error: number | null;
  meanBaselineError: number;
  featureBaselineError: number | null;
  /** Features the model used for this fold. */
  used: string[];
}

/** The row of `names` at the run's last checkpoint <= cutoff (null: no such checkpoint or a missing value). */
function rowAt(run: TransitionPredictRun, names: readonly string[], cutoff: number): { step: number; row: number[] } | null {
  let at = -1;
  for (let i = 0; i < run.steps.length; i++) if (run.steps[i]! <= cutoff) at = i;
  if (at < 0) return null;
  const row: number[] = [];
  for (const name of names) {
    const j = run.featureNames.indexOf(name);
    const v = j < 0 ? null : run.features[at]?.[j] ?? null;
    if (typeof v !== "number" || !Number.isFinite(v)) return null;
    row.push(v);
  }
  return { step: run.steps[at]!, row };
}

/** Names with a finite value at the cutoff row of every given run. */
function usableFeatures(runs: readonly TransitionPredictRun[], names: readonly string[], cutoff: number): string[] {
  return names.filter((n) => runs.every((r) => rowAt(r, [n], cutoff) !== null));
}

/** Ridge of ln T on `names` fitted on `train`, predicting `test` at the cutoff; null when not computable. */
function ridgePredict(train: readonly TransitionPredictRun[], test: TransitionPredictRun, names: readonly string[], cutoff: number, lambdas?: readonly number[]): { lnT: number; used: string[] } | null {
  const used = usableFeatures([...train, test], names, cutoff);
  if (used.length === 0 || train.length < MIN_TRANSITION_TRAINING_RUNS) return null;
  const x = train.map((r) => rowAt(r, used, cutoff)!.row);
  const y = train.map((r) => Math.log(r.transitionStep!));
  const model = fitRidge(x, y, lambdas);
  return { lnT: predictRidge(model, [rowAt(test, used, cutoff)!.row])[0]!, used };
}

/** Leave-one-run-out predictions of the transition step, with the baselines and errors (runs without a transition are skipped). */
export function predictTransitionSteps(runs: readonly TransitionPredictRun[], options: TransitionPredictOptions = {}): TransitionPrediction[] {
  const fraction = options.cutoffFraction ?? DEFAULT_TRANSITION_CUTOFF_FRACTION;
  if (!(fraction > 0 && fraction <= 1)) throw new UsageError(`predict transition: cutoff fraction must be in (0, 1], got ${fraction}`);
  const withT = runs.filter((r) => r.transitionStep !== null);
  for (const r of withT) {
    if (!(r.transitionStep! > 0 && Number.isFinite(r.transitionStep!))) throw new UsageError(`predict transition: run ${r.runId} has transition step ${r.transitionStep}; steps must be > 0 (the target is ln T)`);
    if (r.features.length !== r.steps.length) throw new UsageError(`predict transition: run ${r.runId} has ${r.steps.length} steps but ${r.features.length} feature rows; give one row per checkpoint`);
  }
  const names = options.features ?? (withT.length === 0 ? [] : withT[0]!.featureNames.filter((n) => withT.every((r) => r.featureNames.includes(n))));
  const out: TransitionPrediction[] = [];
  for (const test of withT) {
    const train = withT.filter((r) => r !== test);
    if (train.length === 0) continue;
    const T = test.transitionStep!, lnT = Math.log(T);
    const cutoff = fraction * Math.min(...train.map((r) => r.transitionStep!));
    const read = rowAt(test, [], cutoff);
    const meanLn = train.reduce((s, r) => s + Math.log(r.transitionStep!), 0) / train.length;
    const model = ridgePredict(train, test, names, cutoff, options.lambdas);
    const base = options.baselineFeatures === undefined ? null : ridgePredict(train, test, options.baselineFeatures, cutoff, options.lambdas);
    out.push({
      runId: test.runId, transitionStep: T, cutoff, checkpoint: read?.step ?? null, beforeTransition: read !== null && read.step < T,
      predicted: model === null ? null : Math.exp(model.lnT), meanBaseline: Math.exp(meanLn), featureBaseline: base === null ? null : Math.exp(base.lnT),
      error: model === null ? null : Math.abs(model.lnT - lnT), meanBaselineError: Math.abs(meanLn - lnT), featureBaselineError: base === null ? null : Math.abs(base.lnT - lnT),
      used: model?.used ?? [],
    });
  }
  return out;
}

const QUESTION = "Can the step of the phase transition be predicted from parameter features of checkpoints before it, better than the other runs' mean transition step (and than the weight norm alone)?";

/** The claim across runs, labelled by verdict-rule.ts. */
export function predictTransitionVerdict(runs: readonly TransitionPredictRun[], options: TransitionPredictOptions & { minEffect?: number } = {}): Verdict {
  const preds = predictTransitionSteps(runs, options);
  const scored = preds.filter((p) => p.error !== null && p.beforeTransition);
  const minEffect = options.minEffect ?? PREDICT_TRANSITION_MIN_EFFECT;
  const tests = [compare(scored.map((p) => p.meanBaselineError - p.error!), { baseline: "the mean of the other runs' ln transition steps", role: "primary", minEffect, unit: "runs" })];
  const withFeatureBaseline = scored.filter((p) => p.featureBaselineError !== null);
  if (options.baselineFeatures !== undefined) {
    tests.push(compare(withFeatureBaseline.map((p) => p.featureBaselineError! - p.error!), { baseline: `ridge on the baseline features only (${options.baselineFeatures.join(", ")})`, role: "secondary", minEffect, unit: "runs" }));
  }
  const label = labelFamily(tests);
  const ours = meanEstimate(scored.map((p) => p.error!), "runs");
  const baseline = meanEstimate(scored.map((p) => p.meanBaselineError), "runs");
  const leftOut = preds.length - scored.length;
  const reason = scored.length === 0
    ? `no run could be predicted from features before its transition (${runs.length} runs, ${runs.filter((r) => r.transitionStep === null).length} without a transition)`
    : `leave-one-run-out |ln predicted - ln T|: parameter features ${formatEstimate(ours)} vs the other runs' mean ${formatEstimate(baseline)}; ${tests.map((t) => describeComparison(t)).join("; ")}; ${leftOut} runs left out (no usable features before their transition)`;
  return {
    claim: "predict_transition_step",
    question: QUESTION,
    measure: "per run, |ln predicted - ln T| of its transition step from parameter features at the last checkpoint at or before the cutoff (lower is better)",
    ours,
    baseline: { name: "the mean of the other runs' ln transition steps", estimate: baseline },
    verdict: label,
    reason, tests,
    details: { cutoff_fraction: options.cutoffFraction ?? DEFAULT_TRANSITION_CUTOFF_FRACTION, features: options.features ?? "every shared feature", baseline_features: options.baselineFeatures ?? null, runs: preds },
  };
}
