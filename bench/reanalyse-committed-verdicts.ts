// The committed 8-run verdicts.json (old rule) re-read with the calibrated rule: the same per-run
// paired differences and the same baselines, labelled by the t-test + Wilcoxon check, Holm across
// all the comparisons and the plan's minimum effects. Separates what the inference alone changes
// from what the new design (seeds, online events, harder baselines) changes. Not a study result:
// the 8 runs are one-factor variants, not held-out seeds of one configuration.
// Run: node --import tsx bench/reanalyse-committed-verdicts.ts [docs/results/study-tiny-8-verdicts.json]
import { readFileSync } from "node:fs";
import { compare, combineComparisons, describeComparison } from "../src/experiments/verdict-rule.js";
import { holmAdjust } from "../src/experiments/inference.js";
import { comparisonLabel } from "../src/experiments/verdict-rule.js";
import { buildPlan } from "../src/experiments/plan.js";
import type { PairedComparison } from "../src/experiments/verdict-types.js";

const file = process.argv[2] ?? "docs/results/study-tiny-8-verdicts.json";
const old = JSON.parse(readFileSync(file, "utf8")) as { verdicts: { claim: string; verdict: string; details: Record<string, any> }[] };
const plan = buildPlan();
const by = (c: string) => old.verdicts.find((v) => v.claim === c)!;
const tests: Record<string, PairedComparison[]> = {};

const e = by("events_precede_quality_changes").details["runs"].filter((r: any) => r.observed !== null);
tests["events_precede_quality_changes"] = [compare(e.map((r: any) => r.observed - r.chance), { baseline: "uniform chance (old baseline)", role: "primary", minEffect: plan.claims.events_precede_quality_changes.min_effect })];
const p = by("predict_loss_from_parameters").details["runs"];
tests["predict_loss_from_parameters"] = (["extrapolation", "alpha"] as const).map((m, i) => compare(p.map((r: any) => r.scores[m].mae - r.scores.features.mae).filter(Number.isFinite), { baseline: m, role: i === 0 ? "primary" : "secondary", minEffect: plan.claims.predict_loss_from_parameters.min_effect }));
const b = by("budgeted_evaluation").details["runs"];
tests["budgeted_evaluation"] = (["log-uniform", "uniform"] as const).map((m, i) => compare(b.map((r: any) => r.mean_error[m] - r.mean_error.events), { baseline: m, role: i === 0 ? "primary" : "secondary", minEffect: plan.claims.budgeted_evaluation.min_effect }));
const es = by("early_stopping").details["runs"];
tests["early_stopping"] = [compare(es.map((r: any) => r.dynamics.savedFraction - r.patience.savedFraction), { baseline: "patience (saved)", role: "primary", minEffect: plan.claims.early_stopping.min_effect })];
const sp = by("sparsification").details["paired"];
tests["sparsification"] = [compare(sp.map((r: any) => r.after - r.before), { baseline: "before the fork (old baseline)", role: "primary", minEffect: plan.claims.sparsification.min_effect })];

const all = Object.values(tests).flat();
const adj = holmAdjust(all.map((c) => c.t_p ?? Number.NaN));
all.forEach((c, i) => { c.p_holm = Number.isFinite(adj[i]!) ? adj[i]! : null; c.label = comparisonLabel(c); });
console.log(`${file}: old label -> calibrated rule on the same differences`);
for (const [claim, cs] of Object.entries(tests)) {
  console.log(`${claim}: ${by(claim).verdict} -> ${combineComparisons(cs)}`);
  for (const c of cs) console.log(`  ${describeComparison(c, 4)}; p_holm ${c.p_holm?.toFixed(4) ?? "n/a"}`);
}
