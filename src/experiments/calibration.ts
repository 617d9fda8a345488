// Calibration of the verdict rule on simulated null data: many seeded replications of n paired
// differences with no true effect (normal, heavy-tailed t3, skewed centred log-normal); the share
// labelled anything but "inconclusive" is the false-label rate. Pure and seeded.
import { Rng } from "../util/rng.js";
import type { VerdictLabel } from "./verdict-types.js";
import { compare, labelFamily } from "./verdict-rule.js";

export type NullShape = "normal" | "t3" | "skewed" | "very-skewed";
/**
 * Shapes the rule is held to (<= 5%): the paired difference of two exchangeable arms is symmetric
 * about 0, normal or heavy-tailed. Skewed mean-zero differences (arms equal on average, not in
 * distribution) are reported beside them: the t-test over 8-16 seeds is then anti-conservative.
 */
export const NULL_SHAPES: readonly NullShape[] = ["normal", "t3"];
export const SKEWED_NULL_SHAPES: readonly NullShape[] = ["skewed", "very-skewed"];

/**
 * One draw with mean 0. t3: Student t with 3 df; skewed: exp(Z/2) - exp(1/8) (skewness 1.75);
 * very-skewed: exp(Z) - exp(1/2) (skewness 6.2: no test of a mean over 8-16 seeds is calibrated
 * there, and paired differences of exchangeable arms are symmetric; reported, not held to 5%).
 */
export function nullDraw(rng: Rng, shape: NullShape): number {
  if (shape === "normal") return rng.normal();
  if (shape === "skewed") return Math.exp(0.5 * rng.normal()) - Math.exp(0.125);
  if (shape === "very-skewed") return Math.exp(rng.normal()) - Math.exp(0.5);
  let chi = 0;
  for (let i = 0; i < 3; i++) chi += rng.normal() ** 2;
  return rng.normal() / Math.sqrt(chi / 3);
}

/** A labelling rule under test: per-seed differences of each baseline -> the claim's label. */
export type LabelRule = (differences: readonly (readonly number[])[]) => VerdictLabel;

/** The study's rule with minimum effect 0 (calibration must not lean on the effect floor): first baseline primary. */
export const studyRule: LabelRule = (ds) => labelFamily(ds.map((d, i) => compare(d, { baseline: `b${i}`, role: i === 0 ? "primary" : "secondary", minEffect: 0 })));

/**
 * Share of `reps` null replications labelled other than "inconclusive", each with `baselines`
 * comparisons of n differences (correlated 0.5 between baselines when more than one: they share
 * the run's own error).
 */
export function falseLabelRate(rule: LabelRule, n: number, o: { reps: number; seed: number; shape: NullShape; baselines?: number }): number {
  const rng = new Rng(o.seed);
  const b = o.baselines ?? 1;
  let wrong = 0;
  for (let r = 0; r < o.reps; r++) {
    const shared = Array.from({ length: n }, () => nullDraw(rng, o.shape));
    const ds = Array.from({ length: b }, () => shared.map((s) => (b === 1 ? s : Math.SQRT1_2 * s + Math.SQRT1_2 * nullDraw(rng, o.shape))));
    if (rule(ds) !== "inconclusive") wrong++;
  }
  return wrong / o.reps;
}
