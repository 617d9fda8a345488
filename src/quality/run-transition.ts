// The transition of a stored run: which quality metric defines it (a documented order of task
// metrics, or the one the user names), its series from the store's metrics table, findTransition
// on it (transition.ts), and the row of the transitions table. Recomputed whenever the run's
// events are detected and whenever metrics are added (events.ts, the metrics and demo commands).
import type { Store } from "../store/store.js";
import type { MetricRecord, TransitionInput, TransitionRecord } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import { findTransition, MIN_PLATEAU_POINTS, type TransitionOptions } from "./transition.js";

/**
 * Task metrics that define a run's transition, in order of preference: the first one the run
 * has is used. Grokking: test accuracy jumps; induction heads: the in-context score falls (late minus early loss), the
 * loss on the repeated half drops. A stored name matches when it equals the entry or ends in
 * "/<entry>" (trainer_state.json imports are named "eval/<key>" or "train/<key>").
 */
export const TRANSITION_METRIC_ORDER: readonly string[] = ["test_accuracy", "in_context_score", "loss_repeated_half"];

/** Whether a stored metric name is `wanted` (exactly, or as its last "/" component). */
export function metricNameMatches(stored: string, wanted: string): boolean {
  return stored === wanted || stored.endsWith(`/${wanted}`);
}

export interface TransitionSeries {
  metric: string;
  source: string;
  chosen_by: TransitionInput["chosen_by"];
  /** Increasing steps with a finite value, and the values. */
  steps: number[];
  values: number[];
}

/** The (name, source) series with the most finite points among those matching `wanted`; ties: by source, then name. */
function bestSeries(metrics: readonly MetricRecord[], wanted: string): Omit<TransitionSeries, "chosen_by"> | null {
  const bySeries = new Map<string, MetricRecord[]>();
  for (const m of metrics) {
    if (!metricNameMatches(m.name, wanted) || m.value === null || !Number.isFinite(m.value)) continue;
    const key = `${m.source}\u0000${m.name}`;
    (bySeries.get(key) ?? bySeries.set(key, []).get(key)!).push(m);
  }
  let best: Omit<TransitionSeries, "chosen_by"> | null = null;
  for (const rows of [...bySeries.values()].sort((a, b) => a[0]!.source.localeCompare(b[0]!.source) || a[0]!.name.localeCompare(b[0]!.name))) {
    rows.sort((a, b) => a.step - b.step);
    if (best === null || rows.length > best.steps.length) {
      best = { metric: rows[0]!.name, source: rows[0]!.source, steps: rows.map((r) => r.step), values: rows.map((r) => r.value!) };
    }
  }
  return best;
}

/**
 * The series that defines the run's transition: `explicit` when given (an error when the run
 * has no such metric), else the first of TRANSITION_METRIC_ORDER present; null when none is.
 */
export function chooseTransitionSeries(metrics: readonly MetricRecord[], explicit?: string): TransitionSeries | null {
  if (explicit !== undefined) {
    const s = bestSeries(metrics, explicit);
    if (s === null) {
      const names = [...new Set(metrics.map((m) => m.name))].sort();
      throw new UsageError(`transition metric "${explicit}" has no finite values in this run (metrics: ${names.join(", ") || "none"}) ---> HINT: pick one of those, or add the metric with \`forking-paths metrics <out-dir> --add <file>\``);
    }
    return { ...s, chosen_by: "explicit" };
  }
  for (const wanted of TRANSITION_METRIC_ORDER) {
    const s = bestSeries(metrics, wanted);
    if (s !== null) return { ...s, chosen_by: "default order" };
  }
  return null;
}

/** The transitions-table row of a series (findTransition's rule; too short a series is "not found" with the reason). */
export function transitionRow(series: TransitionSeries, options: TransitionOptions = {}): TransitionInput {
  const base = { metric: series.metric, source: series.source, chosen_by: series.chosen_by, n_points: series.steps.length };
  const settings = { interpolation: options.interpolation ?? "linear", plateau_points: options.plateauPoints ?? null, noise_multiple: options.noiseMultiple ?? null, min_difference: options.minDifference ?? null };
  if (series.steps.length < 2 * (options.plateauPoints ?? MIN_PLATEAU_POINTS)) {
    const reason = `${series.steps.length} checkpoints with a value are too few for two plateaus of ${options.plateauPoints ?? MIN_PLATEAU_POINTS} points`;
    return { ...base, found: false, step: null, step_low: null, step_high: null, before: null, after: null, noise: null, detail: { reason, options: settings } };
  }
  const t = findTransition(series.steps, series.values, options);
  const plateaus = { before: t.before, after: t.after, noise: t.noise };
  if (!t.found) return { ...base, ...plateaus, found: false, step: null, step_low: null, step_high: null, detail: { reason: t.reason, plateau_points: t.plateauPoints, options: settings } };
  return {
    ...base, ...plateaus, found: true, step: t.step, step_low: t.interval[0], step_high: t.interval[1],
    detail: { direction: t.direction, halfway: t.halfway, misplaced: t.misplaced, plateau_points: t.plateauPoints, options: settings },
  };
}

export interface RunTransitionOptions {
  /** Metric name that defines the transition (default: the stored explicit choice, else TRANSITION_METRIC_ORDER). */
  metric?: string;
  transition?: TransitionOptions;
}

/**
 * Recompute and store the run's transition from its stored metrics (the row is deleted when the
 * run has no transition metric). A metric chosen explicitly before is kept while it exists.
 */
export async function recomputeRunTransition(store: Store, runId: string, options: RunTransitionOptions = {}): Promise<TransitionRecord | null> {
  const metrics = await store.metrics({ run: runId });
  let explicit = options.metric;
  if (explicit === undefined) {
    const stored = (await store.transitions({ run: runId }))[0];
    if (stored?.chosen_by === "explicit" && metrics.some((m) => m.name === stored.metric && m.value !== null)) explicit = stored.metric;
  }
  const series = chooseTransitionSeries(metrics, explicit);
  const row = series === null ? null : transitionRow(series, options.transition);
  await store.putTransition(runId, row);
  return row === null ? null : { ...row, run_id: runId };
}
