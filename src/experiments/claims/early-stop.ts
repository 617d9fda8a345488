// Claim 4: early stopping from parameter dynamics vs patience on validation loss. Per run both
// rules give a stop step; saved = share of steps not trained, cost = loss at the stop minus
// the best loss of the full run. Pure (the stop rules are quality/early-stop.ts's).
import { parameterDynamicsStop, patienceStop, type StopDecision } from "../../quality/early-stop.js";
import type { Verdict, VerdictLabel, Estimate } from "../verdict-types.js";
import type { StudyRunData } from "../run-data.js";
import { formatEstimate, meanEstimate, pairedVerdict, MIN_VERDICT_RUNS } from "../verdict-rule.js";

/** Largest extra loss (nats, at the stop vs the final checkpoint) accepted for the compute saved. */
export const LOSS_COST_TOLERANCE = 0.02;

export interface EarlyStopRun {
  runId: string;
  dynamics: StopDecision;
  patience: StopDecision;
}

export function earlyStopRun(run: StudyRunData): EarlyStopRun {
  return { runId: run.runId, dynamics: parameterDynamicsStop(run.steps, run.features, run.valLoss), patience: patienceStop(run.steps, run.valLoss) };
}

/**
 * supported: more compute saved (CI of saved_dyn - saved_patience above 0) at a cost not larger
 * than the tolerance (CI of cost_dyn - cost_patience below LOSS_COST_TOLERANCE); not supported:
 * less saved (CI below 0) or a larger cost (CI above the tolerance); inconclusive otherwise.
 */
export function earlyStopLabel(saved: Estimate, cost: Estimate): VerdictLabel {
  if (saved.n < MIN_VERDICT_RUNS || saved.ci_low === null || saved.ci_high === null || cost.ci_low === null || cost.ci_high === null) return "inconclusive";
  if (saved.ci_high < 0 || cost.ci_low > LOSS_COST_TOLERANCE) return "not supported";
  if (saved.ci_low > 0 && cost.ci_high <= LOSS_COST_TOLERANCE) return "supported";
  return "inconclusive";
}

const QUESTION = "Does stopping from parameter dynamics save more training compute than patience on validation loss, at a small loss cost?";

const finite = (x: number): number => (Number.isFinite(x) ? x : Number.NaN);

export function earlyStopVerdict(runs: readonly StudyRunData[]): Verdict {
  const perRun = runs.filter((r) => r.steps.length >= 3).map(earlyStopRun);
  const saved = pairedVerdict(perRun.map((r) => finite(r.dynamics.savedFraction - r.patience.savedFraction))).difference;
  const cost = meanEstimate(perRun.map((r) => finite(r.dynamics.lossCost - r.patience.lossCost)));
  const label = earlyStopLabel(saved, cost);
  const ours = meanEstimate(perRun.map((r) => finite(r.dynamics.savedFraction)));
  const base = meanEstimate(perRun.map((r) => finite(r.patience.savedFraction)));
  const costOurs = meanEstimate(perRun.map((r) => finite(r.dynamics.lossCost)));
  const costBase = meanEstimate(perRun.map((r) => finite(r.patience.lossCost)));
  const triggered = `the parameter rule triggered in ${perRun.filter((r) => r.dynamics.triggered).length} of ${perRun.length} runs, patience in ${perRun.filter((r) => r.patience.triggered).length}`;
  const reason = perRun.length === 0
    ? "no run had 3 or more checkpoints"
    : `${triggered}; saved share of steps: dynamics ${formatEstimate(ours)} vs patience ${formatEstimate(base)} (difference ${formatEstimate(saved)}); loss cost at the stop: ${formatEstimate(costOurs, 4)} vs ${formatEstimate(costBase, 4)} nats (difference ${formatEstimate(cost, 4)}); supported iff more is saved (CI > 0) at a cost difference whose CI stays below ${LOSS_COST_TOLERANCE} nats -> ${label}`;
  return {
    claim: "early_stopping",
    question: QUESTION,
    measure: "share of training steps saved by stopping at the rule's checkpoint (higher is better), with the loss cost = validation loss at the stop - the best validation loss of the full run (nats)",
    ours,
    baseline: { name: "patience on validation loss (quality/early-stop.ts defaults)", estimate: base },
    verdict: label, reason,
    details: { loss_cost_tolerance: LOSS_COST_TOLERANCE, saved_difference: saved, cost_difference: cost, loss_cost: { dynamics: costOurs, patience: costBase }, runs: perRun },
  };
}
