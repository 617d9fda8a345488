// Read-ahead cache of HttpRangeSource: fewer requests for many small reads, a bounded LRU,
// shared in-flight blocks; plus the pure block planning, LRU and retry-delay helpers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpRangeSource } from "../../src/io/http-source.js";
import { BlockCache, blocksCovering, missingRuns } from "../../src/io/read-ahead.js";
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from "../../src/io/http-retry.js";
import { Rng } from "../../src/util/rng.js";
import { randomBytes, startFakeHub } from "../helpers/fake-hub.js";

const BIG = randomBytes(256 * 1024, 5);
const REPOS = { "acme/tiny": { main: { files: { "model.bin": BIG } } } };
const BLOCK = 64 * 1024;

async function smallReads(readAheadBytes: number): Promise<{ requests: number; bytesRead: number }> {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`, { readAheadBytes });
    const rng = new Rng(11);
    for (let i = 0; i < 20; i++) {
      const offset = rng.int(BLOCK - 64);
      assert.deepEqual(await src.read(offset, 64), BIG.subarray(offset, offset + 64));
    }
    return { requests: hub.contentRequests("model.bin").length, bytesRead: src.bytesRead };
  } finally {
    await hub.close();
  }
}

test("read-ahead turns many small reads within one block into one request", async () => {
  const without = await smallReads(0);
  const withBlocks = await smallReads(BLOCK);
  assert.equal(without.requests, 20);
  assert.equal(without.bytesRead, 20 * 64);
  assert.equal(withBlocks.requests, 1);
  assert.equal(withBlocks.bytesRead, BLOCK);
});

test("the block LRU is bounded: evicted blocks are fetched again, kept ones are not", async () => {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`, { readAheadBytes: BLOCK, cacheBytes: 2 * BLOCK });
    const count = (): number => hub.contentRequests().length;
    await src.read(10, 5); // block 0
    await src.read(BLOCK + 10, 5); // block 1
    await src.read(2 * BLOCK + 10, 5); // block 2 evicts block 0
    assert.equal(count(), 3);
    await src.read(2 * BLOCK + 100, 5);
    await src.read(BLOCK + 100, 5);
    assert.equal(count(), 3, "blocks 1 and 2 are cached");
    await src.read(20, 5);
    assert.equal(count(), 4, "block 0 was evicted");
    // A small read across a block boundary fetches only the missing block.
    // Cached now: blocks 1 and 0. A small read across the 1|2 boundary fetches only block 2.
    const across = await src.read(2 * BLOCK - 10, 20);
    assert.deepEqual(across, BIG.subarray(2 * BLOCK - 10, 2 * BLOCK + 10));
    assert.equal(count(), 5);
    assert.equal(hub.contentRequests().at(-1)!.range, `bytes=${2 * BLOCK}-${3 * BLOCK - 1}`);
  } finally {
    await hub.close();
  }
});

test("concurrent small reads of one block share a single request; large reads reuse cached ends and fetch the rest exactly", async () => {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`, { readAheadBytes: BLOCK });
    const offsets = [0, 100, 5000, 60_000, 30_000];
    const got = await Promise.all(offsets.map((o) => src.read(o, 100)));
    got.forEach((g, i) => assert.deepEqual(g, BIG.subarray(offsets[i]!, offsets[i]! + 100)));
    assert.equal(hub.contentRequests().length, 1);
    const big = await src.read(1000, BLOCK);
    assert.deepEqual(big, BIG.subarray(1000, 1000 + BLOCK));
    assert.equal(hub.contentRequests().at(-1)!.range, `bytes=${BLOCK}-${1000 + BLOCK - 1}`, "block 0 is reused, only the rest is fetched");
    const far = await src.read(3 * BLOCK + 7, 5000);
    assert.deepEqual(far, BIG.subarray(3 * BLOCK + 7, 3 * BLOCK + 5007));
    assert.equal(hub.contentRequests().at(-1)!.range, `bytes=${3 * BLOCK + 7}-${3 * BLOCK + 5006}`, "a tensor-size read is fetched exactly, no read-ahead");
    assert.equal(hub.contentRequests().length, 3);
    const inside = await src.read(2000, 8000);
    assert.deepEqual(inside, BIG.subarray(2000, 10_000));
    assert.equal(hub.contentRequests().length, 3, "a read inside a cached block makes no request");
    // Returned bytes are copies: changing them does not change later reads.
    got[0]!.fill(0);
    assert.deepEqual(await src.read(0, 100), BIG.subarray(0, 100));
  } finally {
    await hub.close();
  }
});

test("blocksCovering and missingRuns plan block fetches", () => {
  assert.deepEqual(blocksCovering(0, 1, 10), { first: 0, last: 0 });
  assert.deepEqual(blocksCovering(9, 2, 10), { first: 0, last: 1 });
  assert.deepEqual(blocksCovering(25, 30, 10), { first: 2, last: 5 });
  const cached = new Set([3, 4, 7]);
  assert.deepEqual(missingRuns({ first: 1, last: 8 }, (i) => !cached.has(i)), [
    { first: 1, last: 2 },
    { first: 5, last: 6 },
    { first: 8, last: 8 },
  ]);
  assert.deepEqual(missingRuns({ first: 3, last: 4 }, (i) => !cached.has(i)), []);
});

test("BlockCache evicts least recently used blocks beyond its byte budget", () => {
  const cache = new BlockCache(30);
  cache.set(1, new Uint8Array(10));
  cache.set(2, new Uint8Array(10));
  cache.set(3, new Uint8Array(10));
  assert.ok(cache.get(1) !== undefined); // 1 becomes most recent
  cache.set(4, new Uint8Array(10)); // evicts 2
  assert.equal(cache.has(2), false);
  assert.deepEqual([1, 3, 4].map((i) => cache.has(i)), [true, true, true]);
  assert.equal(cache.cachedBytes, 30);
  const tiny = new BlockCache(0);
  tiny.set(1, new Uint8Array(5));
  assert.equal(tiny.has(1), true, "the newest block is always kept");
  tiny.set(2, new Uint8Array(5));
  assert.equal(tiny.has(1), false);
});

test("Retry-After parsing and backoff delays stay within their bounds", () => {
  assert.equal(parseRetryAfter("7"), 7000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
  const now = Date.parse("2024-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Mon, 01 Jan 2024 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Sun, 31 Dec 2023 23:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("999999"), MAX_RETRY_AFTER_MS);
  const policy = { retries: 9, backoffMs: 100, maxBackoffMs: 1000, random: () => 0.999, sleep: async () => {} };
  const delays = [0, 1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy));
  for (let n = 0; n < delays.length; n++) {
    const cap = Math.min(1000, 100 * 2 ** n);
    assert.ok(delays[n]! >= cap / 2 && delays[n]! <= cap, `retry ${n}: ${delays[n]}`);
  }
  assert.equal(retryDelayMs(0, { ...policy, random: () => 0 }), 50);
  assert.equal(retryDelayMs(0, policy, 4000), 4000);
});
