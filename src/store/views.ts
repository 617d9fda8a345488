// The JSON views of stored rows that the CLI prints and tests compare: one tensor-statistics row
// (`stats --json`), one event and one run transition (`events --json`), and the per-series
// summary of stored metrics (`metrics --json`). Pure: rows in, plain objects out.
import type { EventRecord, MetricRecord, TensorStatsRecord, TransitionRecord } from "./types.js";

/** The JSON shape of one row of `stats --json`. */
export function statsJson(r: TensorStatsRecord): Record<string, unknown> {
  return {
    run: r.run_id, step: r.step, tensor: r.tensor, layer: r.layer, role: r.role, kind: r.kind,
    dtype: r.dtype, shape: r.shape, numel: r.numel,
    nan_count: r.nan_count, inf_count: r.inf_count, posinf_count: r.posinf_count, neginf_count: r.neginf_count, zero_count: r.zero_count,
    mean: r.mean, std: r.std, variance: r.variance, skewness: r.skewness, excess_kurtosis: r.excess_kurtosis,
    min: r.min, max: r.max, l1: r.l1, l2: r.l2, linf: r.linf,
    quantiles: r.quantiles, quantile_rel_error_bound: r.quantile_rel_error_bound ?? null,
    frac_abs_le: r.frac_abs_le, frac_abs_le_rel_std: r.frac_abs_le_rel_std,
    frac_abs_le_rel_std_bounds: r.frac_abs_le_rel_std_bounds ?? null,
    ...(r.extra !== undefined && { extra: r.extra }),
  };
}

/** The JSON shape of one event of `events --json`. */
export function eventJson(e: EventRecord): Record<string, unknown> {
  return {
    run: e.run_id, kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low, step_high: e.step_high, strength: e.strength,
    evidence: e.evidence ?? {}, detector: e.detector ?? null, artefact: e.artefact ?? null,
  };
}

/**
 * The JSON shape of a run's transition in `events --json`: one object of kind "transition" per
 * run with a transition metric, after the events (step: the interpolated halfway crossing, null
 * when not found; step_low / step_high: the bracketing checkpoints).
 */
export function transitionJson(t: TransitionRecord): Record<string, unknown> {
  return {
    run: t.run_id, kind: "transition", tensor: null, metric: t.metric, source: t.source, chosen_by: t.chosen_by, found: t.found, step: t.step, step_low: t.step_low, step_high: t.step_high,
    before: t.before, after: t.after, noise: t.noise, n_points: t.n_points, detail: t.detail,
  };
}

/** One stored metric series: its points, how many have no value, and its step range. */
export interface MetricSeriesSummary { run: string; source: string; name: string; points: number; missing: number; first_step: number; last_step: number }

/** One row per (run, source, metric name), in order of first appearance. */
export function summarizeMetrics(rows: readonly MetricRecord[]): MetricSeriesSummary[] {
  const map = new Map<string, MetricSeriesSummary>();
  for (const r of rows) {
    const key = `${r.run_id}\u0000${r.source}\u0000${r.name}`;
    const s = map.get(key) ?? { run: r.run_id, source: r.source, name: r.name, points: 0, missing: 0, first_step: r.step, last_step: r.step };
    s.points++;
    if (r.value === null) s.missing++;
    s.first_step = Math.min(s.first_step, r.step);
    s.last_step = Math.max(s.last_step, r.step);
    map.set(key, s);
  }
  return [...map.values()];
}
