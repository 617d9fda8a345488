// The one verdict rule every claim uses. Pure.
// Replicates are held-out seeds of fixed configurations. Per seed, a paired difference d against
// each baseline (positive = ours better). A comparison is "firm" when, with at least
// MIN_HELDOUT_SEEDS seeds, the two-sided t-test's Holm-adjusted p (family: every comparison of
// every claim in the study) is <= STUDY_ALPHA, Wilcoxon's signed-rank test agrees (p <= alpha,
// unadjusted: a check against one outlying seed carrying the mean), and |mean d| is at least the
// claim's minimum effect worth reporting. A claim is "not supported" when some baseline is firmly
// better than ours, "supported" when ours is firmly better than every required baseline (the
// primary one first) and no baseline is firmly better, "inconclusive" otherwise.
import type { Estimate, PairedComparison, Verdict, VerdictLabel } from "./verdict-types.js";
import { holmAdjust, pairedTTest, STUDY_ALPHA, wilcoxonSignedRank } from "./inference.js";

/** Fewest held-out seeds with a paired difference for a label other than "inconclusive". */
export const MIN_HELDOUT_SEEDS = 8;
/** Kept for readers of older code: the fewest replicates any verdict accepts. */
export const MIN_VERDICT_RUNS = MIN_HELDOUT_SEEDS;

export function ciMethodText(unit = "seeds"): string {
  return `${Math.round((1 - STUDY_ALPHA) * 100)}% t-interval of the mean over ${unit} (df = n - 1)`;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Mean of the finite values with its t-interval (null bounds with fewer than 2 values). */
export function meanEstimate(values: readonly number[], unit = "seeds"): Estimate {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { value: null, ci_low: null, ci_high: null, ci_method: null, n: 0 };
  const t = pairedTTest(v);
  if (t === null) return { value: v[0]!, ci_low: null, ci_high: null, ci_method: null, n: 1 };
  return { value: t.mean, ci_low: finiteOrNull(t.ci[0]), ci_high: finiteOrNull(t.ci[1]), ci_method: ciMethodText(unit), n: v.length };
}

export interface ComparisonSpec {
  baseline: string;
  /** "primary": the baseline the claim is about; "secondary": reported, can only block "supported". */
  role: "primary" | "secondary";
  /** Smallest |mean d| worth reporting, in the measure's units (stated in the plan). */
  minEffect: number;
  /** Must ours be firmly better than this baseline for "supported"? (default: primary only) */
  required?: boolean;
  unit?: string;
}

/** A paired comparison of per-seed differences (positive = ours better), labelled as a family of one. */
export function compare(differences: readonly number[], spec: ComparisonSpec): PairedComparison {
  const d = differences.filter(Number.isFinite);
  const t = pairedTTest(d);
  const w = wilcoxonSignedRank(d);
  const c: PairedComparison = {
    baseline: spec.baseline, role: spec.role, required: spec.required ?? spec.role === "primary", min_effect: spec.minEffect,
    differences: [...d], difference: meanEstimate(d, spec.unit),
    t_p: t === null ? null : t.p, wilcoxon_p: w === null ? (d.length > 0 ? 1 : null) : w.p, p_holm: t === null ? null : t.p, label: "inconclusive",
  };
  c.label = comparisonLabel(c);
  return c;
}

/** The label of one comparison from its (Holm-adjusted) p-value, Wilcoxon check, seeds and minimum effect. */
export function comparisonLabel(c: PairedComparison, minSeeds = MIN_HELDOUT_SEEDS): VerdictLabel {
  const m = c.difference.value;
  if (c.difference.n < minSeeds || m === null || c.p_holm === null || c.wilcoxon_p === null) return "inconclusive";
  const firm = c.p_holm <= STUDY_ALPHA && c.wilcoxon_p <= STUDY_ALPHA && Math.abs(m) >= c.min_effect;
  if (!firm) return "inconclusive";
  return m > 0 ? "supported" : "not supported";
}

/** The claim's label from its comparisons (see the rule at the top of the file). */
export function combineComparisons(cs: readonly PairedComparison[]): VerdictLabel {
  if (cs.length === 0) return "inconclusive";
  if (cs.some((c) => c.label === "not supported")) return "not supported";
  const required = cs.filter((c) => c.required);
  return required.length > 0 && required.every((c) => c.label === "supported") ? "supported" : "inconclusive";
}

/** Verdict of a single comparison list: labels within the claim's own family (Holm over its comparisons). */
export function labelFamily(cs: PairedComparison[]): VerdictLabel {
  const adj = holmAdjust(cs.map((c) => c.t_p ?? Number.NaN));
  cs.forEach((c, i) => { c.p_holm = Number.isFinite(adj[i]!) ? adj[i]! : null; c.label = comparisonLabel(c); });
  return combineComparisons(cs);
}

/**
 * Holm across every comparison of every verdict (the study's family of tests): p_holm and each
 * comparison's label are rewritten and each verdict with comparisons is relabelled.
 */
export function applyHolmAcrossClaims(verdicts: Verdict[]): Verdict[] {
  const all = verdicts.flatMap((v) => v.tests ?? []);
  const adj = holmAdjust(all.map((c) => c.t_p ?? Number.NaN));
  all.forEach((c, i) => { c.p_holm = Number.isFinite(adj[i]!) ? adj[i]! : null; c.label = comparisonLabel(c); });
  return verdicts.map((v) => (v.tests === undefined || v.tests.length === 0 ? v : { ...v, verdict: combineComparisons(v.tests), reason: `${v.reason}${holmNote(v.tests)}` }));
}

function holmNote(cs: readonly PairedComparison[]): string {
  return ` [Holm across the study's tests: ${cs.map((c) => `${c.baseline.split(" (")[0]}: p_t ${fmtP(c.t_p)}, p_holm ${fmtP(c.p_holm)}, p_wilcoxon ${fmtP(c.wilcoxon_p)} -> ${c.label}`).join("; ")} => ${combineComparisons(cs)}]`;
}

const fmtP = (p: number | null): string => (p === null ? "n/a" : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** "0.123 [0.1, 0.2]" for reasons and tables. */
export function formatEstimate(e: Estimate, digits = 3): string {
  if (e.value === null) return "n/a";
  const ci = e.ci_low !== null && e.ci_high !== null ? ` [${e.ci_low.toFixed(digits)}, ${e.ci_high.toFixed(digits)}]` : "";
  return `${e.value.toFixed(digits)}${ci}`;
}

/** One comparison in words: the estimate, its tests and label. */
export function describeComparison(c: PairedComparison, digits = 3): string {
  return `vs ${c.baseline.split(" (")[0]}: advantage of ours ${formatEstimate(c.difference, digits)} over ${c.difference.n} seeds, p_t ${fmtP(c.t_p)}, p_wilcoxon ${fmtP(c.wilcoxon_p)}, min effect ${c.min_effect} -> ${c.label}`;
}

export const RULE_TEXT = `verdict rule: per held-out seed, d = ours better than the baseline by d (measure's units); a comparison is firm when n >= ${MIN_HELDOUT_SEEDS} seeds, the t-test's Holm-adjusted p (all comparisons of all claims) <= ${STUDY_ALPHA}, Wilcoxon signed-rank p <= ${STUDY_ALPHA}, and |mean d| >= the claim's minimum effect; not supported if some baseline is firmly better, supported if ours is firmly better than every required baseline and none is firmly better, inconclusive otherwise`;
