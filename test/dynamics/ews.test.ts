// Early-warning building blocks against scipy / numpy (tools/reference/ews_fixtures.py):
// Kendall tau-b and asymptotic p-values, erfc, Gaussian / moving-average detrending,
// rolling statistics, and the detrend -> rolling -> Kendall pipeline of earlyWarning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  detrend,
  earlyWarning,
  erfc,
  ExpandingKendall,
  kendallTau,
  rollingStatistics,
  type Alternative,
  type IndicatorName,
} from "../../src/dynamics/ews/index.js";
import { NotEnoughPointsError, UsageError } from "../../src/util/errors.js";

type Num = number | null;
const fx = JSON.parse(readFileSync(new URL("../fixtures/dynamics/ews.json", import.meta.url), "utf8")) as {
  kendall: Array<{ name: string; x: number[]; y: number[] } & Record<Alternative, { tau: number; pValue: number }>>;
  erfc: { x: number[]; erfc: number[] };
  detrend: { values: number[]; gaussian: Array<{ bandwidth: number; trend: number[] }>; movingAverage: Array<{ span: number; trend: number[] }> };
  rolling: Array<{ window: number; residuals: number[]; raw: number[] } & Record<IndicatorName, Num[]>>;
  pipeline: { values: number[]; eventIndex: number; residuals: number[]; trend: Record<"variance" | "ac1" | "skewness" | "kurtosis", { tau: number; pValue: number }> };
};

/** Largest |a - b| with NaN (ours) matching null (reference). */
function maxDiff(ours: ArrayLike<number>, ref: readonly Num[]): number {
  assert.equal(ours.length, ref.length);
  let worst = 0;
  for (const [i, r] of ref.entries()) {
    if (r === null) assert.ok(Number.isNaN(ours[i]!), `index ${i}: expected NaN, got ${ours[i]}`);
    else worst = Math.max(worst, Math.abs(ours[i]! - r));
  }
  return worst;
}

test("erfc matches scipy.special.erfc to 1e-15 absolute and 1e-13 relative", () => {
  fx.erfc.x.forEach((x, i) => {
    const ref = fx.erfc.erfc[i]!;
    const got = erfc(x);
    assert.ok(Math.abs(got - ref) <= 1e-15 + 1e-13 * Math.abs(ref), `erfc(${x}) = ${got}, scipy ${ref}`);
  });
});

for (const c of fx.kendall) {
  test(`kendallTau matches scipy.stats.kendalltau(method="asymptotic"): ${c.name}`, () => {
    for (const alt of ["two-sided", "greater", "less"] as const) {
      const r = kendallTau(c.x, c.y, alt);
      assert.ok(Math.abs(r.tau - c[alt].tau) <= 1e-12, `${alt} tau ${r.tau} vs ${c[alt].tau}`);
      const p = c[alt].pValue;
      assert.ok(Math.abs(r.pValue - p) <= 1e-12 && Math.abs(r.pValue - p) <= 1e-9 * p + 1e-300, `${alt} p ${r.pValue} vs ${p}`);
    }
  });
}

test("ExpandingKendall equals kendallTau on every prefix, ties included", () => {
  const c = fx.kendall.find((k) => k.name === "ties-y-60")!;
  const expanding = new ExpandingKendall();
  for (let k = 0; k < c.y.length; k++) {
    expanding.push(c.y[k]!);
    if (k < 2) continue;
    const direct = kendallTau(c.x.slice(0, k + 1), c.y.slice(0, k + 1));
    const inc = expanding.result();
    assert.ok(Math.abs(inc.tau - direct.tau) < 1e-14 || (Number.isNaN(inc.tau) && Number.isNaN(direct.tau)), `prefix ${k + 1}`);
    assert.ok(Math.abs(inc.pValue - direct.pValue) < 1e-14 || (Number.isNaN(inc.pValue) && Number.isNaN(direct.pValue)), `prefix ${k + 1}`);
  }
  assert.throws(() => kendallTau([1, 2], [1, 2]), NotEnoughPointsError);
  assert.ok(Number.isNaN(kendallTau([1, 2, 3], [4, 4, 4]).tau));
});

test("Gaussian and moving-average detrending match scipy.ndimage (reflect mode) to 1e-12", () => {
  for (const g of fx.detrend.gaussian) {
    const { trend, residuals } = detrend(fx.detrend.values, { method: "gaussian", bandwidth: g.bandwidth });
    assert.ok(maxDiff(trend, g.trend) <= 1e-12, `bandwidth ${g.bandwidth}: ${maxDiff(trend, g.trend)}`);
    assert.ok(Math.abs(residuals[7]! - (fx.detrend.values[7]! - g.trend[7]!)) <= 1e-12);
  }
  for (const m of fx.detrend.movingAverage) {
    const { trend } = detrend(fx.detrend.values, { method: "moving-average", span: m.span });
    assert.ok(maxDiff(trend, m.trend) <= 1e-12, `span ${m.span}: ${maxDiff(trend, m.trend)}`);
  }
  const none = detrend([1, 2, 3], { method: "none" });
  assert.deepEqual(Array.from(none.residuals), [1, 2, 3]);
});

for (const c of fx.rolling) {
  test(`rolling statistics match numpy window by window to 1e-12 (window ${c.window})`, () => {
    const stats = rollingStatistics(c.residuals, { window: c.window, raw: c.raw });
    for (const name of ["variance", "ac1", "skewness", "kurtosis", "cv"] as const) {
      const d = maxDiff(stats[name], c[name]);
      assert.ok(d <= 1e-12, `${name}: max difference ${d}`);
    }
  });
}

test("earlyWarning indicators and Kendall trends match the numpy/scipy pipeline", () => {
  const p = fx.pipeline;
  const steps = p.values.map((_, i) => 10 * i);
  const result = earlyWarning(steps, p.values, p.eventIndex);
  assert.ok(maxDiff(result.residuals, p.residuals) <= 1e-12);
  for (const name of ["variance", "ac1", "skewness", "kurtosis"] as const) {
    const got = result.indicators[name];
    assert.ok(Math.abs(got.tau - p.trend[name].tau) <= 1e-12, `${name} tau ${got.tau} vs ${p.trend[name].tau}`);
    assert.ok(Math.abs(got.pValue - p.trend[name].pValue) <= 1e-12, `${name} p ${got.pValue} vs ${p.trend[name].pValue}`);
  }
  // The rule is applied as documented: both trends above 0.6 and significant, else not announced.
  const expected = p.trend.variance.tau > 0.6 && p.trend.variance.pValue < 0.05 && p.trend.ac1.tau > 0.6 && p.trend.ac1.pValue < 0.05;
  assert.equal(result.announced, expected);
  assert.equal(result.eventStep, 10 * p.eventIndex);
  assert.equal(result.windowPoints, Math.floor(0.5 * p.eventIndex));
});

test("earlyWarning rejects bad input with typed errors", () => {
  assert.throws(() => earlyWarning([0, 1, 2], [1, 2], 1), UsageError);
  assert.throws(() => earlyWarning([0, 1, 2], [1, 2, 3], 3), UsageError);
  assert.throws(() => earlyWarning([0, 2, 1, 3], [1, 2, 3, 4], 3), UsageError);
  assert.throws(() => earlyWarning([0, 1, 2, 3], [1, 2, 3, 4], 3), NotEnoughPointsError);
});
