// p-value of Hartigan's dip test as R's diptest::dip.test computes it by default: linear
// interpolation of sqrt(n) * D in the table of null quantiles qDiptab (dip-table.ts). Pure.
import { dipOfSorted } from "./dip.js";
import { DIP_TABLE_N, DIP_TABLE_PROB, DIP_TABLE_QUANTILES } from "./dip-table.js";
import { sortedFinite, type Values } from "./sample.js";

export const DIP_TEST_METHOD = "Hartigan dip test, p-value interpolated in diptest's qDiptab" as const;

export interface DipTestResult {
  method: typeof DIP_TEST_METHOD;
  n: number;
  dip: number;
  /** P(D_unif >= dip) for a uniform sample of size n (the least favourable unimodal null). */
  pValue: number;
  /** True when n exceeds the largest tabulated n (72,000): the last row is used as asymptote. */
  asymptotic: boolean;
}

/** Dip test of unimodality; equals R's `diptest::dip.test(x)` (non-finite values dropped). */
export function dipTest(x: Values): DipTestResult {
  const v = sortedFinite(x, 4, "dipTest");
  return dipTestOfDip(dipOfSorted(v).dip, v.length);
}

/** dipTest's result for a dip already computed from n sorted finite values (dipOfSorted). */
export function dipTestOfDip(dip: number, n: number): DipTestResult {
  return { method: DIP_TEST_METHOD, n, dip, pValue: dipPValue(dip, n), asymptotic: n > lastN() };
}

function lastN(): number {
  return DIP_TABLE_N[DIP_TABLE_N.length - 1]!;
}

/**
 * dip.test's rule: with table rows n0 <= n < n1 (both the last row when n is beyond the table),
 * the quantile curve sqrt(n0) q0 + f (sqrt(n1) q1 - sqrt(n0) q0), f = (n - n0) / (n1 - n0), is
 * inverted at sqrt(n) D by linear interpolation (tied abscissae averaged, constant outside the
 * range, as R's approx(rule = 2)); p = 1 - that probability. n <= 3 gives p = 1.
 */
export function dipPValue(dip: number, n: number): number {
  if (n <= 3) return 1;
  const t = collapsedCurve(n);
  return 1 - interpolateSorted(t.ux, t.uy, Math.sqrt(n) * dip);
}

/**
 * The curve of dipPValue for n with tied abscissae collapsed, as R's approx(ties = mean) does
 * before it interpolates: a function of n alone, so kept for the last few n (every n beyond the
 * table has the last row's), instead of a sort per p-value.
 */
function collapsedCurve(n: number): { ux: number[]; uy: number[] } {
  const key = n < lastN() ? n : lastN();
  let t = curves.get(key);
  if (t === undefined) {
    if (curves.size >= MAX_CACHED_CURVES) curves.clear();
    curves.set(key, (t = collapseTies(tableCurve(n), DIP_TABLE_PROB)));
  }
  return t;
}
/** Curves kept at most (one per tensor size below the table's last row). */
const MAX_CACHED_CURVES = 64;
const curves = new Map<number, { ux: number[]; uy: number[] }>();

/** The quantile curve of dipPValue's rule for n (> 3). */
function tableCurve(n: number): number[] {
  const rows = DIP_TABLE_N;
  let i0 = rows.length - 1, i1 = i0, f = 0;
  if (n < lastN()) {
    i0 = 0;
    while (i0 + 1 < rows.length && rows[i0 + 1]! <= n) i0++;
    i1 = i0 + 1;
    f = (n - rows[i0]!) / (rows[i1]! - rows[i0]!);
  }
  const y0 = DIP_TABLE_QUANTILES[i0]!, y1 = DIP_TABLE_QUANTILES[i1]!;
  const s0 = Math.sqrt(rows[i0]!), s1 = Math.sqrt(rows[i1]!);
  return y0.map((q, j) => {
    const a = s0 * q;
    return a + f * (s1 * y1[j]! - a);
  });
}

/** R's approx(x, y, rule = 2, ties = mean)'s first step: abscissae sorted, the ordinates of tied ones averaged. */
function collapseTies(xs: readonly number[], ys: readonly number[]): { ux: number[]; uy: number[] } {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b);
  const ux: number[] = [], uy: number[] = [];
  for (let k = 0; k < order.length; ) {
    let m = k, sum = 0;
    while (m < order.length && xs[order[m]!] === xs[order[k]!]) sum += ys[order[m++]!]!;
    ux.push(xs[order[k]!]!);
    uy.push(sum / (m - k));
    k = m;
  }
  return { ux, uy };
}

/** R's approx(rule = 2) at one point of collapsed (ascending, distinct) abscissae. */
function interpolateSorted(ux: readonly number[], uy: readonly number[], at: number): number {
  const last = ux.length - 1;
  if (at < ux[0]!) return uy[0]!;
  if (at > ux[last]!) return uy[last]!;
  let lo = 0, hi = last;
  while (lo < hi - 1) {
    const mid = (lo + hi) >> 1;
    if (at < ux[mid]!) hi = mid;
    else lo = mid;
  }
  if (at === ux[hi]) return uy[hi]!;
  if (at === ux[lo]) return uy[lo]!;
  return uy[lo]! + (uy[hi]! - uy[lo]!) * ((at - ux[lo]!) / (ux[hi]! - ux[lo]!));
}
