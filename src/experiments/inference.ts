// Small-sample paired inference for the study's verdicts: the one-sample t-test and t-interval of
// paired differences over seeds, Wilcoxon's signed-rank test (exact without ties, normal
// approximation with the tie correction otherwise; checked against scipy), and Holm's step-down
// adjustment across a family of tests. Pure.
import { studentTSf } from "../quality/special.js";
import { normalSf } from "../util/special.js";

/** Two-sided level of every test and 1 - the confidence of every interval. */
export const STUDY_ALPHA = 0.05;
/** Exact Wilcoxon null distribution up to this many non-zero differences (scipy's "exact" limit). */
export const WILCOXON_EXACT_MAX_N = 50;

export interface TTest {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  t: number;
  df: number;
  /** Two-sided p-value of H0: mean difference = 0. */
  p: number;
  /** (1 - alpha) t-interval of the mean. */
  ci: [number, number];
}

const quantileCache = new Map<string, number>();

/** Upper quantile q with P(T > q) = tail for Student's t (bisection on the survival function; cached). */
export function tQuantileUpper(tail: number, df: number): number {
  const key = `${tail}/${df}`;
  const hit = quantileCache.get(key);
  if (hit !== undefined) return hit;
  const q = bisectQuantile(tail, df);
  quantileCache.set(key, q);
  return q;
}

function bisectQuantile(tail: number, df: number): number {
  let lo = 0, hi = 1;
  while (studentTSf(hi, df) > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTSf(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** One-sample t-test of the mean of `d` against 0 with its t-interval; null with fewer than 2 values. */
export function pairedTTest(d: readonly number[], alpha = STUDY_ALPHA): TTest | null {
  const n = d.length;
  if (n < 2) return null;
  const mean = d.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const df = n - 1;
  const se = sd / Math.sqrt(n);
  const q = tQuantileUpper(alpha / 2, df);
  if (!(se > 0)) {
    // all differences equal: no spread to test against (a constant 0 is no evidence either way)
    return { n, mean, sd, t: mean === 0 ? 0 : Math.sign(mean) * Infinity, df, p: mean === 0 ? 1 : 0, ci: [mean, mean] };
  }
  const t = mean / se;
  return { n, mean, sd, t, df, p: Math.min(1, 2 * studentTSf(Math.abs(t), df)), ci: [mean - q * se, mean + q * se] };
}

export interface WilcoxonTest {
  /** Non-zero differences used (zeros dropped: Wilcoxon's method, scipy zero_method="wilcox"). */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** Two-sided p-value. */
  p: number;
  method: "exact" | "normal";
}

/** Mid-ranks of |d| (ties share their average rank); also whether there were ties. */
function absRanks(d: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = d.map((v, i) => ({ a: Math.abs(v), i })).sort((x, y) => x.a - y.a);
  const ranks = new Array<number>(d.length);
  const ties: number[] = [];
  for (let k = 0; k < order.length;) {
    let j = k;
    while (j + 1 < order.length && order[j + 1]!.a === order[k]!.a) j++;
    for (let u = k; u <= j; u++) ranks[order[u]!.i] = (k + j) / 2 + 1;
    if (j > k) ties.push(j - k + 1);
    k = j + 1;
  }
  return { ranks, ties };
}

/** Counts of each rank sum 0..n(n+1)/2 over the 2^n sign assignments of ranks 1..n. */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) c[s]! += c[s - r]!;
  return c;
}

/** Wilcoxon signed-rank test of `d` against 0; null when every difference is 0. */
export function wilcoxonSignedRank(d: readonly number[]): WilcoxonTest | null {
  const nz = d.filter((v) => v !== 0 && Number.isFinite(v));
  const n = nz.length;
  if (n === 0) return null;
  const { ranks, ties } = absRanks(nz);
  const wPlus = nz.reduce((s, v, i) => s + (v > 0 ? ranks[i]! : 0), 0);
  if (ties.length === 0 && n <= WILCOXON_EXACT_MAX_N) {
    const counts = signedRankCounts(n);
    const total = 2 ** n;
    let low = 0, high = 0;
    for (let s = 0; s < counts.length; s++) {
      if (s <= wPlus) low += counts[s]!;
      if (s >= wPlus) high += counts[s]!;
    }
    return { n, wPlus, p: Math.min(1, (2 * Math.min(low, high)) / total), method: "exact" };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - ties.reduce((s, t) => s + (t ** 3 - t), 0) / 48;
  const z = variance > 0 ? (wPlus - mean) / Math.sqrt(variance) : 0;
  return { n, wPlus, p: Math.min(1, 2 * normalSf(Math.abs(z))), method: "normal" };
}

/** Holm's step-down adjusted p-values (same order as the input; NaN stays NaN and is not counted). */
export function holmAdjust(p: readonly number[]): number[] {
  const idx = p.map((v, i) => ({ v, i })).filter((x) => Number.isFinite(x.v)).sort((a, b) => a.v - b.v);
  const m = idx.length;
  const out = p.map(() => Number.NaN);
  let running = 0;
  idx.forEach(({ v, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * v));
    out[i] = running;
  });
  return out;
}
