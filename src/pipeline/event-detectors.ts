// One runner per detector kind over the run's stored series: population forks of kept tensors,
// mode splits/merges of tensors and groups, layer forks per role, change points per statistic;
// each event gets its early-warning verdict. The dynamics/ detectors do the maths.
import { attachEarlyWarnings, changePointEvents, type DynamicsEvent } from "../dynamics/events.js";
import { LINEAR_DEFAULT_MIN_SIZE, type CostKind } from "../dynamics/changepoints/index.js";
import type { ShortEarlyWarningOptions } from "../dynamics/ews/index.js";
import { DEFAULT_FORK_PERSISTENCE, detectLayerFork, detectPopulationFork } from "../dynamics/forks/index.js";
import { DEFAULT_MODE_PERSISTENCE, detectModeEvents } from "../dynamics/modes/index.js";
import { seriesOf, statisticOf, type EventTarget, type SeriesStatistic } from "./event-inputs.js";
import { confirmBimodality, type ValueSnapshot } from "../dynamics/modes/snapshots.js";

/** Detector settings after defaults (undefined = the dynamics/ module's default). */
export interface DetectorSettings {
  persistence: number | undefined;
  populationSeparation: number | undefined;
  layerGap: number | undefined;
  alpha: number;
  penalty: number | undefined;
  /** Change-point segment cost; "linear" fits lines in ln(1 + step). */
  changePointCost: CostKind;
  changePointStatistics: readonly SeriesStatistic[];
  layerStatistics: readonly SeriesStatistic[];
  minChangePointCheckpoints: number;
  minChangePointSegment: number;
  earlyWarning: ShortEarlyWarningOptions;
}

/**
 * Fewest checkpoints in which a population fork can be found: a together checkpoint, then the
 * persistence window (dynamics/forks/stability.ts findStableFork). Shorter series are not run.
 */
export function populationForkMinCheckpoints(s: Pick<DetectorSettings, "persistence">): number {
  return (s.persistence ?? DEFAULT_FORK_PERSISTENCE) + 1;
}

/**
 * Fewest checkpoints in which a mode split or merge can be found: the single-mode checkpoint, then
 * the persistence window (dynamics/modes/split-merge.ts findSplits, both directions). Shorter
 * series are not run, and their snapshots need not be built.
 */
export function modeEventMinCheckpoints(s: Pick<DetectorSettings, "persistence">): number {
  return (s.persistence ?? DEFAULT_MODE_PERSISTENCE) + 1;
}

/**
 * Early warnings from the finite points of `series` strictly before the event (the value at the
 * event's own step is never used by the indicators, so a placeholder stands in when missing).
 */
export function withEarlyWarning(event: DynamicsEvent, steps: readonly number[], series: readonly (number | null)[], statistic: string, options: ShortEarlyWarningOptions): DynamicsEvent {
  const before: number[] = [], values: number[] = [];
  steps.forEach((s, i) => {
    const v = series[i];
    if (s < event.step && v !== null && v !== undefined && Number.isFinite(v)) {
      before.push(s);
      values.push(v);
    }
  });
  return attachEarlyWarnings(event, [...before, event.step], [...values, values[values.length - 1] ?? 0], { ...options, statistic });
}

/** Population forks of one kept tensor: by value, and for LayerNorm gains also by displacement from the first checkpoint. */
export function populationForkEvents(target: EventTarget, steps: readonly number[], values: readonly Float32Array[], s: DetectorSettings): DynamicsEvent[] {
  const n = values[0]?.length ?? 0;
  // skipped: too short for a fork, a changing element count, or non-finite values (counted by analyze)
  if (steps.length < populationForkMinCheckpoints(s) || n < 2 || values.some((v) => v.length !== n || v.some((x) => !Number.isFinite(x)))) return [];
  const variables: ("value" | "displacement")[] = target.isLayerNormGain ? ["value", "displacement"] : ["value"];
  const events: DynamicsEvent[] = [];
  const std = new Map(target.steps.map((step, i) => [step, statisticOf(target.rows[i]!, "std")]));
  for (const variable of variables) {
    const result = detectPopulationFork(target.name, steps, values, {
      // no extra bimodality gate: the 2-means separation >= 4 with stable membership is the
      // criterion (a dip test on 32 elements rejected a clear 5.9-separation fork at its first checkpoint)
      variable,
      ...(s.persistence !== undefined && { persistence: s.persistence }),
      ...(s.populationSeparation !== undefined && { separation: s.populationSeparation }),
    });
    if (result.event === null) continue;
    events.push(withEarlyWarning(result.event, steps, steps.map((step) => std.get(step) ?? null), "std", s.earlyWarning));
  }
  return events;
}

/** Mode splits and merges of one tensor or group from its snapshots (exact or histogram-based). */
export function modeEvents(target: EventTarget, steps: readonly number[], snapshots: readonly ValueSnapshot[], exact: boolean, s: DetectorSettings): DynamicsEvent[] {
  if (steps.length < modeEventMinCheckpoints(s)) return [];
  const { events } = detectModeEvents(target.name, steps, snapshots, {
    confirm: (checkpoint) => confirmBimodality(snapshots[checkpoint]!, s.alpha, exact),
    ...(s.persistence !== undefined && { persistence: s.persistence }),
  });
  const std = new Map(target.steps.map((step, i) => [step, statisticOf(target.rows[i]!, "std")]));
  const methods = [...new Set(snapshots.map((x) => x.method.replace(/ \(seed \d+\)/, "")))];
  return events.map((e) => withEarlyWarning({ ...e, evidence: { ...e.evidence, target: target.target, density_method: methods } }, steps, steps.map((step) => std.get(step) ?? null), "std", s.earlyWarning));
}

/** Role groups (role.kind) with at least two layers, each layer's tensor (the first one per layer). */
export function layersByRole(tensors: readonly EventTarget[]): Map<string, Map<number, EventTarget>> {
  const roles = new Map<string, Map<number, EventTarget>>();
  for (const t of tensors) {
    if (t.layer === null || t.roleGroup === null) continue;
    const layers = roles.get(t.roleGroup) ?? new Map<number, EventTarget>();
    if (!layers.has(t.layer)) layers.set(t.layer, t);
    roles.set(t.roleGroup, layers);
  }
  return roles;
}

/** Layer forks: for each role and statistic, the layers' series on the steps where all are defined. */
export function layerForkEvents(tensors: readonly EventTarget[], matches: (name: string) => boolean, minCheckpoints: number, s: DetectorSettings): DynamicsEvent[] {
  const events: DynamicsEvent[] = [];
  for (const [role, layerMap] of [...layersByRole(tensors)].sort(([a], [b]) => a.localeCompare(b))) {
    if (layerMap.size < 2 || !matches(role)) continue;
    const layers = [...layerMap].sort(([a], [b]) => a - b).map(([, t]) => t);
    for (const statistic of s.layerStatistics) {
      const perLayer = layers.map((t) => {
        const series = seriesOf(t, statistic);
        return new Map(series.steps.map((step, i) => [step, series.values[i]!]));
      });
      const steps = [...perLayer[0]!.keys()].filter((step) => perLayer.every((m) => m.has(step))).sort((a, b) => a - b);
      if (steps.length < minCheckpoints) continue;
      const series = perLayer.map((m) => steps.map((step) => m.get(step)!));
      const result = detectLayerFork(role, steps, series, {
        ...(s.persistence !== undefined && { persistence: s.persistence }),
        ...(s.layerGap !== undefined && { gap: s.layerGap }),
      });
      if (result.event === null) continue;
      const spread = steps.map((_, t) => {
        const column = series.map((l) => l[t]!);
        const mean = column.reduce((a, b) => a + b, 0) / column.length;
        return Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length);
      });
      const event = { ...result.event, evidence: { ...result.event.evidence, statistic, layer_indices: layers.map((t) => t.layer), tensors: layers.map((t) => t.name) } };
      events.push(withEarlyWarning(event, steps, spread, `spread across layers of ${statistic}`, s.earlyWarning));
    }
  }
  return events;
}

/** Change points (PELT, the settings' cost, default penalty of dynamics/changepoints unless overridden) of each statistic series of a target. */
export function changePointEventsOf(target: EventTarget, s: DetectorSettings): DynamicsEvent[] {
  const events: DynamicsEvent[] = [];
  for (const statistic of s.changePointStatistics) {
    const { steps, values } = seriesOf(target, statistic);
    if (steps.length < s.minChangePointCheckpoints) continue;
    if (values.every((v) => v === values[0])) continue; // constant: nothing to segment
    const found = changePointEvents(target.name, statistic, steps, values, {
      method: "pelt", cost: s.changePointCost, ...(s.penalty !== undefined && { penalty: s.penalty }),
      // a line through 2 points fits exactly, so linear segments have at least 3
      minSize: s.changePointCost === "linear" ? Math.max(s.minChangePointSegment, LINEAR_DEFAULT_MIN_SIZE) : s.minChangePointSegment,
    });
    for (const e of found) {
      const event = { ...e, evidence: { ...e.evidence, target: target.target, ...(target.groupKind !== null && { group_kind: target.groupKind }) } };
      events.push(withEarlyWarning(event, steps, values, statistic, s.earlyWarning));
    }
  }
  return events;
}
