// fracsAbsLe's pass over the buckets: the binary-search version (thresholdSumsByRuns, what
// fracsAbsLe runs) gives its oracle's (thresholdSumsPerBucket) sums bit for bit, on ascending
// keys of both signs, zero, subnormal and top buckets, thresholds on, inside and between
// buckets, and on the inputs it hands back to the oracle (keys not ascending, non-finite keys).
import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketMagnitudeHi, bucketMagnitudeLo, HIST_MAX_FINITE_KEY } from "../../src/stats/histogram.js";
import { fracsAbsLe, thresholdSumsByRuns, thresholdSumsPerBucket } from "../../src/stats/quantiles.js";
import { Rng } from "../../src/util/rng.js";

type Sums = { below: Float64Array; straddle: Float64Array; partial: Float64Array };

function sums(f: typeof thresholdSumsPerBucket, keys: Int32Array, counts: Float64Array, exact: boolean, ts: Float64Array): Sums {
  const m = ts.length;
  const out = { below: new Float64Array(m), straddle: new Float64Array(m), partial: new Float64Array(m) };
  f(keys, counts, exact, ts, out.below, out.straddle, out.partial);
  return out;
}

function assertSameBits(a: Sums, b: Sums, what: string): void {
  for (const field of ["below", "straddle", "partial"] as const) {
    for (let j = 0; j < a[field].length; j++) assert.ok(Object.is(a[field][j], b[field][j]), `${what}: ${field}[${j}] ${a[field][j]} vs ${b[field][j]}`);
  }
}

/** A random histogram: distinct keys of both signs ascending (as stored), counts whole or fractional. */
function randomHistogram(rng: Rng, size: number, wholeCounts: boolean): { keys: Int32Array; counts: Float64Array } {
  const chosen = new Set<number>();
  // clusters around a few magnitudes, plus the zero, subnormal and top finite buckets
  const centres = [0, 1, 0x0040, 0x3c00, 0x3f80, 0x4100, HIST_MAX_FINITE_KEY - 3];
  while (chosen.size < size) {
    const centre = centres[rng.int(centres.length)]!;
    const mag = Math.min(HIST_MAX_FINITE_KEY, Math.max(0, centre + rng.int(400) - 200));
    chosen.add((rng.int(2) === 0 ? 0 : 0x8000) | mag);
  }
  const keys = Int32Array.from([...chosen].sort((a, b) => a - b));
  const counts = Float64Array.from(keys, () => (wholeCounts ? 1 + rng.int(1000) : rng.uniform() * 50));
  return { keys, counts };
}

/** Thresholds on bucket edges, inside buckets, between them, and the special values. */
function thresholds(rng: Rng, keys: Int32Array): Float64Array {
  const ts: number[] = [0, -0, -1, NaN, Infinity, -Infinity, 2 ** -140, 3.4e38];
  for (let i = 0; i < 24; i++) {
    const key = keys[rng.int(keys.length)]!, lo = bucketMagnitudeLo(key), hi = bucketMagnitudeHi(key);
    ts.push(lo, hi, lo + (hi - lo) * rng.uniform(), hi * (1 + 1e-3));
  }
  return Float64Array.from(ts);
}

test("thresholdSumsByRuns equals the per-bucket oracle bit for bit on ascending keys (exact and not, whole and fractional counts)", () => {
  const rng = new Rng(11);
  for (let round = 0; round < 60; round++) {
    const { keys, counts } = randomHistogram(rng, 1 + rng.int(round < 10 ? 8 : 3000), round % 3 !== 0);
    const ts = thresholds(rng, keys);
    for (const exact of [false, true]) {
      assertSameBits(sums(thresholdSumsByRuns, keys, counts, exact, ts), sums(thresholdSumsPerBucket, keys, counts, exact, ts), `round ${round} exact ${exact}`);
    }
  }
  // no keys, one sign only
  const empty = new Int32Array(0), none = new Float64Array(0), ts = Float64Array.from([0, 1, NaN]);
  assertSameBits(sums(thresholdSumsByRuns, empty, none, false, ts), sums(thresholdSumsPerBucket, empty, none, false, ts), "empty");
  const neg = Int32Array.from([0x8000, 0xbf80, 0xbf81]), c = Float64Array.from([1, 2, 3]), t = Float64Array.from([1, 1.003, 1.01, 2]);
  assertSameBits(sums(thresholdSumsByRuns, neg, c, false, t), sums(thresholdSumsPerBucket, neg, c, false, t), "negative only");
});

test("a threshold inside a bucket of each sign: that bucket straddles it, the buckets below count whole (hand-computed)", () => {
  // +1.0 bucket [1, 1 + 2^-7) x 4, +2.0 x 5, -1.0 bucket x 6; t = 1 + 2^-8 (the middle of the 1.0 buckets)
  const keys = Int32Array.from([0x3f80, 0x4000, 0xbf80]), counts = Float64Array.from([4, 5, 6]);
  const s = sums(thresholdSumsByRuns, keys, counts, false, Float64Array.from([1 + 2 ** -8, 1.5]));
  assert.deepEqual([...s.below], [0, 10]);
  assert.deepEqual([...s.straddle], [10, 0]);
  assert.deepEqual([...s.partial], [5, 0]);
});

test("keys not strictly ascending or not finite go through the per-bucket pass: fracsAbsLe gives the same as on the sorted keys", () => {
  const rng = new Rng(5);
  const { keys, counts } = randomHistogram(rng, 500, true);
  const ts = [0.001, 0.01, 1, 2 ** -130];
  const sorted = fracsAbsLe({ n: 1e9, min: -1, max: 1, keysExact: false, histKeys: keys, histCounts: counts }, ts);
  const order = Array.from(keys, (_, i) => i).reverse();
  const reversed = fracsAbsLe({ n: 1e9, min: -1, max: 1, keysExact: false, histKeys: Int32Array.from(order, (i) => keys[i]!), histCounts: Float64Array.from(order, (i) => counts[i]!) }, ts);
  assert.deepEqual(reversed, sorted);
  // a non-finite key (magnitude above HIST_MAX_FINITE_KEY) is not in any run: the oracle's sums
  const inf = Int32Array.from([0x3f80, 0x7f80]), c = Float64Array.from([2, 3]), t = Float64Array.from([1, 1e39]);
  assertSameBits(sums(thresholdSumsByRuns, inf, c, false, t), sums(thresholdSumsPerBucket, inf, c, false, t), "non-finite key");
  // a non-finite negative key, keys outside 16 bits: the oracle's sums too
  for (const keys of [[0x3f80, 0xbf80, 0xff80], [-5, 0x3f80], [0x3f80, 0x10000], [0xff80], [0x7f80]]) {
    const k = Int32Array.from(keys), cs = Float64Array.from(keys, (_, i) => i + 1.5);
    assertSameBits(sums(thresholdSumsByRuns, k, cs, false, t), sums(thresholdSumsPerBucket, k, cs, false, t), `keys ${keys.join(",")}`);
  }
  // duplicate keys
  const dup = Int32Array.from([0x3f80, 0x3f80, 0x4000]), d = Float64Array.from([1, 2, 3]);
  assertSameBits(sums(thresholdSumsByRuns, dup, d, false, t), sums(thresholdSumsPerBucket, dup, d, false, t), "duplicate keys");
});
