// Calibration of the verdict rule on simulated null data: many seeded replications of n paired
// differences with no true effect (normal, heavy-tailed t3, skewed centred log-normal); the share
// labelled anything but "inconclusive" is the false-label rate. Pure and seeded.
import { Rng } from "../util/rng.js";
import { incompleteBeta } from "../quality/special.js";
import type { Verdict, VerdictLabel } from "./verdict-types.js";
import { applyHolmAcrossClaims, compare, labelFamily, meanEstimate } from "./verdict-rule.js";
import { STUDY_ALPHA } from "./inference.js";

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

/**
 * Share of `reps` null replications in which some claim of a study's family is labelled other than
 * "inconclusive": `comparisons[c]` paired comparisons for claim c (first primary, the rest
 * secondary; correlated 0.5 within a claim, independent across claims), each claim labelled
 * within itself and then Holm across every comparison of every claim (applyHolmAcrossClaims), as
 * the study does (`holm: false`: each claim within itself only, for comparison). Minimum effect 0.
 */
export function familyWiseFalseLabelRate(comparisons: readonly number[], n: number, o: { reps: number; seed: number; shape: NullShape; holm?: boolean }): number {
  const rng = new Rng(o.seed);
  let wrong = 0;
  for (let r = 0; r < o.reps; r++) {
    const verdicts: Verdict[] = comparisons.map((b, claim) => {
      const shared = Array.from({ length: n }, () => nullDraw(rng, o.shape));
      const ds = Array.from({ length: b }, () => shared.map((s) => (b === 1 ? s : Math.SQRT1_2 * s + Math.SQRT1_2 * nullDraw(rng, o.shape))));
      const tests = ds.map((d, i) => compare(d, { baseline: `b${i}`, role: i === 0 ? "primary" : "secondary", minEffect: 0 }));
      return { claim: `c${claim}`, question: "", measure: "", ours: meanEstimate([]), baseline: null, verdict: labelFamily(tests), reason: "", details: {}, tests };
    });
    const labelled = o.holm === false ? verdicts : applyHolmAcrossClaims(verdicts);
    if (labelled.some((v) => v.verdict !== "inconclusive")) wrong++;
  }
  return wrong / o.reps;
}

/** Upper end of the bisection for a beta quantile: iterations enough for 1e-12 on [0, 1]. */
const BETA_QUANTILE_ITERATIONS = 60;

/** x with I_x(a, b) = p (bisection; I is increasing in x). */
function betaQuantile(p: number, a: number, b: number): number {
  let lo = 0, hi = 1;
  for (let i = 0; i < BETA_QUANTILE_ITERATIONS; i++) {
    const mid = 0.5 * (lo + hi);
    if (incompleteBeta(a, b, mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Clopper-Pearson (exact) (1 - alpha) interval of a binomial rate: k successes in n trials. */
export function binomialInterval(k: number, n: number, alpha = STUDY_ALPHA): [number, number] {
  if (!(n > 0) || k < 0 || k > n || !Number.isInteger(k) || !Number.isInteger(n)) throw new RangeError(`binomialInterval: need integers 0 <= k <= n, n > 0 (got k = ${k}, n = ${n})`);
  const low = k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1);
  const high = k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k);
  return [low, high];
}
