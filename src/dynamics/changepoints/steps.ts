// One-call change-point detection on a series, and the mapping of breakpoints (indices)
// to training steps, which are uneven (Pythia: 0, 1, 2, 4, ..., 1000, 2000, ...).

import { UsageError } from "../../util/errors.js";
import { ABRUPT_DEFAULT_WINDOW, confirmAbruptChanges, type AbruptCheck } from "./abrupt.js";
import { binarySegmentation } from "./binseg.js";
import { makeCost, xCoordinates, type AnyCost, type CostKind, type XAxis } from "./costs/index.js";
import { pelt } from "./pelt.js";
import { derivePenalty, pseudoResidualSigma, PENALTY_VARIANCE_FLOOR_RELATIVE } from "./penalty.js";
import { sumOfCosts, type ChangePointResult, type GridOptions, type SearchMethod } from "./search.js";

export interface DetectOptions extends GridOptions {
  /** Segment cost; default "l2" (changes in mean). "normal" also finds changes in variance. */
  cost?: CostKind;
  /** Search; default "pelt" (exact). */
  method?: SearchMethod;
  /** Penalty per change; default defaultPenalty(cost, values) (BIC, see penalty.ts). */
  penalty?: number;
  /** Binary segmentation only: place exactly this many changes instead of using a penalty. */
  nBkps?: number;
  /** Linear cost only: the coordinate of each value (default the index). */
  x?: ArrayLike<number>;
  /**
   * Linear cost only: keep only changes that pass confirmAbruptChanges (two lines beat one
   * quadratic near the change by more than the penalty; abrupt.ts). Default true for
   * "linear" with a penalty; a number sets the window (points per side, default 15).
   */
  confirmAbrupt?: boolean | number;
}

export interface DetectResult extends ChangePointResult {
  /** How the penalty was obtained ("given" when passed in), with its numbers. */
  penaltyRule: string;
  /** Noise standard deviation behind the default penalty; null when given or for the normal cost. */
  noiseSigma: number | null;
  /** Linear cost with confirmAbrupt: the search's breakpoints before the check, and the check of each. */
  candidates: number[] | null;
  abrupt: AbruptCheck[] | null;
  /** The cost the search ran on, fitted to the values (and x): rules on the result read segment costs and lines from it instead of fitting again. */
  fittedCost: AnyCost;
}

/** Fit the cost to values and run the search (then the abruptness check for the linear cost). */
export function detectChangePoints(values: ArrayLike<number>, options: DetectOptions = {}): DetectResult {
  const kind = options.cost ?? "l2";
  const method = options.method ?? "pelt";
  const signal = Float64Array.from(values);
  const x = options.x ?? Float64Array.from({ length: signal.length }, (_, i) => i);
  const cost = makeCost(kind, { ...(options.minSize !== undefined && { minSize: options.minSize }), x }).fit(signal);
  const grid: GridOptions = { ...(options.minSize !== undefined && { minSize: options.minSize }), ...(options.jump !== undefined && { jump: options.jump }) };
  const none = { candidates: null, abrupt: null, noiseSigma: null, fittedCost: cost };
  if (method === "binseg" && options.nBkps !== undefined) {
    if (options.penalty !== undefined) throw new UsageError("detectChangePoints: give either penalty or nBkps, not both");
    return { ...binarySegmentation(cost, signal.length, { ...grid, nBkps: options.nBkps }), ...none, penaltyRule: `none: ${options.nBkps} changes requested` };
  }
  if (method === "pelt" && options.nBkps !== undefined) throw new UsageError("detectChangePoints: nBkps is only supported by method \"binseg\"; PELT needs a penalty");
  const derived = options.penalty === undefined ? derivePenalty(kind, signal, x) : { penalty: options.penalty, sigma: null, rule: "given" };
  const penalty = derived.penalty;
  const found = method === "pelt" ? pelt(cost, signal.length, { ...grid, penalty }) : binarySegmentation(cost, signal.length, { ...grid, penalty });
  const base: DetectResult = { ...found, ...none, noiseSigma: derived.sigma, penaltyRule: derived.rule };
  const confirm = options.confirmAbrupt ?? kind === "linear";
  if (confirm === false || kind !== "linear") return base;
  const window = confirm === true ? ABRUPT_DEFAULT_WINDOW : confirm;
  const sigma = Math.max(derived.sigma ?? pseudoResidualSigma(x, signal), Math.sqrt(PENALTY_VARIANCE_FLOOR_RELATIVE * variance(signal)), 1e-300);
  const { bkps, checks } = confirmAbruptChanges(x, signal, found.bkps, { penalty, sigma, window });
  return { ...base, bkps, objective: sumOfCosts(cost, bkps) + penalty * (bkps.length - 1), candidates: found.bkps, abrupt: checks };
}

/**
 * How the reported midpoint of a change interval is interpolated. Detection itself always
 * works on index order (PELT only sees the order of the points); the axis only decides
 * stepMid: "index" -> arithmetic mean of stepLow and stepHigh; "log-step" -> geometric
 * mean on log(1 + step), i.e. exp((ln(1+lo) + ln(1+hi)) / 2) - 1 (steps must be >= 0).
 */
export type StepAxis = "index" | "log-step";

export interface StepChange {
  /** Breakpoint index: first point of the new segment. */
  index: number;
  /** Step of the first point of the new segment (the reported change step). */
  step: number;
  /** Step of the last point of the old segment: the change happened in (stepLow, step]. */
  stepLow: number;
  /** Same as step; the upper end of the interval. */
  stepHigh: number;
  /** Midpoint of [stepLow, stepHigh] on the chosen axis. */
  stepMid: number;
}

export interface StepChangePointResult extends DetectResult {
  axis: StepAxis;
  /** Coordinate the linear cost fitted its lines in (null for l2 / normal). */
  xAxis: XAxis | null;
  /** One entry per change (bkps without the final n). */
  changes: StepChange[];
}

export function changePointsOnSteps(
  steps: readonly number[],
  values: readonly number[],
  options: DetectOptions & { axis?: StepAxis; xAxis?: XAxis } = {},
): StepChangePointResult {
  const axis = options.axis ?? "index";
  const linear = options.cost === "linear";
  if (steps.length !== values.length) throw new UsageError(`changePointsOnSteps: ${steps.length} steps but ${values.length} values; give one step per value`);
  for (let i = 0; i < steps.length; i++) {
    if (!Number.isFinite(steps[i]!)) throw new UsageError(`changePointsOnSteps: step at index ${i} is ${steps[i]}`);
    if (i > 0 && !(steps[i]! > steps[i - 1]!)) throw new UsageError(`changePointsOnSteps: steps must be strictly increasing, but steps[${i - 1}] = ${steps[i - 1]} and steps[${i}] = ${steps[i]}; sort the checkpoints and drop duplicates`);
    if (axis === "log-step" && steps[i]! < 0) throw new UsageError(`changePointsOnSteps: axis "log-step" needs steps >= 0, got ${steps[i]} at index ${i}`);
  }
  const xAxis = linear && options.x === undefined ? options.xAxis ?? "log-step" : null;
  const result = detectChangePoints(values, xAxis === null ? options : { ...options, x: xCoordinates(steps, xAxis) });
  const changes = result.bkps.slice(0, -1).map((index): StepChange => {
    const stepLow = steps[index - 1]!;
    const stepHigh = steps[index]!;
    const stepMid = axis === "index" ? 0.5 * (stepLow + stepHigh) : Math.expm1(0.5 * (Math.log1p(stepLow) + Math.log1p(stepHigh)));
    return { index, step: stepHigh, stepLow, stepHigh, stepMid };
  });
  return { ...result, axis, xAxis, changes };
}

function variance(values: Float64Array): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
}
