// False-label rate of verdict rules on simulated null data (no true effect), n = 2, 4, 8, 16 seeds:
// the study's rule (t-test + Wilcoxon check, Holm, >= 8 held-out seeds) and, for the record, the
// rule it replaced (95% percentile bootstrap of the mean over runs, 1000 resamples, >= 2 runs,
// "not supported" when either of two baselines wins). Each rate with its Clopper-Pearson 95% interval.
// Then the family-wise rate: the share of null studies in which any claim gets a label, with each
// claim's comparisons labelled within the claim and Holm across all of them (the tiny study's 5
// claims with 1, 3, 3, 2, 1 comparisons; the 7 claims of a phase-transition plan add 2 and 2).
// Run: nice -n 10 node --import tsx bench/verdict-calibration.ts (REPS=... to change the 2000)
import { bootstrapIndices } from "../src/quality/bootstrap.js";
import { binomialInterval, falseLabelRate, familyWiseFalseLabelRate, NULL_SHAPES, SKEWED_NULL_SHAPES, studyRule, type LabelRule } from "../src/experiments/calibration.js";
import type { VerdictLabel } from "../src/experiments/verdict-types.js";

const REPS = Number(process.env["REPS"] ?? 2000);

/** The replaced rule: percentile bootstrap CI of the mean; supported / not supported when it excludes 0. */
function oldLabel(d: readonly number[]): VerdictLabel {
  if (d.length < 2) return "inconclusive";
  const [ci] = bootstrapIndices(d.length, [(idx) => { let s = 0; for (const i of idx) s += d[i]!; return s / idx.length; }], { resamples: 1000, confidence: 0.95, seed: 20240313 });
  if (ci!.low > 0) return "supported";
  if (ci!.high < 0) return "not supported";
  return "inconclusive";
}
const oldRule: LabelRule = (ds) => {
  const labels = ds.map(oldLabel);
  if (labels.includes("not supported")) return "not supported";
  return labels.every((l) => l === "supported") ? "supported" : "inconclusive";
};

const withCi = (rate: number): string => {
  const [lo, hi] = binomialInterval(Math.round(rate * REPS), REPS);
  return `${rate.toFixed(4)} [${lo.toFixed(4)}, ${hi.toFixed(4)}]`;
};

console.log(`false-label rate on null data, ${REPS} replications each (share labelled other than inconclusive; Clopper-Pearson 95% interval)`);
console.log("shape        baselines  n   old rule                  new rule");
for (const shape of [...NULL_SHAPES, ...SKEWED_NULL_SHAPES]) {
  for (const baselines of [1, 2]) {
    for (const n of [2, 4, 8, 16]) {
      const o = { reps: REPS, seed: 1000 * n + baselines, shape, baselines };
      const old = falseLabelRate(oldRule, n, o), now = falseLabelRate(studyRule, n, o);
      console.log(`${shape.padEnd(12)} ${String(baselines).padEnd(10)} ${String(n).padEnd(3)} ${withCi(old).padEnd(25)} ${withCi(now)}`);
    }
  }
}

const FAMILIES: [string, number[]][] = [["tiny study, 5 claims (10 comparisons)", [1, 3, 3, 2, 1]], ["7 claims (14 comparisons)", [1, 3, 3, 2, 1, 2, 2]]];
console.log(`\nfamily-wise false-label rate (any claim labelled), Holm across all comparisons, ${REPS} replications each`);
for (const [name, family] of FAMILIES) {
  for (const shape of [...NULL_SHAPES, ...SKEWED_NULL_SHAPES]) {
    for (const n of [4, 8, 16]) {
      const rate = familyWiseFalseLabelRate(family, n, { reps: REPS, seed: 7000 + 10 * n + family.length, shape });
      console.log(`${name.padEnd(40)} ${shape.padEnd(12)} n=${String(n).padEnd(3)} ${withCi(rate)}`);
    }
  }
}
