// Lead/lag between detected parameter events and change points of a quality metric series:
// for each metric change point, the nearest event at or before it, the lag in steps and in
// log-steps, and summary statistics with bootstrap confidence intervals.
import { UsageError } from "../util/errors.js";
import type { DynamicsEventKind } from "../store/vocabulary.js";
import { changePointsOnSteps, type DetectOptions, type StepAxis } from "../dynamics/changepoints/index.js";
import { quantileSorted } from "../stats/shape/bandwidth.js";
import { bootstrapIndices, type BootstrapOptions, type ConfidenceInterval } from "./bootstrap.js";

/** Default window of "preceded by an event": within one decade, ln(1+change) - ln(1+event) <= ln 10. */
export const DEFAULT_LEAD_WINDOW_LOG = Math.log(10);

export interface LeadLagEvent {
  kind: DynamicsEventKind;
  tensor: string | null;
  step: number;
}

export interface MatchedChange {
  /** The metric change: it happened in (stepLow, step]. */
  step: number;
  stepLow: number;
  /** Nearest event with event.step <= step (latest such; ties: first given); null when none. */
  event: LeadLagEvent | null;
  /** step - event.step (>= 0; 0 = coincident at checkpoint resolution); null without an event. */
  lagSteps: number | null;
  /** ln(1 + step) - ln(1 + event.step); null without an event. */
  lagLogSteps: number | null;
  withinWindow: boolean;
}

export interface LeadLagSummary {
  nChanges: number;
  nPreceded: number;
  medianLeadSteps: { estimate: number; ci: ConfidenceInterval } | null;
  medianLeadLogSteps: { estimate: number; ci: ConfidenceInterval } | null;
  /** Fraction of metric changes preceded by an event within windowLog; CI by resampling changes. */
  fractionWithinWindow: { estimate: number; ci: ConfidenceInterval } | null;
  windowLog: number;
}

export interface LeadLagResult {
  changes: MatchedChange[];
  summary: LeadLagSummary;
}

export interface LeadLagOptions extends BootstrapOptions {
  /** Change-point detection on the metric (default: PELT, l2 cost, BIC penalty). */
  detect?: DetectOptions & { axis?: StepAxis };
  windowLog?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/** Matches given change steps with events (pure; no detection). */
export function matchChangesToEvents(changes: readonly { step: number; stepLow: number }[], events: readonly LeadLagEvent[], windowLog = DEFAULT_LEAD_WINDOW_LOG): MatchedChange[] {
  return changes.map((c) => {
    let best: LeadLagEvent | null = null;
    for (const e of events) if (e.step <= c.step && (best === null || e.step > best.step)) best = e;
    if (best === null) return { step: c.step, stepLow: c.stepLow, event: null, lagSteps: null, lagLogSteps: null, withinWindow: false };
    const lagLog = Math.log1p(c.step) - Math.log1p(best.step);
    return { step: c.step, stepLow: c.stepLow, event: best, lagSteps: c.step - best.step, lagLogSteps: lagLog, withinWindow: lagLog <= windowLog };
  });
}

/** Summary of matched changes with bootstrap CIs (medians over changes that have an event). */
export function summarizeLeadLag(changes: readonly MatchedChange[], windowLog: number, options: BootstrapOptions = {}): LeadLagSummary {
  const lags = changes.filter((c) => c.event !== null);
  const steps = lags.map((c) => c.lagSteps!), logs = lags.map((c) => c.lagLogSteps!);
  let medianLeadSteps: LeadLagSummary["medianLeadSteps"] = null, medianLeadLogSteps: LeadLagSummary["medianLeadLogSteps"] = null;
  if (lags.length > 0) {
    const [ciS, ciL] = bootstrapIndices(lags.length, [
      (idx) => median(Array.from(idx, (i) => steps[i]!)),
      (idx) => median(Array.from(idx, (i) => logs[i]!)),
    ], options);
    medianLeadSteps = { estimate: median(steps), ci: ciS! };
    medianLeadLogSteps = { estimate: median(logs), ci: ciL! };
  }
  let fractionWithinWindow: LeadLagSummary["fractionWithinWindow"] = null;
  if (changes.length > 0) {
    const inside: number[] = changes.map((c) => (c.withinWindow ? 1 : 0));
    const [ci] = bootstrapIndices(changes.length, [(idx) => Array.from(idx, (i) => inside[i]!).reduce((s, v) => s + v, 0) / idx.length], options);
    fractionWithinWindow = { estimate: inside.reduce((s, v) => s + v, 0) / changes.length, ci: ci! };
  }
  return { nChanges: changes.length, nPreceded: lags.length, medianLeadSteps, medianLeadLogSteps, fractionWithinWindow, windowLog };
}

/** Detects change points of the metric series (finite points only) and matches them with events. */
export function leadLag(steps: readonly number[], values: readonly (number | null)[], events: readonly LeadLagEvent[], options: LeadLagOptions = {}): LeadLagResult {
  if (steps.length !== values.length) throw new UsageError(`leadLag: ${steps.length} steps but ${values.length} values`);
  const s: number[] = [], v: number[] = [];
  steps.forEach((st, i) => {
    const x = values[i];
    if (typeof x === "number" && Number.isFinite(x)) { s.push(st); v.push(x); }
  });
  const windowLog = options.windowLog ?? DEFAULT_LEAD_WINDOW_LOG;
  const detected = changePointsOnSteps(s, v, options.detect ?? {});
  const changes = matchChangesToEvents(detected.changes, events, windowLog);
  return { changes, summary: summarizeLeadLag(changes, windowLog, options) };
}
