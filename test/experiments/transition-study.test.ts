// The transition claims wired into the study: the runs' data (online events, transition, weight
// norm, features) turned into the lead-time and prediction inputs, the table of every run's
// transition and lead against lead-time.ts computed directly, and both claims in computeVerdicts
// with the plan's settings and Holm across all seven claims.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findTransition } from "../../src/quality/transition.js";
import { transitionRow } from "../../src/quality/run-transition.js";
import { transitionOfRecord } from "../../src/experiments/study-data.js";
import { leadRun, leadTimeSettings } from "../../src/experiments/claims/lead-time.js";
import { formatTransitionTable, leadInputOf, transitionTable } from "../../src/experiments/claims/transition-study.js";
import { buildStudyPlan, TOTAL_WEIGHT_NORM_FEATURE } from "../../src/experiments/plan-tasks.js";
import { computeVerdicts } from "../../src/experiments/verdicts.js";
import { CLAIM_IDS } from "../../src/experiments/plan.js";
import type { StudyEvent, StudyRunData } from "../../src/experiments/run-data.js";

const STEPS = Array.from({ length: 101 }, (_, i) => i * 10);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A run whose accuracy jumps at T, with a layer fork known at `known` (and one in the first interval, which never counts). */
function studyRun(id: string, T: number, known: number, role: "heldout" | "development" = "heldout"): StudyRunData {
  const acc = STEPS.map((s) => 0.02 + 0.98 * sigmoid((s - T) / 15));
  const norm = STEPS.map((s) => 20 + 20 * sigmoid(-(s - T) / 20));
  const online: StudyEvent[] = [
    { kind: "layer_fork", tensor: "attention.dense.weight", step: known - 10, stepLow: known - 20, strength: 9, knownAt: known },
    { kind: "population_fork", tensor: "x.bias", step: 10, stepLow: 0, strength: 5, knownAt: 30 },
  ];
  return {
    runId: id, configuration: "base", role, steps: STEPS, valLoss: STEPS.map((s) => 1 / (1 + s)), events: online, onlineEvents: online,
    featureNames: ["model:model:std", TOTAL_WEIGHT_NORM_FEATURE], features: STEPS.map((_, i) => [0.1 + T / 1e4, norm[i]!]), pruning: [],
    transition: findTransition(STEPS, acc, { minDifference: 0.5 }), transitionSeries: { metric: "test_accuracy", steps: STEPS, values: acc }, weightNorm: norm, artefactsExcluded: 3,
  };
}

test("leadInputOf counts online events known before the transition, never one whose interval starts at step 0", () => {
  const r = studyRun("a", 600, 450);
  const input = leadInputOf(r);
  assert.deepEqual(input.events.map((e) => [e.kind, e.knownAt]), [["layer_fork", 450]]);
  const lead = leadRun(input);
  assert.equal(lead.anchorStep, 450);
  assert.ok(lead.lead !== null && Math.abs(lead.lead - 150) < 1, `lead ${lead.lead}`);
});

test("transitionTable: each run's transition, interval and lead as lead-time.ts computes them; markdown has one row per run", () => {
  const plan = buildStudyPlan({ preset: "grokking" });
  const runs = [studyRun("a", 600, 450), studyRun("b", 300, 250), studyRun("c", 800, 700), studyRun("d", 450, 400)];
  const rows = transitionTable(runs, plan.claims.parameters_announce_transition, plan.claims.predict_transition_step);
  assert.equal(rows.length, 4);
  for (const [i, row] of rows.entries()) {
    const direct = leadRun(leadInputOf(runs[i]!), leadTimeSettings(plan.claims.parameters_announce_transition));
    const t = runs[i]!.transition!;
    assert.ok(t.found);
    assert.equal(row.transition_step, t.step);
    assert.deepEqual(row.interval, t.interval);
    assert.equal(row.lead, direct.lead);
    assert.equal(row.lead_score, direct.score);
    assert.equal(row.weight_norm_transition_step, direct.weightNormStep);
    assert.equal(row.metric, "test_accuracy");
    assert.ok(direct.null !== null && direct.weightNormLead !== null);
    assert.equal(row.signals, direct.null.signals);
    assert.equal(row.random_mean_lead, direct.null.meanLead);
    assert.equal(row.random_p_none, direct.null.pNone);
    assert.equal(row.weight_norm_lead, direct.weightNormLead);
    assert.equal(row.online, true);
    assert.equal(row.seed, null, "a run outside a plan has no seed");
    assert.deepEqual(row.first_signal_events, ["layer_fork attention.dense.weight"], "the fork known at the first signal; the step-0 population fork never counts");
  }
  // the random placement's expected lead is the null's: with one signal among the M eligible checkpoints, the mean of T - s over the checkpoints s < T
  const a = rows[0]!, eligible = STEPS.filter((s) => s >= 1), T = a.transition_step!;
  const before = eligible.filter((s) => s < T);
  assert.equal(a.signals, 1);
  assert.ok(Math.abs(a.random_mean_lead! - before.reduce((s, x) => s + (T - x), 0) / before.length) < 1e-9);
  assert.ok(Math.abs(a.random_p_none! - (eligible.length - before.length) / eligible.length) < 1e-12);
  const seeded = transitionTable([{ ...runs[0]!, seed: 104 }], plan.claims.parameters_announce_transition, plan.claims.predict_transition_step);
  assert.equal(seeded[0]!.seed, 104);
  const none = { ...studyRun("e", 600, 450), transition: findTransition(STEPS, STEPS.map((s) => 0.02 + s / 1e5), { minDifference: 0.5 }) };
  const [row] = transitionTable([none]);
  assert.equal(row!.transition_step, null);
  assert.match(row!.reason!, /minimum 0.5/);
  const md = formatTransitionTable(rows, "# t");
  assert.equal(md.split("\n").filter((l) => l.startsWith("| ")).length, 1 + 4);
  assert.match(md, /\| a \| base \| heldout \| - \| test_accuracy \| 600 \| \[590, 600\] \| 450 \| layer_fork attention\.dense\.weight \| 150 \| \d+ \(P none 0\.\d\d\) \| 0\.\d{3} \| \d+ \| -?\d+ \|/);
});

test("computeVerdicts under a grokking plan: seven claims in order, the transition claims judged on their configurations' held-out seeds", () => {
  const plan = buildStudyPlan({ preset: "grokking", configurations: ["base"] });
  const runs = [300, 400, 500, 600, 700, 350, 450, 550].map((T, i) => studyRun(`base-s${100 + i}`, T, T - 60));
  const verdicts = computeVerdicts([...runs, studyRun("base-dev-s0", 500, 100, "development")], plan);
  assert.deepEqual(verdicts.map((v) => v.claim), [...CLAIM_IDS]);
  const lead = verdicts.find((v) => v.claim === "parameters_announce_transition")!;
  assert.equal(lead.ours.n, 8, "held-out seeds only");
  assert.equal((lead.details["stored_artefact_events_excluded"] as number), 24);
  assert.ok(lead.tests!.every((c) => c.p_holm !== null && c.p_holm >= (c.t_p ?? 0)), "Holm-adjusted across the study");
  const predict = verdicts.find((v) => v.claim === "predict_transition_step")!;
  assert.ok(predict.tests!.length === 2, "the other runs' mean, and the weight norm alone");
  assert.ok(predict.ours.n >= 1);
});

test("transitionOfRecord: a stored transitions row reads back as findTransition's result (found and not found)", () => {
  const acc = STEPS.map((s) => 0.02 + 0.98 * sigmoid((s - 433) / 15));
  const options = { minDifference: 0.5 };
  const series = { metric: "test_accuracy", source: "trainer_state", chosen_by: "explicit" as const, steps: STEPS, values: acc };
  assert.deepEqual(transitionOfRecord({ ...transitionRow(series, options), run_id: "r" }), findTransition(STEPS, acc, options));
  const flat = { ...series, values: STEPS.map((s) => 0.3 + s / 1e5) };
  const none = transitionOfRecord({ ...transitionRow(flat, options), run_id: "r" });
  const direct = findTransition(STEPS, flat.values, options);
  assert.equal(none.found, false);
  assert.ok(!direct.found && !none.found);
  assert.equal(none.reason, direct.reason);
  assert.deepEqual([none.before, none.after, none.noise, none.plateauPoints], [direct.before, direct.after, direct.noise, direct.plateauPoints]);
});
