// Online (causal) mode of the detectors: a detector run on the checkpoints up to the current one
// only, checkpoint after checkpoint; an event is reported at the first checkpoint at which it is
// detected, and that checkpoint is its "known at" step (evidence.causal, evidence.known_at_step).
// A fork that needs P persistence checkpoints is therefore known only once they have been seen,
// and every scale the detector estimates (e.g. the layer-fork noise) comes from the past.
// Additive wrapper: the detectors themselves are unchanged.
import { UsageError } from "../util/errors.js";
import type { DynamicsEvent } from "./events.js";

export interface OnlineOptions {
  /** Shortest prefix the detector is run on (checkpoints; default 2). */
  minLength?: number;
  /**
   * True when the detector reports at most one event per series (layer and population forks):
   * the first alarm is kept and later re-estimates of the same series are not new events.
   * False (default): events are told apart by kind, tensor and step.
   */
  oncePerSeries?: boolean;
}

/** The online event stream of a detector: `detectPrefix(len)` must use only checkpoints [0, len). */
export function onlineEvents(steps: readonly number[], detectPrefix: (length: number) => readonly DynamicsEvent[], options: OnlineOptions = {}): DynamicsEvent[] {
  const minLength = options.minLength ?? 2;
  if (!Number.isInteger(minLength) || minLength < 1) throw new UsageError(`onlineEvents: minLength must be a positive integer, got ${minLength}`);
  const seen = new Set<string>();
  const out: DynamicsEvent[] = [];
  for (let len = minLength; len <= steps.length; len++) {
    for (const e of detectPrefix(len)) {
      const key = options.oncePerSeries ? `${e.kind}\u0000${e.tensor}` : `${e.kind}\u0000${e.tensor}\u0000${e.step}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(markKnownAt(e, steps[len - 1]!));
    }
  }
  return out;
}

/** The event as known at `step` (>= its own step). */
export function markKnownAt(e: DynamicsEvent, step: number): DynamicsEvent {
  if (step < e.step) throw new UsageError(`markKnownAt (${e.kind}, "${e.tensor}"): known at step ${step} before the event's step ${e.step}`);
  return { ...e, evidence: { ...e.evidence, causal: true, known_at_step: step } };
}

/**
 * Known-at step of a detector whose per-checkpoint decision uses that checkpoint only and whose
 * only look ahead is a persistence window of P checkpoints from the event (population forks):
 * on a prefix, an earlier candidate with a full window would also win on the whole series, so
 * the online detector reports the same event exactly when the window is complete, at
 * steps[index of the event + P - 1]. null when the window ends after the last checkpoint.
 */
export function knownAtAfterPersistence(steps: readonly number[], eventStep: number, persistence: number): number | null {
  const i = steps.indexOf(eventStep);
  if (i < 0) return null;
  return steps[i + persistence - 1] ?? null;
}
