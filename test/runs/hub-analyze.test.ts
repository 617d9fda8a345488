// analyzeRun on hf:// runs through the fake Hub: identical statistics to the same files analyzed
// from a local folder, retried faults, failures that leave no partial checkpoint, selective reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeRun, type AnalyzeOptions } from "../../src/pipeline/analyze.js";
import { HttpSourceError, RemoteChangedError } from "../../src/io/http-errors.js";
import { HubError } from "../../src/runs/hub-url.js";
import { listBranches } from "../../src/runs/hub-api.js";
import { Store } from "../../src/store/store.js";
import { statsJson } from "../../src/store/views.js";
import { startFakeHub, type FakeHub } from "../helpers/fake-hub.js";
import { FAST_RETRY, reposOf, safetensorsCheckpoint, tmp, torchRunFile, writeFixtureRun, type FixtureRun } from "./hub-analyze-fixtures.js";

const REPO = "org/run";

async function storedStats(out: string, run: string): Promise<Record<string, unknown>[]> {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    return (await store.tensorStats({ run })).map(statsJson);
  } finally {
    await store.close();
  }
}

async function withHub<T>(runs: Record<string, FixtureRun>, body: (hub: FakeHub) => Promise<T>): Promise<T> {
  const hub = await startFakeHub({ repos: reposOf(runs) });
  try {
    return await body(hub);
  } finally {
    await hub.close();
  }
}

function hubOptions(hub: FakeHub, extra: Partial<AnalyzeOptions> = {}): Partial<AnalyzeOptions> {
  return { runId: "r", workers: 0, shape: false, revisions: "step0,step1,step2", hub: { endpoint: hub.url, useCache: false, ...FAST_RETRY }, ...extra };
}

test("hf:// run over revisions with retried faults (cut mid-range, 429, 503, short body) equals the local analysis", async () => {
  const dir = tmp("hub-faults");
  const run = writeFixtureRun(join(dir, "local"), "model.safetensors", safetensorsCheckpoint);
  await analyzeRun(run.localDir, { out: join(dir, "local-out"), runId: "r", workers: 0, shape: false });
  await withHub({ [REPO]: run }, async (hub) => {
    hub.faults.push(
      { kind: "status", status: 503, route: "api" },
      { kind: "reset-mid-body", route: "cdn", method: "GET", after: 1 },
      { kind: "status", status: 429, route: "cdn", method: "GET", after: 3 },
      { kind: "status", status: 503, route: "cdn", method: "GET", after: 5, times: 2 },
      { kind: "truncated-body", route: "cdn", method: "GET", after: 9 },
    );
    const summary = await analyzeRun(`hf://${REPO}`, { out: join(dir, "hub-out"), ...hubOptions(hub) });
    assert.deepEqual(summary.steps, [0, 1, 2]);
    assert.equal(summary.analyzed, 3);
    const statuses = hub.requests.map((r) => r.status);
    assert.ok(statuses.includes(429) && statuses.filter((s) => s === 503).length === 3, `injected statuses answered: ${statuses.join(",")}`);
    const cut = hub.requests.filter((r) => r.route === "cdn" && r.method === "GET" && r.status === 206 && r.range !== undefined && r.bytesSent < rangeLength(r.range));
    assert.equal(cut.length, 2, "one reset and one truncated body were sent");
    // Bytes counted by the sources were sent by the server; a cut body may be counted short.
    const sent = hub.contentRequests().reduce((s, r) => s + r.bytesSent, 0);
    const cutBytes = cut.reduce((s, r) => s + r.bytesSent, 0);
    const counted = summary.remote!.bytesTransferred;
    assert.ok(counted <= sent && counted >= sent - cutBytes, `counted ${counted}, server sent ${sent} (${cutBytes} in cut bodies)`);
  });
  assert.deepEqual(await storedStats(join(dir, "hub-out"), "r"), await storedStats(join(dir, "local-out"), "r"));
});

function rangeLength(range: string): number {
  const m = /^bytes=(\d+)-(\d+)$/.exec(range)!;
  return Number(m[2]) - Number(m[1]) + 1;
}

test("a file changing mid-checkpoint aborts that checkpoint only: no row of it, earlier ones complete", async () => {
  const dir = tmp("hub-etag");
  const run = writeFixtureRun(join(dir, "local"), "pytorch_model.bin", torchRunFile);
  await withHub({ [REPO]: run }, async (hub) => {
    let armed = false;
    const err = await analyzeRun(`hf://${REPO}`, {
      out: join(dir, "out"),
      ...hubOptions(hub),
      onProgress: (p) => {
        // Once step 1's first bytes were sketched, its file changes on the server.
        if (p.step === 1 && p.checkpointBytesDone > 0 && !armed) {
          armed = true;
          hub.faults.push({ kind: "change-content", route: "cdn", method: "GET" });
        }
      },
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(armed, "the change was injected during step 1");
    assert.ok(err instanceof RemoteChangedError, `RemoteChangedError, got ${String(err)}`);
    assert.match(err.message, /hf:\/\/org\/run@[0-9a-f]{40}\/pytorch_model\.bin.*changed during the analysis/);
  });
  const store = await Store.openDir(join(dir, "out"), { readOnly: true });
  try {
    const cps = await store.listCheckpoints("r");
    assert.deepEqual(cps.map((c) => [c.step, c.complete, c.path]), [[0, true, "hf://org/run@step0"]]);
    assert.equal((await store.tensorStats({ run: "r", step: 1 })).length, 0);
  } finally {
    await store.close();
  }
  // The checkpoint finished before the change is whole: the same rows as the local analysis of step 0.
  await analyzeRun(run.localDir, { out: join(dir, "local-out"), runId: "r", workers: 0, shape: false });
  const step0 = async (out: string) => (await storedStats(out, "r")).filter((r) => r.step === 0);
  const local = await step0(join(dir, "local-out"));
  assert.ok(local.length > 0);
  assert.deepEqual(await step0(join(dir, "out")), local);
});

test("persistent HTTP failures on a later checkpoint: a HubError, the earlier checkpoints stay, a re-run resumes", async () => {
  const dir = tmp("hub-503");
  const run = writeFixtureRun(join(dir, "local"), "model.safetensors", safetensorsCheckpoint);
  await withHub({ [REPO]: run }, async (hub) => {
    // Every content request of step 2's revision (its commit is in each resolve and CDN URL) fails.
    // Checkpoints 1 and 2 may be in flight together: step 2 fails whenever its reads happen, and
    // the failure is thrown in the checkpoints' order, after step 1 is written.
    const step2Commit = (await listBranches(REPO, { endpoint: hub.url })).find((b) => b.name === "step2")!.commit;
    hub.faults.push({ kind: "status", status: 503, times: Infinity, urlIncludes: step2Commit });
    const err = await analyzeRun(`hf://${REPO}`, { out: join(dir, "out"), ...hubOptions(hub) }).then(() => undefined, (e: unknown) => e);
    // A failure while opening step 2's files is a HubError, one in a range read an HttpSourceError;
    // both are typed and say "re-run later".
    assert.ok(err instanceof HubError || err instanceof HttpSourceError, `HubError or HttpSourceError, got ${String(err)}`);
    assert.match(err.message, /HTTP 503/);
    const store = await Store.openDir(join(dir, "out"), { readOnly: true });
    try {
      assert.deepEqual((await store.listCheckpoints("r")).map((c) => [c.step, c.complete]), [[0, true], [1, true]]);
      assert.equal((await store.tensorStats({ run: "r", step: 2 })).length, 0);
    } finally {
      await store.close();
    }
    hub.faults.splice(0, hub.faults.length);
    const before = hub.contentRequests().length;
    const again = await analyzeRun(`hf://${REPO}`, { out: join(dir, "out"), ...hubOptions(hub) });
    assert.deepEqual([again.skipped, again.analyzed], [2, 1]);
    const step2 = (await listBranches(REPO, { endpoint: hub.url })).find((b) => b.name === "step2")!.commit;
    const fetched = hub.contentRequests().slice(before);
    assert.ok(fetched.length > 0 && fetched.every((r) => r.url.includes(`/${step2}/`)), "only step 2 is fetched again");
  });
});

test("selective analysis (--include QKV) fetches the selected tensors and headers only, in both formats", async () => {
  const dir = tmp("hub-select");
  const runs = {
    "org/st": writeFixtureRun(join(dir, "st"), "model.safetensors", safetensorsCheckpoint),
    "org/pt": writeFixtureRun(join(dir, "pt"), "pytorch_model.bin", torchRunFile),
  };
  const include = ["*attention.query_key_value.weight"];
  await withHub(runs, async (hub) => {
    for (const [repo, run] of Object.entries(runs)) {
      const local = join(dir, `${repo.slice(4)}-local-out`);
      const remote = join(dir, `${repo.slice(4)}-hub-out`);
      const localSummary = await analyzeRun(run.localDir, { out: local, runId: "r", workers: 0, shape: false, include });
      const sentBefore = hub.contentRequests().reduce((s, r) => s + r.bytesSent, 0);
      const summary = await analyzeRun(`hf://${repo}`, { out: remote, include, ...hubOptions(hub, { hub: { endpoint: hub.url, useCache: false, http: { readAheadBytes: 4096 } } }) });
      const { bytesTransferred, filesBytes } = summary.remote!;
      assert.equal(bytesTransferred, hub.contentRequests().reduce((s, r) => s + r.bytesSent, 0) - sentBefore);
      const fileSizes = Object.values(run.repo).slice(0, 3).reduce((s, r) => s + Object.entries(r.files).filter(([n]) => n !== "config.json").reduce((a, [, b]) => a + b.byteLength, 0), 0);
      assert.equal(filesBytes, fileSizes);
      assert.ok(bytesTransferred >= localSummary.bytes, `the selected tensors (${localSummary.bytes} bytes) were read`);
      assert.ok(bytesTransferred < 0.3 * filesBytes, `${repo}: ${bytesTransferred} of ${filesBytes} bytes`);
      assert.deepEqual(await storedStats(remote, "r"), await storedStats(local, "r"));
    }
  });
});
