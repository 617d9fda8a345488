// Claim 1: do parameter events precede or coincide with quality changes? Change points of each
// run's validation-loss series (the plan's cost, axis and minimum segment) are matched with
// online events: an event counts when it was known (its confirming checkpoint seen) at or before
// the change and at most a factor e^window earlier in (1 + step). The null is the same share with
// the events of the other held-out seeds of the configuration (events shuffled across seeds): it
// keeps when events cluster in training and where checkpoints are, and asks whether this run's
// events carry information about this run's changes. The uniform-placement chance level is
// reported beside it. Pure.
import { changePointsOnSteps } from "../../dynamics/changepoints/index.js";
import type { CostKind } from "../../dynamics/changepoints/index.js";
import { median } from "../../quality/leadlag.js";
import type { Verdict } from "../verdict-types.js";
import { claimEvents, finitePoints, type StudyEvent, type StudyRunData } from "../run-data.js";
import type { ClaimPlan } from "../plan.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** "Precedes or coincides": known at most a factor 2 earlier in (1 + step). */
export const STUDY_LEAD_WINDOW_LOG = Math.log(2);
/** Smallest excess share of change points preceded by an event worth reporting. */
export const PRECEDE_MIN_EFFECT = 0.1;

export interface PrecedeSettings {
  windowLog: number;
  cost: CostKind;
  minSize: number;
  minEffect: number;
}

/** The plan's settings (defaults: window ln 2, l2 cost, segments of >= 2 checkpoints). */
export function precedeSettings(p?: ClaimPlan): PrecedeSettings {
  const s = p?.settings ?? {};
  return {
    windowLog: typeof s["window_log"] === "number" ? s["window_log"] : STUDY_LEAD_WINDOW_LOG,
    cost: (typeof s["metric_change_cost"] === "string" ? s["metric_change_cost"] : "l2") as CostKind,
    minSize: typeof s["metric_change_min_size"] === "number" ? s["metric_change_min_size"] : 2,
    minEffect: p?.min_effect ?? PRECEDE_MIN_EFFECT,
  };
}

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

/** Steps at which the claim's events are known (online: known-at; offline: the event's step). */
export function knownSteps(events: readonly StudyEvent[]): number[] {
  return [...new Set(claimEvents(events).map((e) => e.knownAt ?? e.step))].sort((a, b) => a - b);
}

/** Change points of the run's validation loss (steps of the first checkpoint after each change). */
export function lossChanges(run: StudyRunData, s: PrecedeSettings): { step: number; stepLow: number }[] {
  const { steps, values } = finitePoints(run.steps, run.valLoss);
  if (steps.length < 2 * s.minSize + 1) return [];
  return changePointsOnSteps(steps, values, { axis: "log-step", cost: s.cost, minSize: s.minSize }).changes.map((c) => ({ step: c.step, stepLow: c.stepLow }));
}

/** Share of changes with a known event within the window at or before them. */
export function precededShare(changes: readonly { step: number }[], known: readonly number[], windowLog: number): number {
  const hit = (c: number): boolean => known.some((k) => k <= c && Math.log1p(c) - Math.log1p(k) <= windowLog + 1e-12);
  return changes.filter((c) => hit(c.step)).length / changes.length;
}

export interface LeadLagRun {
  runId: string;
  changes: { step: number; stepLow: number; knownEventStep: number | null; lagLogSteps: number | null; withinWindow: boolean; chance: number }[];
  eventCheckpoints: number;
  /** Share of changes preceded (or coincided) within the window by an event known by then; null without changes. */
  observed: number | null;
  /** The same share with each other seed's events, averaged (null without changes or other seeds). */
  shuffled: number | null;
  /** Expected share under uniform placement of the same number of event checkpoints. */
  chance: number | null;
}

/** One run against the other seeds' events. */
export function leadLagRun(run: StudyRunData, others: readonly StudyRunData[], s: PrecedeSettings = precedeSettings()): LeadLagRun {
  const events = run.onlineEvents ?? run.events;
  const known = knownSteps(events);
  const eventCheckpoints = known.filter((k) => run.steps.includes(k)).length;
  const found = lossChanges(run, s);
  const changes = found.map((c) => {
    const before = known.filter((k) => k <= c.step);
    const latest = before.length > 0 ? before[before.length - 1]! : null;
    const lag = latest === null ? null : Math.log1p(c.step) - Math.log1p(latest);
    return { step: c.step, stepLow: c.stepLow, knownEventStep: latest, lagLogSteps: lag, withinWindow: lag !== null && lag <= s.windowLog + 1e-12, chance: chanceOfHit(run.steps.length, windowSize(run.steps, c.step, s.windowLog), eventCheckpoints) };
  });
  if (changes.length === 0) return { runId: run.runId, changes, eventCheckpoints, observed: null, shuffled: null, chance: null };
  const observed = precededShare(changes, known, s.windowLog);
  const shares = others.map((o) => precededShare(changes, knownSteps(o.onlineEvents ?? o.events), s.windowLog));
  const shuffled = shares.length > 0 ? shares.reduce((a, b) => a + b, 0) / shares.length : null;
  const chance = changes.reduce((t, c) => t + c.chance, 0) / changes.length;
  return { runId: run.runId, changes, eventCheckpoints, observed, shuffled, chance };
}

const QUESTION = "Do parameter-distribution events, known in time, precede or coincide with changes in held-out loss more often than another seed's events do?";

export function eventsPrecedeVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const s = precedeSettings(plan);
  const perRun = runs.map((r) => leadLagRun(r, runs.filter((o) => o !== r), s));
  const used = perRun.filter((r) => r.observed !== null && r.shuffled !== null);
  const tests = [compare(used.map((r) => r.observed! - r.shuffled!), { baseline: "events of the other seeds (shuffled across seeds)", role: "primary", minEffect: s.minEffect })];
  const label = labelFamily(tests);
  const ours = meanEstimate(used.map((r) => r.observed!));
  const shuffled = meanEstimate(used.map((r) => r.shuffled!));
  const chance = meanEstimate(used.map((r) => r.chance!));
  const lags = perRun.flatMap((r) => r.changes.filter((c) => c.lagLogSteps !== null).map((c) => c.lagLogSteps!));
  const withoutChanges = perRun.filter((r) => r.observed === null).length;
  const reason = used.length === 0
    ? `no run had a change point in its validation loss (${s.cost} cost) and another seed to compare with`
    : `share of validation-loss change points (${s.cost} cost) with an online event (fork/mode/layer, known by then) at most a factor ${Math.exp(s.windowLog).toFixed(1)} earlier in step: own events ${formatEstimate(ours)} vs other seeds' events ${formatEstimate(shuffled)} (uniform chance ${formatEstimate(chance)}); ${used.length} seeds with change points, ${withoutChanges} without; ${describeComparison(tests[0]!)}`;
  return {
    claim: "events_precede_quality_changes",
    question: QUESTION,
    measure: `share of change points of the validation-loss series (PELT, ${s.cost} cost in ln(1+step), segments >= ${s.minSize}) preceded or coincided by an online event within ln(1+step) distance ${s.windowLog.toFixed(3)} of its known-at step (higher is better)`,
    ours,
    baseline: { name: "the same share with the other seeds' events (shuffled across seeds)", estimate: shuffled },
    verdict: label,
    reason, tests,
    details: { window_log: s.windowLog, metric_change_cost: s.cost, events: "online (known at the confirming checkpoint)", chance_uniform: chance, median_lag_log_steps: lags.length > 0 ? median(lags) : null, seeds_without_changes: withoutChanges, runs: perRun },
  };
}
