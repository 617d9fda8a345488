// PELT (Killick, Fearnhead & Eckley 2012): the exact minimiser of
//   sum of segment costs + penalty * (#changes)
// over all partitions whose segments have length >= minSize and whose breakpoints are
// multiples of jump, found by optimal partitioning with pruning of dominated candidates.

import type { CostFunction } from "./costs/index.js";
import { checkPenalty, resolveGrid, type ChangePointResult, type GridOptions } from "./search.js";

export interface PeltOptions extends GridOptions {
  /** Penalty per change (>= 0), in the units of the cost. */
  penalty: number;
}

/**
 * Pruning rule: once F(s) + C(s, t) > F(t) at some t, candidate s can never again be the
 * optimal last breakpoint for any T >= t + minSize, because C(s, T) >= C(s, t) + C(t, T)
 * (true for l2 and normal costs) makes t strictly better. Candidates are removed only from
 * T = t + minSize on: before that t itself is not an admissible predecessor of T, so pruning
 * immediately (as some implementations do) can lose the optimum when minSize > 1.
 */
export function pelt(cost: CostFunction, n: number, options: PeltOptions): ChangePointResult {
  checkPenalty(options.penalty, "pelt");
  const { minSize, jump } = resolveGrid(cost, n, options, "pelt");
  const pen = options.penalty;
  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY); // F(t)
  const last = new Int32Array(n + 1).fill(-1); // argmin predecessor of t
  const dieAt = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = -pen; // so that F(n) = sum of costs + pen * (#segments - 1)

  // Ends to evaluate: grid points t with minSize <= t <= n - minSize, then n.
  const ends: number[] = [];
  for (let t = jump * Math.ceil(minSize / jump); t <= n - minSize; t += jump) ends.push(t);
  ends.push(n);

  const candidates: number[] = [];
  let nextCandidate = 0; // index into [0, ...ends] of the next point to become admissible
  const starts = [0, ...ends];
  for (const t of ends) {
    while (nextCandidate < starts.length && starts[nextCandidate]! <= t - minSize) {
      candidates.push(starts[nextCandidate]!);
      nextCandidate++;
    }
    let bestValue = Number.POSITIVE_INFINITY;
    let bestStart = -1;
    const values = new Float64Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const s = candidates[i]!;
      const v = best[s]! + cost.error(s, t);
      values[i] = v;
      if (v + pen < bestValue) {
        bestValue = v + pen;
        bestStart = s;
      }
    }
    best[t] = bestValue;
    last[t] = bestStart;
    // Mark dominated candidates, then drop those whose removal is already safe at t.
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) {
      const s = candidates[i]!;
      if (values[i]! > bestValue && dieAt[s] === Number.POSITIVE_INFINITY) dieAt[s] = t + minSize;
      if (dieAt[s]! > t) candidates[kept++] = s;
    }
    candidates.length = kept;
  }

  const bkps: number[] = [];
  for (let t = n; t > 0; t = last[t]!) bkps.push(t);
  bkps.reverse();
  return { bkps, penalty: pen, cost: cost.kind, method: "pelt", objective: best[n]! };
}
