// Every file kind through the fake Hub with a worker pool: a Pythia-shaped series
// (kept LayerNorm/bias tensors, histogram-sampled embeddings, spectral attention/MLP matrices,
// Pythia's buffers) gives the same `stats --json` rows as the same files analyzed from a local
// folder; a selective analysis transfers the selected tensors plus headers, not the files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeRun, type AnalyzeOptions } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { statsJson } from "../../src/store/views.js";
import { HUB_READ_AHEAD_BYTES } from "../../src/runs/hub-run.js";
import { startFakeHub, type FakeRepos } from "../helpers/fake-hub.js";
import { tmp } from "./hub-analyze-fixtures.js";
import { FILE_KINDS, pythiaTensors } from "./hub-pythia-fixtures.js";

/** One revision per kind for the statistics (shape statistics are slow); two for the bytes. */
const STATS_STEPS = [3];
const STEPS = [0, 1];
/**
 * Small histogram samples keep the shape statistics fast; kept and sampled paths both run. One
 * worker thread: in-memory tensors are transferred to it (the crash's path), as with the default 2.
 */
const COMMON: Partial<AnalyzeOptions> = { runId: "r", shapeSampleSize: 64, events: false, workers: 1 };
const SELECT = "*query_key_value.weight";

async function rows(out: string): Promise<Record<string, unknown>[]> {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    return (await store.tensorStats({ run: "r" })).map(statsJson);
  } finally {
    await store.close();
  }
}

function repoName(i: number): string {
  return `org/kind${i}`;
}

/** Writes `<dir>/step<N>/...` for each kind and returns the same files as fake-Hub revisions. */
function writeKinds(dir: string, steps: readonly number[]): FakeRepos {
  const repos: Record<string, Record<string, { files: Record<string, Uint8Array> }>> = {};
  FILE_KINDS.forEach((kind, i) => {
    const revs: Record<string, { files: Record<string, Uint8Array> }> = {};
    for (const step of steps) {
      const files = { ...kind.files(step), "config.json": new TextEncoder().encode('{"model_type":"gpt_neox"}') };
      mkdirSync(join(dir, String(i), `step${step}`), { recursive: true });
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, String(i), `step${step}`, name), bytes);
      revs[`step${step}`] = { files };
    }
    repos[repoName(i)] = revs;
  });
  return repos;
}

test("every file kind x kept/sampled/spectral tensors: hf:// stats equal the local analysis (worker pool)", async () => {
  const dir = tmp("hub-kinds");
  const hub = await startFakeHub({ repos: writeKinds(dir, STATS_STEPS) });
  try {
    for (const [i, kind] of FILE_KINDS.entries()) {
      const key = kind.key !== undefined ? { key: kind.key } : {};
      const local = await analyzeRun(join(dir, String(i)), { out: join(dir, `${i}-local`), ...COMMON, ...key });
      const remote = await analyzeRun(`hf://${repoName(i)}`, { out: join(dir, `${i}-hub`), ...COMMON, ...key, revisions: "step*", hub: { endpoint: hub.url, useCache: false } });
      assert.deepEqual(remote.steps, STATS_STEPS, kind.name);
      assert.equal(remote.tensors, local.tensors, kind.name);
      assert.equal(remote.buffers, 2 * 3 * STATS_STEPS.length, `${kind.name}: Pythia's 3 buffers per layer are counted, not sketched`);
      const localRows = await rows(join(dir, `${i}-local`));
      const extras = localRows.map((r) => r.extra as { shape_method?: { method: string }; spectral?: unknown } | undefined);
      assert.ok(extras.some((e) => e?.shape_method?.method === "exact"), `${kind.name}: kept tensors`);
      assert.ok(extras.some((e) => e?.shape_method !== undefined && e.shape_method.method !== "exact"), `${kind.name}: sampled tensors`);
      assert.ok(extras.some((e) => e?.spectral !== undefined), `${kind.name}: spectral tensors`);
      assert.deepEqual(await rows(join(dir, `${i}-hub`)), localRows, `${kind.name}: hub and local rows are identical`);
    }
    // As clients of the real Hub must: branch names resolved once (refs), then trees and files at the commit.
    assert.ok(hub.requests.some((r) => r.route === "refs"));
    const pinned = hub.requests.filter((r) => r.route === "tree" || r.route === "resolve");
    assert.ok(pinned.length > 0 && pinned.every((r) => /^[0-9a-f]{40}$/.test(r.revision ?? "")), "trees and files are requested at the commit SHA");
    assert.ok(hub.requests.some((r) => r.route === "cdn" && r.status === 206), "LFS ranges are served by the CDN after the 302");
  } finally {
    await hub.close();
  }
});

test(`a selective analysis (--include "${SELECT}") transfers the selected tensors plus headers`, async () => {
  const dir = tmp("hub-kinds-bytes");
  const hub = await startFakeHub({ repos: writeKinds(dir, STEPS) });
  try {
    for (const [i, kind] of FILE_KINDS.entries()) {
      const key = kind.key !== undefined ? { key: kind.key } : {};
      const chosen = STEPS.flatMap((step) => pythiaTensors(step, kind.dtype).filter((t) => t.name.endsWith("query_key_value.weight")));
      const selected = chosen.reduce((n, t) => n + t.data.byteLength, 0);
      const before = hub.requests.length;
      const remote = await analyzeRun(`hf://${repoName(i)}`, { out: join(dir, `${i}-sel`), ...COMMON, shape: false, workers: 0, ...key, include: [SELECT], revisions: "step*", hub: { endpoint: hub.url, useCache: false } });
      assert.equal(remote.tensors, 2 * STEPS.length);
      const opened = new Set(hub.requests.slice(before).filter((r) => r.file !== undefined && r.method === "GET" && (r.status === 200 || r.status === 206)).map((r) => `${r.url.match(/[0-9a-f]{40}/)?.[0]}/${r.file}`));
      // The bound: every file opened reads its header region (safetensors JSON; zip end, central
      // directory and data.pkl) in at most 2 read-ahead blocks, and a zip storage's local header
      // one block (which also holds the start of its data); tensor bytes are fetched exactly.
      const budget = selected + HUB_READ_AHEAD_BYTES * (2 * opened.size + chosen.length);
      const sent = hub.requests.slice(before).reduce((s, r) => s + r.bytesSent, 0);
      console.log(`${kind.name}: transferred ${remote.remote!.bytesTransferred} B of ${remote.remote!.filesBytes} B; selected tensors ${selected} B`);
      assert.ok(remote.remote!.bytesTransferred <= budget, `${kind.name}: ${remote.remote!.bytesTransferred} B transferred > budget ${budget} B`);
      assert.ok(remote.remote!.bytesTransferred >= selected, `${kind.name}: the selected tensors were read`);
      assert.ok(sent >= remote.remote!.bytesTransferred, `${kind.name}: the server sent what the client counted`);
    }
  } finally {
    await hub.close();
  }
});
