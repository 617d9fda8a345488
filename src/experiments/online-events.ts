// The study's online (causal) events of a run, for the timing claims: each event with the
// checkpoint at which it became known using only checkpoints up to that one.
//  - layer forks: recomputed online from the stored statistics (dynamics/online.ts): the
//    detector runs on every prefix, so its noise scale comes from the past;
//  - population forks: the stored event, known at the checkpoint completing its persistence
//    window (the detector's only look ahead; see knownAtAfterPersistence);
//  - mode splits: the stored event, known at its last confirming checkpoint;
//  - mode merges: the stored event, known once the single mode has been seen for the detector's
//    DEFAULT_MIN_CHECKPOINTS_BEFORE checkpoints from the merge (the whole-series detector checks them
//    to reject a mode that vanishes for one checkpoint; on a prefix ending at the merge that check
//    is cut short, so a one-checkpoint dip and a real merge look the same there).
import { detectLayerFork } from "../dynamics/forks/layer.js";
import { knownAtAfterPersistence, onlineEvents } from "../dynamics/online.js";
import { DEFAULT_MIN_CHECKPOINTS_BEFORE } from "../dynamics/modes/split-merge.js";
import type { DynamicsEvent } from "../dynamics/events.js";
import { withoutOptimizerArtefacts } from "../dynamics/artefacts.js";
import { loadRunInputs, seriesOf, type EventTarget, type RunInputs, type SeriesStatistic } from "../pipeline/event-inputs.js";
import { layersByRole } from "../pipeline/event-detectors.js";
import { DEFAULT_LAYER_FORK_STATISTICS, MIN_LAYER_FORK_CHECKPOINTS } from "../pipeline/events.js";
import type { Store } from "../store/store.js";
import type { DynamicsEventKind } from "../store/vocabulary.js";
import type { StudyEvent } from "./run-data.js";

export interface OnlineEventSettings {
  persistence: number;
  layerGap: number;
  layerStatistics: readonly SeriesStatistic[];
}

export const DEFAULT_ONLINE_SETTINGS: OnlineEventSettings = { persistence: 3, layerGap: 4, layerStatistics: DEFAULT_LAYER_FORK_STATISTICS };

/** Roles with at least two layers, sorted, each with its layers' first tensors in layer order (the pipeline's layer-fork grouping). */
function layersByRoleSorted(tensors: readonly EventTarget[]): [string, EventTarget[]][] {
  return [...layersByRole(tensors)].filter(([, m]) => m.size >= 2).sort(([a], [b]) => a.localeCompare(b)).map(([role, m]) => [role, [...m].sort(([a], [b]) => a - b).map(([, t]) => t)]);
}

const toStudy = (e: DynamicsEvent, knownAt: number): StudyEvent => ({ kind: e.kind, tensor: e.tensor, step: e.step, stepLow: e.step_low, strength: e.strength, knownAt });

/** Online layer forks of every role and statistic. Pure. */
export function onlineLayerForks(inputs: Pick<RunInputs, "tensors">, s: OnlineEventSettings = DEFAULT_ONLINE_SETTINGS): StudyEvent[] {
  const out: StudyEvent[] = [];
  for (const [role, layers] of layersByRoleSorted(inputs.tensors)) {
    for (const statistic of s.layerStatistics) {
      const perLayer = layers.map((t) => { const x = seriesOf(t, statistic); return new Map(x.steps.map((step, i) => [step, x.values[i]!])); });
      const steps = [...perLayer[0]!.keys()].filter((step) => perLayer.every((m) => m.has(step))).sort((a, b) => a - b);
      if (steps.length < MIN_LAYER_FORK_CHECKPOINTS) continue;
      const series = perLayer.map((m) => steps.map((step) => m.get(step)!));
      const events = onlineEvents(steps, (len) => {
        const r = detectLayerFork(`${role}|${statistic}`, steps.slice(0, len), series.map((l) => l.slice(0, len)), { persistence: s.persistence, gap: s.layerGap });
        return r.event === null ? [] : [r.event];
      }, { minLength: MIN_LAYER_FORK_CHECKPOINTS, oncePerSeries: true });
      for (const e of events) out.push({ ...toStudy(e, e.evidence["known_at_step"] as number), tensor: role });
    }
  }
  return out;
}

const evidenceOf = (v: unknown): Record<string, unknown> => {
  if (typeof v === "string") { try { return JSON.parse(v) as Record<string, unknown>; } catch { return {}; } }
  return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {};
};

/**
 * Checkpoint at which a merge at `step` is confirmed: the single mode seen at
 * DEFAULT_MIN_CHECKPOINTS_BEFORE checkpoints from the merge, or at every checkpoint left when fewer
 * remain (the whole-series detector then had no more either).
 */
export function mergeConfirmedAt(steps: readonly number[], step: number): number {
  const i = steps.indexOf(step);
  if (i < 0) return step;
  return steps[Math.min(i + DEFAULT_MIN_CHECKPOINTS_BEFORE - 1, steps.length - 1)]!;
}

/** Online versions of stored population forks and mode events (null known-at: not yet known at the last checkpoint, dropped). Pure. */
export function onlineFromStored(steps: readonly number[], stored: readonly { kind: DynamicsEventKind; tensor: string | null; step: number | null; step_low: number | null; strength: number | null; evidence: unknown }[], persistence: number): StudyEvent[] {
  const out: StudyEvent[] = [];
  for (const e of stored) {
    if (e.step === null) continue;
    let knownAt: number | null = null;
    if (e.kind === "population_fork") knownAt = knownAtAfterPersistence(steps, e.step, persistence);
    else if (e.kind === "mode_split" || e.kind === "mode_merge") {
      const confirming = evidenceOf(e.evidence)["confirming_steps"];
      const list = Array.isArray(confirming) ? confirming.filter((x): x is number => typeof x === "number") : [];
      knownAt = Math.max(e.step, ...list);
      if (e.kind === "mode_merge") knownAt = Math.max(knownAt, mergeConfirmedAt(steps, e.step));
    }
    if (knownAt === null) continue;
    out.push({ kind: e.kind, tensor: e.tensor, step: e.step, stepLow: e.step_low ?? e.step, strength: e.strength ?? 0, knownAt });
  }
  return out;
}

/**
 * Every online event of a run from the store, sorted by known-at step; with `dropArtefacts` (the
 * phase-transition presets) stored events labelled as optimizer artefacts are left out.
 */
export async function loadOnlineEvents(store: Store, runId: string, steps: readonly number[], s: OnlineEventSettings = DEFAULT_ONLINE_SETTINGS, o: { dropArtefacts?: boolean } = {}): Promise<StudyEvent[]> {
  const all = await store.events({ run: runId });
  const stored = o.dropArtefacts === true ? withoutOptimizerArtefacts(all) : all;
  const inputs = await loadRunInputs(store, runId);
  return [...onlineFromStored(steps, stored, s.persistence), ...onlineLayerForks(inputs, s)].sort((a, b) => a.knownAt! - b.knownAt! || a.step - b.step);
}
