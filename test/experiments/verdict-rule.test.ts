// The verdict rule: t-interval estimates, firm comparisons (Holm, Wilcoxon check, seeds, minimum
// effect), the stated rule for several baselines, and its false-label rate on simulated null data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyHolmAcrossClaims, combineComparisons, compare, labelFamily, meanEstimate, formatEstimate, MIN_HELDOUT_SEEDS } from "../../src/experiments/verdict-rule.js";
import { earlyStopTests, LOSS_COST_TOLERANCE, type EarlyStopRun } from "../../src/experiments/claims/early-stop.js";
import { binomialInterval, falseLabelRate, familyWiseFalseLabelRate, NULL_SHAPES, SKEWED_NULL_SHAPES, studyRule } from "../../src/experiments/calibration.js";
import type { PairedComparison, Verdict } from "../../src/experiments/verdict-types.js";

const spec = (minEffect = 0, role: "primary" | "secondary" = "primary") => ({ baseline: "b", role, minEffect });
const clear = [0.1, 0.2, 0.15, 0.3, 0.12, 0.22, 0.18, 0.25];

test("compare: 8 clearly positive seeds -> supported, negative -> not supported, straddling or few seeds -> inconclusive", () => {
  assert.equal(compare(clear, spec()).label, "supported");
  assert.equal(compare(clear.map((v) => -v), spec()).label, "not supported");
  assert.equal(compare([-0.1, 0.1, -0.2, 0.2, 0.05, -0.05, 0.3, -0.3], spec()).label, "inconclusive");
  // the issue asks for at least 8 held-out seeds: 7 clearly positive ones (Wilcoxon p 0.016) get no label
  assert.equal(compare(clear.slice(0, 7), spec()).label, "inconclusive", "7 held-out seeds are never enough");
  assert.equal(MIN_HELDOUT_SEEDS, 8);
  assert.equal(compare([], spec()).label, "inconclusive");
  assert.equal(compare(clear, spec(0.5)).label, "inconclusive", "an effect below the stated minimum is not reported as one");
});

test("compare: one outlying seed carrying the mean fails the Wilcoxon check", () => {
  // t-test p = 0.02 on this mean, but 6 of 8 seeds are negative
  const d = [-0.01, -0.02, -0.01, -0.015, -0.01, -0.02, 0.6, 0.5];
  const c = compare(d, spec());
  assert.ok(c.wilcoxon_p! > 0.05);
  assert.equal(c.label, "inconclusive");
});

test("meanEstimate: t-interval of the mean (n - 1 degrees of freedom)", () => {
  const e = meanEstimate([1, 2, 3, 4, 10]);
  assert.equal(e.value, 4);
  // sd = sqrt(50/4) = 3.5355, se = 1.5811, t_{0.975,4} = 2.7764451
  assert.ok(Math.abs(e.ci_low! - (4 - 2.7764451051977987 * Math.sqrt(12.5 / 5))) < 1e-9);
  assert.match(e.ci_method!, /t-interval/);
  assert.deepEqual(meanEstimate([NaN, 2]), { value: 2, ci_low: null, ci_high: null, ci_method: null, n: 1 });
  assert.equal(formatEstimate({ value: 0.5, ci_low: 0.25, ci_high: 0.75, ci_method: "x", n: 5 }, 2), "0.50 [0.25, 0.75]");
});

const labelled = (label: PairedComparison["label"], role: "primary" | "secondary", required = role === "primary"): PairedComparison =>
  ({ baseline: "b", role, required, min_effect: 0, differences: [], difference: meanEstimate([]), t_p: null, wilcoxon_p: null, p_holm: null, label });

test("defect 1: two baselines: supported needs the primary, a secondary can only block it; not supported needs a firm loss", () => {
  assert.equal(combineComparisons([labelled("supported", "primary"), labelled("inconclusive", "secondary")]), "supported", "the old rule said inconclusive");
  assert.equal(combineComparisons([labelled("supported", "primary"), labelled("not supported", "secondary")]), "not supported");
  assert.equal(combineComparisons([labelled("inconclusive", "primary"), labelled("supported", "secondary")]), "inconclusive");
  assert.equal(combineComparisons([labelled("supported", "primary"), labelled("inconclusive", "secondary", true)]), "inconclusive", "a required baseline must be beaten too");
  assert.equal(combineComparisons([]), "inconclusive");
});

test("defect 1: Holm across the claims turns a lone p = 0.03 among 5 tests into inconclusive", () => {
  const mk = (d: number[]): Verdict => {
    const tests = [compare(d, spec())];
    return { claim: "c", question: "", measure: "", ours: meanEstimate([]), baseline: null, verdict: labelFamily(tests), reason: "r", details: {}, tests };
  };
  const weak = [0.3, 0.1, 0.25, -0.05, 0.2, 0.05, 0.35, 0.15].map((v) => v - 0.04);
  assert.equal(mk(weak).verdict, "supported", "alone: p_t and p_wilcoxon below 0.05");
  const noise = [[0.1, -0.2, 0.05, -0.1, 0.2, -0.05, 0.02, -0.03], [1, -1, 0.5, -0.5, 0.2, -0.1, 0.3, -0.3], [0.01, 0.02, -0.03, 0.01, -0.02, 0.03, -0.01, 0.0], [2, -1, 1, -2, 0.5, -0.4, 0.3, -0.6]];
  const all = applyHolmAcrossClaims([mk(weak), ...noise.map(mk)]);
  assert.equal(all[0]!.verdict, "inconclusive");
  assert.ok(all[0]!.tests![0]!.p_holm! > all[0]!.tests![0]!.t_p!);
  assert.match(all[0]!.reason, /Holm/);
});

test("early stopping: more saved within the cost tolerance is supported; a cost beyond it is not", () => {
  const runs = (saved: number, cost: number): EarlyStopRun[] => Array.from({ length: 8 }, (_, i) => ({
    runId: `r${i}`,
    dynamics: { stopStep: 0, savedFraction: saved + 0.01 * (i % 3), lossCost: cost + 0.001 * (i % 2), triggered: true },
    patience: { stopStep: 0, savedFraction: 0, lossCost: 0, triggered: false },
  } as unknown as EarlyStopRun));
  assert.equal(labelFamily(earlyStopTests(runs(0.3, 0))), "supported");
  assert.equal(labelFamily(earlyStopTests(runs(0.3, LOSS_COST_TOLERANCE + 0.05))), "not supported");
  assert.equal(labelFamily(earlyStopTests(runs(-0.3, 0))), "not supported");
});

// Defect 1: simulated with no true effect, the old percentile-bootstrap rule labelled 50% (n = 2),
// 21% (4), 10% (8). The study's rule must stay at or below the nominal 5% for every shape.
test("defect 1: null calibration: false-label rate <= 5% for n = 4, 8, 16 (symmetric nulls: normal, t3; one and two baselines)", () => {
  const reps = 2000;
  const rates: string[] = [];
  for (const n of [4, 8, 16]) {
    for (const shape of NULL_SHAPES) {
      for (const baselines of [1, 2]) {
        const rate = falseLabelRate(studyRule, n, { reps, seed: 1000 * n + baselines, shape, baselines });
        rates.push(`n=${n} ${shape} b=${baselines}: ${rate}`);
        assert.ok(rate <= 0.05, `false-label rate ${rate} at n=${n}, ${shape}, ${baselines} baselines`);
        if (n < MIN_HELDOUT_SEEDS) assert.equal(rate, 0);
      }
    }
  }
  // skewed mean-zero differences (not an exchangeable null) are bounded, not held to 5%: 6% and 13-15% measured
  for (const [shape, bound] of [[SKEWED_NULL_SHAPES[0]!, 0.08], [SKEWED_NULL_SHAPES[1]!, 0.18]] as const) {
    const rate = falseLabelRate(studyRule, 8, { reps, seed: 99, shape });
    assert.ok(rate <= bound, `${shape}: ${rate}`);
  }
  // the rule is not vacuous: a true effect of 1.5 sd is found (labelled) at n = 8 most of the time
  const power = falseLabelRate((ds) => studyRule(ds.map((d) => d.map((v) => v + 1.5))), 8, { reps: 400, seed: 7, shape: "normal" });
  assert.ok(power > 0.8, `power ${power}; rates ${rates.join("; ")}`);
});

test("binomialInterval: Clopper-Pearson 95% interval (scipy.stats.beta.ppf values)", () => {
  const cases: [number, number, number, number][] = [
    [0, 2000, 0, 0.0018427397934059364], [76, 2000, 0.03005427544310909, 0.047333864305013046],
    [3, 10, 0.06673951117773447, 0.6524528500599973], [10, 10, 0.6915028921812392, 1], [128, 400, 0.2745163270295081, 0.36817179217842466],
  ];
  for (const [k, n, lo, hi] of cases) {
    const [a, b] = binomialInterval(k, n);
    assert.ok(Math.abs(a - lo) < 1e-9 && Math.abs(b - hi) < 1e-9, `${k}/${n}: [${a}, ${b}] vs [${lo}, ${hi}]`);
  }
  assert.throws(() => binomialInterval(3, 2), RangeError);
});

test("defect 1: family-wise null rate across the study's claims with Holm stays at or below 5% (n = 8)", () => {
  // the tiny study's 5 claims with 1, 3, 3, 2, 1 comparisons; any claim labelled counts
  const family = [1, 3, 3, 2, 1];
  const fw = familyWiseFalseLabelRate(family, 8, { reps: 600, seed: 41, shape: "normal" });
  assert.ok(fw <= 0.05, `family-wise ${fw}`);
  // without Holm (each claim labelled within itself only) the family errs more often: Holm is doing work
  const perClaim = familyWiseFalseLabelRate(family, 8, { reps: 600, seed: 41, shape: "normal", holm: false });
  assert.ok(perClaim > fw, `per-claim ${perClaim} vs Holm ${fw}`);
  assert.equal(familyWiseFalseLabelRate(family, 4, { reps: 100, seed: 1, shape: "normal" }), 0, "fewer than 8 seeds: never labelled");
});
