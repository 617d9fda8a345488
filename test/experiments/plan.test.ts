// The plan fixed before the data: built from the options, hashed canonically, written once, a
// changed plan refused (defect 3: claim 1's change-point cost was switched after its result was
// seen), a new plan only when asked for, recording the hash it supersedes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { buildPlan, canonicalJson, planHash, plannedRuns, CORE_CLAIM_IDS, HELDOUT_SEED_BASE } from "../../src/experiments/plan.js";
import { fixPlan, PlanChangedError, PlanFileError, firstDifference } from "../../src/experiments/plan-io.js";
import { sweepFromPlan } from "../../src/experiments/sweep.js";
import { MIN_HELDOUT_SEEDS } from "../../src/experiments/verdict-rule.js";
import { tempDir } from "../helpers/temp.js";

test("buildPlan: held-out seeds disjoint from development seeds; every claim states its baseline, minimum effect, rule and configuration", () => {
  const plan = buildPlan();
  assert.equal(plan.seeds.heldout.length, MIN_HELDOUT_SEEDS);
  assert.ok(plan.seeds.heldout.every((s) => s >= HELDOUT_SEED_BASE && !plan.seeds.development.includes(s)));
  assert.deepEqual(Object.keys(plan.claims).sort(), [...CORE_CLAIM_IDS].sort(), "the tiny plan holds the five core claims only");
  for (const id of CORE_CLAIM_IDS) {
    const c = plan.claims[id];
    assert.ok(c.primary_baseline.length > 5 && c.min_effect >= 0 && plan.configurations.some((k) => k.name === c.configuration), id);
  }
  assert.equal(plan.claims.early_stopping.configuration, "overtrain");
  assert.match(plan.inference.rule, /Holm/);
  assert.equal(planHash(plan), planHash(buildPlan()), "deterministic");
  assert.match(planHash(plan), /^[0-9a-f]{64}$/);
});

test("defect 8: the runs are seeds of fixed configurations, not one factor varied at a time", () => {
  const plan = buildPlan({ heldoutSeeds: 8, developmentSeeds: 2 });
  const runs = sweepFromPlan(plan);
  assert.equal(runs.length, plan.configurations.length * 10);
  for (const c of plan.configurations) {
    const mine = runs.filter((r) => r.configuration === c.name);
    assert.equal(new Set(mine.map((r) => `${r.lr}/${r.width}/${r.weightDecay}/${r.steps}`)).size, 1, `${c.name}: one configuration`);
    assert.equal(new Set(mine.map((r) => r.seed)).size, mine.length, "distinct seeds");
  }
  assert.deepEqual(plannedRuns(plan).filter((r) => r.role === "heldout").map((r) => r.seed).slice(0, 8), plan.seeds.heldout);
});

test("canonicalJson: key order does not change the hash; any value does", () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), canonicalJson({ a: [1, { c: 3, d: 2 }], b: 1 }));
  assert.equal(canonicalJson({ a: 1 }), '{"a":1}');
  const p = buildPlan();
  const q = { ...p, claims: { ...p.claims, budgeted_evaluation: { ...p.claims.budgeted_evaluation, min_effect: 0.003 } } };
  assert.notEqual(planHash(p), planHash(q));
  assert.equal(firstDifference(p, q), "claims.budgeted_evaluation.min_effect");
});

test("defect 3: fixPlan writes the plan once; a change of claim 1's change-point cost is refused, a --new-plan supersedes", async () => {
  const out = tempDir("fp-plan-");
  const plan = buildPlan();
  const first = await fixPlan(out, plan);
  assert.equal(first.status, "written");
  assert.equal(first.sha256, planHash(JSON.parse(readFileSync(join(out, "plan.json"), "utf8"))));
  assert.equal((await fixPlan(out, buildPlan())).status, "kept");

  const e1 = plan.claims.events_precede_quality_changes;
  const switched = { ...plan, claims: { ...plan.claims, events_precede_quality_changes: { ...e1, settings: { ...e1.settings, metric_change_cost: "linear" } } } };
  await assert.rejects(fixPlan(out, switched), (e: unknown) => e instanceof PlanChangedError && /claims\.events_precede_quality_changes\.settings\.metric_change_cost/.test((e as Error).message) && /--new-plan/.test((e as Error).message));
  assert.equal(planHash(JSON.parse(readFileSync(join(out, "plan.json"), "utf8"))), first.sha256, "refused: plan.json untouched");

  const replaced = await fixPlan(out, switched, true);
  assert.equal(replaced.status, "replaced");
  assert.equal(replaced.plan.supersedes, first.sha256);
  assert.notEqual(replaced.sha256, first.sha256);
  assert.ok(existsSync(join(out, `plan-${first.sha256.slice(0, 12)}.json`)), "the superseded plan is kept");
  assert.equal((await fixPlan(out, switched)).status, "kept", "the new plan is now the fixed one");

  writeFileSync(join(out, "plan.json"), "{not json");
  await assert.rejects(fixPlan(out, plan), PlanFileError);
});
