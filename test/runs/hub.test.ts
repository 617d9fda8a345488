// Hub layer against the local fake Hub: hf:// parsing, settings from the environment, file and
// branch listings through @huggingface/hub, opening files by range requests, and error mapping.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpRangeSource } from "../../src/io/http-source.js";
import { HttpSourceError } from "../../src/io/http-errors.js";
import {
  HubError,
  hubSettings,
  listBranches,
  listRevisionFiles,
  openHubFile,
  parseHubUrl,
  resolveUrl,
  revisionCommit,
  type HubOptions,
} from "../../src/runs/hub.js";
import { UsageError } from "../../src/util/errors.js";
import { randomBytes, startFakeHub, type FakeHub, type FakeHubOptions } from "../helpers/fake-hub.js";

const WEIGHTS_0 = randomBytes(50_000, 21);
const WEIGHTS_1 = randomBytes(50_000, 22);
const CONFIG = new TextEncoder().encode('{"model_type":"gpt_neox"}');
const REPOS = {
  "EleutherAI/pythia-tiny": {
    main: { files: { "model.safetensors": WEIGHTS_1, "config.json": CONFIG } },
    step0: { files: { "model.safetensors": WEIGHTS_0, "config.json": CONFIG, "sub/dir/notes.txt": CONFIG } },
    step1000: { files: { "model.safetensors": WEIGHTS_1, "config.json": CONFIG } },
  },
  gpt2: { main: { files: { "pytorch_model.bin": WEIGHTS_0 } } },
};
const FAST_RETRY = { retry: { sleep: async () => {}, backoffMs: 1 } };

async function withHub(body: (hub: FakeHub, opts: HubOptions) => Promise<void>, extra: Partial<FakeHubOptions> = {}): Promise<void> {
  const hub = await startFakeHub({ repos: REPOS, ...extra });
  try {
    await body(hub, { endpoint: hub.url, env: {} });
  } finally {
    await hub.close();
  }
}

test("parseHubUrl reads owner/repo, single-name repos and revisions, and refuses datasets", () => {
  assert.deepEqual(parseHubUrl("hf://EleutherAI/pythia-70m@step1000"), { repo: "EleutherAI/pythia-70m", revision: "step1000" });
  assert.deepEqual(parseHubUrl("hf://EleutherAI/pythia-70m"), { repo: "EleutherAI/pythia-70m", revision: undefined });
  assert.deepEqual(parseHubUrl("hf://gpt2@main"), { repo: "gpt2", revision: "main" });
  assert.deepEqual(parseHubUrl("hf://org/m@refs/pr/1"), { repo: "org/m", revision: "refs/pr/1" });
  assert.throws(() => parseHubUrl("hf://datasets/EleutherAI/pile"), /datasets repositories are not supported yet/);
  assert.throws(() => parseHubUrl("hf://spaces/a/b"), UsageError);
  for (const bad of ["EleutherAI/pythia", "hf://", "hf://a/b/c", "hf://a//b", "hf://a/b@", "hf://a/-b", "hf://a/b@x..y", "hf://a b/c"]) {
    assert.throws(() => parseHubUrl(bad), UsageError, bad);
  }
});

test("hubSettings takes HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE from the environment", () => {
  const s = hubSettings({ env: { HF_ENDPOINT: "http://127.0.0.1:9/", HF_TOKEN: "hf_abc", HF_HUB_OFFLINE: "1" } });
  assert.equal(s.endpoint, "http://127.0.0.1:9");
  assert.equal(s.token, "hf_abc");
  assert.equal(s.offline, true);
  const d = hubSettings({ env: {} });
  assert.deepEqual([d.endpoint, d.token, d.offline], ["https://huggingface.co", undefined, false]);
  assert.equal(hubSettings({ env: { HUGGING_FACE_HUB_TOKEN: "hf_old" } }).token, "hf_old");
  assert.throws(() => hubSettings({ env: { HF_ENDPOINT: "ftp://x" } }), /not an http\(s\) URL/);
  assert.equal(resolveUrl("a/b", "refs/pr/1", "dir/f #1.bin", "http://h"), "http://h/a/b/resolve/refs%2Fpr%2F1/dir/f%20%231.bin");
});

test("listRevisionFiles lists every file of a revision, following the listing's pages", async () => {
  await withHub(async (hub, opts) => {
    const files = await listRevisionFiles("EleutherAI/pythia-tiny", "step0", opts);
    assert.deepEqual(files.map((f) => [f.path, f.size]), [
      ["config.json", CONFIG.byteLength],
      ["model.safetensors", WEIGHTS_0.byteLength],
      ["sub/dir/notes.txt", CONFIG.byteLength],
    ]);
    assert.match(files[1]!.lfsSha256 ?? "", /^[0-9a-f]{64}$/);
    assert.equal(files[0]!.lfsSha256, undefined);
    assert.ok(hub.requests.filter((r) => r.route === "tree").length >= 2, "several pages were fetched");
  }, { treePageSize: 2 });
});

test("listBranches and revisionCommit read refs and model info", async () => {
  await withHub(async (hub, opts) => {
    const branches = await listBranches("EleutherAI/pythia-tiny", opts);
    assert.deepEqual(branches.map((b) => b.name).sort(), ["main", "step0", "step1000"]);
    const commit = await revisionCommit("EleutherAI/pythia-tiny", "step1000", opts);
    assert.equal(commit, branches.find((b) => b.name === "step1000")!.commit);
    assert.deepEqual(hub.requests.map((r) => r.route), ["refs", "info"]);
  });
});

test("openHubFile streams a file by ranges, sending the token from HF_TOKEN", async () => {
  await withHub(async (hub) => {
    const env = { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_fake" };
    const src = await openHubFile("EleutherAI/pythia-tiny", "step0", "model.safetensors", { env, cacheDir: "/nonexistent", http: { readAheadBytes: 4096 } });
    assert.ok(src instanceof HttpRangeSource);
    assert.equal(src.name, "hf://EleutherAI/pythia-tiny@step0/model.safetensors");
    assert.equal(src.size, WEIGHTS_0.byteLength);
    assert.deepEqual(await src.read(40_000, 100), WEIGHTS_0.subarray(40_000, 40_100));
    assert.equal(src.bytesRead, 4096);
    assert.equal(hub.requests.find((r) => r.route === "resolve")!.authorization, "Bearer hf_fake");
    const cdn = hub.requests.filter((r) => r.route === "cdn");
    assert.ok(cdn.length > 0 && cdn.every((r) => r.authorization === undefined), "the token is not sent to the CDN's origin");
    const single = await openHubFile("gpt2", "main", "pytorch_model.bin", { env, cacheDir: "/nonexistent" });
    assert.equal(single.size, WEIGHTS_0.byteLength);
  }, { token: "hf_fake" });
});

test("missing repository, revision, file and token give HubErrors that say what to do", async () => {
  await withHub(async (hub, opts) => {
    const o = { ...opts, cacheDir: "/nonexistent" };
    await assert.rejects(openHubFile("EleutherAI/pythia-tiny", "step9", "model.safetensors", o), (e: unknown) => e instanceof HubError && /no such revision/.test(e.message));
    await assert.rejects(openHubFile("EleutherAI/pythia-tiny", "step0", "nope.bin", o), (e: unknown) => e instanceof HubError && /no such file/.test(e.message));
    await assert.rejects(openHubFile("EleutherAI/nope", "main", "x", o), (e: unknown) => e instanceof HubError && /hf:\/\/EleutherAI\/nope/.test(e.message));
    await assert.rejects(listRevisionFiles("EleutherAI/pythia-tiny", "step9", o), (e: unknown) => e instanceof HubError && /not found/.test(e.message));
    await assert.rejects(listBranches("EleutherAI/nope", o), HubError);
    const locked = await startFakeHub({ repos: REPOS, token: "hf_right" });
    try {
      const lo = { endpoint: locked.url, env: {}, cacheDir: "/nonexistent" };
      await assert.rejects(openHubFile("gpt2", "main", "pytorch_model.bin", lo), (e: unknown) => e instanceof HubError && /set HF_TOKEN/.test(e.message));
      await assert.rejects(listBranches("gpt2", { ...lo, token: "hf_wrong" }), (e: unknown) => e instanceof HubError && /current one is refused/.test(e.message));
    } finally {
      await locked.close();
    }
    void hub;
  });
});

test("API calls retry transient failures; an unreachable Hub is reported as such", async () => {
  await withHub(async (hub, opts) => {
    const branches = await listBranches("gpt2", { ...opts, ...FAST_RETRY });
    assert.deepEqual(branches.map((b) => b.name), ["main"]);
    assert.deepEqual(hub.requests.map((r) => r.status), [503, 429, 200]);
    const files = await listRevisionFiles("gpt2", "main", { ...opts, ...FAST_RETRY });
    assert.equal(files.length, 1);
  }, { faults: [{ kind: "status", status: 503, route: "api" }, { kind: "status", status: 429, route: "api", after: 1 }] });
  const dead = await startFakeHub({ repos: REPOS });
  const url = dead.url;
  await dead.close();
  await assert.rejects(listBranches("gpt2", { endpoint: url, env: {}, retry: { retries: 1, sleep: async () => {} } }), (e: unknown) => e instanceof HubError && /cannot reach/.test(e.message));
});

test("offline mode makes no request and says why", async () => {
  await withHub(async (hub, opts) => {
    const o = { ...opts, offline: true, cacheDir: "/nonexistent" };
    await assert.rejects(openHubFile("gpt2", "main", "pytorch_model.bin", o), /offline mode/);
    await assert.rejects(listBranches("gpt2", o), /offline mode/);
    assert.equal(hub.requests.length, 0);
  });
});

test("a read that keeps failing names the hf:// file, its URL and the byte range", async () => {
  await withHub(async (hub, opts) => {
    const src = await openHubFile("EleutherAI/pythia-tiny", "step0", "model.safetensors", {
      ...opts,
      cacheDir: "/nonexistent",
      http: { retries: 2, readAheadBytes: 0, sleep: async () => {} },
    });
    const err = await src.read(10, 20).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HttpSourceError);
    const url = `${hub.url}/EleutherAI/pythia-tiny/resolve/step0/model.safetensors`;
    assert.equal(err.url, url);
    assert.equal(err.source, "hf://EleutherAI/pythia-tiny@step0/model.safetensors");
    assert.ok(err.message.startsWith(`hf://EleutherAI/pythia-tiny@step0/model.safetensors: ${url}: bytes=10-29 failed after 3 attempts: last status HTTP 500`), err.message);
  }, { faults: [{ kind: "status", status: 500, method: "GET", times: Infinity }] });
});
