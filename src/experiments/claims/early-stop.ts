// Claim 4: early stopping from parameter dynamics vs patience on validation loss. Per run both
// rules give a stop step; saved = share of steps not trained, cost = loss at the stop minus
// the best loss of the full run. Pure (the stop rules are quality/early-stop.ts's).
import { parameterDynamicsStop, patienceStop, type StopDecision } from "../../quality/early-stop.js";
import type { Verdict, VerdictLabel, PairedComparison } from "../verdict-types.js";
import type { StudyRunData } from "../run-data.js";
import type { ClaimPlan } from "../plan.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** Smallest difference in the share of steps saved worth reporting. */
export const EARLY_STOP_MIN_EFFECT = 0.05;

/** Largest extra loss (nats, at the stop vs the final checkpoint) accepted for the compute saved. */
export const LOSS_COST_TOLERANCE = 0.02;

const finite = (x: number): number => (Number.isFinite(x) ? x : Number.NaN);

export interface EarlyStopRun {
  runId: string;
  dynamics: StopDecision;
  patience: StopDecision;
}

const num = (p: ClaimPlan | undefined, key: string): number | undefined => (typeof p?.settings[key] === "number" ? (p.settings[key] as number) : undefined);

/** Both stop rules on one run (thresholds from the plan when given, else quality/early-stop.ts defaults). */
export function earlyStopRun(run: StudyRunData, plan?: ClaimPlan): EarlyStopRun {
  const threshold = num(plan, "settle_threshold"), window = num(plan, "settle_window"), minFraction = num(plan, "min_checkpoint_fraction");
  const patience = num(plan, "patience"), minDelta = num(plan, "min_delta");
  return {
    runId: run.runId,
    dynamics: parameterDynamicsStop(run.steps, run.features, run.valLoss, { ...(threshold !== undefined && { threshold }), ...(window !== undefined && { window }), ...(minFraction !== undefined && { minFraction }) }),
    patience: patienceStop(run.steps, run.valLoss, { ...(patience !== undefined && { patience }), ...(minDelta !== undefined && { minDelta }) }),
  };
}

/**
 * Two required comparisons: steps saved (d = saved_dyn - saved_patience) and the loss paid, as a
 * non-inferiority margin (d = LOSS_COST_TOLERANCE - (cost_dyn - cost_patience)). Supported when
 * both are firmly positive; not supported when either is firmly negative (less saved, or a cost
 * beyond the tolerance); inconclusive otherwise.
 */
export function earlyStopTests(perRun: readonly EarlyStopRun[], tolerance = LOSS_COST_TOLERANCE, minEffect = EARLY_STOP_MIN_EFFECT): PairedComparison[] {
  return [
    compare(perRun.map((r) => finite(r.dynamics.savedFraction - r.patience.savedFraction)), { baseline: "patience: share of steps saved", role: "primary", minEffect }),
    compare(perRun.map((r) => finite(tolerance - (r.dynamics.lossCost - r.patience.lossCost))), { baseline: `patience: loss cost within ${tolerance} nats (non-inferiority)`, role: "secondary", required: true, minEffect: 0 }),
  ];
}

const QUESTION = "Does stopping from parameter dynamics save more training compute than patience on validation loss, at a small loss cost?";


export function earlyStopVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const tolerance = num(plan, "loss_cost_tolerance") ?? LOSS_COST_TOLERANCE;
  const perRun = runs.filter((r) => r.steps.length >= 3).map((r) => earlyStopRun(r, plan));
  const tests = earlyStopTests(perRun, tolerance, plan?.min_effect ?? EARLY_STOP_MIN_EFFECT);
  const label: VerdictLabel = labelFamily(tests);
  const saved = tests[0]!.difference;
  const cost = meanEstimate(perRun.map((r) => finite(r.dynamics.lossCost - r.patience.lossCost)));
  const ours = meanEstimate(perRun.map((r) => finite(r.dynamics.savedFraction)));
  const base = meanEstimate(perRun.map((r) => finite(r.patience.savedFraction)));
  const costOurs = meanEstimate(perRun.map((r) => finite(r.dynamics.lossCost)));
  const costBase = meanEstimate(perRun.map((r) => finite(r.patience.lossCost)));
  const triggered = `the parameter rule triggered in ${perRun.filter((r) => r.dynamics.triggered).length} of ${perRun.length} runs, patience in ${perRun.filter((r) => r.patience.triggered).length}`;
  const reason = perRun.length === 0
    ? "no run had 3 or more checkpoints"
    : `${triggered}; saved share of steps: dynamics ${formatEstimate(ours)} vs patience ${formatEstimate(base)} (difference ${formatEstimate(saved)}); loss cost at the stop: ${formatEstimate(costOurs, 4)} vs ${formatEstimate(costBase, 4)} nats (difference ${formatEstimate(cost, 4)}); ${tests.map((c) => describeComparison(c, 4)).join("; ")}`;
  return {
    claim: "early_stopping",
    question: QUESTION,
    measure: "share of training steps saved by stopping at the rule's checkpoint (higher is better), with the loss cost = validation loss at the stop - the best validation loss of the full run (nats)",
    ours,
    baseline: { name: "patience on validation loss (quality/early-stop.ts defaults)", estimate: base },
    verdict: label, reason, tests,
    details: { loss_cost_tolerance: tolerance, causality: "both rules read only checkpoints up to their stop (the parameter rule: settling rates of past checkpoints; patience: past losses)", saved_difference: saved, cost_difference: cost, loss_cost: { dynamics: costOurs, patience: costBase }, runs: perRun },
  };
}
