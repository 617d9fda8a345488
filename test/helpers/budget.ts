// Time and memory budgets for hostile-input tests: runs `fn`, then fails when it took more than
// `seconds` of CPU time (this process, all threads) or more than WALL_SLACK x `seconds` of wall
// time, or raised the process's peak resident memory (maxRSS) by more than `megabytes`. CPU time,
// not wall time, is what the input costs: on the shared 2-core machine (load 20+) a 1.7 CPU s
// refusal took 7.6 s of wall time and failed a 5 s wall budget; the wall bound still catches a
// hang that waits instead of spinning.
import assert from "node:assert/strict";

/** Wall time allowed, as a multiple of the CPU budget (a loaded machine stretches wall time). */
export const WALL_SLACK = 8;

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
  const cpu = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const seconds = (performance.now() - started) / 1000;
  const peakGrowthMb = process.resourceUsage().maxRSS / 1024 - rssBefore;
  assert.ok(cpuSeconds <= budget.seconds, `${what}: took ${cpuSeconds.toFixed(2)} CPU s, budget ${budget.seconds} s`);
  assert.ok(seconds <= WALL_SLACK * budget.seconds, `${what}: took ${seconds.toFixed(2)} s of wall time, over ${WALL_SLACK} x the ${budget.seconds} s budget`);
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
