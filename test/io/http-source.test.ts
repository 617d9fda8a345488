// HttpRangeSource against the local fake Hub: exact bytes, metadata, byte counts, redirects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRangeSource, contentRangeProblem } from "../../src/io/http-source.js";
import { HttpSourceError } from "../../src/io/http-errors.js";
import { ByteSourceError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";
import { randomBytes, startFakeHub } from "../helpers/fake-hub.js";

const BIG = randomBytes(300_000, 1);
const SMALL = new TextEncoder().encode('{"hidden_size": 512}');
const REPOS = { "acme/tiny": { main: { files: { "model.bin": BIG, "config.json": SMALL } } } };

test("random ranges come back byte-exact, with and without read-ahead", async () => {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    for (const readAheadBytes of [0, 4096, 65_536]) {
      const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`, { readAheadBytes, cacheBytes: 3 * 65_536 });
      assert.equal(src.size, BIG.byteLength);
      const rng = new Rng(7 + readAheadBytes);
      for (let i = 0; i < 15; i++) {
        const offset = rng.int(BIG.byteLength);
        const length = rng.int(Math.min(20_000, BIG.byteLength - offset) + 1);
        const got = await src.read(offset, length);
        assert.deepEqual(got, BIG.subarray(offset, offset + length), `read ${offset}+${length} (readAhead ${readAheadBytes})`);
      }
      const tail = await src.read(BIG.byteLength - 3, 3);
      assert.deepEqual(tail, BIG.subarray(BIG.byteLength - 3));
      await src.close();
    }
  } finally {
    await hub.close();
  }
});

test("HEAD metadata: size, ETag, commit and the CDN location the Hub redirected to", async () => {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`);
    const sha = createHash("sha256").update(BIG).digest("hex");
    // The CDN answers with its own ETag (pinned for range reads); the Hub's X-Linked-Etag is the LFS sha256.
    assert.equal(src.etag, `"${createHash("md5").update(BIG).digest("hex")}"`);
    assert.equal(src.remote.linkedEtag, `"${sha}"`);
    assert.match(src.commit ?? "", /^[0-9a-f]{40}$/);
    assert.ok(src.remote.resolvedUrl.startsWith(`${hub.cdnUrl}/cdn/acme/tiny/`) && hub.cdnUrl !== hub.url, "the CDN is another origin");
    assert.match(src.remote.resolvedUrl, /\/cdn\/acme\/tiny\/[0-9a-f]{40}\/model\.bin\?Expires=\d+&Signature=fake&Key-Pair-Id=FAKE$/);
    assert.deepEqual(hub.requests.map((r) => [r.method, r.route, r.status]), [["HEAD", "resolve", 302], ["HEAD", "cdn", 200]]);
    await src.read(10, 100);
    // Range reads go straight to the resolved location, not through the redirect again.
    assert.deepEqual(hub.requests.slice(2).map((r) => [r.method, r.route, r.status]), [["GET", "cdn", 206]]);
  } finally {
    await hub.close();
  }
});

test("small (non-LFS) files are served directly by resolve and read whole", async () => {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/config.json`);
    assert.equal(src.size, SMALL.byteLength);
    assert.equal(new TextDecoder().decode(await src.read(0, src.size)), '{"hidden_size": 512}');
    assert.equal(src.remote.resolvedUrl, `${hub.url}/acme/tiny/resolve/main/config.json`);
  } finally {
    await hub.close();
  }
});

test("bytesRead equals the body bytes the server sent, and reads outside the file never reach the network", async () => {
  const hub = await startFakeHub({ repos: REPOS });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`, { readAheadBytes: 8192 });
    await src.read(0, 100);
    await src.read(50_000, 30_000);
    await src.read(299_990, 10);
    const sent = hub.requests.reduce((s, r) => s + r.bytesSent, 0);
    assert.equal(src.bytesRead, sent);
    assert.equal(src.bytesRead, 8192 + 30_000 + (300_000 - 36 * 8192));
    const before = hub.requests.length;
    await assert.rejects(src.read(299_999, 2), ByteSourceError);
    await assert.rejects(src.read(-1, 2), ByteSourceError);
    assert.equal(hub.requests.length, before);
    await src.close();
    await assert.rejects(src.read(0, 1), /read after close/);
  } finally {
    await hub.close();
  }
});

test("a 200 whole-file answer is accepted only when the whole file was asked for", async () => {
  const hub = await startFakeHub({ repos: REPOS, faults: [{ kind: "ignore-range", method: "GET", times: 2 }] });
  try {
    const src = await HttpRangeSource.open(`${hub.url}/acme/tiny/resolve/main/model.bin`, { readAheadBytes: 0 });
    assert.deepEqual(await src.read(0, BIG.byteLength), BIG);
    const err = await src.read(5, 10).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError);
    assert.equal(err.attempts, 1);
    assert.match(err.message, /does not support range requests/);
    assert.match(err.message, /bytes=5-14/);
  } finally {
    await hub.close();
  }
});

test("the token is sent to the Hub but not to another origin after a redirect", async () => {
  const seen: Array<string | undefined> = [];
  const cdn = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(req.headers.range ? 206 : 200, { "content-length": req.headers.range ? "2" : "4", "content-range": "bytes 0-1/4", etag: '"e"' });
    res.end(req.method === "HEAD" ? undefined : "ab");
  });
  await new Promise<void>((r) => cdn.listen(0, "127.0.0.1", r));
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/blob`;
  const hubSeen: Array<string | undefined> = [];
  const hub = createServer((req, res) => {
    hubSeen.push(req.headers.authorization);
    res.writeHead(302, { location: cdnUrl, "x-linked-size": "4" });
    res.end();
  });
  await new Promise<void>((r) => hub.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/x/resolve/main/f`;
    const src = await HttpRangeSource.open(url, { headers: { authorization: "Bearer hf_secret" }, readAheadBytes: 0 });
    assert.equal(src.size, 4);
    assert.equal(new TextDecoder().decode(await src.read(0, 2)), "ab");
    assert.deepEqual(hubSeen, ["Bearer hf_secret"]);
    assert.deepEqual(seen, [undefined, undefined]);
  } finally {
    cdn.closeAllConnections();
    hub.closeAllConnections();
    await new Promise((r) => cdn.close(r));
    await new Promise((r) => hub.close(r));
  }
});

test("contentRangeProblem accepts the exact range and flags every mismatch", () => {
  assert.equal(contentRangeProblem("bytes 10-19/100", 10, 20, 100), undefined);
  assert.equal(contentRangeProblem("bytes 10-19/*", 10, 20, 100), undefined);
  assert.equal(contentRangeProblem("bytes 10-19/101", 10, 20, 100), "size");
  assert.match(contentRangeProblem("bytes 10-18/100", 10, 20, 100)!, /for a request of bytes 10-19/);
  assert.match(contentRangeProblem(null, 10, 20, 100)!, /without a Content-Range/);
  assert.match(contentRangeProblem("items 1-2/3", 1, 3, 3)!, /unreadable/);
});
