// Issue 13 item 6 end to end: `analyze` of 3 checkpoints of 20,000 one-element tensors (the most
// one file may hold, MAX_TENSORS_PER_FILE), in a child process running the built library (the
// CLI's path) with V8's default heap, held to a budget of what it retains, peak RSS and CPU.
// What it retains is the robust measure: the child (--expose-gc) collects garbage once per
// checkpoint, at 90% of its tensors, and reads the live heap. Rows that accumulated in JS until
// the checkpoint's transaction (the code before the stage, store/staging.ts) held 142 MB there;
// staged into the store as they come, 31 MB; with the group sketches merged as the tensors come
// (pipeline/groups.ts CheckpointGroupsBuilder) instead of kept, 17 MB. Peak RSS at the default
// heap varies with V8's growth and DuckDB's commit: 459-513 MB in 5 runs on host7's branch (was 668-962); after the
// session-7 merges 543-582 MB from the CLI and 548-559 MB here; with the worker pool closed
// before event detection and the groups merged as they come, 445-504 MB from the CLI (5 runs:
// 464, 473, 445, 475, 504) and 469 MB here on mem8's branch; merged with tail8's staging (rows held
// in JS up to 2,048 before they spill), 444-525 MB from the CLI (5 runs) and 505-542 MB here (4
// runs; 464-524 with the spill at 256 rows, so not that). Session 9: with short series' detectors
// skipped, rows encoded in the workers and the workers' young generation capped at 8 MB
// (kernels/stats-pool.ts WORKER_YOUNG_GENERATION_MB; V8 let it grow to 48 MB per worker), 412-460
// MiB from the CLI (5 runs) and 417-461 here (6 runs, 3 of them beside two busy cores): the budget
// is now the issue's bar, 500 (MiB: maxRSS / 1024). The live heap (which does not vary with V8's
// growth) stays the tight guard.
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
/** Live JS heap (MB) with 90% of a checkpoint analyzed: 17 now, 31 with every tensor's sketch kept for the groups, 142 with rows held until the write. */
const LIVE_HEAP_BUDGET_MB = 28;
/** Peak RSS of the whole analyze (statistics, store, events) in MiB, default heap: the bar (measured 412-460 from the CLI, 417-461 here). */
const PEAK_RSS_BUDGET_MB = 500;
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
    const child = spawnSync(process.execPath, ["--expose-gc", HELPER, join(dir, "run"), join(dir, "out")], { encoding: "utf8", timeout: 540_000 });
    assert.equal(child.status, 0, child.stderr);
    const r = JSON.parse(child.stdout) as { cpuSeconds: number; maxRssMb: number; liveHeapMb: number | null; tensors: number; analyzed: number; events: Record<string, number> | null; eventSeconds: number };
    console.log(`analyze of 3 x ${TENSORS} one-element tensors: ${r.cpuSeconds.toFixed(1)} CPU s (events ${r.eventSeconds.toFixed(1)} s wall), live heap ${r.liveHeapMb?.toFixed(0)} MB, peak RSS ${r.maxRssMb.toFixed(0)} MB`);
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
    assert.ok(r.liveHeapMb !== null && r.liveHeapMb < LIVE_HEAP_BUDGET_MB, `live heap ${r.liveHeapMb?.toFixed(0)} MB with 90% of a checkpoint analyzed, budget ${LIVE_HEAP_BUDGET_MB} MB`);
    assert.ok(r.maxRssMb < PEAK_RSS_BUDGET_MB, `peak RSS ${r.maxRssMb.toFixed(0)} MB, budget ${PEAK_RSS_BUDGET_MB} MB`);
    assert.ok(r.cpuSeconds < CPU_BUDGET_SECONDS, `${r.cpuSeconds.toFixed(1)} CPU s, budget ${CPU_BUDGET_SECONDS} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
