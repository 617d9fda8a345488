// Exact 1-D k-means (k = 1, 2, 3) on sorted values with prefix sums: k = 2 scans every cut
// in O(n); k = 3 uses divide and conquer over the monotone optimal second cut (1-D k-means
// satisfies the quadrangle inequality, as in Ckmeans.1d.dp), O(n log n). Pure.

import { UsageError } from "../../util/errors.js";

export interface KMeans1dResult {
  k: number;
  /** Group g holds sorted[cuts[g-1] .. cuts[g]) (cuts[-1] = 0; the last cut is n). */
  cuts: number[];
  means: number[];
  sizes: number[];
  /** Within-group sum of squares per group. */
  withinSS: number[];
}

class PrefixSums {
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  readonly shift: number;
  constructor(sorted: ArrayLike<number>) {
    const n = sorted.length;
    this.s1 = new Float64Array(n + 1);
    this.s2 = new Float64Array(n + 1);
    // centre on the median to limit cancellation in s2 - s1^2 / n
    const shift = n > 0 ? sorted[n >> 1]! : 0;
    this.shift = shift;
    for (let i = 0; i < n; i++) {
      const v = sorted[i]! - shift;
      this.s1[i + 1] = this.s1[i]! + v;
      this.s2[i + 1] = this.s2[i]! + v * v;
    }
  }
  /** Sum of squared deviations from the mean over [a, b). */
  sse(a: number, b: number): number {
    const m = b - a;
    if (m <= 1) return 0;
    const s = this.s1[b]! - this.s1[a]!;
    return Math.max(0, this.s2[b]! - this.s2[a]! - (s * s) / m);
  }
  mean(a: number, b: number): number {
    return (this.s1[b]! - this.s1[a]!) / (b - a) + this.shift;
  }
}

function describe(p: PrefixSums, cuts: number[]): KMeans1dResult {
  const means: number[] = [], sizes: number[] = [], withinSS: number[] = [];
  let a = 0;
  for (const b of cuts) {
    means.push(p.mean(a, b));
    sizes.push(b - a);
    withinSS.push(p.sse(a, b));
    a = b;
  }
  return { k: cuts.length, cuts, means, sizes, withinSS };
}

/** Best single cut of [a, n): returns the cut c (a < c < n) minimising sse(a,c) + sse(c,n). */
function bestCut(p: PrefixSums, a: number, n: number, lo: number, hi: number): { cut: number; cost: number } {
  let cut = Math.max(a + 1, lo), cost = Infinity;
  for (let c = Math.max(a + 1, lo); c <= Math.min(n - 1, hi); c++) {
    const v = p.sse(a, c) + p.sse(c, n);
    if (v < cost) {
      cost = v;
      cut = c;
    }
  }
  return { cut, cost };
}

/** Exact k-means of sorted (ascending, finite) values; k <= number of values. */
export function kMeans1d(sorted: ArrayLike<number>, k: 1 | 2 | 3): KMeans1dResult {
  const n = sorted.length;
  if (k !== 1 && k !== 2 && k !== 3) throw new UsageError(`kMeans1d: k must be 1, 2 or 3, got ${String(k)}`);
  if (n < k) throw new UsageError(`kMeans1d: ${n} values cannot form ${k} groups`);
  for (let i = 1; i < n; i++) if (!(sorted[i]! >= sorted[i - 1]!)) throw new UsageError(`kMeans1d: values must be finite and sorted ascending (index ${i})`);
  const p = new PrefixSums(sorted);
  if (k === 1) return describe(p, [n]);
  if (k === 2) return describe(p, [bestCut(p, 0, n, 1, n - 1).cut, n]);
  // k = 3: first cut i in [1, n-2]; optimal second cut j(i) is non-decreasing in i.
  let bestI = 1, bestJ = 2, bestCost = Infinity;
  const solve = (iLo: number, iHi: number, jLo: number, jHi: number): void => {
    if (iLo > iHi) return;
    const i = (iLo + iHi) >> 1;
    const { cut: j, cost } = bestCut(p, i, n, Math.max(jLo, i + 1), jHi);
    const total = p.sse(0, i) + cost;
    if (total < bestCost) {
      bestCost = total;
      bestI = i;
      bestJ = j;
    }
    solve(iLo, i - 1, jLo, j);
    solve(i + 1, iHi, j, jHi);
  };
  solve(1, n - 2, 2, n - 1);
  return describe(p, [bestI, bestJ, n]);
}

/** Brute-force k-means over all cuts (O(n^(k-1)) cost evaluations): the test oracle. */
export function kMeans1dBruteForce(sorted: ArrayLike<number>, k: 1 | 2 | 3): KMeans1dResult {
  const n = sorted.length;
  const p = new PrefixSums(sorted);
  if (k === 1) return describe(p, [n]);
  let best: number[] = [], bestCost = Infinity;
  if (k === 2) {
    for (let c = 1; c < n; c++) {
      const v = p.sse(0, c) + p.sse(c, n);
      if (v < bestCost) [bestCost, best] = [v, [c, n]];
    }
  } else {
    for (let i = 1; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        const v = p.sse(0, i) + p.sse(i, j) + p.sse(j, n);
        if (v < bestCost) [bestCost, best] = [v, [i, j, n]];
      }
    }
  }
  return describe(p, best);
}
