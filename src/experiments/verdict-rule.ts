// The one verdict rule every claim uses, and estimates with bootstrap CIs over runs. Pure.
// Rule: per run, a paired difference d (positive = ours better than the baseline); the 95%
// percentile bootstrap CI of mean(d) over runs decides: low > 0 supported, high < 0 not
// supported, otherwise (or with fewer than MIN_VERDICT_RUNS runs) inconclusive.
import { bootstrapIndices, DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE } from "../quality/bootstrap.js";
import type { Estimate, VerdictLabel } from "./verdict-types.js";

/** Fewest runs with a paired difference for a verdict other than "inconclusive". */
export const MIN_VERDICT_RUNS = 2;

export const STUDY_BOOTSTRAP = { resamples: DEFAULT_BOOTSTRAP_RESAMPLES, confidence: DEFAULT_CONFIDENCE, seed: DEFAULT_BOOTSTRAP_SEED } as const;

export function ciMethodText(unit = "runs"): string {
  return `${Math.round(STUDY_BOOTSTRAP.confidence * 100)}% percentile bootstrap of the mean over ${unit}, ${STUDY_BOOTSTRAP.resamples} resamples, seed ${STUDY_BOOTSTRAP.seed}`;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Mean of the finite values with a bootstrap CI of the mean (null bounds with fewer than 2 values). */
export function meanEstimate(values: readonly number[], unit = "runs"): Estimate {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { value: null, ci_low: null, ci_high: null, ci_method: null, n: 0 };
  if (v.length < 2) return { value: v[0]!, ci_low: null, ci_high: null, ci_method: null, n: 1 };
  const [ci] = bootstrapIndices(v.length, [(idx) => mean(Array.from(idx, (i) => v[i]!))], STUDY_BOOTSTRAP);
  return { value: mean(v), ci_low: finiteOrNull(ci!.low), ci_high: finiteOrNull(ci!.high), ci_method: ciMethodText(unit), n: v.length };
}

/** The verdict of paired differences (positive = ours better), with the estimate behind it. */
export function pairedVerdict(differences: readonly number[], unit = "runs"): { difference: Estimate; label: VerdictLabel } {
  const difference = meanEstimate(differences, unit);
  return { difference, label: labelOf(difference) };
}

/** supported / not supported / inconclusive from a difference estimate (positive = ours better). */
export function labelOf(d: Estimate): VerdictLabel {
  if (d.n < MIN_VERDICT_RUNS || d.ci_low === null || d.ci_high === null) return "inconclusive";
  if (d.ci_low > 0) return "supported";
  if (d.ci_high < 0) return "not supported";
  return "inconclusive";
}

/**
 * Several baselines: supported only if ours is better than every baseline; not supported if
 * any baseline is better than ours; inconclusive otherwise.
 */
export function combineLabels(labels: readonly VerdictLabel[]): VerdictLabel {
  if (labels.length === 0) return "inconclusive";
  if (labels.includes("not supported")) return "not supported";
  return labels.every((l) => l === "supported") ? "supported" : "inconclusive";
}

/** "0.123 [0.1, 0.2]" for reasons and tables. */
export function formatEstimate(e: Estimate, digits = 3): string {
  if (e.value === null) return "n/a";
  const ci = e.ci_low !== null && e.ci_high !== null ? ` [${e.ci_low.toFixed(digits)}, ${e.ci_high.toFixed(digits)}]` : "";
  return `${e.value.toFixed(digits)}${ci}`;
}

export const RULE_TEXT = "verdict rule: per run, d = baseline error - our error (positive = ours better); supported if the 95% bootstrap CI of mean(d) over runs is above 0, not supported if below 0, inconclusive otherwise or with fewer than 2 runs";
