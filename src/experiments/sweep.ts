// The study's training runs: every configuration of the plan x its development and held-out
// seeds (seeds of fixed configurations are the replicates), and the options each one trains with.
// Pure.
import type { TrainOptions } from "../model/index.js";
import { plannedRuns, type StudyPlan } from "./plan.js";

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
}

/** The runs of a plan, in its order (per configuration: development seeds, then held-out seeds). */
export function sweepFromPlan(plan: StudyPlan): SweepRun[] {
  return plannedRuns(plan).map((r) => ({
    name: r.name, configuration: r.configuration.name, role: r.role, lr: r.configuration.lr, width: r.configuration.width,
    weightDecay: r.configuration.weight_decay, seed: r.seed, steps: r.configuration.steps,
    saveSchedule: { logSpacedUpTo: r.configuration.log_spaced_up_to, saveEvery: r.configuration.save_every },
    ...(r.configuration.eval_tokens !== undefined && { evalTokens: r.configuration.eval_tokens }),
  }));
}

/** Training options of one sweep run. */
export function sweepTrainOptions(run: SweepRun, runDir: string, o: { threads?: number } = {}): TrainOptions {
  return {
    out: runDir, preset: "tiny", lr: run.lr, width: run.width, weightDecay: run.weightDecay, seed: run.seed, steps: run.steps,
    saveSchedule: { ...run.saveSchedule },
    ...(run.evalTokens !== undefined && { evalTokens: run.evalTokens }),
    ...(o.threads !== undefined && { threads: o.threads }),
  };
}
