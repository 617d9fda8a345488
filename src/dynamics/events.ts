// The common event record of the dynamics detectors (mode split/merge, population fork, layer
// fork, change point), JSON-safe evidence, the change-point wrapper, and early-warning attachment.
// Not a detector itself: modes/ and forks/ build events with makeEvent.

import { UsageError } from "../util/errors.js";
import { changePointsOnSteps, pseudoResidualSigma, xCoordinates, type CostLinear, type DetectOptions, type StepAxis, type StepChangePointResult, type XAxis } from "./changepoints/index.js";
import { earlyWarningShort, MIN_SHORT_EWS_POINTS, type ShortEarlyWarningOptions } from "./ews/index.js";

import type { DynamicsEventKind } from "../store/vocabulary.js";

export type { DynamicsEventKind };

/** A JSON value: what evidence may hold (no NaN, no Infinity, no undefined, no typed arrays). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Early-warning verdict for the series before an event (attachEarlyWarnings); snake_case as the rest of the record. */
export type EarlyWarningEvidence = {
  /** Statistic series the indicators were computed on (e.g. "std"). */
  statistic: string;
  /** p_value < alpha (earlyWarningShort in ews/surrogate.ts). */
  announced: boolean;
  /** event step - first step of the sustained signal; null when not announced. */
  lead_time: number | null;
  signal_step: number | null;
  /** Checkpoints strictly before the event that the indicators used. */
  n_points: number;
  /** Rolling window in points (floor(n_points / 2)); null when skipped. */
  window: number | null;
  /** Mean Kendall tau of rolling variance and lag-1 autocorrelation; its one-sided AR(1)-surrogate p-value. */
  tau: number | null;
  p_value: number | null;
  alpha: number | null;
  surrogates: number | null;
  seed: number | null;
  tau_variance: number | null;
  p_variance: number | null;
  tau_ac1: number | null;
  p_ac1: number | null;
  tau_skewness: number | null;
  tau_kurtosis: number | null;
  /** Same as n_points and window (kept for readers of version 1 evidence). */
  points_before: number;
  window_points: number | null;
  rule: string;
  /** Why no indicators were computed (too few checkpoints before the event), else null. */
  skipped_reason: string | null;
};

export type EventEvidence = { [key: string]: JsonValue | undefined } & { early_warning?: EarlyWarningEvidence };

export interface DynamicsEvent {
  kind: DynamicsEventKind;
  /** Tensor or group name. */
  tensor: string;
  /** Reported step: the first checkpoint at which the event is observed. */
  step: number;
  /** The event happened in (step_low, step_high]; step_high = step. */
  step_low: number;
  step_high: number;
  /** Kind-specific size of the event (separation ratio, standardised jump); finite, >= 0. */
  strength: number;
  evidence: EventEvidence;
}

/**
 * Converts a value to plain JSON: non-finite numbers -> null, typed arrays -> arrays,
 * undefined object fields dropped (undefined array items -> null), nested objects copied.
 */
export function toJsonSafe(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "bigint") return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>, (x) => toJsonSafe(x));
  if (Array.isArray(value)) return value.map((x) => toJsonSafe(x));
  if (typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[key] = toJsonSafe(v);
    return out;
  }
  throw new UsageError(`toJsonSafe: cannot put a ${typeof value} into event evidence`);
}

/** Builds an event; evidence is made JSON-safe, steps and strength are checked. */
export function makeEvent(kind: DynamicsEventKind, tensor: string, step: number, stepLow: number, strength: number, evidence: Record<string, unknown>): DynamicsEvent {
  if (!Number.isFinite(step) || !Number.isFinite(stepLow) || stepLow > step) {
    throw new UsageError(`makeEvent (${kind}, tensor "${tensor}"): need finite step_low <= step, got ${stepLow}, ${step}`);
  }
  if (!Number.isFinite(strength) || strength < 0) throw new UsageError(`makeEvent (${kind}, tensor "${tensor}"): strength must be finite and >= 0, got ${strength}`);
  return { kind, tensor, step, step_low: stepLow, step_high: step, strength, evidence: toJsonSafe(evidence) as EventEvidence };
}

export interface ChangePointEventOptions extends DetectOptions {
  axis?: StepAxis;
  /** Linear cost: coordinate of the lines (default "log-step" = ln(1 + step)). */
  xAxis?: XAxis;
}

/** Mean and population variance of values[start, end). */
function segmentMoments(values: readonly number[], start: number, end: number): { mean: number; variance: number } {
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i]!;
  const mean = sum / (end - start);
  let ss = 0;
  for (let i = start; i < end; i++) ss += (values[i]! - mean) ** 2;
  return { mean, variance: ss / (end - start) };
}

/** Scale floor so that a jump between two constant segments gets a large finite strength. */
const POOLED_STD_FLOOR_RELATIVE = 1e-9;

/** Linear cost: strength = sqrt(cost_gain) / sigma, the improvement of two lines over one in noise units; lines and the jump at the change. */
function linearDetails(result: StepChangePointResult, cost: CostLinear, x: Float64Array, steps: readonly number[], values: readonly number[], bounds: [number, number, number], gain: number) {
  const [start, mid, end] = bounds;
  const sigma = result.noiseSigma ?? pseudoResidualSigma(x, values);
  const scale = Math.max(sigma, POOLED_STD_FLOOR_RELATIVE * Math.max(1, ...values.map(Math.abs)));
  const before = cost.line(start, mid), after = cost.line(mid, end);
  const xMid = 0.5 * (x[mid - 1]! + x[mid]!);
  const check = result.abrupt?.find((c) => c.index === mid) ?? null;
  return {
    strength: Math.sqrt(Math.max(gain, 0)) / scale,
    evidence: {
      x_axis: result.xAxis, noise_sigma: sigma,
      line_before: { intercept: before.intercept, slope: before.slope }, line_after: { intercept: after.intercept, slope: after.slope },
      level_jump: after.intercept + after.slope * xMid - (before.intercept + before.slope * xMid), slope_change: after.slope - before.slope,
      abrupt_gain: check?.gain ?? null, abrupt_window: check === null ? null : { start_step: steps[check.lo]!, end_step: steps[check.hi - 1]! },
      strength_rule: "sqrt(cost_gain) / noise_sigma",
    },
  };
}

/**
 * Change points of one statistic series as events (kind "change_point").
 * l2 / normal: strength = |mean after - mean before| / pooled std of the two adjacent segments
 * (population variances weighted by length; floored at 1e-9 x max(1, |means|)).
 * linear: strength = sqrt(cost_gain) / noise sigma (see linearDetails).
 * evidence: cost, penalty, penalty_rule (how the penalty was derived), cost_gain = cost(both
 * segments as one) - cost(before) - cost(after), and for linear the lines on both sides.
 */
export function changePointEvents(tensor: string, statName: string, steps: readonly number[], values: readonly number[], options: ChangePointEventOptions = {}): DynamicsEvent[] {
  const result = changePointsOnSteps(steps, values, options);
  const x = result.xAxis === null ? (options.x === undefined ? undefined : Float64Array.from(options.x)) : xCoordinates(steps, result.xAxis);
  const cost = result.fittedCost;
  const bkps = [0, ...result.bkps];
  return result.changes.map((change, c) => {
    const start = bkps[c]!, mid = bkps[c + 1]!, end = bkps[c + 2]!;
    const before = segmentMoments(values, start, mid);
    const after = segmentMoments(values, mid, end);
    const pooled = Math.sqrt(((mid - start) * before.variance + (end - mid) * after.variance) / (end - start));
    const floor = POOLED_STD_FLOOR_RELATIVE * Math.max(1, Math.abs(before.mean), Math.abs(after.mean));
    const gain = cost.error(start, end) - cost.error(start, mid) - cost.error(mid, end);
    const linear = cost.kind === "linear" ? linearDetails(result, cost, x ?? Float64Array.from(values, (_, i) => i), steps, values, [start, mid, end], gain) : null;
    const strength = linear?.strength ?? Math.abs(after.mean - before.mean) / Math.max(pooled, floor);
    return makeEvent("change_point", tensor, change.step, change.stepLow, strength, {
      statistic: statName,
      index: change.index,
      step_mid: change.stepMid,
      axis: result.axis,
      segment_before: { start_step: steps[start], end_step: steps[mid - 1], points: mid - start, mean: before.mean, std: Math.sqrt(before.variance) },
      segment_after: { start_step: steps[mid], end_step: steps[end - 1], points: end - mid, mean: after.mean, std: Math.sqrt(after.variance) },
      mean_before: before.mean,
      mean_after: after.mean,
      pooled_std: pooled,
      cost: result.cost,
      cost_gain: gain,
      penalty: result.penalty,
      penalty_rule: result.penaltyRule,
      method: result.method,
      objective: result.objective,
      candidates: result.candidates === null ? null : result.candidates.length - 1,
      ...(linear !== null && linear.evidence),
    });
  });
}

/**
 * Fewest checkpoints before the event for which indicators are computed (MIN_SHORT_EWS_POINTS
 * = 8: a rolling window of half of them is 4 points, the least kurtosis needs).
 */
export const MIN_EARLY_WARNING_POINTS = MIN_SHORT_EWS_POINTS;

/** Seed of an event's surrogates: FNV-1a of tensor, step and statistic, mixed with the base seed. */
function eventSeed(base: number, ...labels: (string | number)[]): number {
  let h = 0x811c9dc5 ^ (base >>> 0);
  const text = labels.join("\u0000");
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Returns a copy of the event with evidence.early_warning: earlyWarningShort (AR(1)-surrogate
 * trend test, ews/surrogate.ts) on the points of `series` strictly before the event's
 * checkpoint (the index of event.step in steps). With fewer than MIN_EARLY_WARNING_POINTS
 * points before it, announced = false and skipped_reason says why. The surrogate seed is
 * derived from options.seed (default 0), the tensor, the step and the statistic.
 */
export function attachEarlyWarnings(event: DynamicsEvent, steps: readonly number[], series: readonly number[], options: ShortEarlyWarningOptions & { statistic?: string } = {}): DynamicsEvent {
  const index = steps.indexOf(event.step);
  if (index < 0) throw new UsageError(`attachEarlyWarnings (tensor "${event.tensor}"): event step ${event.step} is not one of the ${steps.length} checkpoint steps given; pass the steps of the series the event came from`);
  if (series.length !== steps.length) throw new UsageError(`attachEarlyWarnings (tensor "${event.tensor}"): ${steps.length} steps but ${series.length} values`);
  const statistic = options.statistic ?? "value";
  const base = { statistic, points_before: index, n_points: index };
  let info: EarlyWarningEvidence;
  if (index < MIN_EARLY_WARNING_POINTS) {
    info = {
      ...base, announced: false, lead_time: null, signal_step: null, window: null, tau: null, p_value: null, alpha: null, surrogates: null, seed: null,
      tau_variance: null, p_variance: null, tau_ac1: null, p_ac1: null, tau_skewness: null, tau_kurtosis: null, window_points: null, rule: "not evaluated",
      skipped_reason: `only ${index} checkpoints before the event; early-warning indicators need at least ${MIN_EARLY_WARNING_POINTS}`,
    };
  } else {
    const seed = eventSeed(options.seed ?? 0, event.tensor, event.step, statistic);
    const ews = earlyWarningShort(steps, series, index, { ...options, seed });
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    info = {
      ...base,
      announced: ews.announced, lead_time: ews.leadTime, signal_step: ews.signalStep,
      window: ews.window, tau: finite(ews.tau), p_value: ews.pValue, alpha: ews.alpha, surrogates: ews.surrogates, seed: ews.seed,
      tau_variance: finite(ews.tauVariance), p_variance: ews.pVariance, tau_ac1: finite(ews.tauAc1), p_ac1: ews.pAc1,
      tau_skewness: finite(ews.tauSkewness), tau_kurtosis: finite(ews.tauKurtosis),
      window_points: ews.window, rule: ews.rule, skipped_reason: null,
    };
  }
  return { ...event, evidence: { ...event.evidence, early_warning: info } };
}
