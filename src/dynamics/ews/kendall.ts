// Kendall's tau-b with ties and its asymptotic p-value, as scipy.stats.kendalltau(...,
// method="asymptotic", variant="b"); plus an expanding-window tau against time, updated in
// O(k) per new point, for the lead time of early-warning signals.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import { normalCdf, normalSf } from "../../util/special.js";

export type Alternative = "two-sided" | "greater" | "less";

export interface KendallResult {
  /** tau-b in [-1, 1]; NaN when either variable is constant. */
  tau: number;
  /** Asymptotic p-value (normal approximation with tie correction); NaN when tau is NaN. */
  pValue: number;
  /** Standardised statistic (concordant - discordant) / sd. */
  z: number;
  n: number;
}

/** Tie statistics of one variable: pairs tied, sum t(t-1)(t-2), sum t(t-1)(2t+5) over tie groups of size t. */
interface TieStats {
  pairs: number;
  v0: number;
  v1: number;
}

function tieStats(values: ArrayLike<number>): TieStats {
  const sorted = Float64Array.from(values).sort();
  const stats: TieStats = { pairs: 0, v0: 0, v1: 0 };
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const t = j - i;
    stats.pairs += (t * (t - 1)) / 2;
    stats.v0 += t * (t - 1) * (t - 2);
    stats.v1 += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  return stats;
}

function pValueOf(z: number, alternative: Alternative): number {
  switch (alternative) {
    case "two-sided":
      return 2 * normalSf(Math.abs(z));
    case "greater":
      return normalSf(z);
    case "less":
      return normalCdf(z);
  }
}

/** scipy's asymptotic variance of (concordant - discordant) with tie corrections. */
function statisticVariance(n: number, tx: TieStats, ty: TieStats): number {
  const m = n * (n - 1);
  return (m * (2 * n + 5) - tx.v1 - ty.v1) / 18 + (2 * tx.pairs * ty.pairs) / m + (tx.v0 * ty.v0) / (9 * m * (n - 2));
}

function finish(s: number, n: number, tx: TieStats, ty: TieStats, alternative: Alternative): KendallResult {
  const total = (n * (n - 1)) / 2;
  if (tx.pairs === total || ty.pairs === total) return { tau: Number.NaN, pValue: Number.NaN, z: Number.NaN, n };
  const tau = Math.min(1, Math.max(-1, s / Math.sqrt(total - tx.pairs) / Math.sqrt(total - ty.pairs)));
  const z = s / Math.sqrt(statisticVariance(n, tx, ty));
  return { tau, pValue: pValueOf(z, alternative), z, n };
}

/** Kendall tau-b of x and y (O(n^2) pair count; fine up to a few thousand points). Values must be finite. */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>, alternative: Alternative = "two-sided"): KendallResult {
  const n = x.length;
  if (y.length !== n) throw new UsageError(`kendallTau: x has ${n} values, y has ${y.length}`);
  if (n < 3) throw new NotEnoughPointsError("kendallTau", 3, n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new UsageError(`kendallTau: non-finite value at index ${i}; drop missing points first`);
  }
  let s = 0; // concordant - discordant
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    for (let j = i + 1; j < n; j++) s += Math.sign(x[j]! - xi) * Math.sign(y[j]! - yi);
  }
  return finish(s, n, tieStats(x), tieStats(y), alternative);
}

/**
 * Kendall tau-b of a series against time (strictly increasing, so no ties in time), over
 * the expanding prefix of the points pushed so far. push() is O(points so far); result()
 * equals kendallTau(time, prefix) exactly (same formulas, integer counts).
 */
export class ExpandingKendall {
  private readonly values: number[] = [];
  private readonly counts = new Map<number, number>();
  private s = 0;
  private readonly ties: TieStats = { pairs: 0, v0: 0, v1: 0 };
  private static readonly NO_TIES: TieStats = { pairs: 0, v0: 0, v1: 0 };

  constructor(private readonly alternative: Alternative = "two-sided") {}

  get size(): number {
    return this.values.length;
  }

  push(value: number): void {
    if (!Number.isFinite(value)) throw new UsageError(`ExpandingKendall: non-finite value ${value}`);
    for (const v of this.values) this.s += Math.sign(value - v);
    const c = this.counts.get(value) ?? 0;
    // Group of size c grows to c + 1: update sum t(t-1)/2, t(t-1)(t-2), t(t-1)(2t+5).
    this.ties.pairs += c;
    this.ties.v0 += 3 * c * (c - 1);
    this.ties.v1 += 6 * c * (c + 2);
    this.counts.set(value, c + 1);
    this.values.push(value);
  }

  result(): KendallResult {
    const n = this.values.length;
    if (n < 3) throw new NotEnoughPointsError("ExpandingKendall", 3, n);
    return finish(this.s, n, ExpandingKendall.NO_TIES, this.ties, this.alternative);
  }
}

/**
 * Kendall tau-b against time of every expanding prefix of the finite values of `x` (non-finite
 * entries are skipped, as if never pushed): out[k] is ExpandingKendall's result().tau after
 * the finite values of x[0..k] were pushed (`undefinedTau` where that tau is NaN: all values
 * tied), NaN while fewer than `minPoints` (at least 3). Same integer counts, in O(n log n) by a
 * Fenwick tree over the values' ranks instead of O(n^2).
 */
export function expandingTaus(x: ArrayLike<number>, minPoints: number, undefinedTau = Number.NaN): Float64Array {
  const out = new Float64Array(x.length);
  expandingTausInto(x, minPoints, undefinedTau, out, expandingTauScratch(x.length));
  return out;
}

/** Buffers of expandingTausInto for series of up to n points (reused across calls). */
export interface ExpandingTauScratch {
  values: Float64Array;
  tree: Int32Array;
}

export function expandingTauScratch(n: number): ExpandingTauScratch {
  return { values: new Float64Array(n), tree: new Int32Array(n + 1) };
}

/** expandingTaus written into `out` (x.length), its buffers taken from `scratch` (at least x.length points): no allocation. */
export function expandingTausInto(x: ArrayLike<number>, minPoints: number, undefinedTau: number, out: Float64Array, scratch: ExpandingTauScratch): void {
  const n = x.length;
  out.fill(Number.NaN, 0, n);
  // the finite values, sorted, then their distinct values in place
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]!)) scratch.values[m++] = x[i]!;
  const distinct = scratch.values.subarray(0, m).sort();
  let dl = 0;
  for (let i = 0; i < m; i++) if (dl === 0 || distinct[dl - 1] !== distinct[i]) distinct[dl++] = distinct[i]!;
  const tree = scratch.tree, size1 = dl + 1;
  tree.fill(0, 0, size1);
  const prefix = (r: number): number => {
    let c = 0;
    for (; r > 0; r -= r & -r) c += tree[r]!;
    return c;
  };
  const rankOf = (v: number): number => {
    let lo = 0, hi = dl - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  let size = 0, s = 0, tiePairs = 0;
  const threshold = Math.max(minPoints, 3);
  for (let k = 0; k < n; k++) {
    const v = x[k]!;
    if (Number.isFinite(v)) {
      const r = rankOf(v);
      const less = prefix(r - 1), atMost = prefix(r);
      s += less - (size - atMost);
      tiePairs += atMost - less;
      for (let i = r; i < size1; i += i & -i) tree[i]!++;
      size++;
    }
    if (size < threshold) continue;
    const total = (size * (size - 1)) / 2;
    out[k] = tiePairs === total ? undefinedTau : Math.min(1, Math.max(-1, s / Math.sqrt(total - 0) / Math.sqrt(total - tiePairs)));
  }
}
