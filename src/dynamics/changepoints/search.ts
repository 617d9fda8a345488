// Shared pieces of the change-point search methods: options, result type, the admissible
// breakpoint grid, and validation. See costs/cost.ts for the breakpoint convention (last = n).

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import type { CostFunction, CostKind } from "./costs/index.js";

export type SearchMethod = "pelt" | "binseg";

/** What every change-point search returns. */
export interface ChangePointResult {
  /** Indices where a new segment starts, sorted; the last one is n. */
  bkps: number[];
  /** Penalty per change used by the search; null only for binary segmentation run with nBkps. */
  penalty: number | null;
  cost: CostKind;
  method: SearchMethod;
  /** sum of segment costs + penalty * (#changes) (penalty taken as 0 when null). */
  objective: number;
}

export interface GridOptions {
  /** Shortest segment; the effective value is max(minSize, cost.minSize). */
  minSize?: number;
  /** Breakpoints are restricted to multiples of jump (ruptures' subsampling); default 1. */
  jump?: number;
}

/** Effective minimum segment length and jump, after validation. */
export function resolveGrid(cost: CostFunction, n: number, options: GridOptions, who: string): { minSize: number; jump: number } {
  const minSize = Math.max(options.minSize ?? cost.minSize, cost.minSize);
  const jump = options.jump ?? 1;
  if (!Number.isInteger(minSize) || minSize < 1) throw new UsageError(`${who}: minSize must be an integer >= 1, got ${options.minSize}`);
  if (!Number.isInteger(jump) || jump < 1) throw new UsageError(`${who}: jump must be an integer >= 1, got ${options.jump}`);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${who}: n must be a non-negative integer, got ${n}`);
  if (cost.nSamples !== n) throw new UsageError(`${who}: the cost was fitted to ${cost.nSamples} samples but n = ${n}; call cost.fit(signal) first`);
  if (n < minSize) throw new NotEnoughPointsError(`${who} (minSize ${minSize})`, minSize, n);
  return { minSize, jump };
}

export function checkPenalty(penalty: number, who: string): void {
  if (!Number.isFinite(penalty) || penalty < 0) throw new UsageError(`${who}: penalty must be a finite number >= 0, got ${penalty}`);
}

/** Sum of segment costs of a partition given by its breakpoints (last = n). */
export function sumOfCosts(cost: CostFunction, bkps: readonly number[]): number {
  let total = 0;
  let start = 0;
  for (const end of bkps) {
    total += cost.error(start, end);
    start = end;
  }
  return total;
}
