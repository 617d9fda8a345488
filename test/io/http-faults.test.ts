// HttpRangeSource under injected faults: transient ones are retried (and counted), persistent ones
// end in typed errors naming the URL and range, a changed remote file is detected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpRangeSource, type HttpRangeSourceOptions } from "../../src/io/http-source.js";
import { HttpSourceError, RemoteChangedError } from "../../src/io/http-errors.js";
import { ByteSourceError } from "../../src/util/errors.js";
import { randomBytes, startFakeHub, type Fault, type FakeHub } from "../helpers/fake-hub.js";

const BIG = randomBytes(200_000, 3);
const REPOS = { "acme/tiny": { main: { files: { "model.bin": BIG } } } };

/** Options that never really wait: backoff delays are recorded instead. */
function recorded(extra: HttpRangeSourceOptions = {}): { options: HttpRangeSourceOptions; delays: number[] } {
  const delays: number[] = [];
  const options = { readAheadBytes: 0, random: () => 0.5, sleep: async (ms: number) => void delays.push(ms), ...extra };
  return { options, delays };
}

async function withHub(faults: Fault[], body: (hub: FakeHub, url: string) => Promise<void>): Promise<void> {
  const hub = await startFakeHub({ repos: REPOS, faults });
  try {
    await body(hub, `${hub.url}/acme/tiny/resolve/main/model.bin`);
  } finally {
    await hub.close();
  }
}

const TRANSIENT: Array<[string, Fault]> = [
  ["connection cut mid-body", { kind: "reset-mid-body", method: "GET" }],
  ["truncated body", { kind: "truncated-body", method: "GET" }],
  ["503", { kind: "status", status: 503, method: "GET" }],
  ["429 with Retry-After", { kind: "status", status: 429, retryAfter: "3", method: "GET" }],
  ["expired CDN link (403)", { kind: "status", status: 403, route: "cdn", method: "GET" }],
];

for (const [what, fault] of TRANSIENT) {
  test(`a read recovers from one ${what} and counts the retry`, async () => {
    await withHub([fault], async (hub, url) => {
      const { options, delays } = recorded();
      const src = await HttpRangeSource.open(url, options);
      const got = await src.read(1000, 50_000);
      assert.deepEqual(got, BIG.subarray(1000, 51_000));
      assert.equal(src.retryCount, 1);
      assert.equal(delays.length, 1);
      if (fault.retryAfter !== undefined) assert.ok(delays[0]! >= 3000, `waited ${delays[0]} ms for Retry-After: 3`);
      else assert.ok(delays[0]! >= 125 && delays[0]! <= 250, `first backoff ${delays[0]} ms`);
      assert.equal(hub.contentRequests("model.bin").filter((r) => r.status === 206).length, what.includes("cut") ? 2 : what.includes("truncated") ? 2 : 1);
    });
  });
}

test("an expired CDN link is resolved again through the Hub before the retry", async () => {
  await withHub([{ kind: "status", status: 403, route: "cdn", method: "GET" }], async (hub, url) => {
    const src = await HttpRangeSource.open(url, recorded().options);
    await src.read(0, 10);
    const routes = hub.requests.map((r) => `${r.method} ${r.route} ${r.status}`);
    assert.deepEqual(routes, ["HEAD resolve 302", "HEAD cdn 200", "GET cdn 403", "HEAD resolve 302", "HEAD cdn 200", "GET cdn 206"]);
  });
});

// The timeout applies to every request of the source: it is long enough that no answered request
// reaches it on a loaded machine (400 ms once did, and counted a second retry), and the stall is far
// longer, so only the stalled one is abandoned, and the read ends long before the stall would.
const IDLE_TIMEOUT_MS = 3_000;
const STALL_MS = 60_000;

test("a stalled server is abandoned after the idle timeout and retried", async () => {
  await withHub([{ kind: "hang", hangMs: STALL_MS, method: "GET" }], async (hub, url) => {
    const src = await HttpRangeSource.open(url, recorded({ timeoutMs: IDLE_TIMEOUT_MS }).options);
    const started = Date.now();
    assert.deepEqual(await src.read(5, 20), BIG.subarray(5, 25));
    const ms = Date.now() - started;
    assert.equal(src.retryCount, 1);
    assert.ok(ms >= IDLE_TIMEOUT_MS - 50 && ms < STALL_MS / 2, `the read took ${ms} ms: abandoned at the timeout, not at the stall's end`);
    assert.equal(hub.requests.filter((r) => r.method === "GET").length, 2, "the stalled GET and its retry");
  });
});

test("several transient faults in a row are all retried, with growing backoff", async () => {
  await withHub([{ kind: "status", status: 500, method: "GET", times: 3 }], async (_hub, url) => {
    const { options, delays } = recorded({ backoffMs: 100 });
    const src = await HttpRangeSource.open(url, options);
    assert.deepEqual(await src.read(0, 10), BIG.subarray(0, 10));
    assert.equal(src.retryCount, 3);
    assert.deepEqual(delays, [75, 150, 300]);
  });
});

test("a persistent fault ends in HttpSourceError naming the URL, the range and the last status", async () => {
  await withHub([{ kind: "status", status: 503, method: "GET", times: Infinity }], async (_hub, url) => {
    const { options, delays } = recorded({ retries: 3 });
    const src = await HttpRangeSource.open(url, options);
    const err = await src.read(100, 20).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError && err instanceof ByteSourceError);
    assert.equal(err.attempts, 4);
    assert.equal(err.status, 503);
    assert.equal(err.range, "bytes=100-119");
    assert.equal(err.url, url);
    assert.match(err.message, /bytes=100-119 failed after 4 attempts: last status HTTP 503 \(InjectedFault\)/);
    assert.ok(err.message.includes(url));
    assert.equal(delays.length, 3);
  });
});

test("a persistently cut connection is reported with no status and the byte count", async () => {
  await withHub([{ kind: "reset-mid-body", method: "GET", times: Infinity }], async (_hub, url) => {
    const src = await HttpRangeSource.open(url, recorded({ retries: 2 }).options);
    const err = await src.read(0, 40_000).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError);
    assert.equal(err.attempts, 3);
    assert.match(err.message, /last status no response: .*(connection lost after \d+ of 40000 body bytes|UND_ERR_SOCKET|ECONNRESET)/);
  });
});

test("client errors are not retried", async () => {
  await withHub([{ kind: "status", status: 400, method: "GET", times: Infinity }], async (_hub, url) => {
    const { options, delays } = recorded();
    const src = await HttpRangeSource.open(url, options);
    const err = await src.read(0, 10).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError);
    assert.equal(err.attempts, 1);
    assert.equal(err.status, 400);
    assert.deepEqual(delays, []);
  });
});

test("a missing file fails at open with the Hub's error code", async () => {
  await withHub([], async (hub) => {
    const err = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/nope.bin`, recorded().options).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError);
    assert.equal(err.status, 404);
    assert.equal(err.errorCode, "EntryNotFound");
    assert.equal(err.range, "HEAD");
  });
});

test("HEAD is retried too", async () => {
  await withHub([{ kind: "status", status: 502, method: "HEAD", route: "resolve", times: 2 }], async (_hub, url) => {
    const src = await HttpRangeSource.open(url, recorded().options);
    assert.equal(src.size, BIG.byteLength);
    assert.equal(src.retryCount, 2);
  });
});

test("a file that changes between reads raises RemoteChangedError telling to re-run", async () => {
  await withHub([{ kind: "change-content", method: "GET", after: 2 }], async (_hub, url) => {
    const { options, delays } = recorded();
    const src = await HttpRangeSource.open(url, options);
    assert.deepEqual(await src.read(0, 10), BIG.subarray(0, 10));
    assert.deepEqual(await src.read(10, 10), BIG.subarray(10, 20));
    const err = await src.read(20, 10).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof RemoteChangedError && err instanceof ByteSourceError);
    assert.match(err.message, /changed during the analysis/);
    assert.match(err.message, /re-run/);
    assert.deepEqual(delays, [], "a changed file is not retried");
  });
});

test("a changed file behind an expired link is detected when resolving again", async () => {
  await withHub([{ kind: "status", status: 403, route: "cdn", method: "GET", after: 1 }], async (hub, url) => {
    const src = await HttpRangeSource.open(url, recorded().options);
    await src.read(0, 10);
    hub.replaceFile("acme/tiny", "main", "model.bin", randomBytes(BIG.byteLength, 99));
    await assert.rejects(src.read(10, 10), RemoteChangedError);
    assert.deepEqual(hub.requests.slice(-3).map((r) => `${r.method} ${r.route} ${r.status}`), ["GET cdn 403", "HEAD resolve 302", "HEAD cdn 200"]);
  });
});

test("a CDN that refuses HEAD is probed with a one-byte GET instead", async () => {
  await withHub([{ kind: "status", status: 403, route: "cdn", method: "HEAD", times: Infinity }], async (hub, url) => {
    const src = await HttpRangeSource.open(url, recorded().options);
    assert.equal(src.size, BIG.byteLength);
    assert.match(src.etag ?? "", /^"[0-9a-f]{32}"$/, "the CDN's ETag");
    assert.match(src.commit ?? "", /^[0-9a-f]{40}$/);
    assert.deepEqual(await src.read(7, 9), BIG.subarray(7, 16));
    assert.deepEqual(hub.requests.slice(0, 3).map((r) => `${r.method} ${r.route} ${r.status} ${r.range ?? ""}`), [
      "HEAD resolve 302 ",
      "HEAD cdn 403 ",
      "GET cdn 206 bytes=0-0",
    ]);
    assert.equal(src.retryCount, 0);
    assert.equal(src.bytesRead, 1 + 9);
  });
});

test("a gated file (403 from the Hub itself, no redirect) is an error, not a probe", async () => {
  await withHub([{ kind: "status", status: 403, route: "resolve", method: "HEAD", times: Infinity }], async (hub, url) => {
    const err = await HttpRangeSource.open(url, recorded().options).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError);
    assert.equal(err.status, 403);
    assert.match(err.message, /set HF_TOKEN/);
    assert.equal(hub.requests.length, 1);
  });
});
