// HeldHistograms: what comes back is what went in (same numbers, same order), whether a histogram
// is held as 16-bit counts, 32-bit counts, is larger than the write buffer, or is kept as copies (keys or counts out of
// the compact range, fractional counts, -0); the caller's arrays may be reused after add.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { HELD_WRITE_BUFFER_BYTES, HeldHistograms } from "../../src/report/held-histograms.js";
import { ColumnwiseDensity, densityGridFromBuckets, encodeDensity, type BucketHistogram } from "../../src/report/density.js";
import { histKeyOf } from "../../src/stats/histogram.js";
import { Rng } from "../../src/util/rng.js";

function back(held: HeldHistograms): Array<{ owner: number; column: number; keys: number[]; counts: number[] }> {
  const out: Array<{ owner: number; column: number; keys: number[]; counts: number[] }> = [];
  held.forEach((owner, column, h) => out.push({ owner, column, keys: Array.from(h.keys), counts: Array.from(h.counts) }));
  return out;
}

test("histograms come back with the same keys and counts, in the order added, whatever their range", () => {
  const rng = new Rng(11);
  const cases: BucketHistogram[] = [
    { keys: [0, 1, 0x7fff, 0x8000, 0xffff], counts: [1, 0, 65535, 2, 3] }, // 16-bit counts
    { keys: [5, 6], counts: [65536, 4294967295] }, // 32-bit counts
    { keys: [], counts: [] },
    { keys: [70000, 1], counts: [1, 2] }, // a key beyond 16 bits: copied
    { keys: [1, 2], counts: [4294967296, 1] }, // a count beyond 32 bits: copied
    { keys: [1, 2], counts: [0.5, 1] }, // fractional: copied
    { keys: [-1, 2], counts: [1, 1] }, // negative key: copied
    { keys: [1], counts: [-0] }, // -0 stays -0
    { keys: [3], counts: [-2] }, // negative count: copied
  ];
  const held = new HeldHistograms();
  const keys = new Int32Array(8), counts = new Float64Array(8); // one buffer for every add, as the store's transient reads
  cases.forEach((h, i) => {
    keys.set(h.keys); counts.set(h.counts);
    held.add(i, 10 + i, { keys: keys.subarray(0, h.keys.length), counts: counts.subarray(0, h.counts.length) });
    keys.fill(12345); counts.fill(777);
  });
  const got = back(held);
  assert.equal(got.length, cases.length);
  got.forEach((g, i) => {
    assert.equal(g.owner, i);
    assert.equal(g.column, 10 + i);
    assert.deepEqual(g.keys, Array.from(cases[i]!.keys), `keys of case ${i}`);
    assert.deepEqual(g.counts, Array.from(cases[i]!.counts), `counts of case ${i}`);
    g.counts.forEach((c, j) => assert.ok(Object.is(c, cases[i]!.counts[j]), `count ${j} of case ${i} is ${c}`));
  });
  assert.equal(held.buckets, cases.reduce((s, h) => s + h.keys.length, 0));
  held.close();
  // many histograms across write buffers, and one larger than the buffer
  const many = new HeldHistograms(), sent: BucketHistogram[] = [];
  const files = () => readdirSync(tmpdir()).filter((f) => f.startsWith("fp-report-histograms-"));
  assert.equal(files().length, 1, "one temporary folder while held");
  for (let i = 0; i < 40; i++) {
    const n = i === 7 ? HELD_WRITE_BUFFER_BYTES / 4 + 3 : 1 + Math.floor(rng.uniform() * 90000);
    const big = i % 3 === 0;
    const h = { keys: Int32Array.from({ length: n }, (_, j) => j % 65536), counts: Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * (big ? 4e9 : 65536))) };
    sent.push(h);
    many.add(i, i, h);
  }
  back(many).forEach((g, i) => {
    assert.deepEqual(g.keys, Array.from(sent[i]!.keys));
    assert.deepEqual(g.counts, Array.from(sent[i]!.counts));
  });
  assert.equal(back(many).length, 40, "visited again from the start");
  many.close();
  many.close();
  assert.deepEqual(files(), [], "close removes the temporary folder");
});

test("ColumnwiseDensity fed from held histograms encodes exactly as encodeDensity of the whole grid", () => {
  const rng = new Rng(5);
  const columns = 9, bins = 64;
  const hs: Array<BucketHistogram | null> = [];
  for (let c = 0; c < columns; c++) {
    if (c === 4) { hs.push(null); continue; } // a missing checkpoint
    const m = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const v = (rng.normal() + (c > 5 && i % 2 === 0 ? 3 : 0)) * (1 + c / 4);
      const k = histKeyOf(v);
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    const keys = [...m.keys()].sort((a, b) => a - b);
    hs.push({ keys, counts: keys.map((k) => m.get(k)!) });
  }
  const grid = new ColumnwiseDensity(columns, { bins }), held = new HeldHistograms();
  hs.forEach((h, c) => {
    if (h === null) return;
    grid.extend(h);
    held.add(0, c, h);
  });
  held.forEach((_, c, h) => grid.add(c, h)); // one scratch column reused by every add
  held.close();
  assert.deepEqual(grid.encode(), encodeDensity(densityGridFromBuckets(hs, { bins })));
});

test("a temporary folder that cannot be made is one StoreError naming it and saying to set TMPDIR", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { StoreError } = await import("../../src/util/errors.js");
  const dir = mkdtempSync(join(tmpdir(), "fp-held-tmpdir-"));
  const file = join(dir, "a-file");
  writeFileSync(file, "not a folder");
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = join(file, "below"); // a folder under a file: ENOTDIR
  try {
    assert.throws(() => new HeldHistograms(), (err: unknown) => {
      assert.ok(err instanceof StoreError, String(err));
      assert.match(err.message, /a-file\/below/);
      assert.match(err.message, /ENOTDIR|ENOENT/);
      assert.match(err.message, /TMPDIR=/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
