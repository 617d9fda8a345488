// Exact gated assignment between two small sets (modes of consecutive checkpoints): minimise
// the sum of matched costs plus gate/2 for every item left unmatched on either side, over all
// partial matchings using only pairs with cost <= gate. Dynamic programming over subsets. Pure.

import { UsageError } from "../../util/errors.js";

/** Largest set size solved exactly (2^8 subsets x 8 rows: trivial). */
export const MAX_ASSIGNMENT_SIZE = 8;

/**
 * cost[i][j] for rows i (previous checkpoint) and columns j (next). Returns match[i] = column
 * or -1. A pair with cost <= gate is always worth matching against leaving both unmatched
 * (cost < gate = 2 x gate/2), so the result is a minimum-cost matching with births and deaths.
 */
export function gatedAssignment(cost: readonly (readonly number[])[], nCols: number, gate: number): number[] {
  const nRows = cost.length;
  if (nRows > MAX_ASSIGNMENT_SIZE || nCols > MAX_ASSIGNMENT_SIZE) {
    throw new UsageError(`gatedAssignment: at most ${MAX_ASSIGNMENT_SIZE} items per side, got ${nRows} x ${nCols}; keep fewer modes per checkpoint`);
  }
  if (!(gate > 0)) throw new UsageError(`gatedAssignment: gate must be > 0, got ${gate}`);
  const unmatched = gate / 2;
  const states = 1 << nCols;
  // best[r][mask]: least cost of rows r.. given the columns in mask are taken
  const best: Float64Array[] = Array.from({ length: nRows + 1 }, () => new Float64Array(states));
  const choice: Int8Array[] = Array.from({ length: nRows }, () => new Int8Array(states));
  for (let mask = 0; mask < states; mask++) best[nRows]![mask] = unmatched * (nCols - popcount(mask));
  for (let r = nRows - 1; r >= 0; r--) {
    for (let mask = 0; mask < states; mask++) {
      let value = unmatched + best[r + 1]![mask]!;
      let pick = -1;
      for (let j = 0; j < nCols; j++) {
        const c = cost[r]![j]!;
        if ((mask & (1 << j)) !== 0 || !(c <= gate)) continue;
        const v = c + best[r + 1]![mask | (1 << j)]!;
        if (v < value) {
          value = v;
          pick = j;
        }
      }
      best[r]![mask] = value;
      choice[r]![mask] = pick;
    }
  }
  const match: number[] = [];
  let mask = 0;
  for (let r = 0; r < nRows; r++) {
    const j = choice[r]![mask]!;
    match.push(j);
    if (j >= 0) mask |= 1 << j;
  }
  return match;
}

/** Exhaustive search over all gated partial matchings (the test oracle). */
export function gatedAssignmentBruteForce(cost: readonly (readonly number[])[], nCols: number, gate: number): { match: number[]; total: number } {
  const nRows = cost.length;
  let bestTotal = Infinity, bestMatch: number[] = [];
  const current: number[] = [];
  const visit = (r: number, used: number, total: number): void => {
    if (r === nRows) {
      const all = total + (gate / 2) * (nCols - popcount(used));
      if (all < bestTotal) [bestTotal, bestMatch] = [all, [...current]];
      return;
    }
    current.push(-1);
    visit(r + 1, used, total + gate / 2);
    current.pop();
    for (let j = 0; j < nCols; j++) {
      if ((used & (1 << j)) !== 0 || !(cost[r]![j]! <= gate)) continue;
      current.push(j);
      visit(r + 1, used | (1 << j), total + cost[r]![j]!);
      current.pop();
    }
  };
  visit(0, 0, 0);
  return { match: bestMatch, total: bestTotal };
}

/** Total cost of a matching under the same objective. */
export function assignmentCost(cost: readonly (readonly number[])[], nCols: number, gate: number, match: readonly number[]): number {
  let total = 0, used = 0;
  match.forEach((j, r) => {
    if (j < 0) total += gate / 2;
    else {
      total += cost[r]![j]!;
      used++;
    }
  });
  return total + (gate / 2) * (nCols - used);
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}
