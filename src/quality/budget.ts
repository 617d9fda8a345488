// Budgeted evaluation: with k evaluations placed at detected events (plus the endpoints),
// uniformly in step, or log-uniformly, reconstruct the full quality curve by linear
// interpolation and measure the error against the curve evaluated at every checkpoint.
import { UsageError } from "../util/errors.js";

/**
 * Interpolation axis. Default "log-step": x = ln(1 + step), since checkpoint schedules and
 * learning curves are log-spaced early (Pythia: 0, 1, 2, 4, ..., 512, 1000, 2000, ...).
 */
export type BudgetAxis = "log-step" | "step";
export const DEFAULT_BUDGET_AXIS: BudgetAxis = "log-step";
export type PlacementStrategy = "events" | "uniform" | "log-uniform";
export const DEFAULT_BUDGETS: readonly number[] = [3, 4, 5, 6, 7, 8, 9, 10];

/** numpy.interp(xq, xs, ys): piecewise linear, xs strictly increasing, constant beyond the ends. */
export function interpolateLinear(xs: readonly number[], ys: readonly number[], xq: readonly number[]): number[] {
  if (xs.length !== ys.length || xs.length === 0) throw new UsageError(`interpolateLinear: need equal, non-zero lengths, got ${xs.length} and ${ys.length}`);
  for (let i = 1; i < xs.length; i++) if (!(xs[i]! > xs[i - 1]!)) throw new UsageError(`interpolateLinear: x must be strictly increasing (index ${i})`);
  return xq.map((x) => {
    if (x <= xs[0]!) return ys[0]!;
    const last = xs.length - 1;
    if (x >= xs[last]!) return ys[last]!;
    let lo = 0, hi = last;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (xs[mid]! <= x) lo = mid; else hi = mid; }
    const t = (x - xs[lo]!) / (xs[hi]! - xs[lo]!);
    return ys[lo]! + t * (ys[hi]! - ys[lo]!);
  });
}

function axisValue(step: number, axis: BudgetAxis): number {
  return axis === "step" ? step : Math.log1p(step);
}

/** For each target (in order), the index of the nearest checkpoint on the axis not yet taken. */
function snapToCheckpoints(xs: readonly number[], targets: readonly number[], taken: Set<number>): void {
  for (const t of targets) {
    let best = -1;
    for (let i = 0; i < xs.length; i++) {
      if (taken.has(i)) continue;
      if (best < 0 || Math.abs(xs[i]! - t) < Math.abs(xs[best]! - t)) best = i;
    }
    if (best >= 0) taken.add(best);
  }
}

/** Fills up to k indices by repeatedly splitting the widest gap (on the axis) between taken indices. */
function fillWidestGaps(xs: readonly number[], taken: Set<number>, k: number): void {
  while (taken.size < Math.min(k, xs.length)) {
    const sorted = [...taken].sort((a, b) => a - b);
    let bestGap = -1, target = 0;
    for (let j = 1; j < sorted.length; j++) {
      const gap = xs[sorted[j]!]! - xs[sorted[j - 1]!]!;
      if (sorted[j]! - sorted[j - 1]! > 1 && gap > bestGap) { bestGap = gap; target = 0.5 * (xs[sorted[j]!]! + xs[sorted[j - 1]!]!); }
    }
    if (bestGap < 0) return;
    snapToCheckpoints(xs, [target], taken);
  }
}

export interface BudgetEvent {
  step: number;
  /** Larger = kept first when there are more events than k - 2 evaluations; default 0. */
  strength?: number;
}

/**
 * Indices of the k checkpoints to evaluate (sorted). All strategies include the first and last
 * checkpoint. "events": the event steps snapped to the nearest checkpoint, strongest first
 * (ties: earlier); when fewer than k - 2 events, the widest gaps on the axis are split.
 * "uniform" / "log-uniform": k targets evenly spaced in step / in ln(1 + step), each snapped to
 * the nearest checkpoint not yet taken.
 */
export function placeEvaluations(steps: readonly number[], k: number, strategy: PlacementStrategy, events: readonly BudgetEvent[] = [], axis: BudgetAxis = DEFAULT_BUDGET_AXIS): number[] {
  const n = steps.length;
  if (!Number.isInteger(k) || k < 2) throw new UsageError(`placeEvaluations: k must be an integer >= 2, got ${k}`);
  if (n < 2) throw new UsageError(`placeEvaluations: need at least 2 checkpoints, got ${n}`);
  for (let i = 1; i < n; i++) if (!(steps[i]! > steps[i - 1]!)) throw new UsageError(`placeEvaluations: steps must be strictly increasing (index ${i})`);
  const taken = new Set<number>([0, n - 1]);
  if (strategy === "events") {
    const xs = steps.map((s) => axisValue(s, axis));
    const ordered = [...events].sort((a, b) => (b.strength ?? 0) - (a.strength ?? 0) || a.step - b.step);
    for (const e of ordered) {
      if (taken.size >= Math.min(k, n)) break;
      const before = taken.size;
      snapToCheckpoints(xs, [axisValue(e.step, axis)], taken);
      if (taken.size === before) break;
    }
    fillWidestGaps(xs, taken, k);
  } else {
    const spaceAxis: BudgetAxis = strategy === "uniform" ? "step" : "log-step";
    const xs = steps.map((s) => axisValue(s, spaceAxis));
    const targets = Array.from({ length: k - 2 }, (_, j) => xs[0]! + ((j + 1) * (xs[n - 1]! - xs[0]!)) / (k - 1));
    snapToCheckpoints(xs, targets, taken);
  }
  return [...taken].sort((a, b) => a - b);
}

export interface Reconstruction {
  indices: number[];
  reconstructed: number[];
  /** Mean |reconstructed - full| over all checkpoints. */
  meanAbsError: number;
  maxAbsError: number;
}

/** Interpolates the values at `indices` onto every checkpoint and compares with the full curve. */
export function reconstructCurve(steps: readonly number[], values: readonly number[], indices: readonly number[], axis: BudgetAxis = DEFAULT_BUDGET_AXIS): Reconstruction {
  if (steps.length !== values.length) throw new UsageError(`reconstructCurve: ${steps.length} steps but ${values.length} values`);
  values.forEach((v, i) => { if (!Number.isFinite(v)) throw new UsageError(`reconstructCurve: value at index ${i} is ${v}; the full curve must be finite`); });
  const xs = steps.map((s) => axisValue(s, axis));
  const sorted = [...indices].sort((a, b) => a - b);
  const reconstructed = interpolateLinear(sorted.map((i) => xs[i]!), sorted.map((i) => values[i]!), xs);
  let sum = 0, max = 0;
  reconstructed.forEach((r, i) => { const d = Math.abs(r - values[i]!); sum += d; max = Math.max(max, d); });
  return { indices: sorted, reconstructed, meanAbsError: sum / values.length, maxAbsError: max };
}

export interface BudgetRow {
  k: number;
  strategy: PlacementStrategy;
  steps: number[];
  meanAbsError: number;
  maxAbsError: number;
}

/** Every strategy at every budget k (default 3..10). */
export function budgetedEvaluation(steps: readonly number[], values: readonly number[], events: readonly BudgetEvent[], options: { budgets?: readonly number[]; axis?: BudgetAxis } = {}): BudgetRow[] {
  const axis = options.axis ?? DEFAULT_BUDGET_AXIS;
  const rows: BudgetRow[] = [];
  for (const k of options.budgets ?? DEFAULT_BUDGETS) {
    for (const strategy of ["events", "uniform", "log-uniform"] as const) {
      const idx = placeEvaluations(steps, k, strategy, events, axis);
      const r = reconstructCurve(steps, values, idx, axis);
      rows.push({ k, strategy, steps: r.indices.map((i) => steps[i]!), meanAbsError: r.meanAbsError, maxAbsError: r.maxAbsError });
    }
  }
  return rows;
}
