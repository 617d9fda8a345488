// What the claims read about one run, as plain arrays (the claims are pure functions of this):
// analyzed steps, validation loss per step, events, parameter features, pruning rows.
import type { PruningRecord } from "../store/types.js";
import { LEAD_LAG_EVENT_KINDS } from "../quality/correlate-run.js";

/** Event kinds the claims use: the distribution events (bifurcations), as `correlate` does. Change points of
 * parameter statistics are left out: the detector finds them at nearly every checkpoint. */
export const CLAIM_EVENT_KINDS: readonly string[] = LEAD_LAG_EVENT_KINDS;
/** Event kinds that can be a run's main fork (mode merges are not forks). */
export const FORK_KINDS: readonly string[] = ["population_fork", "layer_fork", "mode_split"];

export interface StudyEvent {
  kind: string;
  tensor: string | null;
  /** First checkpoint after the event: it happened in (stepLow, step]. */
  step: number;
  stepLow: number;
  strength: number;
}

export interface StudyRunData {
  runId: string;
  /** Analyzed checkpoint steps, ascending. */
  steps: number[];
  /** Validation loss (trainer_state eval/loss) at each step; null when not evaluated. */
  valLoss: (number | null)[];
  /** All stored events with a step (every kind). */
  events: StudyEvent[];
  featureNames: string[];
  /** One row per step (aligned with steps); null where a feature is not stored. */
  features: (number | null)[][];
  pruning: PruningRecord[];
}

/**
 * Events the claims count: CLAIM_EVENT_KINDS whose interval starts at step >= 1. An interval
 * starting at step 0 contains the first optimizer step, where Adam's normalised update moves
 * every weight by about lr times its gradient's sign: that split is trivial and always there.
 */
export function claimEvents(events: readonly StudyEvent[]): StudyEvent[] {
  return events.filter((e) => CLAIM_EVENT_KINDS.includes(e.kind) && e.stepLow >= 1);
}

/** The run's main fork: the strongest FORK_KINDS event after the first step (ties: earlier); null when none. */
export function mainFork(events: readonly StudyEvent[]): StudyEvent | null {
  let best: StudyEvent | null = null;
  for (const e of claimEvents(events)) {
    if (!FORK_KINDS.includes(e.kind)) continue;
    if (best === null || e.strength > best.strength || (e.strength === best.strength && e.step < best.step)) best = e;
  }
  return best;
}

export interface PruningCheckpoint {
  step: number;
  /** "before_fork" | "after_fork" | "final" */
  position: string;
}

/**
 * Checkpoints whose pruning tolerance is measured: the last checkpoint at or before the main
 * fork's stepLow ("before_fork"), the first at or after its step ("after_fork"), and the last
 * checkpoint ("final"); a step chosen twice keeps its first position.
 */
export function pruningCheckpoints(steps: readonly number[], fork: StudyEvent | null): PruningCheckpoint[] {
  const out: PruningCheckpoint[] = [];
  const add = (step: number | undefined, position: string): void => {
    if (step !== undefined && !out.some((p) => p.step === step)) out.push({ step, position });
  };
  if (fork !== null) {
    add([...steps].reverse().find((s) => s <= fork.stepLow), "before_fork");
    add(steps.find((s) => s >= fork.step), "after_fork");
  }
  add(steps[steps.length - 1], "final");
  return out;
}

/** Finite (step, value) pairs of a series. */
export function finitePoints(steps: readonly number[], values: readonly (number | null)[]): { steps: number[]; values: number[] } {
  const s: number[] = [], v: number[] = [];
  steps.forEach((st, i) => {
    const x = values[i];
    if (typeof x === "number" && Number.isFinite(x)) { s.push(st); v.push(x); }
  });
  return { steps: s, values: v };
}
