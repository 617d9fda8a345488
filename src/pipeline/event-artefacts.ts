// Labels events that are optimizer artefacts (dynamics/artefacts.ts: the first-update sign split
// of a constant-initialised tensor) from what the store holds: the step-0 statistics of each
// tensor and group. Used when events are stored and when stored events are read (an older store
// holds events stored before the label existed; the rule gives the same answer either way).
import { optimizerArtefactOf, type ArtefactCandidate, type InitialState } from "../dynamics/artefacts.js";
import type { Store } from "../store/store.js";

/** Step-0 statistics of a run's tensors and groups, by the name events carry (tensor name; group_name for groups). */
export interface InitialStates {
  tensors: Map<string, InitialState>;
  groups: Map<string, InitialState>;
}

/**
 * The run's step-0 statistics (empty maps when step 0 was not analyzed); with `names`, only of
 * those tensors and groups (the events' own: 20,000 tensors' rows are not held for a few events).
 * Only the four numbers the rule reads are read.
 */
export async function initialStatesOf(store: Store, runId: string, names?: ReadonlySet<string>): Promise<InitialStates> {
  const tensors = new Map<string, InitialState>(), groups = new Map<string, InitialState>();
  const complete = (await store.listCheckpoints(runId, { completeOnly: true })).some((c) => c.step === 0);
  if (!complete) return { tensors, groups };
  const wanted = (name: string) => names === undefined || names.has(name);
  await store.forEachInitialState({ run: runId, step: 0, groups: false }, ({ name, ...state }) => {
    if (wanted(name)) tensors.set(name, state);
  });
  await store.forEachInitialState({ run: runId, step: 0, groups: true }, ({ name, ...state }) => {
    if (wanted(name) && !groups.has(name)) groups.set(name, state);
  });
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
  const initial = await initialStatesOf(store, runId, new Set(events.flatMap((e) => (e.tensor === null ? [] : [e.tensor]))));
  return events.map((e) => ({ ...e, artefact: e.artefact ?? artefactLabel(e, initial) }));
}
