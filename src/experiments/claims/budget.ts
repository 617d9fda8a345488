// Claim 3: budgeted evaluation. With k evaluations (k = 3..10, endpoints included) placed at
// detected events instead of uniformly or log-uniformly in step, how much smaller is the error
// of the validation-loss curve reconstructed by interpolation on ln(1 + step)? Events are online:
// an evaluation is placed where the event became known. Baselines: log-uniform placement
// (primary), another seed's events (required: do this run's events carry information about this
// run?), uniform placement (reported). Pure.
import { budgetedEvaluation, DEFAULT_BUDGETS, type BudgetEvent, type BudgetRow, type PlacementStrategy } from "../../quality/budget.js";
import type { Estimate, Verdict, VerdictLabel } from "../verdict-types.js";
import type { ClaimPlan } from "../plan.js";
import { claimEvents, finitePoints, type StudyEvent, type StudyRunData } from "../run-data.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";
import type { PairedComparison } from "../verdict-types.js";

/** Smallest reconstruction-error advantage (nats) worth reporting. */
export const BUDGET_MIN_EFFECT = 0.002;

/**
 * Budget events of a run: one per distinct event checkpoint, its strength the number of events
 * there (checkpoints where several detectors agree are evaluated first; kinds' strengths are on
 * different scales, so they are not compared).
 */
export function budgetEvents(events: readonly StudyEvent[]): BudgetEvent[] {
  const votes = new Map<number, number>();
  for (const e of claimEvents(events)) { const at = e.knownAt ?? e.step; votes.set(at, (votes.get(at) ?? 0) + 1); }
  return [...votes].map(([step, n]) => ({ step, strength: n }));
}

export interface BudgetRun {
  runId: string;
  rows: BudgetRow[];
  /** Mean over k of the mean absolute reconstruction error, per strategy. */
  meanError: Record<PlacementStrategy, number>;
  /** The same with each other seed's events placed on this run's curve, averaged (NaN without other seeds). */
  shuffledEventsError: number;
}

/** Mean over k of the events strategy's error on this run's curve with the given events. */
function eventsError(steps: readonly number[], values: readonly number[], events: readonly StudyEvent[], budgets: readonly number[]): number {
  const rows = budgetedEvaluation(steps, values, budgetEvents(events), { budgets }).filter((x) => x.strategy === "events");
  return rows.reduce((t, x) => t + x.meanAbsError, 0) / rows.length;
}

/** Every strategy at every k on one run's finite validation losses; null with fewer than 3 points. */
export function budgetRun(run: StudyRunData, budgets: readonly number[] = DEFAULT_BUDGETS, others: readonly StudyRunData[] = []): BudgetRun | null {
  const { steps, values } = finitePoints(run.steps, run.valLoss);
  if (steps.length < 3) return null;
  const ks = budgets.filter((k) => k <= steps.length);
  const rows = budgetedEvaluation(steps, values, budgetEvents(run.onlineEvents ?? run.events), { budgets: ks });
  if (rows.length === 0) return null;
  const meanOf = (s: PlacementStrategy): number => {
    const r = rows.filter((x) => x.strategy === s);
    return r.reduce((t, x) => t + x.meanAbsError, 0) / r.length;
  };
  const shuffled = others.map((o) => eventsError(steps, values, o.onlineEvents ?? o.events, ks));
  return {
    runId: run.runId, rows, meanError: { events: meanOf("events"), uniform: meanOf("uniform"), "log-uniform": meanOf("log-uniform") },
    shuffledEventsError: shuffled.length > 0 ? shuffled.reduce((a, b) => a + b, 0) / shuffled.length : Number.NaN,
  };
}


const QUESTION = "With k evaluations placed at detected events instead of uniformly (or log-uniformly), is the reconstructed validation-loss curve closer to the full one?";

export function budgetVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const budgets = Array.isArray(plan?.settings["budgets"]) ? (plan!.settings["budgets"] as number[]) : DEFAULT_BUDGETS;
  const minEffect = plan?.min_effect ?? BUDGET_MIN_EFFECT;
  const perRun = runs.map((r) => budgetRun(r, budgets, runs.filter((o) => o !== r))).filter((r): r is BudgetRun => r !== null);
  const ours = meanEstimate(perRun.map((r) => r.meanError.events));
  // primary: log-uniform (the harder placement); uniform is reported and can only block "supported"
  const baselines: Estimate[] = (["log-uniform", "uniform"] as const).map((name) => meanEstimate(perRun.map((r) => r.meanError[name])));
  const shuffled = meanEstimate(perRun.map((r) => r.shuffledEventsError));
  const tests: PairedComparison[] = [
    compare(perRun.map((r) => r.meanError["log-uniform"] - r.meanError.events), { baseline: "log-uniform placement", role: "primary", minEffect }),
    compare(perRun.map((r) => r.shuffledEventsError - r.meanError.events), { baseline: "another seed's events (shuffled across seeds)", role: "secondary", required: true, minEffect }),
    compare(perRun.map((r) => r.meanError.uniform - r.meanError.events), { baseline: "uniform placement", role: "secondary", minEffect }),
  ];
  const label: VerdictLabel = perRun.length === 0 ? "inconclusive" : labelFamily(tests);
  const byK = budgets.map((k) => {
    const at = (s: PlacementStrategy): number | null => {
      const v = perRun.flatMap((r) => r.rows.filter((x) => x.k === k && x.strategy === s).map((x) => x.meanAbsError));
      return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    return { k, events: at("events"), uniform: at("uniform"), log_uniform: at("log-uniform") };
  });
  const reason = perRun.length === 0
    ? "no run had 3 or more evaluated checkpoints"
    : `mean |error| over k=${budgets[0]}..${budgets[budgets.length - 1]}: events ${formatEstimate(ours, 4)}, log-uniform ${formatEstimate(baselines[0]!, 4)}, other seeds' events ${formatEstimate(shuffled, 4)}, uniform ${formatEstimate(baselines[1]!, 4)}; ${tests.map((c) => describeComparison(c, 4)).join("; ")}`;
  return {
    claim: "budgeted_evaluation",
    question: QUESTION,
    measure: "mean absolute error (nats) of the validation-loss curve linearly interpolated on ln(1+step) from k evaluations, averaged over k and checkpoints (lower is better)",
    ours,
    baseline: { name: "log-uniform placement", estimate: baselines[0]! },
    verdict: label, reason, tests,
    details: { events: "online (evaluated where each event became known)", shuffled_events_error: shuffled, by_k: byK, runs: perRun.map((r) => ({ run: r.runId, mean_error: r.meanError, shuffled_events_error: r.shuffledEventsError, rows: r.rows })) },
  };
}
