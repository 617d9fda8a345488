// Segment costs for change-point search (as ruptures' costs/): a cost is fitted once to a
// signal and then answers error(start, end) for the half-open segment [start, end) in O(1).
// Search methods (pelt.ts, binseg.ts) take any CostFunction; costs know nothing of search.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import { CostLinear } from "./cost-linear.js";

/**
 * Convention (stated once, as ruptures): a segment is the half-open index range
 * [start, end); breakpoints are the indices where a new segment starts, sorted, and the
 * last breakpoint is always n (the number of samples). A signal with no change has
 * bkps = [n].
 */
export interface CostFunction {
  /** Precompute what error() needs. Returns this for chaining. */
  fit(signal: Float64Array | Float64Array[]): this;
  /** Cost of the segment [start, end); requires end - start >= minSize. */
  error(start: number, end: number): number;
  /** Shortest segment the cost is defined on. */
  readonly minSize: number;
  /** Number of samples of the fitted signal. */
  readonly nSamples: number;
  /** Name used in results. */
  readonly kind: CostKind;
}

/** l2: change in mean; normal: change in mean or variance; linear: a line per segment in x (cost-linear.ts). */
export type CostKind = "l2" | "normal" | "linear";

export const COST_KINDS: readonly CostKind[] = ["l2", "normal", "linear"];

/** Relative variance floor of CostNormal: floor = NORMAL_VARIANCE_FLOOR_RELATIVE * var(signal). */
export const NORMAL_VARIANCE_FLOOR_RELATIVE = 1e-6;
/**
 * Default shortest segment of CostNormal. ruptures uses 2, but two nearly equal points have
 * a near-zero variance and a cost of about 2 ln(floor), far below any BIC penalty: on pure
 * noise (n = 200, penalty 3 ln n) minSize 2 gave 13/100 series with false changes, minSize 5
 * gave 4/100 (test/dynamics/changepoints-accuracy.test.ts).
 */
export const NORMAL_DEFAULT_MIN_SIZE = 5;
/** Absolute floor used when the whole signal is constant (var = 0). */
export const NORMAL_VARIANCE_FLOOR_ABSOLUTE = 1e-300;

function checkFinite(values: Float64Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new UsageError(`${what}: value at index ${i} is ${values[i]}; remove or impute NaN/Inf before change-point search`);
    }
  }
}

/** Cumulative sums S[k] = sum_{i<k} f(x_i), length n + 1. */
function cumulative(values: Float64Array, square: boolean): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i + 1] = out[i]! + (square ? v * v : v);
  }
  return out;
}

/**
 * L2 cost: sum over the segment of squared deviations from the segment mean (summed over
 * dimensions for a multivariate signal given as one Float64Array per dimension).
 * error = sum x^2 - (sum x)^2 / len, from cumulative sums of the mean-centred signal
 * (centring keeps the subtraction well conditioned).
 */
export class CostL2 implements CostFunction {
  readonly kind = "l2" as const;
  readonly minSize: number;
  nSamples = 0;
  private sums: Float64Array[] = [];
  private squares: Float64Array[] = [];

  constructor(options: { minSize?: number } = {}) {
    this.minSize = options.minSize ?? 1;
    if (!Number.isInteger(this.minSize) || this.minSize < 1) throw new UsageError(`CostL2: minSize must be an integer >= 1, got ${this.minSize}`);
  }

  fit(signal: Float64Array | Float64Array[]): this {
    const dims = signal instanceof Float64Array ? [signal] : signal;
    if (dims.length === 0) throw new UsageError("CostL2: signal has no dimensions");
    const n = dims[0]!.length;
    this.sums = [];
    this.squares = [];
    for (const [d, dim] of dims.entries()) {
      if (dim.length !== n) throw new UsageError(`CostL2: dimension ${d} has ${dim.length} samples, dimension 0 has ${n}`);
      checkFinite(dim, `CostL2 dimension ${d}`);
      let mean = 0;
      for (let i = 0; i < n; i++) mean += dim[i]!;
      mean /= Math.max(n, 1);
      const centred = dim.map((v) => v - mean);
      this.sums.push(cumulative(centred, false));
      this.squares.push(cumulative(centred, true));
    }
    this.nSamples = n;
    return this;
  }

  error(start: number, end: number): number {
    const len = end - start;
    let total = 0;
    for (let d = 0; d < this.sums.length; d++) {
      const s = this.sums[d]![end]! - this.sums[d]![start]!;
      const q = this.squares[d]![end]! - this.squares[d]![start]!;
      total += q - (s * s) / len;
    }
    return total > 0 ? total : 0;
  }
}

/**
 * Gaussian cost with a mean and a variance per segment (1-D), as ruptures' CostNormal:
 *   error(start, end) = (end - start) * ln(var_seg + floor)
 * where var_seg is the biased (divide by length) variance of the segment and
 * floor = NORMAL_VARIANCE_FLOOR_RELATIVE * var(whole signal) unless given. This equals
 * -2 * max log-likelihood minus (end - start) * (1 + ln 2 pi), a constant per sample that
 * cancels in any comparison of partitions. ruptures adds an absolute 1e-6; a relative floor
 * keeps the cost scale-free (parameter statistics can be ~1e-8), so results do not depend on
 * the units of the series.
 */
export class CostNormal implements CostFunction {
  readonly kind = "normal" as const;
  readonly minSize: number;
  nSamples = 0;
  /** Floor actually used by the last fit (absolute, in squared signal units). */
  varianceFloor = 0;
  private readonly floorOption: number | undefined;
  private sums: Float64Array = new Float64Array(1);
  private squares: Float64Array = new Float64Array(1);

  constructor(options: { minSize?: number; varianceFloor?: number } = {}) {
    this.minSize = options.minSize ?? NORMAL_DEFAULT_MIN_SIZE;
    this.floorOption = options.varianceFloor;
    if (!Number.isInteger(this.minSize) || this.minSize < 2) throw new UsageError(`CostNormal: minSize must be an integer >= 2, got ${this.minSize}`);
    if (this.floorOption !== undefined && !(this.floorOption > 0)) throw new UsageError(`CostNormal: varianceFloor must be > 0, got ${this.floorOption}`);
  }

  fit(signal: Float64Array | Float64Array[]): this {
    if (!(signal instanceof Float64Array)) {
      if (signal.length !== 1) throw new UsageError(`CostNormal: only 1-D signals are supported, got ${signal.length} dimensions; use CostL2 for multivariate signals`);
      signal = signal[0]!;
    }
    checkFinite(signal, "CostNormal");
    const n = signal.length;
    if (n < 1) throw new NotEnoughPointsError("CostNormal", 1, n);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += signal[i]!;
    mean /= n;
    const centred = signal.map((v) => v - mean);
    this.sums = cumulative(centred, false);
    this.squares = cumulative(centred, true);
    const total = this.squares[n]! / n;
    this.varianceFloor = this.floorOption ?? Math.max(NORMAL_VARIANCE_FLOOR_RELATIVE * total, NORMAL_VARIANCE_FLOOR_ABSOLUTE);
    this.nSamples = n;
    return this;
  }

  error(start: number, end: number): number {
    const len = end - start;
    const s = this.sums[end]! - this.sums[start]!;
    const q = this.squares[end]! - this.squares[start]!;
    const variance = Math.max((q - (s * s) / len) / len, 0);
    return len * Math.log(variance + this.varianceFloor);
  }
}

/** Build a cost by name; x (one coordinate per sample, default the index) is used by "linear" only. */
export function makeCost(kind: CostKind, options: { minSize?: number; x?: ArrayLike<number> } = {}): CostFunction {
  const sized = options.minSize !== undefined ? { minSize: options.minSize } : {};
  switch (kind) {
    case "l2":
      return new CostL2(sized);
    case "normal":
      return new CostNormal(sized);
    case "linear":
      return new CostLinear({ ...sized, ...(options.x !== undefined && { x: options.x }) });
  }
}
