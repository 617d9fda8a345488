// Online (causal) events stored beside the offline ones: each event of a run with the checkpoint
// at which an online detector knows it (online-events.ts), written to the store's online_events
// table so that `events --online` and the report can show both. Replacing a run's events (a new
// analysis, `events --recompute`) drops them; they are recomputed on request.
import { EVENT_KINDS, type DynamicsEventKind } from "../store/vocabulary.js";
import type { OnlineEventInput } from "../store/types.js";
import type { Store } from "../store/store.js";
import { loadOnlineEvents, DEFAULT_ONLINE_SETTINGS, type OnlineEventSettings } from "./online-events.js";
import type { StudyEvent } from "./run-data.js";

const isEventKind = (k: string): k is DynamicsEventKind => (EVENT_KINDS as readonly string[]).includes(k);

const keyOf = (kind: string, tensor: string | null, step: number | null): string => `${kind}\u0000${tensor ?? ""}\u0000${step ?? ""}`;

/**
 * Study events with a known-at step as store rows (events never known online are left out); each
 * carries the artefact label of the offline event of the same kind, tensor and step (online layer
 * forks, re-detected on prefixes, have none). Pure.
 */
export function onlineEventRows(events: readonly StudyEvent[], offline: readonly { kind: string; tensor: string | null; step: number | null; artefact?: string | null }[] = []): OnlineEventInput[] {
  const artefactOf = new Map(offline.map((e) => [keyOf(e.kind, e.tensor, e.step), e.artefact ?? null]));
  const rows: OnlineEventInput[] = [];
  for (const e of events) {
    if (e.knownAt === undefined || !isEventKind(e.kind)) continue;
    rows.push({ kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.stepLow, strength: e.strength, known_at: e.knownAt, artefact: artefactOf.get(keyOf(e.kind, e.tensor, e.step)) ?? null });
  }
  return rows;
}

/** Computes a run's online events from its stored statistics and events, stores them, and returns them as stored rows. */
export async function recomputeOnlineEvents(store: Store, runId: string, settings: OnlineEventSettings = DEFAULT_ONLINE_SETTINGS): Promise<OnlineEventInput[]> {
  const steps = (await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step).sort((a, b) => a - b);
  const rows = onlineEventRows(await loadOnlineEvents(store, runId, steps, settings), await store.events({ run: runId }));
  await store.replaceOnlineEvents(runId, rows);
  return rows;
}
