// Claim 1: do parameter events precede or coincide with quality changes? Change points of each
// run's validation-loss series are matched with the latest event at or before them; the share
// matched within a window is compared with chance (the same number of distinct event
// checkpoints placed uniformly at random among the run's checkpoints). Pure.
import { leadLag, median } from "../../quality/leadlag.js";
import type { Verdict } from "../verdict-types.js";
import { claimEvents, finitePoints, type StudyRunData } from "../run-data.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** Smallest excess share of change points preceded by an event worth reporting. */
export const PRECEDE_MIN_EFFECT = 0.1;

/** "Precedes or coincides": the event's checkpoint is at most a factor 2 earlier in (1 + step). */
export const STUDY_LEAD_WINDOW_LOG = Math.log(2);
/** Change points of the metric series use the trend-aware cost, as the pipeline does for parameter statistics (l2 floods on a smooth loss curve). */
export const STUDY_METRIC_CHANGE_COST = "linear" as const;

/** ln C(n, k) (0 <= k <= n). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(n - i) - Math.log(i + 1);
  return s;
}

/**
 * Probability that at least one of `events` distinct checkpoints, drawn uniformly without
 * replacement from n, falls among the m checkpoints of a window: 1 - C(n-m, e) / C(n, e).
 */
export function chanceOfHit(n: number, m: number, events: number): number {
  if (events <= 0 || m <= 0) return 0;
  if (n - m < events) return 1;
  return 1 - Math.exp(logChoose(n - m, events) - logChoose(n, events));
}

/** Checkpoints (of `steps`) in the window of a change at `step`: s <= step and ln(1+step) - ln(1+s) <= windowLog. */
export function windowSize(steps: readonly number[], step: number, windowLog: number): number {
  return steps.filter((s) => s <= step && Math.log1p(step) - Math.log1p(s) <= windowLog + 1e-12).length;
}

export interface LeadLagRun {
  runId: string;
  changes: { step: number; stepLow: number; eventStep: number | null; eventKind: string | null; lagLogSteps: number | null; withinWindow: boolean; chance: number }[];
  eventCheckpoints: number;
  /** Share of changes preceded (or coincided) within the window; null without changes. */
  observed: number | null;
  /** Expected share under random placement of the same number of event checkpoints. */
  chance: number | null;
}

/** One run: change points of the validation loss, matched events, and the chance level. */
export function leadLagRun(run: StudyRunData, windowLog = STUDY_LEAD_WINDOW_LOG): LeadLagRun {
  const { steps, values } = finitePoints(run.steps, run.valLoss);
  const events = claimEvents(run.events).map((e) => ({ kind: e.kind, tensor: e.tensor, step: e.step }));
  const eventCheckpoints = new Set(events.map((e) => e.step).filter((s) => run.steps.includes(s))).size;
  if (steps.length < 3) return { runId: run.runId, changes: [], eventCheckpoints, observed: null, chance: null };
  const ll = leadLag(steps, values, events, { windowLog, detect: { axis: "log-step", cost: STUDY_METRIC_CHANGE_COST }, resamples: 1 });
  const changes = ll.changes.map((c) => ({
    step: c.step, stepLow: c.stepLow, eventStep: c.event?.step ?? null, eventKind: c.event?.kind ?? null, lagLogSteps: c.lagLogSteps, withinWindow: c.withinWindow,
    chance: chanceOfHit(run.steps.length, windowSize(run.steps, c.step, windowLog), eventCheckpoints),
  }));
  if (changes.length === 0) return { runId: run.runId, changes, eventCheckpoints, observed: null, chance: null };
  const observed = changes.filter((c) => c.withinWindow).length / changes.length;
  const chance = changes.reduce((s, c) => s + c.chance, 0) / changes.length;
  return { runId: run.runId, changes, eventCheckpoints, observed, chance };
}

const QUESTION = "Do parameter-distribution events precede or coincide with changes in held-out loss?";

export function eventsPrecedeVerdict(runs: readonly StudyRunData[], windowLog = STUDY_LEAD_WINDOW_LOG): Verdict {
  const perRun = runs.map((r) => leadLagRun(r, windowLog));
  const used = perRun.filter((r) => r.observed !== null && r.chance !== null);
  const tests = [compare(used.map((r) => r.observed! - r.chance!), { baseline: "chance (uniform placement of the event checkpoints)", role: "primary", minEffect: PRECEDE_MIN_EFFECT })];
  const label = labelFamily(tests);
  const difference = tests[0]!.difference;
  const ours = meanEstimate(used.map((r) => r.observed!));
  const chance = meanEstimate(used.map((r) => r.chance!));
  const lags = perRun.flatMap((r) => r.changes.filter((c) => c.lagLogSteps !== null).map((c) => c.lagLogSteps!));
  const reason = used.length === 0
    ? "no run had a change point in its validation loss with at least 3 evaluated checkpoints"
    : `share of validation-loss change points with an event (fork/mode/layer, after step 1) at most a factor ${Math.exp(windowLog).toFixed(1)} earlier in step: ${formatEstimate(ours)} vs ${formatEstimate(chance)} expected by chance; difference ${formatEstimate(difference)} over ${used.length} runs; ${describeComparison(tests[0]!)}`;
  return {
    claim: "events_precede_quality_changes",
    question: QUESTION,
    measure: `share of change points of the validation-loss series (PELT, linear cost in ln(1+step), robust penalty and abruptness check: the default of the events command) preceded or coincided by an event within ln(1+step) distance ${windowLog.toFixed(3)} (higher is better)`,
    ours,
    baseline: { name: "chance: same number of event checkpoints placed uniformly at random", estimate: chance },
    verdict: label,
    reason, tests,
    details: { window_log: windowLog, difference, median_lag_log_steps: lags.length > 0 ? median(lags) : null, runs: perRun },
  };
}
