// The phase-transition plans (study --preset grokking|induction): the recipe read from the task's
// defaults, two configurations differing in the one stated factor only, the transition's metric and
// minimum difference, the seven claims; the tiny plan unchanged (a held-out study compares against it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { TASK_TRAIN_DEFAULTS, DEFAULT_MODULAR_ADDITION, DEFAULT_INDUCTION, resolveSyntheticSettings, resolveTaskSettings, syntheticTask, type TaskOptions } from "../../src/model/index.js";
import { buildPlan, planHash, planClaimIds, CLAIM_IDS, CORE_CLAIM_IDS } from "../../src/experiments/plan.js";
import { buildStudyPlan, PRESET_TRANSITION, VARIED_FACTOR_RULE } from "../../src/experiments/plan-tasks.js";
import { sweepFromPlan, sweepTrainOptions } from "../../src/experiments/sweep.js";
import { claimRuns } from "../../src/experiments/verdicts.js";
import type { StudyRunData } from "../../src/experiments/run-data.js";
import { UsageError } from "../../src/util/errors.js";
import { findTransition } from "../../src/quality/transition.js";

test("tiny: buildStudyPlan is buildPlan, and the default tiny plan's hash is the one fixed before these presets existed", () => {
  assert.equal(planHash(buildStudyPlan({})), planHash(buildPlan()));
  assert.equal(planHash(buildStudyPlan({ preset: "tiny", heldoutSeeds: 8 })), planHash(buildPlan({ heldoutSeeds: 8 })));
  // computed at commit c66d757 (before the task presets): a resumed tiny study must keep its plan
  assert.equal(planHash(buildPlan()), "1b82c7c8a93e2dfcc8bbefc22e9d58dd8619785c7418d12cf775f41037335530");
  assert.deepEqual(planClaimIds(buildPlan()), [...CORE_CLAIM_IDS]);
  assert.throws(() => buildStudyPlan({ taskOptions: { modulus: 7 } }), UsageError);
});

test("grokking plan: the task module's recipe, base and varied differ only in the training fraction, test accuracy with a 0.4 minimum, seven claims", () => {
  const plan = buildStudyPlan({ preset: "grokking", heldoutSeeds: 8 });
  const d = TASK_TRAIN_DEFAULTS["modular-addition"];
  assert.equal(plan.preset, "grokking");
  assert.deepEqual(plan.configurations.map((c) => c.name), ["base", "varied"]);
  const [base, varied] = plan.configurations;
  assert.ok(base !== undefined && varied !== undefined && base.task !== undefined && varied.task !== undefined);
  assert.equal(base.lr, d.lr);
  assert.equal(base.width, d.width);
  assert.equal(base.weight_decay, d.weightDecay);
  assert.equal(base.steps, d.steps);
  const { lr: _lr, width: _w, weightDecay: _wd, steps: _s, ...recipe } = d;
  assert.deepEqual(base.task.train, { ...recipe, warmupSteps: Math.min(d.warmupSteps, Math.floor(d.steps / 10)) }, "every other field of the task module's recipe");
  assert.equal(base.task.options["modulus"], DEFAULT_MODULAR_ADDITION.p);
  assert.equal(base.task.options["trainFraction"], DEFAULT_MODULAR_ADDITION.trainFraction);
  assert.equal(varied.task.options["trainFraction"], VARIED_FACTOR_RULE.grokking.vary(DEFAULT_MODULAR_ADDITION.trainFraction));
  assert.ok((varied.task.options["trainFraction"] as number) > DEFAULT_MODULAR_ADDITION.trainFraction);
  assert.deepEqual({ ...varied, name: "base", task: { ...varied.task, options: { ...varied.task.options, trainFraction: DEFAULT_MODULAR_ADDITION.trainFraction } } }, base, "one varied factor");
  assert.deepEqual(plan.varied_factor?.values, { base: base.task.options["trainFraction"], varied: varied.task.options["trainFraction"] });
  assert.deepEqual(plan.transition, PRESET_TRANSITION.grokking);
  assert.equal(plan.transition?.metric, "test_accuracy");
  assert.equal(plan.transition?.min_difference, 0.4);
  assert.deepEqual(planClaimIds(plan), [...CLAIM_IDS]);
  assert.deepEqual(plan.claims.predict_transition_step?.configurations, ["base", "varied"]);
  assert.equal(plan.claims.parameters_announce_transition?.configuration, "base");
  assert.equal(plan.claims.parameters_announce_transition?.settings["include_artefacts"], false);
  assert.ok(Object.values(plan.claims).every((c) => c.configuration === "base"), "early stopping too: no overtrain configuration");
  assert.notEqual(planHash(plan), planHash(buildStudyPlan({ preset: "grokking", heldoutSeeds: 8, taskOptions: { modulus: 61 } })));
});

test("induction plan: offset range halved in the varied configuration, repeated-half loss with a 1-nat minimum", () => {
  const plan = buildStudyPlan({ preset: "induction", configurations: ["base"] });
  const d = TASK_TRAIN_DEFAULTS.induction;
  assert.deepEqual(plan.configurations.map((c) => c.name), ["base"]);
  assert.equal(plan.configurations[0]!.task?.train.attentionOnly, d.attentionOnly);
  assert.equal(plan.configurations[0]!.task?.options["offsetMax"], DEFAULT_INDUCTION.offsetMax);
  assert.deepEqual(plan.varied_factor?.values, { base: DEFAULT_INDUCTION.offsetMax, varied: Math.floor(DEFAULT_INDUCTION.offsetMax / 2) });
  assert.equal(plan.transition?.metric, "loss_repeated_half");
  assert.equal(plan.transition?.min_difference, 1);
  assert.deepEqual(plan.claims.predict_transition_step?.configurations, ["base"]);
  assert.throws(() => buildStudyPlan({ preset: "induction", configurations: ["varied"] }), /needs the base configuration/);
  assert.throws(() => buildStudyPlan({ preset: "induction", configurations: ["overtrain"] }), UsageError);
  assert.throws(() => buildStudyPlan({ preset: "induction", taskOptions: { modulus: 7 } }), /modulus is not an option of the induction task; use vocabSize, segmentLength, offsetMax/);
});

test("a task run's training options resolve to the plan's settings in the trainer (nothing left to other defaults)", () => {
  for (const preset of ["grokking", "induction"] as const) {
    const plan = buildStudyPlan({ preset, steps: 40, developmentSeeds: 1, heldoutSeeds: 2 });
    for (const run of sweepFromPlan(plan)) {
      const o = sweepTrainOptions(run, "/nowhere");
      assert.equal(o.preset, undefined, "the task has its own model");
      const c = plan.configurations.find((x) => x.name === run.configuration)!;
      const taskSettings = resolveTaskSettings(o.task as Exclude<TaskOptions, { name: "lm" }>, run.seed);
      const task = syntheticTask(taskSettings);
      const s = resolveSyntheticSettings(o, taskSettings, task.vocabSize, task.sequenceLength, preset === "grokking" ? (task as { data?: { train: Int32Array } }).data!.train.length : null);
      assert.equal(s.steps, 40);
      assert.equal(s.lr, c.lr);
      assert.equal(s.weightDecay, c.weight_decay);
      assert.equal(s.config.hidden_size, c.width);
      assert.equal(s.config.num_hidden_layers, c.task!.train.layers);
      assert.equal(s.warmupSteps, c.task!.train.warmupSteps);
      assert.equal(s.minLr, c.lr * c.task!.train.minLrFraction);
      assert.equal(s.init, c.task!.train.init);
      assert.equal(s.gradClip, c.task!.train.gradClip);
      assert.equal(s.config.use_parallel_residual, c.task!.train.parallelResidual ?? true, "the residual layout reaches the model");
      assert.equal(s.config.layer_norm !== false, c.task!.train.layerNorm);
      assert.deepEqual(s.saveSchedule, { logSpacedUpTo: c.log_spaced_up_to, saveEvery: c.save_every });
      for (const [k, v] of Object.entries(c.task!.options)) assert.equal((taskSettings as unknown as Record<string, unknown>)[k], v, k);
      if (preset === "grokking") assert.equal((taskSettings as { splitSeed: number }).splitSeed, run.seed, "the split follows the run's seed");
    }
  }
});

test("claimRuns: a claim with several configurations pools their seeds of the role", () => {
  const plan = buildStudyPlan({ preset: "grokking" });
  const run = (configuration: string, role: "heldout" | "development"): StudyRunData => ({ runId: `${configuration}-${role}`, configuration, role, steps: [], valLoss: [], events: [], featureNames: [], features: [], pruning: [] });
  const runs = [run("base", "heldout"), run("varied", "heldout"), run("base", "development")];
  assert.deepEqual(claimRuns(runs, plan, "predict_transition_step").map((r) => r.runId), ["base-heldout", "varied-heldout"]);
  assert.deepEqual(claimRuns(runs, plan, "parameters_announce_transition").map((r) => r.runId), ["base-heldout"]);
  assert.deepEqual(claimRuns(runs, buildPlan(), "predict_transition_step"), [], "not in the tiny plan");
});

test("the plans' transition rules: grokking from the commutativity plateau of either configuration is found, a slow partial rise or drift is not", () => {
  const steps = Array.from({ length: 101 }, (_, i) => i * 60);
  const rule = (preset: "grokking" | "induction") => { const t = buildStudyPlan({ preset }).transition!; return { minDifference: t.min_difference, noiseMultiple: t.noise_multiple, interpolation: t.interpolation }; };
  for (const f of [DEFAULT_MODULAR_ADDITION.trainFraction, VARIED_FACTOR_RULE.grokking.vary(DEFAULT_MODULAR_ADDITION.trainFraction)]) {
    const grok = steps.map((s) => (s < 3000 ? f : 0.995));
    const t = findTransition(steps, grok, rule("grokking"));
    assert.ok(t.found && t.interval[0] === 2940 && t.interval[1] === 3000, `plateau ${f}`);
  }
  assert.equal(findTransition(steps, steps.map((s) => Math.min(0.227, s / 26_000)), rule("grokking")).found, false, "probe 5's partial rise");
  assert.equal(findTransition(steps, steps.map((s) => 4.164 - s / 34_000), rule("induction")).found, false, "probe I3's drift (0.18 nats)");
  assert.ok(findTransition(steps, steps.map((s) => (s < 2400 ? 4.15 : 0.3)), rule("induction")).found, "the induction heads' drop");
});
