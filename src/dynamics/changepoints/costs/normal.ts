// normal segment cost (ruptures' CostNormal): change in mean or variance, with a variance floor.
import { NotEnoughPointsError, UsageError } from "../../../util/errors.js";
import { checkFinite, cumulative, type CostFunction } from "./cost.js";

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
