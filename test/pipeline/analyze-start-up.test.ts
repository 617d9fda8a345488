// Start-up of an analysis (issue 11): what the main thread loads before its first tensor and what
// a worker loads before its first task stay light. The shape statistics are the workers' work,
// event detection comes after the statistics, the Hub client serves hf:// runs only; each loads
// only where and when it is used. Fails if a static import brings one of them back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinsImportedBy, modulesLoadedBy } from "../helpers/loaded-modules.js";
import { ROW_TASKS_URL } from "../../src/pipeline/row-tasks-url.js";
import { MODULE_EXT } from "../../src/kernels/load.js";
import { DEFAULT_SHAPE_SAMPLE_SIZE } from "../../src/util/limits.js";
import { HISTOGRAM_SAMPLE_SIZE } from "../../src/stats/histogram-sample.js";

/** The store's modules that load DuckDB (its native library and ~180 files of its client). */
const DUCKDB_MODULES = ["src/store/duckdb.ts", "src/store/append.ts", "src/store/store.ts"];

test("the analysis's main-thread modules leave out the shape statistics, event detection and the Hub client", () => {
  const loaded = modulesLoadedBy("src/pipeline/analyze.ts");
  assert.ok(loaded.includes("src/pipeline/checkpoint-batch.ts") && loaded.includes("src/store/store.ts"), `the analysis itself is loaded: ${loaded.join(", ")}`);
  const heavy = loaded.filter((m) => m.startsWith("src/stats/shape/") || m.startsWith("src/dynamics/")
    || ["src/pipeline/row-tasks.ts", "src/pipeline/events.ts", "src/stats/extras.ts", "src/runs/hub-run.ts"].includes(m));
  assert.deepEqual(heavy, []);
});

test("the analyze command starts the workers before it loads the store or the statistics", () => {
  const loaded = modulesLoadedBy("src/cli/commands/analyze.ts");
  assert.ok(loaded.includes("src/kernels/stats-pool.ts"));
  assert.deepEqual(loaded.filter((m) => DUCKDB_MODULES.includes(m) || m.startsWith("src/stats/shape/") || m === "src/pipeline/row-tasks.ts"), []);
});

test("a statistics worker loads its kernels and the message protocol, not the pool", () => {
  const loaded = modulesLoadedBy("src/kernels/stats-worker.ts");
  assert.ok(loaded.includes("src/kernels/worker-protocol.ts") && loaded.includes("src/kernels/shape-wasm.ts"), `the worker's graph: ${loaded.join(", ")}`);
  assert.deepEqual(loaded.filter((m) => m === "src/kernels/stats-pool.ts" || m === "src/tensor/read.ts" || DUCKDB_MODULES.includes(m)), []);
});

test("the row tasks' URL, named without loading them, is the module's own", async () => {
  const tasks = await import("../../src/pipeline/row-tasks.js");
  assert.equal(ROW_TASKS_URL, new URL(`../../src/pipeline/row-tasks${MODULE_EXT}`, import.meta.url).href);
  assert.equal(typeof tasks.tensorRowStatsOf, "function");
  assert.equal(DEFAULT_SHAPE_SAMPLE_SIZE, HISTOGRAM_SAMPLE_SIZE, "--shape-sample's default is the histogram sample size (stored with a run's options)");
});

test("the analysis's main-thread modules import neither node:crypto nor node:zlib (loaded when a checkpoint is written or a zip entry read)", () => {
  const builtins = builtinsImportedBy("src/pipeline/analyze.ts");
  assert.ok(builtins.includes("node:fs"), `built-ins are seen: ${builtins.join(", ")}`);
  assert.deepEqual(builtins.filter((b) => b === "node:crypto" || b === "node:zlib"), []);
});
