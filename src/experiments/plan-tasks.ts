// The plans of the phase-transition studies (`study --preset grokking|induction`), fixed before the
// data like the tiny one (plan.ts): two configurations of one synthetic task that differ in one
// stated factor, the metric and rule that define each run's transition, the five core claims on
// the base configuration and the two transition claims. The recipe (model, optimizer, task
// options) is read from the task's defaults in model/ at plan time and written into the plan, so
// a later change of those defaults is a different plan (refused on resume unless --new-plan). Pure.
import { TASK_TRAIN_DEFAULTS, resolveTaskSettings, denseSaveSchedule, type TaskTrainDefaults } from "../model/index.js";
import { DEFAULT_NOISE_MULTIPLE } from "../quality/transition.js";
import { MODULAR_ADDITION_METRIC_NAMES, INDUCTION_METRIC_NAMES } from "../quality/task-metrics.js";
import { UsageError } from "../util/errors.js";
import { buildPlan, type ClaimPlan, type CoreClaimId, type PlanConfiguration, type PlanOptions, type PlanTask, type StudyPlan, type StudyPreset, type TransitionPlan, type VariedFactor } from "./plan.js";
import { LEAD_SCORE_MIN_EFFECT, LEAD_WEIGHT_NORM_MIN_EFFECT } from "./claims/lead-time.js";
import { DEFAULT_TRANSITION_CUTOFF_FRACTION, PREDICT_TRANSITION_MIN_EFFECT } from "./claims/predict-transition.js";
import { CLAIM_EVENT_KINDS } from "./run-data.js";

/** Name of the total-weight-norm feature the study adds to each checkpoint's features (L2 over every analysed parameter). */
export const TOTAL_WEIGHT_NORM_FEATURE = "total_weight_norm";

export type TaskPreset = Exclude<StudyPreset, "tiny">;

/** The task each preset trains. */
export const PRESET_TASK: Record<TaskPreset, PlanTask["name"]> = { grokking: "modular-addition", induction: "induction" };

/**
 * The varied factor of each preset, as a change of the task's default (so it follows the recipe):
 * - grokking: the training fraction + 0.1 (Power et al. 2022, Fig. 1: the steps to generalise fall
 *   steeply as the fraction grows, so the transition moves earlier and the runs' T differ);
 * - induction: half the offset range R (the copies' distance takes fewer values, a positional head
 *   does better, ln(R/2 + 1) instead of ln(R + 1) on the repeat: the transition's depth changes).
 */
export const VARIED_FACTOR_RULE: Record<TaskPreset, { name: string; option: string; vary: (x: number) => number; why: string }> = {
  grokking: { name: "train_fraction", option: "trainFraction", vary: (x) => Math.min(0.9, Math.round((x + 0.1) * 1e6) / 1e6), why: "Power et al. 2022 (Fig. 1): the steps needed to generalise fall steeply as the training fraction grows; +0.1 moves the transition without removing the memorise-then-generalise gap" },
  induction: { name: "offset_max", option: "offsetMax", vary: (x) => Math.floor(x / 2), why: "half the offset range: fewer distances between the copies, so a positional-only head does better on the repeat (about ln(R/2 + 1) instead of ln(R + 1) nats); the induction heads' transition changes depth and time" },
};

/** The metric that defines each run's transition and its minimum plateau difference (a slow drift of less is no transition). */
export const PRESET_TRANSITION: Record<TaskPreset, TransitionPlan> = {
  grokking: { metric: MODULAR_ADDITION_METRIC_NAMES.testAccuracy, min_difference: 0.4, plateau_points: null, noise_multiple: DEFAULT_NOISE_MULTIPLE, interpolation: "linear", why: "grokking is test accuracy jumping from the memorisation plateau to near 1; with ordered pairs that plateau sits near the training fraction f (the commutativity shortcut), so the jump is about 1 - f, 0.5 at the varied configuration's f = 0.5: 0.4 accepts it and rejects a slow partial rise (docs/results/grokking-probes.md probe 5: 0.003 -> 0.227)" },
  induction: { metric: INDUCTION_METRIC_NAMES.repeatedHalfLoss, min_difference: 1, plateau_points: null, noise_multiple: DEFAULT_NOISE_MULTIPLE, interpolation: "linear", why: "the induction heads' phase change is the loss on the repeated half dropping from about ln V toward 0; a drift of less than 1 nat (docs/results/grokking-probes.md I3-I5: 0.09-0.18 nats) is not the transition" },
};

export interface TaskPlanOptions extends PlanOptions {
  /** Override task options (TaskOptions fields, e.g. { modulus: 7 }; tests and small runs). Written into the plan. */
  taskOptions?: Record<string, number | string>;
}

function planTask(name: PlanTask["name"], d: TaskTrainDefaults, options: Record<string, number | string>, steps: number): PlanTask {
  const { lr: _lr, width: _w, weightDecay: _wd, steps: _s, ...train } = d;
  return { name, options, train: { ...train, warmupSteps: Math.min(d.warmupSteps, Math.floor(steps / 10)) } };
}

/** The task's default options with the split seed left to each run (resolveTaskSettings with any seed, minus splitSeed). */
function defaultTaskOptions(name: PlanTask["name"]): Record<string, number | string> {
  const resolved = resolveTaskSettings({ name }, 0) as unknown as Record<string, number | string>;
  const { name: _n, splitSeed: _s, ...rest } = resolved;
  return rest;
}

function configuration(name: string, task: PlanTask["name"], d: TaskTrainDefaults, options: Record<string, number | string>, steps: number): PlanConfiguration {
  const schedule = denseSaveSchedule(steps);
  return { name, lr: d.lr, width: d.width, weight_decay: d.weightDecay, steps, log_spaced_up_to: schedule.logSpacedUpTo, save_every: schedule.saveEvery, task: planTask(task, d, options, steps) };
}

/** The core claims of the tiny plan, judged on the base configuration (pruning is not measured on a task's data). */
function coreClaims(tiny: StudyPlan): Record<CoreClaimId, ClaimPlan> {
  const base = (c: ClaimPlan): ClaimPlan => ({ ...c, configuration: "base" });
  const c = tiny.claims;
  return {
    events_precede_quality_changes: base(c.events_precede_quality_changes),
    predict_loss_from_parameters: base(c.predict_loss_from_parameters),
    budgeted_evaluation: base(c.budgeted_evaluation),
    early_stopping: base(c.early_stopping),
    sparsification: { ...base(c.sparsification), settings: { measured: false, reason: "pruned evaluation runs on the language model's validation tokens; it is not built for the synthetic tasks, so the study skips pruning and the claim is inconclusive" } },
  };
}

/** The plan of `study --preset grokking|induction`. */
export function buildTaskPlan(preset: TaskPreset, o: TaskPlanOptions = {}): StudyPlan {
  const tiny = buildPlan({ ...o, configurations: ["base"] });
  const task = PRESET_TASK[preset];
  const d = TASK_TRAIN_DEFAULTS[task];
  const steps = o.steps ?? d.steps;
  const rule = VARIED_FACTOR_RULE[preset];
  const defaults = defaultTaskOptions(task);
  const unknownOptions = Object.keys(o.taskOptions ?? {}).filter((k) => !(k in defaults));
  if (unknownOptions.length > 0) throw new UsageError(`--task-options: ${unknownOptions.join(", ")} is not an option of the ${task} task; use ${Object.keys(defaults).join(", ")}`);
  const baseOptions = { ...defaults, ...(o.taskOptions ?? {}) };
  const baseValue = baseOptions[rule.option];
  if (typeof baseValue !== "number") throw new UsageError(`study --preset ${preset}: the task option ${rule.option} is ${String(baseValue)}, not a number`);
  const variedOptions = { ...baseOptions, [rule.option]: rule.vary(baseValue) };
  const known = [configuration("base", task, d, baseOptions, steps), configuration("varied", task, d, variedOptions, steps)];
  const names = o.configurations ?? known.map((c) => c.name);
  const unknown = names.filter((n) => !known.some((c) => c.name === n));
  if (unknown.length > 0 || names.length === 0) throw new UsageError(`--configs: unknown configuration "${unknown.join(", ")}" for --preset ${preset}; use ${known.map((c) => c.name).join(", ")}`);
  if (!names.includes("base")) throw new UsageError(`--configs: the ${preset} study needs the base configuration (the claims are judged on it); use base or base,varied`);
  const configurations = known.filter((c) => names.includes(c.name));
  const varied: VariedFactor = { name: rule.name, values: Object.fromEntries(known.map((c) => [c.name, c.task!.options[rule.option] as number])), why: rule.why };
  const claims: StudyPlan["claims"] = {
    ...coreClaims(tiny),
    parameters_announce_transition: {
      configuration: "base", primary_baseline: "the same number of signals placed at random over the eligible checkpoints (exact null, score 0.5)",
      secondary_baselines: [{ name: "the weight norm's own transition (findTransition on the total weight norm): relative lead", required: true }],
      min_effect: LEAD_SCORE_MIN_EFFECT, events: "online",
      settings: { anchor: "first", include_artefacts: false, early_warnings: false, early_warnings_why: "an early warning is tested on the checkpoints before the event it announces, so it is known no earlier than that event: counted as a signal at its own step it would use the future", eligible_from: 1, weight_norm_min_effect: LEAD_WEIGHT_NORM_MIN_EFFECT, event_kinds: [...CLAIM_EVENT_KINDS], signal: "online events (known-at step), interval not starting at step 0, optimizer artefacts left out (withoutOptimizerArtefacts)" },
    },
    predict_transition_step: {
      configuration: "base", configurations: configurations.map((c) => c.name), primary_baseline: "the mean of the other runs' ln transition steps",
      secondary_baselines: [{ name: `ridge on ${TOTAL_WEIGHT_NORM_FEATURE} alone`, required: false }], min_effect: PREDICT_TRANSITION_MIN_EFFECT, events: "none",
      settings: { cutoff_fraction: DEFAULT_TRANSITION_CUTOFF_FRACTION, features: "every stored group feature shared by the runs, and the total weight norm", baseline_features: [TOTAL_WEIGHT_NORM_FEATURE], lambda: "exact leave-one-out over the training runs", pooled: "the seeds of every configuration of the plan, leave one run out" },
    },
  };
  return { ...tiny, preset, configurations, transition: { ...PRESET_TRANSITION[preset] }, varied_factor: varied, claims };
}

/** The plan of a `study` preset: tiny (plan.ts) or a phase-transition task. */
export function buildStudyPlan(o: TaskPlanOptions & { preset?: StudyPreset } = {}): StudyPlan {
  const preset = o.preset ?? "tiny";
  if (preset === "tiny") {
    if (o.taskOptions !== undefined) throw new UsageError("study --preset tiny has no task options; they apply to --preset grokking or induction");
    return buildPlan(o);
  }
  if (preset !== "grokking" && preset !== "induction") throw new UsageError(`--preset: use tiny, grokking or induction, got "${String(preset)}"`);
  return buildTaskPlan(preset, o);
}
