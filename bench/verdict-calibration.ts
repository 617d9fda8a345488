// False-label rate of verdict rules on simulated null data (no true effect), n = 2, 4, 8, 16 seeds:
// the study's rule (t-test + Wilcoxon check, Holm, >= 8 held-out seeds) and, for the record, the
// rule it replaced (95% percentile bootstrap of the mean over runs, 1000 resamples, >= 2 runs,
// "not supported" when either of two baselines wins). Run: node --import tsx bench/verdict-calibration.ts
import { bootstrapIndices } from "../src/quality/bootstrap.js";
import { falseLabelRate, NULL_SHAPES, SKEWED_NULL_SHAPES, studyRule, type LabelRule } from "../src/experiments/calibration.js";
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

console.log(`false-label rate on null data, ${REPS} replications each (share labelled other than inconclusive)`);
console.log("shape        baselines  n   old rule  new rule");
for (const shape of [...NULL_SHAPES, ...SKEWED_NULL_SHAPES]) {
  for (const baselines of [1, 2]) {
    for (const n of [2, 4, 8, 16]) {
      const o = { reps: REPS, seed: 1000 * n + baselines, shape, baselines };
      const old = falseLabelRate(oldRule, n, o), now = falseLabelRate(studyRule, n, o);
      console.log(`${shape.padEnd(12)} ${String(baselines).padEnd(10)} ${String(n).padEnd(3)} ${old.toFixed(4).padEnd(9)} ${now.toFixed(4)}`);
    }
  }
}
