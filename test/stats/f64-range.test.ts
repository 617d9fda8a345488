// Float64 values beyond the float32 range (issue 13 item 12): quantiles never state the 2^-8
// bound for a value clamped into the top bucket; they are exact at the extremes, null (unknown)
// inside the overflowing bucket, and unchanged elsewhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFloats } from "../../src/formats/dtype.js";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { QUANTILE_REL_ERROR, sketchQuantiles } from "../../src/stats/quantiles.js";
import { summarizeSketch } from "../../src/stats/summary.js";

test("item 12: quantiles of F64 data beyond 3.4e38 are null or exact, never clamped under the 2^-8 bound", () => {
  const values = [-5e300, -1e39, -2, -1, 0.5, 1, 3, 7e38, 1e39, 5e300];
  const sketch = sketchChunkScalar("F64", encodeFloats("F64", values));
  const sorted = [...values].sort((a, b) => a - b);
  const qs = [0, 0.05, 0.2, 0.5, 0.8, 0.95, 1];
  const got = sketchQuantiles(sketch, qs, "inverted_cdf");
  qs.forEach((q, i) => {
    const want = sorted[Math.max(0, Math.ceil(q * values.length) - 1)]!;
    const v = got[i]!;
    if (v === null) {
      assert.ok(Math.abs(want) > 3.4e38, `q=${q}: null although the order statistic ${want} is in float32 range`);
    } else {
      assert.ok(Math.abs(v - want) <= QUANTILE_REL_ERROR * Math.abs(want) + 2 ** -133, `q=${q}: ${v} vs ${want} outside the stated bound`);
    }
  });
  assert.equal(got[0], -5e300, "rank 0 is the minimum, exact");
  assert.equal(got[qs.length - 1], 5e300, "rank n-1 is the maximum, exact");
  assert.notEqual(got[3], null, "median in range: estimated as before");
  assert.equal(got[1], -5e300);
  const summary = summarizeSketch(sketch);
  assert.equal(summary.quantiles["0.999"] ?? null, null, "0.999 falls among the overflowing values");
});
