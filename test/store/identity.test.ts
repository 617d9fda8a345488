// Run identity (issue 13 items 7-9): one run's series never mixes sources or options; a failed
// or no-op analyze leaves the store as it was; --reanalyze replaces the run's rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeRun, type AnalyzeOptions } from "../../src/pipeline/analyze.js";
import { writeSafetensorsFile } from "../../src/formats/safetensors/writer.js";
import { Store } from "../../src/store/store.js";
import { optionDifferences } from "../../src/store/identity.js";
import { ForkingPathsError, StoreError } from "../../src/util/errors.js";

const root = mkdtempSync(join(tmpdir(), "fp-identity-"));
test.after(() => rmSync(root, { recursive: true, force: true }));

async function writeRun(dir: string, steps: number[], seed = 0): Promise<void> {
  for (const step of steps) {
    mkdirSync(join(dir, `checkpoint-${step}`), { recursive: true });
    const w = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37 + step + seed));
    await writeSafetensorsFile(join(dir, `checkpoint-${step}`, "model.safetensors"), [
      { name: "layers.0.attention.dense.weight", dtype: "F32", shape: [8, 8], data: w },
      { name: "layers.0.attention.dense.bias", dtype: "F32", shape: [8], data: w.slice(0, 8) },
      { name: "layers.0.mlp.dense_4h_to_h.weight", dtype: "F32", shape: [8, 8], data: w.map((x) => x * 2) },
    ]);
  }
}

const FAST: Partial<AnalyzeOptions> = { workers: 0, shape: false, spectralMaxDim: 0, events: false };

async function storeContent(out: string): Promise<string> {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    const runs = await store.listRuns();
    const parts: unknown[] = [runs.map((r) => ({ ...r, created_at: "" }))];
    for (const table of ["checkpoints", "tensor_stats", "trajectories", "events"] as const) parts.push(await store.dumpTable(table));
    return JSON.stringify(parts, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  } finally {
    await store.close();
  }
}

const fileHash = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

test("item 7: re-running with other result-changing options is refused, naming the options and what to do", async () => {
  const run = join(root, "a", "run"), out = join(root, "a", "out");
  await writeRun(run, [0, 10]);
  await analyzeRun(run, { ...FAST, out });
  const before = await storeContent(out);
  for (const extra of [{ include: ["*.weight"] }, { shape: true }, { keepFullMaxElements: 0 }] as Partial<AnalyzeOptions>[]) {
    const err = await analyzeRun(run, { ...FAST, ...extra, out }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof StoreError, `${JSON.stringify(extra)}: ${String(err)}`);
    assert.match(err.message, /run "run" holds 2 checkpoint\(s\) analyzed with other options \(.+stored .+, now .+\).*--run NAME.*new --out.*--reanalyze/);
    assert.equal(err.message.split("\n").length, 1);
  }
  assert.equal(await storeContent(out), before, "refused commands changed the store");
});

test("item 8: another folder with the same basename is refused, runs.source is not re-pointed", async () => {
  const runA = join(root, "b", "x", "run"), runB = join(root, "b", "y", "run"), out = join(root, "b", "out");
  await writeRun(runA, [0, 10]);
  await writeRun(runB, [0, 10, 20], 5);
  await analyzeRun(runA, { ...FAST, out });
  const before = await storeContent(out);
  await assert.rejects(analyzeRun(runB, { ...FAST, out }), (e: unknown) => e instanceof StoreError && e.message.includes(`analyzed from ${runA}, not ${runB}`));
  assert.equal(await storeContent(out), before);
  const named = await analyzeRun(runB, { ...FAST, out, runId: "run-b" });
  assert.equal(named.analyzed, 3);
  const store = await Store.openDir(out, { readOnly: true });
  assert.deepEqual((await store.listRuns()).map((r) => [r.run_id, r.source]), [["run", runA], ["run-b", runB]]);
  await store.close();
});

test("item 9: a failed analyze leaves the store's content unchanged; a no-op analyze leaves its bytes unchanged", async () => {
  const run = join(root, "c", "run"), out = join(root, "c", "out");
  await writeRun(run, [0, 10]);
  await analyzeRun(run, { ...FAST, events: true, out });
  const file = join(out, "analysis.duckdb");
  const hash = fileHash(file);
  const noop = await analyzeRun(run, { ...FAST, events: true, out });
  assert.equal(noop.analyzed, 0);
  assert.equal(fileHash(file), hash, "a no-op analyze changed the store's bytes");
  const before = await storeContent(out);
  await writeRun(run, [20]);
  const shard = join(run, "checkpoint-20", "model.safetensors");
  truncateSync(shard, 200);
  const err = await analyzeRun(run, { ...FAST, events: true, out }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ForkingPathsError, String(err));
  assert.equal(await storeContent(out), before, "a failed analyze changed the store's content");
});

test("item 9: a first analyze that fails registers nothing", async () => {
  const run = join(root, "d", "run"), out = join(root, "d", "out");
  mkdirSync(join(run, "checkpoint-0"), { recursive: true });
  writeFileSync(join(run, "checkpoint-0", "model.safetensors"), new Uint8Array(4));
  await assert.rejects(analyzeRun(run, { ...FAST, out }), ForkingPathsError);
  const store = await Store.openDir(out, { readOnly: true });
  assert.deepEqual(await store.listRuns(), []);
  await store.close();
});

test("--reanalyze replaces the run's rows with the new options, in one series", async () => {
  const run = join(root, "e", "run"), out = join(root, "e", "out");
  await writeRun(run, [0, 10]);
  await analyzeRun(run, { ...FAST, out });
  const again = await analyzeRun(run, { ...FAST, out, include: ["*.weight"], reanalyze: true });
  assert.equal(again.analyzed, 2);
  const store = await Store.openDir(out, { readOnly: true });
  const rows = await store.tensorStats({ run: "run" });
  assert.deepEqual([...new Set(rows.map((r) => r.tensor))].sort(), ["layers.0.attention.dense.weight", "layers.0.mlp.dense_4h_to_h.weight"]);
  assert.deepEqual((await store.listRuns())[0]!.options.include, ["*.weight"]);
  assert.deepEqual(await store.trajectories({ run: "run" }), []);
  await store.close();
});

test("optionDifferences compares canonical JSON, key order aside", () => {
  assert.deepEqual(optionDifferences({ a: [1], b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: [1] }), []);
  assert.deepEqual(optionDifferences({ a: 1 }, { a: 2, c: true }), ["a: stored 1, now 2", "c: stored unset, now true"]);
});
