// Optimizer artefacts among detected events: splits that the optimizer's first updates make in
// a tensor that was initialised to one constant (zero biases, unit LayerNorm gains). Adam's first
// update is lr * m/sqrt(v) = lr * sign(g) per element, so such a tensor becomes c - lr and c + lr
// after step 1: a true, strong and trivial "fork". Pure; what it reads is passed in (the
// pipeline gathers it from the store in event-artefacts.ts).
//
// The rule, stated once ("first_update_sign_split"). An event is labelled when all hold:
// 1. its kind is a split: population_fork or mode_split;
// 2. the tensor's (or group's) stored statistics at step 0 show one constant value c: at least
//    two elements, no NaN or Inf, min == max (= c);
// 3. it split from that constant state within the first updates: step_low == 0 (the last
//    together checkpoint is step 0) and step <= FIRST_UPDATES_MAX_STEP;
// 4. it split by sign: the two branches at the event's step lie on opposite sides of the
//    initial value (population fork: branch centres lower < r < upper, with r = c for the value
//    and r = 0 for the displacement from step 0; mode split: the two mode locations). An event
//    whose evidence lacks these is not labelled.
// A genuine fork of a constant-initialised tensor after the first updates (step > 10) is not
// labelled; one within them cannot be told apart from stored data and is labelled.

import type { DynamicsEventKind } from "../store/vocabulary.js";

/** Name of the rule, stored in events.artefact. */
export const FIRST_UPDATE_SPLIT_RULE = "first_update_sign_split";
/**
 * Last step counted among the "first updates": Adam's first moment forgets its start with time
 * constant 1 / (1 - beta1) = 10 steps (beta1 = 0.9), so for ~10 steps the update of each element
 * keeps the sign of its first gradients. Pythia-like schedules checkpoint 1, 2, 4, 8 inside it.
 */
export const FIRST_UPDATES_MAX_STEP = 10;
/** Event kinds the rule can label (splits; merges, layer forks and change points never). */
export const ARTEFACT_EVENT_KINDS: readonly DynamicsEventKind[] = ["population_fork", "mode_split"];

/** A tensor's or group's statistics at step 0, as stored. */
export interface InitialState {
  numel: number;
  /** NaN and +-Inf elements. */
  nonFinite: number;
  min: number | null;
  max: number | null;
}

/** What the rule reads of an event (a DynamicsEvent, EventInput or EventRecord fits). */
export interface ArtefactCandidate {
  kind: DynamicsEventKind;
  tensor: string | null;
  step: number | null;
  step_low: number | null;
  evidence?: unknown;
}

/** The constant a tensor was initialised to, or null when its step-0 values were not all one value. */
export function initialConstant(initial: InitialState | undefined): number | null {
  if (initial === undefined || initial.numel < 2 || initial.nonFinite !== 0) return null;
  const { min, max } = initial;
  return min !== null && max !== null && Number.isFinite(min) && min === max ? min : null;
}

/** The two branch values at the event's step (lower, upper), from the event's evidence. */
function branchValuesAtEvent(event: ArtefactCandidate): [number, number] | null {
  const ev = (event.evidence ?? {}) as Record<string, unknown>;
  if (event.kind === "population_fork") {
    const c = ev.branch_centres as { steps?: unknown; lower?: unknown; upper?: unknown } | undefined;
    if (!c || !Array.isArray(c.steps) || !Array.isArray(c.lower) || !Array.isArray(c.upper)) return null;
    const i = c.steps.indexOf(event.step);
    const lo = c.lower[i], hi = c.upper[i];
    return i >= 0 && typeof lo === "number" && typeof hi === "number" ? [Math.min(lo, hi), Math.max(lo, hi)] : null;
  }
  const at = (ev.two_modes_at as { locations?: unknown } | undefined)?.locations;
  if (!Array.isArray(at) || at.length !== 2 || typeof at[0] !== "number" || typeof at[1] !== "number") return null;
  return [Math.min(at[0], at[1]), Math.max(at[0], at[1])];
}

/** FIRST_UPDATE_SPLIT_RULE when the event meets the rule above, else null. `initial`: the target's step-0 statistics (undefined when none are stored). */
export function optimizerArtefactOf(event: ArtefactCandidate, initial: InitialState | undefined): string | null {
  if (!ARTEFACT_EVENT_KINDS.includes(event.kind)) return null;
  if (event.step === null || event.step_low !== 0 || event.step > FIRST_UPDATES_MAX_STEP) return null;
  const c = initialConstant(initial);
  if (c === null) return null;
  const displacement = event.kind === "population_fork" && (event.evidence as { variable?: unknown } | null)?.variable === "displacement";
  const reference = displacement ? 0 : c;
  const branches = branchValuesAtEvent(event);
  return branches !== null && branches[0] < reference && reference < branches[1] ? FIRST_UPDATE_SPLIT_RULE : null;
}

/** Whether a labelled event is an optimizer artefact. */
export function isOptimizerArtefact(event: { artefact?: string | null }): boolean {
  return event.artefact !== null && event.artefact !== undefined;
}

/**
 * The events that matter: those without an optimizer-artefact label. The claims (experiments/)
 * call this on stored events unless artefacts are asked for.
 */
export function withoutOptimizerArtefacts<T extends { artefact?: string | null }>(events: readonly T[]): T[] {
  return events.filter((e) => !isOptimizerArtefact(e));
}
