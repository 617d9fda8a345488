// What the claims read about one run, as plain arrays (the claims are pure functions of this):
// analyzed steps, validation loss per step, events, parameter features, pruning rows.
import type { PruningRecord } from "../store/types.js";
import type { DynamicsEventKind } from "../store/vocabulary.js";
import type { Transition } from "../quality/transition.js";
import { LEAD_LAG_EVENT_KINDS } from "../quality/correlate-run.js";

/** Event kinds the claims use: the distribution events (bifurcations), as `correlate` does. Change points of
 * parameter statistics are left out: the detector finds them at nearly every checkpoint. */
export const CLAIM_EVENT_KINDS: readonly DynamicsEventKind[] = LEAD_LAG_EVENT_KINDS;
/**
 * The kind of a run's main fork. One kind only: strengths of different kinds are on different
 * scales (a layer fork's gap in noise sigmas, 59-90 on the tiny runs, against a population fork's
 * 2-means separation, about 5), so "the strongest fork" across kinds always picked a layer fork.
 */
export const MAIN_FORK_KIND = "layer_fork";

export interface StudyEvent {
  kind: DynamicsEventKind;
  tensor: string | null;
  /** First checkpoint after the event: it happened in (stepLow, step]. */
  step: number;
  stepLow: number;
  strength: number;
  /** Online events: the checkpoint at which the event became known (only checkpoints up to it were used). */
  knownAt?: number;
}

export interface StudyRunData {
  runId: string;
  /** Plan configuration and role of the run (absent: a run outside a plan, e.g. in tests). */
  configuration?: string;
  role?: "development" | "heldout";
  /** The run's seed (absent: a run outside a plan). */
  seed?: number;
  /** Analyzed checkpoint steps, ascending. */
  steps: number[];
  /** Validation loss (trainer_state eval/loss) at each step; null when not evaluated. */
  valLoss: (number | null)[];
  /** All stored events with a step (every kind), as the offline detectors found them. */
  events: StudyEvent[];
  /** Online events (known-at set: only checkpoints up to it used), for the timing claims; absent: offline events are used. */
  onlineEvents?: StudyEvent[];
  featureNames: string[];
  /** One row per step (aligned with steps); null where a feature is not stored. */
  features: (number | null)[][];
  pruning: PruningRecord[];
  /** Task presets: the run's quality transition (the stored transitions row; null: no transition metric). */
  transition?: Transition | null;
  /** Task presets: the metric series that defines the transition (finite points). */
  transitionSeries?: { metric: string; steps: number[]; values: number[] };
  /** Task presets: the total weight norm (L2 over every analysed parameter) at each step. */
  weightNorm?: (number | null)[];
  /** Task presets: stored events left out as optimizer artefacts (withoutOptimizerArtefacts). */
  artefactsExcluded?: number;
}

/**
 * Events the claims count: CLAIM_EVENT_KINDS whose interval starts at step >= 1. An interval
 * starting at step 0 contains the first optimizer step, where Adam's normalised update moves
 * every weight by about lr times its gradient's sign: that split is trivial and always there.
 */
export function claimEvents(events: readonly StudyEvent[]): StudyEvent[] {
  return events.filter((e) => CLAIM_EVENT_KINDS.includes(e.kind) && e.stepLow >= 1);
}

/**
 * The run's main fork, by the plan's fixed rule: the earliest MAIN_FORK_KIND event after the first
 * step, earliest by the step at which it became known (online events; offline: its step), then by
 * its step, then by tensor name; null when none.
 */
export function mainFork(events: readonly StudyEvent[]): StudyEvent | null {
  const at = (e: StudyEvent): number => e.knownAt ?? e.step;
  const forks = claimEvents(events).filter((e) => e.kind === MAIN_FORK_KIND);
  forks.sort((a, b) => at(a) - at(b) || a.step - b.step || (a.tensor ?? "").localeCompare(b.tensor ?? ""));
  return forks[0] ?? null;
}

export interface PruningCheckpoint {
  step: number;
  /** "before_fork" | "after_fork" | "final" */
  position: string;
}

/** The fork's pair of checkpoints: the last at or before its stepLow, the first at or after the step it became known. */
export function forkPair(steps: readonly number[], fork: StudyEvent | null): { before: number; after: number } | null {
  if (fork === null) return null;
  const before = [...steps].reverse().find((s) => s <= fork.stepLow);
  const after = steps.find((s) => s >= (fork.knownAt ?? fork.step));
  return before === undefined || after === undefined || after <= before ? null : { before, after };
}

/**
 * Checkpoints whose pruning tolerance is measured: the main fork's pair ("before_fork",
 * "after_fork", see forkPair), the last checkpoint ("final"), and the placebo steps (the other
 * seeds' fork pairs, "placebo"), present in `steps`; a step chosen twice keeps its first position.
 */
export function pruningCheckpoints(steps: readonly number[], fork: StudyEvent | null, placebo: readonly number[] = []): PruningCheckpoint[] {
  const out: PruningCheckpoint[] = [];
  const add = (step: number | undefined, position: string): void => {
    if (step !== undefined && steps.includes(step) && !out.some((p) => p.step === step)) out.push({ step, position });
  };
  const pair = forkPair(steps, fork);
  if (pair !== null) {
    add(pair.before, "before_fork");
    add(pair.after, "after_fork");
  }
  add(steps[steps.length - 1], "final");
  for (const s of [...placebo].sort((a, b) => a - b)) add(s, "placebo");
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
