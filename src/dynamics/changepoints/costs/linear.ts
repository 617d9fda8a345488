// Piecewise-linear segment cost (as ruptures' CostLinear with covariates [1, x]): each
// segment is fitted by its own least-squares line y = a + b x; the cost is the residual sum
// of squares. A smooth trend in x is one segment; a level shift or a slope break is a change.

import { NotEnoughPointsError, UsageError } from "../../../util/errors.js";
import type { CostFunction } from "./cost.js";

/**
 * Shortest segment: a line through 2 points has zero residual, so every pair of points would
 * be a free segment; 3 is the least with a residual degree of freedom (ruptures' CostCLinear
 * uses 3 too).
 */
export const LINEAR_DEFAULT_MIN_SIZE = 3;

/** Coordinate the lines are fitted in: "log-step" = ln(1 + step) (checkpoints log-spaced early), "step", or "index". */
export type XAxis = "log-step" | "step" | "index";

/** x coordinates of a series of steps on the chosen axis (steps >= 0 for "log-step"). */
export function xCoordinates(steps: readonly number[], axis: XAxis): Float64Array {
  return Float64Array.from(steps, (s, i) => {
    if (axis === "index") return i;
    if (!Number.isFinite(s)) throw new UsageError(`xCoordinates: step at index ${i} is ${s}`);
    if (axis === "step") return s;
    if (s < 0) throw new UsageError(`xCoordinates: axis "log-step" needs steps >= 0, got ${s} at index ${i}`);
    return Math.log1p(s);
  });
}

/** Least-squares line of y on x over [start, end), with its residual sum of squares. */
export interface SegmentLine {
  intercept: number;
  slope: number;
  rss: number;
}

/**
 * Cumulative sums of x, y, x^2, y^2, xy on globally centred and scaled copies (so segment
 * sums subtract numbers of similar size); error() is O(1):
 *   Sxx = sum x^2 - (sum x)^2 / m, Sxy = ..., Syy = ...,  rss = Syy - Sxy^2 / Sxx
 * (rss = Syy when all x of the segment are equal). Results are in the units of y^2.
 */
export class CostLinear implements CostFunction {
  readonly kind = "linear" as const;
  readonly minSize: number;
  nSamples = 0;
  private readonly xOption: Float64Array | undefined;
  private x: Float64Array = new Float64Array(0);
  private sums: Float64Array[] = [];
  private xMean = 0;
  private xScale = 1;
  private yMean = 0;
  private yScale = 1;

  /** x: the coordinate of each sample (default: the index 0..n-1). */
  constructor(options: { minSize?: number; x?: ArrayLike<number> } = {}) {
    this.minSize = options.minSize ?? LINEAR_DEFAULT_MIN_SIZE;
    if (!Number.isInteger(this.minSize) || this.minSize < 2) throw new UsageError(`CostLinear: minSize must be an integer >= 2, got ${this.minSize}`);
    this.xOption = options.x === undefined ? undefined : Float64Array.from(options.x);
  }

  fit(signal: Float64Array | Float64Array[]): this {
    if (!(signal instanceof Float64Array)) {
      if (signal.length !== 1) throw new UsageError(`CostLinear: only 1-D signals are supported, got ${signal.length} dimensions`);
      signal = signal[0]!;
    }
    const n = signal.length;
    if (n < 1) throw new NotEnoughPointsError("CostLinear", 1, n);
    const x = this.xOption ?? Float64Array.from({ length: n }, (_, i) => i);
    if (x.length !== n) throw new UsageError(`CostLinear: ${x.length} x coordinates for ${n} samples; give one x per sample`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(signal[i]!) || !Number.isFinite(x[i]!)) throw new UsageError(`CostLinear: non-finite x or value at index ${i}; remove or impute NaN/Inf before change-point search`);
    }
    [this.xMean, this.xScale] = centreAndScale(x);
    [this.yMean, this.yScale] = centreAndScale(signal);
    const sums = Array.from({ length: 5 }, () => new Float64Array(n + 1));
    for (let i = 0; i < n; i++) {
      const u = (x[i]! - this.xMean) / this.xScale, v = (signal[i]! - this.yMean) / this.yScale;
      const terms = [u, v, u * u, v * v, u * v];
      for (let k = 0; k < 5; k++) sums[k]![i + 1] = sums[k]![i]! + terms[k]!;
    }
    this.sums = sums;
    this.x = x;
    this.nSamples = n;
    return this;
  }

  error(start: number, end: number): number {
    return this.line(start, end).rss;
  }

  /** The fitted line of the segment [start, end) in the original units of x and y. */
  line(start: number, end: number): SegmentLine {
    const m = end - start;
    const [sx, sy, sxx, syy, sxy] = this.sums.map((s) => s[end]! - s[start]!) as [number, number, number, number, number];
    const cxx = sxx - (sx * sx) / m, cyy = syy - (sy * sy) / m, cxy = sxy - (sx * sy) / m;
    // Equal x over the segment (or one point): the fit is the mean; slope 0.
    const flat = !(cxx > 1e-14 * Math.max(sxx, 1e-300));
    const b = flat ? 0 : cxy / cxx;
    const rss = Math.max(flat ? cyy : cyy - b * cxy, 0) * this.yScale * this.yScale;
    const slope = (b * this.yScale) / this.xScale;
    const intercept = this.yMean + this.yScale * (sy / m) - slope * (this.xMean + this.xScale * (sx / m));
    return { intercept, slope, rss };
  }

  /** x coordinate of sample i of the fitted signal. */
  xAt(i: number): number {
    return this.x[i]!;
  }
}

function centreAndScale(values: ArrayLike<number>): [number, number] {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  const sd = Math.sqrt(ss / values.length);
  return [mean, sd > 0 ? sd : 1];
}
