// Loads what the claims need about one run from the study's store: analyzed steps, validation
// loss (trainer_state eval/loss), events, parameter features, pruning rows; for the phase-transition
// presets also the run's transition, its metric series and the total weight norm, with optimizer
// artefacts left out of the events (the tiny preset's data are unchanged).
import { withoutOptimizerArtefacts } from "../dynamics/artefacts.js";
import { featuresFromStore } from "../quality/store-features.js";
import type { Transition } from "../quality/transition.js";
import type { Store } from "../store/store.js";
import type { TransitionRecord } from "../store/types.js";
import type { StudyRunData } from "./run-data.js";
import { loadOnlineEvents, DEFAULT_ONLINE_SETTINGS, type OnlineEventSettings } from "./online-events.js";
import { TOTAL_WEIGHT_NORM_FEATURE } from "./plan-tasks.js";

/** Metric source and name under which the study stores each checkpoint's validation loss. */
export const VAL_LOSS_SOURCE = "trainer_state";
export const VAL_LOSS_METRIC = "eval/loss";

export interface StudyDataOptions {
  /** A phase-transition preset's run: artefacts left out, transition and weight norm loaded, the weight norm added to the features. */
  phaseTransition?: boolean;
}

/** A stored transitions row as findTransition's result (what the claims read). */
export function transitionOfRecord(r: TransitionRecord): Transition {
  const base = { before: r.before ?? NaN, after: r.after ?? NaN, noise: r.noise ?? NaN, plateauPoints: typeof r.detail["plateau_points"] === "number" ? r.detail["plateau_points"] : 0 };
  if (!r.found || r.step === null || r.step_low === null || r.step_high === null) return { found: false, reason: typeof r.detail["reason"] === "string" ? r.detail["reason"] : "not found", ...base };
  return {
    found: true, step: r.step, interval: [r.step_low, r.step_high], direction: r.detail["direction"] === "up" ? "up" : "down",
    halfway: typeof r.detail["halfway"] === "number" ? r.detail["halfway"] : (base.before + base.after) / 2, misplaced: typeof r.detail["misplaced"] === "number" ? r.detail["misplaced"] : 0, ...base,
  };
}

/** A run's data; with `online`, also its online events (layer forks recomputed on every prefix). */
export async function loadStudyRunData(store: Store, runId: string, online: OnlineEventSettings | null = DEFAULT_ONLINE_SETTINGS, o: StudyDataOptions = {}): Promise<StudyRunData> {
  const phase = o.phaseTransition === true;
  const steps = (await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step).sort((a, b) => a - b);
  const loss = new Map((await store.metrics({ run: runId, source: VAL_LOSS_SOURCE, name: VAL_LOSS_METRIC })).map((m) => [m.step, m.value]));
  const stored = (await store.events({ run: runId })).filter((e) => e.step !== null);
  const kept = phase ? withoutOptimizerArtefacts(stored) : stored;
  const events = kept.map((e) => ({ kind: e.kind, tensor: e.tensor, step: e.step!, stepLow: e.step_low ?? e.step!, strength: e.strength ?? 0 }));
  const f = await featuresFromStore(store, runId);
  const rowAt = new Map(f.steps.map((s, i) => [s, f.rows[i]!]));
  const data: StudyRunData = {
    runId, steps, valLoss: steps.map((s) => loss.get(s) ?? null), events,
    featureNames: f.featureNames, features: steps.map((s) => rowAt.get(s) ?? f.featureNames.map(() => null)),
    pruning: await store.pruning({ run: runId }),
    ...(online !== null && { onlineEvents: await loadOnlineEvents(store, runId, steps, online, { dropArtefacts: phase }) }),
  };
  return phase ? { ...data, ...(await phaseTransitionData(store, runId, steps, data)), artefactsExcluded: stored.length - kept.length } : data;
}

/** The transition, its metric series and the total weight norm of a run, and its features with the weight norm appended. */
async function phaseTransitionData(store: Store, runId: string, steps: readonly number[], data: StudyRunData): Promise<Partial<StudyRunData>> {
  const row = (await store.transitions({ run: runId }))[0];
  const norms = new Map((await store.groupStats({ run: runId, groupKind: "model" })).map((g) => [g.step, g.l2]));
  const weightNorm = steps.map((s) => norms.get(s) ?? null);
  const out: Partial<StudyRunData> = {
    transition: row === undefined ? null : transitionOfRecord(row), weightNorm,
    featureNames: [...data.featureNames, TOTAL_WEIGHT_NORM_FEATURE], features: data.features.map((r, i) => [...r, weightNorm[i]!]),
  };
  if (row !== undefined) {
    const m = (await store.metrics({ run: runId, source: row.source })).filter((x) => x.name === row.metric && x.value !== null && Number.isFinite(x.value)).sort((a, b) => a.step - b.step);
    out.transitionSeries = { metric: row.metric, steps: m.map((x) => x.step), values: m.map((x) => x.value!) };
  }
  return out;
}
