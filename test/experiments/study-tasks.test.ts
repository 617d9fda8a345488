// `study --preset grokking` end to end on a very short budget (modulus 11, 4 steps, 2 held-out
// seeds): the plan is fixed first, the runs train on the task, their transitions are stored under
// the plan's metric and minimum difference, optimizer artefacts are left out of the claims' events,
// the seven verdicts and the transitions table (verdicts.json and transitions.md) agree with the
// store, and a re-run resumes without re-analysing or changing anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../../src/index.js";
import { buildStudyPlan, planHash, runStudy, loadStudyRunData, CLAIM_IDS, TRANSITIONS_FILE, PlanChangedError, type StudyOptions, type StudyPlan } from "../../src/experiments/index.js";
import { tempDir } from "../helpers/temp.js";

test("study --preset grokking: plan, train, transitions under the plan's rule, seven verdicts, the transitions table; a re-run resumes", async () => {
  const out = join(tempDir("fp-study-grok-"), "study");
  const options: StudyOptions = { preset: "grokking", out, heldoutSeeds: 2, developmentSeeds: 0, configurations: ["base"], steps: 4, taskOptions: { modulus: 11 }, pythia: null, threads: 1 };
  const { file } = await runStudy(options);
  const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as StudyPlan;
  const { out: _o, pythia: _p, threads: _t, ...planOptions } = options;
  assert.deepEqual(plan, buildStudyPlan(planOptions));
  assert.equal(file.plan_sha256, planHash(plan));
  assert.equal(file.preset, "grokking");
  assert.deepEqual(file.verdicts.map((v) => v.claim), [...CLAIM_IDS]);
  assert.ok(file.verdicts.every((v) => v.verdict === "inconclusive"), "2 held-out seeds never give a label");
  assert.deepEqual(file.runs.map((r) => [r.name, r.steps, r.checkpoints]), [["base-s100", 4, 5], ["base-s101", 4, 5]]);
  assert.deepEqual(file.tolerance_curves, [], "pruning is not measured on a task");
  assert.deepEqual(file.transitions?.map((t) => t.run), ["base-s100", "base-s101"]);
  const md = readFileSync(join(out, TRANSITIONS_FILE), "utf8");
  assert.ok(md.includes(file.plan_sha256!) && md.split("\n").filter((l) => l.startsWith("| base-s10")).length === 2);

  const store = await Store.openDir(out, { readOnly: true });
  try {
    for (const row of file.transitions!) {
      const [stored] = await store.transitions({ run: row.run });
      assert.ok(stored !== undefined, `${row.run}: transition row stored`);
      assert.equal(stored.metric, "test_accuracy");
      assert.equal(stored.chosen_by, "explicit");
      assert.equal((stored.detail["options"] as { min_difference: number }).min_difference, plan.transition!.min_difference);
      assert.equal(row.transition_step, stored.found ? stored.step : null);
      const data = await loadStudyRunData(store, row.run, undefined, { phaseTransition: true });
      const events = (await store.events({ run: row.run })).filter((e) => e.step !== null);
      const artefacts = events.filter((e) => e.artefact !== null && e.artefact !== undefined).length;
      assert.equal(data.artefactsExcluded, artefacts);
      assert.equal(data.events.length, events.length - artefacts, "artefacts left out of the claims' events");
      assert.equal(data.weightNorm!.length, data.steps.length);
      assert.ok(data.weightNorm!.every((v) => v !== null && v > 0), "total weight norm at every checkpoint");
    }
  } finally {
    await store.close();
  }

  const analyzedAt = async (): Promise<string[]> => {
    const s = await Store.openDir(out, { readOnly: true });
    try { return (await s.listCheckpoints("base-s100")).map((c) => `${c.step}@${c.analyzed_at}`); } finally { await s.close(); }
  };
  const before = await analyzedAt();
  const again = (await runStudy(options)).file;
  assert.deepEqual(await analyzedAt(), before, "no checkpoint re-analyzed");
  assert.deepEqual(again.verdicts.map((v) => [v.claim, v.verdict, v.ours.value]), file.verdicts.map((v) => [v.claim, v.verdict, v.ours.value]));
  assert.deepEqual(again.transitions, file.transitions);
  await assert.rejects(runStudy({ ...options, taskOptions: { modulus: 13 } }), (e: unknown) => e instanceof PlanChangedError && /configurations/.test((e as Error).message));
  assert.equal(planHash(JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as StudyPlan), file.plan_sha256, "plan.json untouched");
});
