// Loads what the claims need about one run from the study's store: analyzed steps, validation
// loss (trainer_state eval/loss), events, parameter features, pruning rows.
import { featuresFromStore } from "../quality/store-features.js";
import type { Store } from "../store/store.js";
import type { StudyRunData } from "./run-data.js";
import { loadOnlineEvents, DEFAULT_ONLINE_SETTINGS, type OnlineEventSettings } from "./online-events.js";

/** Metric source and name under which the study stores each checkpoint's validation loss. */
export const VAL_LOSS_SOURCE = "trainer_state";
export const VAL_LOSS_METRIC = "eval/loss";

/** A run's data; with `online`, also its online events (layer forks recomputed on every prefix). */
export async function loadStudyRunData(store: Store, runId: string, online: OnlineEventSettings | null = DEFAULT_ONLINE_SETTINGS): Promise<StudyRunData> {
  const steps = (await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step).sort((a, b) => a - b);
  const loss = new Map((await store.metrics({ run: runId, source: VAL_LOSS_SOURCE, name: VAL_LOSS_METRIC })).map((m) => [m.step, m.value]));
  const events = (await store.events({ run: runId }))
    .filter((e) => e.step !== null)
    .map((e) => ({ kind: e.kind, tensor: e.tensor, step: e.step!, stepLow: e.step_low ?? e.step!, strength: e.strength ?? 0 }));
  const f = await featuresFromStore(store, runId);
  const rowAt = new Map(f.steps.map((s, i) => [s, f.rows[i]!]));
  return {
    runId, steps, valLoss: steps.map((s) => loss.get(s) ?? null), events,
    featureNames: f.featureNames, features: steps.map((s) => rowAt.get(s) ?? f.featureNames.map(() => null)),
    pruning: await store.pruning({ run: runId }),
    ...(online !== null && { onlineEvents: await loadOnlineEvents(store, runId, steps, online) }),
  };
}
