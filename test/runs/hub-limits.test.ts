// Every Hub API call is bounded: a stalled endpoint (no headers, or a body that stops) ends in a
// typed HubError within its timeout, an endless JSON body at the response-size cap; the CLI with
// the default limits stops an endless listing with one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { HttpLimitError, MAX_HTTP_API_RESPONSE_BYTES, guardedFetch } from "../../src/io/http-guard.js";
import { listBranches, listRevisionFiles, revisionCommit } from "../../src/runs/hub-api.js";
import { HubError } from "../../src/runs/hub-url.js";
import { runCli } from "../helpers/cli.js";
import { startFakeHub, type Fault, type FakeHub } from "../helpers/fake-hub.js";
import { safetensorsCheckpoint, tmp } from "./hub-analyze-fixtures.js";

const REPOS = { "org/r": { main: { files: { "model.safetensors": safetensorsCheckpoint(0) } }, step1: { files: { "model.safetensors": safetensorsCheckpoint(1) } } } };
const FAST = { retry: { backoffMs: 1, maxBackoffMs: 4 } };
/** How long a stalled endpoint stays silent: far longer than the client's 0.3 s timeouts. */
const STALL_MS = 120_000;
/**
 * The bound on a timed-out call: the client gave up (the error names which timeout), long before the
 * stall ended. Not a few seconds: on a loaded machine the first call of a file (fetch loading and
 * compiling undici) took 3.1-3.3 s, and up to ~7 s at load 23, to give up after 0.3 s.
 */
const GAVE_UP_WITHIN_MS = STALL_MS / 4;

async function withFaults<T>(faults: Fault[], body: (hub: FakeHub) => Promise<T>): Promise<T> {
  const hub = await startFakeHub({ repos: REPOS, faults });
  try {
    return await body(hub);
  } finally {
    await hub.close();
  }
}

async function timed(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await p;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  return { error: undefined, ms: Date.now() - started };
}

test("no response headers: HubError naming the connect timeout, within the timeout (not retried)", async () => {
  await withFaults([{ kind: "hang", route: "api", hangMs: STALL_MS, times: Infinity }], async (hub) => {
    const { error, ms } = await timed(listRevisionFiles("org/r", "main", { endpoint: hub.url, ...FAST, apiLimits: { connectTimeoutMs: 300 } }));
    assert.ok(error instanceof HubError, String(error));
    assert.match((error as Error).message, /^hf:\/\/org\/r: listing the files of revision "main": .*no response within 0\.3 s \(connect timeout\)/);
    assert.doesNotMatch((error as Error).message, /\n/);
    assert.ok(ms < GAVE_UP_WITHIN_MS, `failed after ${ms} ms`);
    assert.equal(hub.requests.filter((r) => r.route === "tree").length, 1, "a stall is not retried");
  });
});

test("a body that stops: HubError naming the idle timeout, within seconds", async () => {
  await withFaults([{ kind: "stall-body", route: "api", hangMs: STALL_MS, times: Infinity }], async (hub) => {
    for (const call of [() => listBranches("org/r", { endpoint: hub.url, ...FAST, apiLimits: { idleTimeoutMs: 300 } }), () => revisionCommit("org/r", "step1", { endpoint: hub.url, ...FAST, apiLimits: { idleTimeoutMs: 300 } })]) {
      const { error, ms } = await timed(call());
      assert.ok(error instanceof HubError, String(error));
      assert.match((error as Error).message, /no data for 0\.3 s \(idle timeout\)/);
      assert.ok(ms < GAVE_UP_WITHIN_MS, `failed after ${ms} ms`);
    }
  });
});

test("an endless JSON body: HubError at the response-size cap; memory stays bounded", async () => {
  await withFaults([{ kind: "endless-body", route: "api", times: Infinity }], async (hub) => {
    const cap = 2 * 1024 * 1024;
    const rss = process.memoryUsage().rss;
    const { error, ms } = await timed(listRevisionFiles("org/r", "main", { endpoint: hub.url, ...FAST, apiLimits: { maxResponseBytes: cap } }));
    assert.ok(error instanceof HubError, String(error));
    assert.match((error as Error).message, /exceeds 2097152 bytes \(response-size cap\)/);
    assert.ok(ms < 5000, `failed after ${ms} ms`);
    const sent = hub.requests.find((r) => r.route === "tree")!.bytesSent;
    assert.ok(sent < cap + 16 * 1024 * 1024, `the server wrote ${sent} bytes before the client hung up`);
    assert.ok(process.memoryUsage().rss - rss < 64 * 1024 * 1024, "RSS grew by less than 64 MiB");
  });
});

test("guardedFetch: a declared Content-Length over the cap is refused before reading; small answers pass unchanged", async () => {
  await withFaults([], async (hub) => {
    const url = `${hub.url}/api/models/org/r/revision/main`;
    const small = await guardedFetch(fetch, { connectTimeoutMs: 1000, idleTimeoutMs: 1000, maxResponseBytes: 10 })(url).catch((e: unknown) => e);
    assert.ok(small instanceof HttpLimitError && small.kind === "too-large", String(small));
    const ok = await guardedFetch(fetch)(url);
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { id: string }).id, "org/r");
  });
});

test("CLI: analyze hf:// against an endless tree listing exits 1 with one line naming the cap (default limits)", async () => {
  const dir = tmp("hub-limits-cli");
  await withFaults([{ kind: "endless-body", route: "api", times: Infinity }], async (hub) => {
    const started = Date.now();
    const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf-home"), HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HF_HUB_OFFLINE: "" };
    const res = await runCli(["analyze", "hf://org/r@main", "--out", join(dir, "out"), "--workers", "0", "--no-shape"], { env });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split("\n");
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, new RegExp(`exceeds ${MAX_HTTP_API_RESPONSE_BYTES} bytes \\(response-size cap\\)`));
    assert.ok(Date.now() - started < 30_000);
  });
});
