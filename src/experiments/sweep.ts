// The study's training runs: every configuration of the plan x its development and held-out
// seeds (seeds of fixed configurations are the replicates), and the options each one trains with.
// Pure.
import type { TrainOptions } from "../model/index.js";
import { plannedRuns, type PlanTask, type StudyPlan } from "./plan.js";

/** Largest number of runs `study` accepts (each tiny run is minutes of CPU). */
export const MAX_STUDY_RUNS = 160;

export interface SweepRun {
  /** Run name: also its folder under `<out>/runs/` and its run id in the store. */
  name: string;
  /** The plan configuration it belongs to. */
  configuration: string;
  role: "development" | "heldout";
  lr: number;
  width: number;
  weightDecay: number;
  seed: number;
  steps: number;
  saveSchedule: { logSpacedUpTo: number; saveEvery: number };
  /** Validation tokens per checkpoint evaluation (absent: the preset's). */
  evalTokens?: number;
  /** The synthetic task of a grokking / induction plan; absent: the tiny language model. */
  task?: PlanTask;
}

/** The runs of a plan, in its order (per configuration: development seeds, then held-out seeds). */
export function sweepFromPlan(plan: StudyPlan): SweepRun[] {
  return plannedRuns(plan).map((r) => ({
    name: r.name, configuration: r.configuration.name, role: r.role, lr: r.configuration.lr, width: r.configuration.width,
    weightDecay: r.configuration.weight_decay, seed: r.seed, steps: r.configuration.steps,
    saveSchedule: { logSpacedUpTo: r.configuration.log_spaced_up_to, saveEvery: r.configuration.save_every },
    ...(r.configuration.eval_tokens !== undefined && { evalTokens: r.configuration.eval_tokens }),
    ...(r.configuration.task !== undefined && { task: r.configuration.task }),
  }));
}

/** Training options of one sweep run. */
export function sweepTrainOptions(run: SweepRun, runDir: string, o: { threads?: number } = {}): TrainOptions {
  if (run.task !== undefined) return taskTrainOptions(run, run.task, runDir, o);
  return {
    out: runDir, preset: "tiny", lr: run.lr, width: run.width, weightDecay: run.weightDecay, seed: run.seed, steps: run.steps,
    saveSchedule: { ...run.saveSchedule },
    ...(run.evalTokens !== undefined && { evalTokens: run.evalTokens }),
    ...(o.threads !== undefined && { threads: o.threads }),
  };
}

/**
 * Training options of a synthetic-task run: every setting from the plan (none left to the trainer's
 * defaults); the recipe's fields are TrainOptions' names, except minLrFraction (-> minLr) and a
 * null batchSize (the whole training split).
 */
function taskTrainOptions(run: SweepRun, t: PlanTask, runDir: string, o: { threads?: number }): TrainOptions {
  const { minLrFraction, batchSize, ...recipe } = t.train;
  return {
    out: runDir, task: { name: t.name, ...t.options } as NonNullable<TrainOptions["task"]>, seed: run.seed, steps: run.steps, lr: run.lr, width: run.width, weightDecay: run.weightDecay,
    ...recipe, minLr: run.lr * minLrFraction,
    ...(batchSize !== null && { batchSize }),
    saveSchedule: { ...run.saveSchedule },
    ...(o.threads !== undefined && { threads: o.threads }),
  };
}
