// One-call change-point detection on a series, and the mapping of breakpoints (indices)
// to training steps, which are uneven (Pythia: 0, 1, 2, 4, ..., 1000, 2000, ...).

import { UsageError } from "../../util/errors.js";
import { binarySegmentation } from "./binseg.js";
import { makeCost, type CostKind } from "./cost.js";
import { pelt } from "./pelt.js";
import { defaultPenalty } from "./penalty.js";
import type { ChangePointResult, GridOptions, SearchMethod } from "./search.js";

export interface DetectOptions extends GridOptions {
  /** Segment cost; default "l2" (changes in mean). "normal" also finds changes in variance. */
  cost?: CostKind;
  /** Search; default "pelt" (exact). */
  method?: SearchMethod;
  /** Penalty per change; default defaultPenalty(cost, values) (BIC, see penalty.ts). */
  penalty?: number;
  /** Binary segmentation only: place exactly this many changes instead of using a penalty. */
  nBkps?: number;
}

/** Fit the cost to values and run the search. */
export function detectChangePoints(values: ArrayLike<number>, options: DetectOptions = {}): ChangePointResult {
  const kind = options.cost ?? "l2";
  const method = options.method ?? "pelt";
  const signal = Float64Array.from(values);
  const cost = makeCost(kind, options.minSize !== undefined ? { minSize: options.minSize } : {}).fit(signal);
  const grid: GridOptions = { ...(options.minSize !== undefined && { minSize: options.minSize }), ...(options.jump !== undefined && { jump: options.jump }) };
  if (method === "binseg" && options.nBkps !== undefined) {
    if (options.penalty !== undefined) throw new UsageError("detectChangePoints: give either penalty or nBkps, not both");
    return binarySegmentation(cost, signal.length, { ...grid, nBkps: options.nBkps });
  }
  if (method === "pelt" && options.nBkps !== undefined) throw new UsageError("detectChangePoints: nBkps is only supported by method \"binseg\"; PELT needs a penalty");
  const penalty = options.penalty ?? defaultPenalty(kind, signal);
  return method === "pelt" ? pelt(cost, signal.length, { ...grid, penalty }) : binarySegmentation(cost, signal.length, { ...grid, penalty });
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

export interface StepChangePointResult extends ChangePointResult {
  axis: StepAxis;
  /** One entry per change (bkps without the final n). */
  changes: StepChange[];
}

export function changePointsOnSteps(
  steps: readonly number[],
  values: readonly number[],
  options: DetectOptions & { axis?: StepAxis } = {},
): StepChangePointResult {
  const axis = options.axis ?? "index";
  if (steps.length !== values.length) throw new UsageError(`changePointsOnSteps: ${steps.length} steps but ${values.length} values; give one step per value`);
  for (let i = 0; i < steps.length; i++) {
    if (!Number.isFinite(steps[i]!)) throw new UsageError(`changePointsOnSteps: step at index ${i} is ${steps[i]}`);
    if (i > 0 && !(steps[i]! > steps[i - 1]!)) throw new UsageError(`changePointsOnSteps: steps must be strictly increasing, but steps[${i - 1}] = ${steps[i - 1]} and steps[${i}] = ${steps[i]}; sort the checkpoints and drop duplicates`);
    if (axis === "log-step" && steps[i]! < 0) throw new UsageError(`changePointsOnSteps: axis "log-step" needs steps >= 0, got ${steps[i]} at index ${i}`);
  }
  const result = detectChangePoints(values, options);
  const changes = result.bkps.slice(0, -1).map((index): StepChange => {
    const stepLow = steps[index - 1]!;
    const stepHigh = steps[index]!;
    const stepMid = axis === "index" ? 0.5 * (stepLow + stepHigh) : Math.expm1(0.5 * (Math.log1p(stepLow) + Math.log1p(stepHigh)));
    return { index, step: stepHigh, stepLow, stepHigh, stepMid };
  });
  return { ...result, axis, changes };
}
