// Labels events that are optimizer artefacts (dynamics/artefacts.ts: the first-update sign split
// of a constant-initialised tensor) from what the store holds: the step-0 statistics of each
// tensor and group. Used when events are stored and when stored events are read (an older store
// holds events stored before the label existed; the rule gives the same answer either way).
import { optimizerArtefactOf, type ArtefactCandidate, type InitialState } from "../dynamics/artefacts.js";
import type { Store } from "../store/store.js";
import type { StatValues } from "../store/types.js";

/** Step-0 statistics of a run's tensors and groups, by the name events carry (tensor name; group_name for groups). */
export interface InitialStates {
  tensors: Map<string, InitialState>;
  groups: Map<string, InitialState>;
}

function initialOf(row: StatValues): InitialState {
  return { numel: row.numel, nonFinite: row.nan_count + row.posinf_count + row.neginf_count, min: row.min, max: row.max };
}

/** The run's step-0 statistics (empty maps when step 0 was not analyzed). */
export async function initialStatesOf(store: Store, runId: string): Promise<InitialStates> {
  const tensors = new Map<string, InitialState>(), groups = new Map<string, InitialState>();
  const complete = (await store.listCheckpoints(runId, { completeOnly: true })).some((c) => c.step === 0);
  if (!complete) return { tensors, groups };
  for (const row of await store.tensorStats({ run: runId, step: 0 })) tensors.set(row.tensor, initialOf(row));
  for (const row of await store.groupStats({ run: runId, step: 0 })) if (!groups.has(row.group_name)) groups.set(row.group_name, initialOf(row));
  return { tensors, groups };
}

function isGroupEvent(e: ArtefactCandidate): boolean {
  return (e.evidence as { target?: unknown } | null | undefined)?.target === "group";
}

/** The rule's label of one event given the run's step-0 statistics. */
export function artefactLabel(e: ArtefactCandidate, initial: InitialStates): string | null {
  if (e.tensor === null) return null;
  const state = isGroupEvent(e) ? initial.groups.get(e.tensor) : initial.tensors.get(e.tensor) ?? initial.groups.get(e.tensor);
  return optimizerArtefactOf(e, state);
}

/** The events with `artefact` set by the rule (a label already stored is kept). */
export async function labelOptimizerArtefacts<T extends ArtefactCandidate & { artefact?: string | null }>(store: Store, runId: string, events: readonly T[]): Promise<Array<T & { artefact: string | null }>> {
  if (events.length === 0) return [];
  const initial = await initialStatesOf(store, runId);
  return events.map((e) => ({ ...e, artefact: e.artefact ?? artefactLabel(e, initial) }));
}
