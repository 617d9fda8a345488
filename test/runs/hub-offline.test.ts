// HF_HUB_OFFLINE=1: hf:// runs come from the local Hugging Face cache alone (refs, snapshots
// symlinked into blobs, as huggingface_hub writes them), with no request to the Hub; whatever is
// not cached is named in one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { statsJson } from "../../src/store/views.js";
import { HubError } from "../../src/runs/hub-url.js";
import { runCli } from "../helpers/cli.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { tmp } from "./hub-analyze-fixtures.js";
import { FILE_KINDS } from "./hub-pythia-fixtures.js";

const REPO = "org/pythia-offline";
const commitOf = (rev: string): string => createHash("sha1").update(rev).digest("hex");

/** Writes revisions into `cacheDir` the way huggingface_hub does: refs/<rev>, blobs/<hash>, snapshots/<commit>/<file> -> blob. */
function cacheRevision(cacheDir: string, rev: string, files: Record<string, Uint8Array>): string {
  const repo = join(cacheDir, `models--${REPO.replace("/", "--")}`);
  const commit = commitOf(rev);
  mkdirSync(join(repo, "refs"), { recursive: true });
  mkdirSync(join(repo, "blobs"), { recursive: true });
  writeFileSync(join(repo, "refs", rev), commit);
  for (const [path, bytes] of Object.entries(files)) {
    const blob = createHash("sha256").update(bytes).digest("hex");
    writeFileSync(join(repo, "blobs", blob), bytes);
    const link = join(repo, "snapshots", commit, path);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(`../../blobs/${blob}`, link);
  }
  return join(repo, "snapshots", commit);
}

async function rows(out: string): Promise<Record<string, unknown>[]> {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    return (await store.tensorStats({ run: "r" })).map(statsJson);
  } finally {
    await store.close();
  }
}

test("HF_HUB_OFFLINE=1: a run over cached revisions makes no request and equals the local analysis", async () => {
  const dir = tmp("hub-offline");
  const cacheDir = join(dir, "cache");
  const kind = FILE_KINDS.find((k) => k.name === "sharded safetensors index")!;
  for (const step of [0, 1]) {
    const files = kind.files(step);
    cacheRevision(cacheDir, `step${step}`, files);
    mkdirSync(join(dir, "local", `step${step}`), { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, "local", `step${step}`, name), bytes);
  }
  cacheRevision(cacheDir, "main", kind.files(1));
  const hub = await startFakeHub({ repos: {} });
  try {
    const common = { runId: "r", shapeSampleSize: 64, events: false } as const;
    await analyzeRun(join(dir, "local"), { out: join(dir, "local-out"), ...common });
    const env = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.url };
    const summary = await analyzeRun(`hf://${REPO}`, { out: join(dir, "hub-out"), ...common, revisions: "step*", hub: { env } });
    assert.deepEqual(summary.steps, [0, 1]);
    assert.equal(summary.remote!.bytesTransferred, 0, "cached files cost no transfer");
    assert.equal(hub.requests.length, 0, "offline: no request at all");
    assert.deepEqual(await rows(join(dir, "hub-out")), await rows(join(dir, "local-out")));
    // One revision by name, resolved through refs/main.
    const one = await analyzeRun(`hf://${REPO}`, { out: join(dir, "main-out"), ...common, hub: { env } });
    assert.deepEqual([one.analyzed, one.tensors], [1, 28]);
    assert.equal(hub.requests.length, 0);
  } finally {
    await hub.close();
  }
});

test("HF_HUB_OFFLINE=1: what is not cached is named in one line (revision, snapshot, weights, shard)", async () => {
  const dir = tmp("hub-offline-missing");
  const cacheDir = join(dir, "cache");
  const sharded = FILE_KINDS.find((k) => k.name === "sharded safetensors index")!.files(0);
  const snapshot = cacheRevision(cacheDir, "step0", sharded);
  cacheRevision(cacheDir, "step1", { "config.json": new TextEncoder().encode("{}") });
  const hub = await startFakeHub({ repos: {} });
  const hubOptions = { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.url } };
  const analyze = (url: string, revisions?: string) => analyzeRun(url, { out: join(dir, `out-${Math.random()}`), runId: "r", events: false, shape: false, hub: hubOptions, ...(revisions !== undefined && { revisions }) });
  const fails = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof HubError, String(e));
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, re);
      return true;
    });
  };
  try {
    await fails(analyze(`hf://${REPO}@step9`), /offline \(HF_HUB_OFFLINE\): revision "step9" is not in the local Hugging Face cache \(no .*refs\/step9\)/);
    await fails(analyze(`hf://${REPO}`, "step0,step5"), /among the revisions in the local cache .*unknown revision "step5"/);
    await fails(analyze("hf://org/never-downloaded", "step*"), /no revision of this repository is in the local Hugging Face cache/);
    await fails(analyze(`hf://${REPO}@step1`), /revision "step1" from the local Hugging Face cache .*files: config\.json\)/);
    // A shard whose download never completed (dangling link into blobs/): named.
    rmSync(join(snapshot, "model-00002-of-00002.safetensors"));
    await fails(analyze(`hf://${REPO}@step0`), /model-00002-of-00002\.safetensors/);
    rmSync(join(cacheDir, `models--${REPO.replace("/", "--")}`, "snapshots", commitOf("step0")), { recursive: true });
    await fails(analyze(`hf://${REPO}@step0`), /revision "step0" \(commit [0-9a-f]{40}\) has no snapshot in the local Hugging Face cache/);
    assert.equal(hub.requests.length, 0);
  } finally {
    await hub.close();
  }
});

test("CLI: HF_HUB_OFFLINE=1 analyze of an uncached revision exits 1 with one line naming it", async () => {
  const dir = tmp("hub-offline-cli");
  const res = await runCli(["analyze", `hf://${REPO}@step3`, "--out", join(dir, "out"), "--workers", "0"], {
    env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(dir, "empty-cache"), HF_ENDPOINT: "http://127.0.0.1:9", HF_TOKEN: "" },
  });
  assert.equal(res.code, 1, res.stderr);
  const lines = res.stderr.trim().split("\n");
  assert.equal(lines.length, 1, res.stderr);
  assert.match(lines[0]!, /hf:\/\/org\/pythia-offline: offline \(HF_HUB_OFFLINE\): revision "step3" is not in the local Hugging Face cache/);
});
