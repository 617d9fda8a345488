// Sensitivity of the held-out tiny study's verdicts to when an online mode merge is known: the
// study's own data re-read from a COPY of its store (read-only), verdicts computed as `study` does
// (computeVerdicts, plan from the study folder), once with merges known at their own step (the
// rule the committed verdicts.json used) and once at the checkpoint that confirms them
// (online-events.ts mergeConfirmedAt, the rule at HEAD). Not a new study: the plan and its
// held-out seeds are the committed ones; this only shows which numbers the rule moves.
// Run: node --import tsx bench/reverdict-online-merges.ts <store-copy-dir> <study-dir-with-plan.json-and-verdicts.json>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../src/store/store.js";
import { loadStudyRunData } from "../src/experiments/study-data.js";
import { computeVerdicts } from "../src/experiments/verdicts.js";
import { sweepFromPlan } from "../src/experiments/sweep.js";
import type { StudyPlan } from "../src/experiments/plan.js";
import type { StudyRunData } from "../src/experiments/run-data.js";
import type { Verdict } from "../src/experiments/verdict-types.js";

const [storeDir, studyDir] = process.argv.slice(2);
if (storeDir === undefined || studyDir === undefined) throw new Error("usage: bench/reverdict-online-merges.ts <store-copy-dir> <study-dir>");
const plan = JSON.parse(readFileSync(join(studyDir, "plan.json"), "utf8")) as StudyPlan;
const committed = JSON.parse(readFileSync(join(studyDir, "verdicts.json"), "utf8")) as { verdicts: Verdict[] };
const store = await Store.openDir(storeDir, { readOnly: true });
const data: StudyRunData[] = [];
try {
  for (const run of sweepFromPlan(plan)) data.push({ ...(await loadStudyRunData(store, run.name)), configuration: run.configuration, role: run.role });
} finally {
  await store.close();
}
/** Merges back at their own step: the rule before mergeConfirmedAt. */
const atOwnStep = data.map((r) => ({ ...r, onlineEvents: (r.onlineEvents ?? []).map((e) => (e.kind === "mode_merge" ? { ...e, knownAt: e.step } : e)) }));
const before = computeVerdicts(atOwnStep, plan, "heldout"), after = computeVerdicts(data, plan, "heldout");
const primary = (v: Verdict | undefined): string => {
  const c = v?.tests?.[0];
  return c === undefined || c.difference.value === null ? "n/a" : `${c.difference.value.toFixed(4)} [${c.difference.ci_low?.toFixed(4)}, ${c.difference.ci_high?.toFixed(4)}], p_holm ${c.p_holm?.toFixed(3)}`;
};
console.log("| claim | committed label | merges at their step (recomputed) | merges when confirmed (HEAD) | primary comparison: committed -> recomputed -> HEAD |");
console.log("|---|---|---|---|---|");
for (const v of committed.verdicts) {
  const b = before.find((x) => x.claim === v.claim), a = after.find((x) => x.claim === v.claim);
  console.log(`| ${v.claim} | ${v.verdict} (${v.ours.value?.toFixed(3)}) | ${b?.verdict} (${b?.ours.value?.toFixed(3)}) | ${a?.verdict} (${a?.ours.value?.toFixed(3)}) | ${primary(v)} -> ${primary(b)} -> ${primary(a)} |`);
}
for (const claim of ["events_precede_quality_changes", "budgeted_evaluation"]) {
  const a = after.find((x) => x.claim === claim);
  console.log(`\n${claim} (merges when confirmed): ${a?.verdict}: ${a?.reason}`);
}
