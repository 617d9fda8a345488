// A series larger than the disk, analyzed in batches (bench/series-154.ts): each call sees only
// the checkpoints of its batch in the run folder, the earlier ones deleted, and adds them to the
// same run of the same store. The stored series must be the one a single call over the whole
// folder stores: same checkpoints, statistics, trajectories and events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeRun, type AnalyzeOptions } from "../../src/pipeline/analyze.js";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { Store } from "../../src/store/store.js";

const root = mkdtempSync(join(tmpdir(), "fp-batches-"));
test.after(() => rmSync(root, { recursive: true, force: true }));

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000, 4000];
/** The synthetic fork run's LayerNorm tensors (its designed fork lives there). */
const OPTIONS: Partial<AnalyzeOptions> = { workers: 0, shape: false, spectralMaxDim: 0, runId: "series", include: ["*layernorm*", "*layer_norm*"] };
const BATCH = 4;

/** The run's stored rows, the run folder's path written as RUN (the batches' folder is another one). */
async function storedSeries(out: string, runFolder: string): Promise<string> {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    const parts: unknown[] = [];
    for (const table of ["checkpoints", "tensor_stats", "histograms", "group_stats", "group_histograms", "trajectories", "events", "metrics"] as const) {
      parts.push(await store.dumpTable(table));
    }
    return JSON.stringify(parts, (_k, v) => (typeof v === "bigint" ? String(v) : v)).replaceAll(runFolder, "RUN");
  } finally {
    await store.close();
  }
}

test("a run analyzed in batches, each batch's folders deleted before the next, stores the series of one call", async () => {
  const whole = join(root, "whole", "run"), batched = join(root, "batched", "run");
  await writeSyntheticRun(whole, { kind: "fork", seed: 1, steps: STEPS });
  const once = await analyzeRun(whole, { ...OPTIONS, out: join(root, "whole", "out") });
  assert.equal(once.analyzed, STEPS.length);
  const eventCount = Object.values(once.events ?? {}).reduce((a, b) => a + b, 0);
  assert.ok(eventCount > 0, `events found by one call (the comparison covers them): ${JSON.stringify(once.events)}`);

  const out = join(root, "batched", "out");
  for (let first = 0; first < STEPS.length; first += BATCH) {
    rmSync(batched, { recursive: true, force: true });
    const steps = STEPS.slice(first, first + BATCH);
    for (const step of steps) cpSync(join(whole, `checkpoint-${step}`), join(batched, `checkpoint-${step}`), { recursive: true });
    const s = await analyzeRun(batched, { ...OPTIONS, out, events: first + BATCH >= STEPS.length });
    assert.deepEqual([s.analyzed, s.skipped, s.steps], [steps.length, 0, steps], `batch at ${first}`);
  }
  const series = await storedSeries(out, batched), reference = await storedSeries(join(root, "whole", "out"), whole);
  assert.ok(series.includes(`"path":"RUN/checkpoint-${STEPS.at(-1)}"`), "the last batch is stored");
  const differsAt = [...series].findIndex((c, i) => c !== reference[i]);
  assert.ok(series === reference, `the batched store differs from one call's at character ${differsAt}: ${series.slice(differsAt - 80, differsAt + 80)} / ${reference.slice(differsAt - 80, differsAt + 80)}`);
});
