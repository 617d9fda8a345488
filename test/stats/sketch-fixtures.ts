// Test helper (not a test): loads the numpy/scipy statistics fixtures written by
// tools/reference/stats_fixtures.py and checks a summary against them.
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import type { Dtype } from "../../src/formats/dtype.js";
import type { TensorSummary } from "../../src/stats/summary.js";
import { sketchQuantiles } from "../../src/stats/quantiles.js";
import type { TensorSketch } from "../../src/stats/sketch.js";

const DIR = new URL("../fixtures/stats/", import.meta.url);

export interface StatsExpected {
  numel: number; nan: number; posinf: number; neginf: number; zero: number; n: number;
  l1: number; l2: number; linf: number; abs_le_counts: number[];
  mean: number | null; std: number | null; variance: number | null;
  skewness: number | null; excess_kurtosis: number | null; min: number | null; max: number | null;
  rel_std_fracs?: number[]; quantiles_linear?: number[]; quantiles_inverted_cdf?: number[];
  linear_order_lo?: number[]; linear_order_hi?: number[];
}

export interface StatsCase { name: string; dtype: Dtype; bytes: Uint8Array; expected: StatsExpected }

interface Index { quantile_levels: number[]; cases: Record<string, { dtype: Dtype; file: string; expected: StatsExpected }> }

export const fixtureIndex: Index = JSON.parse(readFileSync(new URL("expected.json", DIR), "utf8")) as Index;

export function loadStatsCases(): StatsCase[] {
  return Object.entries(fixtureIndex.cases).map(([name, c]) => ({
    name, dtype: c.dtype, expected: c.expected, bytes: new Uint8Array(readFileSync(new URL(c.file, DIR))),
  }));
}

/** |a - b| <= rel |b| + abs, with nulls equal only to nulls. */
export function assertClose(a: number | null, b: number | null, rel: number, abs: number, what: string): void {
  if (b === null || a === null) {
    assert.equal(a, b, `${what}: ${a} vs expected ${b}`);
    return;
  }
  const tol = rel * Math.abs(b) + abs;
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs expected ${b} (diff ${Math.abs(a - b)} > tol ${tol})`);
}

/** Checks a summary (and its sketch's quantiles) against numpy/scipy expectations. */
export function checkAgainstExpected(name: string, s: TensorSketch, sum: TensorSummary, e: StatsExpected): void {
  for (const [k, v] of [["numel", e.numel], ["nan_count", e.nan], ["posinf_count", e.posinf], ["neginf_count", e.neginf], ["zero_count", e.zero], ["finite_count", e.n]] as const) {
    assert.equal(sum[k], v, `${name}: ${k}`);
  }
  const scale = e.linf;
  assertClose(sum.mean, e.mean, 1e-9, 1e-12 * scale, `${name}: mean`);
  assertClose(sum.std, e.std, 1e-9, 1e-12 * scale, `${name}: std`);
  assertClose(sum.variance, e.variance, 1e-9, 1e-12 * scale * scale, `${name}: variance`);
  assertClose(sum.skewness, e.skewness, 1e-9, 1e-9, `${name}: skewness`);
  assertClose(sum.excess_kurtosis, e.excess_kurtosis, 1e-9, 1e-9, `${name}: excess_kurtosis`);
  assert.equal(sum.min, e.min, `${name}: min`);
  assert.equal(sum.max, e.max, `${name}: max`);
  assertClose(sum.l1, e.l1, 1e-9, 0, `${name}: l1`);
  assertClose(sum.l2, e.l2, 1e-9, 0, `${name}: l2`);
  assert.equal(sum.linf, e.linf, `${name}: linf`);
  assert.deepEqual(s.absLe, e.abs_le_counts, `${name}: exact |w| <= t counts`);
  if (e.n === 0) return;
  const keys = Object.keys(sum.frac_abs_le);
  keys.forEach((k, i) => assert.equal(sum.frac_abs_le[k], e.abs_le_counts[i]! / e.n, `${name}: frac_abs_le ${k}`));
  Object.values(sum.frac_abs_le_rel_std_bounds).forEach((b, i) => {
    const truth = e.rel_std_fracs![i]!;
    assert.ok(b !== null && b[0] <= truth + 1e-15 && truth <= b[1] + 1e-15, `${name}: rel-std fraction ${truth} outside [${b}]`);
  });
  checkQuantiles(name, s, sum, e);
}

function checkQuantiles(name: string, s: TensorSketch, sum: TensorSummary, e: StatsExpected): void {
  const levels = fixtureIndex.quantile_levels;
  const bound = sum.quantile_rel_error_bound;
  const est = Object.values(sum.quantiles);
  levels.forEach((q, i) => {
    const mag = Math.max(Math.abs(e.linear_order_lo![i]!), Math.abs(e.linear_order_hi![i]!));
    assertClose(est[i]!, e.quantiles_linear![i]!, 0, bound * mag + 2 ** -133 + 1e-15 * mag, `${name}: linear quantile ${q}`);
  });
  const inv = sketchQuantiles(s, levels, "inverted_cdf");
  levels.forEach((q, i) => {
    const truth = e.quantiles_inverted_cdf![i]!;
    assertClose(inv[i]!, truth, bound, 2 ** -133, `${name}: inverted_cdf quantile ${q}`);
  });
}

/** Counts, extremes and histogram identical; moments and norms within float rounding. */
export function assertSketchesAgree(a: TensorSketch, b: TensorSketch, what: string): void {
  const strip = (s: TensorSketch) => ({ ...s, mean: 0, m2: 0, m3: 0, m4: 0, l1: 0, l2sq: 0 });
  assert.deepEqual(strip(a), strip(b), `${what}: counts, extremes, histogram`);
  const sc = Math.max(b.linf, 1e-300), n = Math.max(1, b.n);
  const tol: Record<string, number> = { mean: sc, m2: sc ** 2 * n, m3: sc ** 3 * n, m4: sc ** 4 * n, l1: sc * n, l2sq: sc ** 2 * n };
  for (const k of ["mean", "m2", "m3", "m4", "l1", "l2sq"] as const) assertClose(a[k], b[k], 1e-9, 1e-13 * tol[k]!, `${what}: ${k}`);
}

