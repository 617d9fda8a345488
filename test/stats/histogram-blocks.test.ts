// HistogramBlocks (stats/histogram-blocks.ts): counts summed key by key in blocks equal a plain
// sum over a map of every key given, read out in ascending key order, whatever the order of the
// keys, with keys whose counts sum to 0 (or -0) kept; blocks reused from the pool start empty.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HistogramBlocks, HISTOGRAM_BLOCK_KEYS } from "../../src/stats/histogram-blocks.js";
import { HIST_KEY_COUNT } from "../../src/stats/histogram.js";
import { Rng } from "../../src/util/rng.js";

/** The reference: every key given, ascending, with its counts summed from +0 in the order given. */
function reference(lists: readonly { keys: ArrayLike<number>; counts: ArrayLike<number> }[]): { keys: Int32Array; counts: Float64Array } {
  const sums = new Map<number, number>();
  for (const { keys, counts } of lists) for (let i = 0; i < keys.length; i++) sums.set(keys[i]!, (sums.get(keys[i]!) ?? 0) + counts[i]!);
  const keys = [...sums.keys()].sort((a, b) => a - b);
  return { keys: Int32Array.from(keys), counts: Float64Array.from(keys.map((k) => sums.get(k)!)) };
}

function randomList(rng: Rng, n: number, sorted: boolean): { keys: Int32Array; counts: Float64Array } {
  const keys = new Set<number>();
  // clustered like a tensor's buckets (a few exponents of each sign), plus a few anywhere
  while (keys.size < n) keys.add(rng.uniform() < 0.9 ? ((rng.uniform() < 0.5 ? 0x8000 : 0) | (0x3a00 + Math.floor(rng.uniform() * 0x600))) : Math.floor(rng.uniform() * HIST_KEY_COUNT));
  const list = [...keys];
  if (sorted) list.sort((a, b) => a - b);
  return { keys: Int32Array.from(list), counts: Float64Array.from(list, () => Math.floor(rng.uniform() * 1000)) };
}

test("HistogramBlocks: sums equal the reference, keys ascending, for sorted and unsorted lists, twice over pooled blocks", () => {
  const rng = new Rng(5);
  for (let round = 0; round < 3; round++) {
    const lists = Array.from({ length: 12 }, (_, i) => randomList(rng, 50 + 400 * i, i % 3 !== 0));
    const blocks = new HistogramBlocks();
    for (const l of lists) blocks.add(l.keys, l.counts);
    const got = blocks.take();
    const want = reference(lists);
    assert.deepStrictEqual(got, want, `round ${round}`);
    assert.ok(got.keys.length > HISTOGRAM_BLOCK_KEYS, "more keys than one block holds");
  }
});

test("HistogramBlocks: a key given with count 0 (or -0) is a key of the result with count +0; blocks from the pool hold nothing of their last use", () => {
  const first = new HistogramBlocks();
  first.add([0, 1, 255, 256, 65535], [5, 6, 7, 8, 9]);
  assert.deepStrictEqual(first.take(), { keys: Int32Array.of(0, 1, 255, 256, 65535), counts: Float64Array.of(5, 6, 7, 8, 9) });
  const second = new HistogramBlocks(); // takes the blocks the first gave back
  second.add([3, 1, 300], [0, -0, 2]);
  second.add([300, 1, 7], [-2, 4, -0]);
  const got = second.take();
  assert.deepStrictEqual(got, { keys: Int32Array.of(1, 3, 7, 300), counts: Float64Array.of(4, 0, 0, 0) });
  assert.ok(got.counts.subarray(1).every((c) => Object.is(c, 0)), "+0, not -0");
  assert.deepStrictEqual(new HistogramBlocks().take(), { keys: new Int32Array(0), counts: new Float64Array(0) });
});

test("HistogramBlocks: keys outside the key space are refused; blocks read out once", () => {
  const b = new HistogramBlocks();
  assert.throws(() => b.add([HIST_KEY_COUNT], [1]), /not an integer in \[0, 65536\)/);
  assert.throws(() => b.add([-1], [1]), RangeError);
  assert.throws(() => b.add([1.5], [1]), RangeError);
  b.take();
  assert.throws(() => b.take(), /read out twice/);
  assert.throws(() => b.add([1], [1]), /after they were read out/);
});
