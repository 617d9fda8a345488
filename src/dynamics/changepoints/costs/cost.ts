// Segment costs for change-point search (as ruptures' costs/): a cost is fitted once to a
// signal and then answers error(start, end) for the half-open segment [start, end) in O(1).
// Search methods (pelt.ts, binseg.ts) take any CostFunction; costs know nothing of search.
// This file: the interface every cost implements, the cost names, and the helpers the costs share.
// One cost per file (l2.ts, normal.ts, linear.ts); makeCost (index.ts) builds one by name.

import { UsageError } from "../../../util/errors.js";

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

/** l2: change in mean; normal: change in mean or variance; linear: a line per segment in x (linear.ts). */
export type CostKind = "l2" | "normal" | "linear";

export const COST_KINDS: readonly CostKind[] = ["l2", "normal", "linear"];

/** Throws a UsageError naming the first NaN or infinity of `values`. */
export function checkFinite(values: Float64Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new UsageError(`${what}: value at index ${i} is ${values[i]}; remove or impute NaN/Inf before change-point search`);
    }
  }
}

/** Cumulative sums S[k] = sum_{i<k} f(x_i), length n + 1. */
export function cumulative(values: Float64Array, square: boolean): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i + 1] = out[i]! + (square ? v * v : v);
  }
  return out;
}
