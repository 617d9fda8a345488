// Time and memory budgets for hostile-input tests: runs `fn`, then fails when it took longer than
// `seconds` or raised the process's peak resident memory (maxRSS) by more than `megabytes`.
import assert from "node:assert/strict";

export interface Budget {
  seconds: number;
  megabytes: number;
}

export interface BudgetResult<T> {
  value: T;
  seconds: number;
  /** Growth of the process's peak RSS while `fn` ran (MB). */
  peakGrowthMb: number;
}

export async function withinBudget<T>(what: string, budget: Budget, fn: () => T | Promise<T>): Promise<BudgetResult<T>> {
  const rssBefore = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  const peakGrowthMb = process.resourceUsage().maxRSS / 1024 - rssBefore;
  assert.ok(seconds <= budget.seconds, `${what}: took ${seconds.toFixed(2)} s, budget ${budget.seconds} s`);
  assert.ok(peakGrowthMb <= budget.megabytes, `${what}: peak memory grew ${peakGrowthMb.toFixed(0)} MB, budget ${budget.megabytes} MB`);
  return { value, seconds, peakGrowthMb };
}

/** Runs `fn` within the budget and returns the error it throws (failing when it does not throw). */
export async function rejectsWithinBudget(what: string, budget: Budget, fn: () => unknown): Promise<Error> {
  const { value } = await withinBudget(what, budget, async () => {
    try {
      await fn();
    } catch (err) {
      return err as Error;
    }
    return undefined;
  });
  assert.ok(value instanceof Error, `${what}: expected an error, got a result`);
  return value;
}
