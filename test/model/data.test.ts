// Data: SOTU split by document with end-of-text separators, seeded batches (deterministic per
// seed and step, windows copied from the stream), and the byte tokenizer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleBatch, sotuTokenStreams, encodeDocuments, batchSeed } from "../../src/model/data.js";
import { splitSotu } from "../../src/model/corpus.js";
import { ByteTokenizer, BYTE_EOT_ID } from "../../src/model/tokenizer.js";

test("SOTU streams: train = older documents, validation = the most recent, separated by end-of-text", () => {
  const tok = new ByteTokenizer();
  const split = splitSotu();
  const streams = sotuTokenStreams(tok);
  const lastTrain = split.train[split.train.length - 1]!, firstVal = split.validation[0]!;
  assert.ok(lastTrain.year <= firstVal.year);
  assert.equal(streams.validation.filter((t) => t === BYTE_EOT_ID).length, split.validation.length - 1);
  assert.equal(streams.train.filter((t) => t === BYTE_EOT_ID).length, split.train.length - 1);
  const firstDoc = Buffer.from(firstVal.text.trim(), "utf8");
  assert.deepEqual(Array.from(streams.validation.subarray(0, firstDoc.length)), Array.from(firstDoc));
  assert.equal(streams.validation[firstDoc.length], BYTE_EOT_ID);
  assert.ok(streams.train.length > 5_000_000, `train has ${streams.train.length} bytes`);
});

test("byte tokenizer round trip; end of text decodes to a blank line", () => {
  const tok = new ByteTokenizer();
  const text = "Fellow-Citizens — ünïcode ✓";
  assert.equal(tok.decode(tok.encode(text)), text);
  assert.equal(tok.decode([72, BYTE_EOT_ID, 105]), "H\n\ni");
  assert.equal(tok.vocabSize, 264);
  const two = encodeDocuments([{ year: 1, name: "a", party: "", text: " ab " }, { year: 2, name: "b", party: "", text: "c" }], tok);
  assert.deepEqual(Array.from(two), [97, 98, BYTE_EOT_ID, 99]);
});

test("sampleBatch: deterministic per (seed, step), targets are inputs shifted by one inside a stream window", () => {
  const stream = Int32Array.from({ length: 1000 }, (_, i) => i);
  const a = sampleBatch(stream, 4, 16, 7, 3), b = sampleBatch(stream, 4, 16, 7, 3);
  assert.deepEqual(a, b);
  assert.notDeepEqual(sampleBatch(stream, 4, 16, 7, 4).inputs, a.inputs);
  assert.notDeepEqual(sampleBatch(stream, 4, 16, 8, 3).inputs, a.inputs);
  for (let r = 0; r < 4; r++) {
    const start = a.inputs[r * 16]!;
    for (let t = 0; t < 16; t++) {
      assert.equal(a.inputs[r * 16 + t], start + t);
      assert.equal(a.targets[r * 16 + t], start + t + 1);
    }
    assert.ok(start + 16 < 1000);
  }
  // a stream of exactly T+1 tokens has one window
  const exact = sampleBatch(Int32Array.from([5, 6, 7]), 2, 2, 1, 0);
  assert.deepEqual(Array.from(exact.inputs), [5, 6, 5, 6]);
  assert.throws(() => sampleBatch(Int32Array.from([1, 2]), 1, 2, 0, 0), /T\+1/);
});

test("batch seeds differ across nearby steps and seeds, and window starts cover the stream", () => {
  const seen = new Set<number>();
  for (let seed = 0; seed < 4; seed++) for (let step = 0; step < 256; step++) seen.add(batchSeed(seed, step));
  assert.equal(seen.size, 1024);
  const stream = Int32Array.from({ length: 101 }, (_, i) => i);
  const starts = new Set<number>();
  for (let step = 0; step < 2000; step++) starts.add(sampleBatch(stream, 1, 1, 0, step).inputs[0]!);
  assert.equal(starts.size, 100); // every start 0..99 is drawn
});
