// l2 segment cost (ruptures' CostL2): change in mean.
import { UsageError } from "../../../util/errors.js";
import { checkFinite, cumulative, type CostFunction } from "./cost.js";

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
