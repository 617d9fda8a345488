// analyzeRun with worker threads on sources that are not local files (Hub revisions): tensors
// read into memory (kept, spectral) are sketched on the workers and used again afterwards; the
// rows equal the in-thread analysis of the same files from a local folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { statsJson } from "../../src/store/views.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { reposOf, safetensorsCheckpoint, tmp, torchCheckpoint, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";

async function storedStats(out: string): Promise<Record<string, unknown>[]> {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    return (await store.tensorStats({ run: "r" })).map(statsJson);
  } finally {
    await store.close();
  }
}

for (const [file, bytesOf] of [["model.safetensors", safetensorsCheckpoint], ["pytorch_model.bin", torchCheckpoint]] as const) {
  test(`hf:// ${file} revisions analyzed on 2 workers (kept and spectral tensors) equal the local in-thread analysis`, async () => {
    const dir = tmp("analyze-workers");
    const run = writeFixtureRun(join(dir, "local"), file, bytesOf);
    const common = { runId: "r", events: false, spectralMaxDim: 256 } as const;
    await analyzeRun(run.localDir, { ...common, out: join(dir, "local-out"), workers: 0 });
    const hub = await startFakeHub({ repos: reposOf({ "org/run": run }) });
    try {
      const summary = await analyzeRun("hf://org/run", { ...common, out: join(dir, "hub-out"), workers: 2, revisions: "step0,step1,step2", hub: { endpoint: hub.url, useCache: false } });
      assert.equal(summary.analyzed, 3);
    } finally {
      await hub.close();
    }
    const local = await storedStats(join(dir, "local-out"));
    const remote = await storedStats(join(dir, "hub-out"));
    assert.ok(local.some((r) => (r.extra as { spectral?: unknown } | null)?.spectral != null), "some tensor got a spectrum");
    assert.deepEqual(remote, local);
  });
}
