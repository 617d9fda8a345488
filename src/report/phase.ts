// The "Phase transition" view's data: the quality metric that defines the run's transition (the
// stored transitions row), with parameter-side features on the same checkpoints: the total
// weight norm (L2 over all analysed parameters, the weight-norm measure of Nanda et al. 2023),
// the weight norm of each layer, and the number of detected events per checkpoint with the
// optimizer artefacts left out. Pure: built from a ReportRun the adapter already filled.
import type { TransitionRecord } from "../store/types.js";
import type { ReportMetric, ReportPhase, ReportPhaseFeature, ReportRun, ReportTransition } from "./data.js";

/** Name of the total-weight-norm feature. */
export const TOTAL_NORM_FEATURE = "total weight norm (L2, all parameters)";
/** Name of the events-per-checkpoint feature. */
export const EVENT_COUNT_FEATURE = "events per checkpoint (optimizer artefacts left out)";

/** The transition as the page draws it. */
export function reportTransition(t: TransitionRecord): ReportTransition {
  const out: ReportTransition = {
    metric: t.metric, source: t.source, found: t.found, step: t.step,
    interval: t.step_low !== null && t.step_high !== null ? [t.step_low, t.step_high] : null,
    before: t.before, after: t.after, noise: t.noise, halfway: t.before !== null && t.after !== null && t.found ? (t.before + t.after) / 2 : null,
  };
  if (!t.found && typeof t.detail.reason === "string") out.reason = t.detail.reason;
  return out;
}

/** Key of a metric series in ReportRun.metrics (from-store.ts names them "<name> (<source>)"). */
export function metricKey(name: string, source: string): string {
  return source ? `${name} (${source})` : name;
}

function l2Feature(run: ReportRun, tensorName: string, name: string): ReportPhaseFeature | null {
  const values = run.tensors.find((t) => t.kind === "group" && t.name === tensorName)?.stats.l2;
  if (values === undefined || !values.some((v) => v !== null)) return null;
  return { name, panel: "norm", steps: [...run.steps], values: [...values] };
}

/** Events of the run at each of its steps, artefacts left out (an event between checkpoints counts at the next one). */
export function eventCounts(run: ReportRun): number[] {
  const counts = run.steps.map(() => 0);
  for (const e of run.events) {
    if (e.artefact !== undefined) continue;
    const i = run.steps.findIndex((s) => s >= e.step);
    if (i >= 0) counts[i]!++;
  }
  return counts;
}

/** The view of one run, or undefined when it has no transition row or the metric's series is missing. */
export function phaseView(run: ReportRun, transition: TransitionRecord | undefined): ReportPhase | undefined {
  if (transition === undefined) return undefined;
  const series = run.metrics.find((m) => m.name === metricKey(transition.metric, transition.source));
  if (series === undefined) return undefined;
  const metric: ReportMetric = { name: transition.metric, steps: [...series.steps], values: [...series.values] };
  const features: ReportPhaseFeature[] = [];
  const total = l2Feature(run, "model:model", TOTAL_NORM_FEATURE);
  if (total !== null) features.push(total);
  const layers = run.tensors.filter((t) => t.kind === "group" && t.groupKind === "layer").sort((a, b) => (a.layer ?? 0) - (b.layer ?? 0));
  for (const g of layers) {
    const f = l2Feature(run, g.name, `weight norm, ${g.name.slice(g.name.indexOf(":") + 1)}`);
    if (f !== null) features.push(f);
  }
  features.push({ name: EVENT_COUNT_FEATURE, panel: "events", steps: [...run.steps], values: eventCounts(run) });
  return { transition: reportTransition(transition), metric, features };
}
