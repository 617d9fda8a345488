// Local Hugging Face cache: a cache folder built by hand the way huggingface_hub lays it out
// (refs, snapshots symlinked into blobs) is found, and cached files cost no HTTP request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join } from "node:path";
import { cachedCommit, findCachedFile, hfCacheDir, repoCacheFolder } from "../../src/runs/hf-cache.js";
import { CachedFileSource, openHubFile } from "../../src/runs/hub.js";
import { HttpRangeSource } from "../../src/io/http-source.js";
import { randomBytes, startFakeHub } from "../helpers/fake-hub.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const BLOB = "a".repeat(64);
const WEIGHTS = randomBytes(4096, 31);

/** A cache as huggingface_hub writes it: refs/<branch> -> commit, snapshots/<commit>/<file> -> ../../blobs/<etag>. */
function buildCache(): string {
  const root = mkdtempSync(join(tmpdir(), "fp-hfcache-"));
  const repo = join(root, "models--EleutherAI--pythia-tiny");
  mkdirSync(join(repo, "refs"), { recursive: true });
  mkdirSync(join(repo, "blobs"));
  mkdirSync(join(repo, "snapshots", COMMIT, "sub"), { recursive: true });
  writeFileSync(join(repo, "refs", "step1000"), COMMIT); // huggingface_hub writes no newline
  writeFileSync(join(repo, "blobs", BLOB), WEIGHTS);
  symlinkSync(`../../blobs/${BLOB}`, join(repo, "snapshots", COMMIT, "model.safetensors"));
  writeFileSync(join(repo, "blobs", "b".repeat(40)), "{}");
  symlinkSync(`../../../blobs/${"b".repeat(40)}`, join(repo, "snapshots", COMMIT, "sub", "config.json"));
  symlinkSync(`../../blobs/${"c".repeat(64)}`, join(repo, "snapshots", COMMIT, "dangling.bin"));
  // A plain file (no symlinks), as on file systems where huggingface_hub copies instead.
  writeFileSync(join(repo, "snapshots", COMMIT, "plain.bin"), "plain");
  // A single-name repo with a pull-request revision: huggingface_hub stores "refs/pr/1" at refs/refs/pr/1.
  const gpt2 = join(root, "models--gpt2");
  mkdirSync(join(gpt2, "refs", "refs", "pr"), { recursive: true });
  writeFileSync(join(gpt2, "refs", "refs", "pr", "1"), `${COMMIT}\n`);
  mkdirSync(join(gpt2, "snapshots", COMMIT), { recursive: true });
  writeFileSync(join(gpt2, "snapshots", COMMIT, "config.json"), "{}");
  return root;
}

test("hfCacheDir follows huggingface_hub's environment variables", () => {
  assert.equal(hfCacheDir({ HF_HUB_CACHE: "/a", HF_HOME: "/b" }), "/a");
  assert.equal(hfCacheDir({ HUGGINGFACE_HUB_CACHE: "/legacy" }), "/legacy");
  assert.equal(hfCacheDir({ HF_HOME: "/b" }), join("/b", "hub"));
  assert.equal(hfCacheDir({ XDG_CACHE_HOME: "/x" }), join("/x", "huggingface", "hub"));
  assert.equal(hfCacheDir({}), join(homedir(), ".cache", "huggingface", "hub"));
  assert.equal(repoCacheFolder("EleutherAI/pythia-70m", "/c"), join("/c", "models--EleutherAI--pythia-70m"));
  assert.equal(repoCacheFolder("gpt2", "/c"), join("/c", "models--gpt2"));
});

test("findCachedFile resolves refs, commits, symlinked and plain files, and misses cleanly", () => {
  const cacheDir = buildCache();
  try {
    const o = { cacheDir };
    const found = findCachedFile("EleutherAI/pythia-tiny", "step1000", "model.safetensors", o);
    assert.equal(found, join(cacheDir, "models--EleutherAI--pythia-tiny", "snapshots", COMMIT, "model.safetensors"));
    assert.ok(findCachedFile("EleutherAI/pythia-tiny", COMMIT, "model.safetensors", o));
    assert.ok(findCachedFile("EleutherAI/pythia-tiny", "step1000", "sub/config.json", o));
    assert.ok(findCachedFile("EleutherAI/pythia-tiny", "step1000", "plain.bin", o));
    assert.ok(findCachedFile("gpt2", "refs/pr/1", "config.json", o));
    assert.equal(cachedCommit("gpt2", "refs/pr/1", o), COMMIT);
    assert.equal(findCachedFile("EleutherAI/pythia-tiny", "step1000", "dangling.bin", o), null);
    assert.equal(findCachedFile("EleutherAI/pythia-tiny", "step2000", "model.safetensors", o), null);
    assert.equal(findCachedFile("EleutherAI/pythia-tiny", "step1000", "missing.bin", o), null);
    assert.equal(findCachedFile("EleutherAI/other", "step1000", "model.safetensors", o), null);
    assert.equal(findCachedFile("EleutherAI/pythia-tiny", "step1000", "sub", o), null, "a folder is not a file");
    assert.throws(() => findCachedFile("EleutherAI/pythia-tiny", "step1000", "../../x", o), /relative path/);
    assert.throws(() => findCachedFile("EleutherAI/pythia-tiny", "../x", "f", o), /relative path/);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("openHubFile reads a cached file from disk without any HTTP request, and fetches the rest", async () => {
  const cacheDir = buildCache();
  const hub = await startFakeHub({
    repos: { "EleutherAI/pythia-tiny": { step1000: { files: { "model.safetensors": WEIGHTS, "other.bin": WEIGHTS } } } },
  });
  try {
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir };
    const cached = await openHubFile("EleutherAI/pythia-tiny", "step1000", "model.safetensors", { env });
    assert.ok(cached instanceof CachedFileSource);
    assert.equal(cached.name, "hf://EleutherAI/pythia-tiny@step1000/model.safetensors");
    assert.deepEqual(await cached.read(100, 50), WEIGHTS.subarray(100, 150));
    assert.equal(cached.bytesRead, 0);
    await cached.close();
    assert.equal(hub.requests.length, 0, "no HTTP request for a cached file");
    // Offline mode still works for cached files.
    const offline = await openHubFile("EleutherAI/pythia-tiny", "step1000", "model.safetensors", { env: { ...env, HF_HUB_OFFLINE: "1" } });
    assert.equal(offline.size, WEIGHTS.byteLength);
    await offline.close();
    const remote = await openHubFile("EleutherAI/pythia-tiny", "step1000", "other.bin", { env });
    assert.ok(remote instanceof HttpRangeSource);
    const bypass = await openHubFile("EleutherAI/pythia-tiny", "step1000", "model.safetensors", { env, useCache: false });
    assert.ok(bypass instanceof HttpRangeSource);
    assert.ok(hub.requests.length > 0);
  } finally {
    await hub.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
