// Pruning table of the results store: round trip, replacement by key, sort order, row checks,
// the additive migration of a store written before the table existed (writable and read-only),
// deleteRun and the Parquet export including it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Store, TABLE_NAMES, type PruningInput } from "../../src/store/index.js";
import { schemaStatements } from "../../src/store/schema.js";
import { StoreError } from "../../src/util/errors.js";

function row(over: Partial<PruningInput> = {}): PruningInput {
  return {
    step: 100, method: "magnitude", scope: "global", sparsity: 0.5, seed: 0, base_loss: 3.25, loss: 3.5,
    eval_predictions: 511, zeros_fraction: 0.5, near_zero_mass: 0.0797, ...over,
  };
}

async function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fp-pruning-"));
  const store = await Store.openDir(join(dir, "out"));
  try {
    await fn(store, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("pruning rows round-trip with loss_increase = loss - base_loss, detail parsed, null near-zero mass kept", async () => {
  await withStore(async (store) => {
    await store.putRun({ run_id: "r", source: "s" });
    const a = row({ detail: { tokens: 512, checkpoint: "/x/step100", nan: NaN } });
    const b = row({ method: "random", seed: 7, loss: 4.0, near_zero_mass: null });
    await store.putPruning("r", [a, b]);
    const got = await store.pruning({ run: "r" });
    assert.equal(got.length, 2);
    // 3.5 - 3.25 and 4.0 - 3.25 are exact in binary floating point
    assert.deepEqual(got[0], { ...a, run_id: "r", loss_increase: 0.25, detail: { tokens: 512, checkpoint: "/x/step100", nan: NaN } });
    assert.deepEqual(got[1], { ...b, run_id: "r", loss_increase: 0.75, detail: {} });
  });
});

test("a row replaces the stored row with the same (run, step, method, scope, sparsity, seed) only", async () => {
  await withStore(async (store) => {
    await store.putRun({ run_id: "r", source: "s" });
    await store.putRun({ run_id: "q", source: "s" });
    await store.putPruning("r", [row(), row({ sparsity: 0.9, loss: 6 })]);
    await store.putPruning("q", [row()]);
    await store.putPruning("r", [row({ loss: 5 })]);
    const r = await store.pruning({ run: "r" });
    assert.deepEqual(r.map((x) => [x.sparsity, x.loss]), [[0.5, 5], [0.9, 6]]);
    assert.equal((await store.pruning({ run: "q" }))[0]!.loss, 3.5);
    assert.equal((await store.pruning()).length, 3);
  });
});

test("pruning() sorts by run_id, step, method, scope, sparsity, seed whatever the write order", async () => {
  await withStore(async (store) => {
    for (const id of ["b", "a"]) await store.putRun({ run_id: id, source: "s" });
    const keys: Array<[string, number, PruningInput["method"], PruningInput["scope"], number, number]> = [
      ["b", 1, "magnitude", "global", 0.5, 0], ["a", 200, "magnitude", "global", 0.5, 0], ["a", 30, "random", "tensor", 0.1, 2],
      ["a", 30, "random", "tensor", 0.1, 1], ["a", 30, "random", "global", 0.9, 0], ["a", 30, "magnitude", "tensor", 0.2, 0],
      ["a", 30, "magnitude", "tensor", 0.1, 0],
    ];
    for (const [run, step, method, scope, sparsity, seed] of keys) await store.putPruning(run, [row({ step, method, scope, sparsity, seed })]);
    const got = (await store.pruning()).map((x) => [x.run_id, x.step, x.method, x.scope, x.sparsity, x.seed]);
    // expected order written out by hand: run a first; step 30 before 200 (numeric); magnitude < random; global < tensor; then sparsity, seed
    assert.deepEqual(got, [
      ["a", 30, "magnitude", "tensor", 0.1, 0], ["a", 30, "magnitude", "tensor", 0.2, 0], ["a", 30, "random", "global", 0.9, 0],
      ["a", 30, "random", "tensor", 0.1, 1], ["a", 30, "random", "tensor", 0.1, 2], ["a", 200, "magnitude", "global", 0.5, 0],
      ["b", 1, "magnitude", "global", 0.5, 0],
    ]);
  });
});

test("putPruning refuses an unregistered run and bad rows, writing nothing", async () => {
  await withStore(async (store) => {
    await assert.rejects(store.putPruning("nope", [row()]), (e: unknown) => e instanceof StoreError && /not registered/.test(e.message));
    await store.putRun({ run_id: "r", source: "s" });
    const bad: Array<[Partial<PruningInput>, RegExp]> = [
      [{ method: "smallest" as never }, /method/], [{ scope: "layer" as never }, /scope/], [{ sparsity: 1 }, /sparsity/],
      [{ step: -1 }, /step/], [{ seed: 1.5 }, /seed/], [{ zeros_fraction: 1.2 }, /zeros_fraction/], [{ near_zero_mass: -0.1 }, /near_zero_mass/],
    ];
    for (const [over, re] of bad) {
      await assert.rejects(store.putPruning("r", [row({ sparsity: 0.3 }), row(over)]), (e: unknown) => e instanceof StoreError && re.test(e.message) && /row 1/.test(e.message));
    }
    await assert.rejects(store.putPruning("r", [row(), row()]), (e: unknown) => e instanceof StoreError && /twice/.test(e.message));
    assert.deepEqual(await store.pruning(), []);
  });
});

test("deleteRun removes the run's pruning rows; the Parquet export includes the pruning table", async () => {
  await withStore(async (store, dir) => {
    await store.putRun({ run_id: "r", source: "s" });
    await store.putRun({ run_id: "gone", source: "s" });
    await store.putPruning("r", [row(), row({ method: "random", near_zero_mass: null })]);
    await store.putPruning("gone", [row()]);
    await store.deleteRun("gone");
    assert.deepEqual((await store.pruning()).map((x) => x.run_id), ["r", "r"]);
    assert.ok(TABLE_NAMES.includes("pruning"));
    const paths = await store.exportParquet(join(dir, "pq"));
    const file = paths.find((p) => p.endsWith("/pruning.parquet"));
    assert.ok(file !== undefined);
    const inst = await DuckDBInstance.create(":memory:");
    const conn = await inst.connect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT method, loss_increase, near_zero_mass FROM read_parquet('${file}')`)).getRowObjectsJS();
      assert.deepEqual(rows, [{ method: "magnitude", loss_increase: 0.25, near_zero_mass: 0.0797 }, { method: "random", loss_increase: 0.25, near_zero_mass: null }]);
    } finally {
      conn.closeSync();
      inst.closeSync();
    }
  });
});

/** A store as written before the pruning table existed: the same DDL without that table, and some data. */
async function writeOldStore(path: string): Promise<void> {
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  try {
    const ddl = schemaStatements().filter((s) => !s.startsWith("CREATE TABLE pruning "));
    assert.equal(ddl.length, schemaStatements().length - 1);
    for (const sql of ddl) await c.run(sql);
    await c.run("INSERT INTO runs VALUES ('old', '/runs/old', TIMESTAMP '2026-01-02 03:04:05', '{\"k\":1}')");
    await c.run("INSERT INTO checkpoints VALUES ('old', 8, 'step8', '/runs/old/step8', 'safetensors', 0, 0, true, NULL)");
    await c.run("INSERT INTO metrics VALUES ('old', 8, 'eval', 'loss', 2.5), ('old', 16, 'eval', 'loss', NULL)");
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

async function mainTables(path: string): Promise<string[]> {
  const inst = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await inst.connect();
  try {
    const r = await c.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name");
    return r.getRowObjectsJS().map((x) => String(x.table_name));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

test("a store written before the pruning table opens read-only unchanged, then writable gains the table with its data intact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-pruning-old-"));
  const path = join(dir, "analysis.duckdb");
  try {
    await writeOldStore(path);
    assert.ok(!(await mainTables(path)).includes("pruning"));

    const ro = await Store.open(path, { readOnly: true });
    const before = await Promise.all(TABLE_NAMES.filter((t) => t !== "pruning").map((t) => ro.dumpTable(t)));
    assert.deepEqual(await ro.pruning(), []);
    const roPaths = await ro.exportParquet(join(dir, "pq-ro"));
    assert.equal(roPaths.length, TABLE_NAMES.length);
    await ro.close();
    assert.ok(!(await mainTables(path)).includes("pruning"), "a read-only open must not change the file");

    const store = await Store.open(path);
    try {
      const after = await Promise.all(TABLE_NAMES.filter((t) => t !== "pruning").map((t) => store.dumpTable(t)));
      assert.deepEqual(after, before);
      assert.deepEqual((await store.metrics({ run: "old" })).map((m) => m.value), [2.5, null]);
      assert.equal((await store.listRuns())[0]!.created_at, "2026-01-02T03:04:05.000Z");
      await store.putPruning("old", [row({ step: 8 })]);
      assert.equal((await store.pruning({ run: "old" }))[0]!.loss_increase, 0.25);
    } finally {
      await store.close();
    }
    assert.ok((await mainTables(path)).includes("pruning"));
    const again = await Store.open(path, { readOnly: true });
    assert.equal((await again.pruning()).length, 1);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
