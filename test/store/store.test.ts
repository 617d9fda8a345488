// Results store: round trips of every table, idempotent rewrites, rollback on failure,
// schema-version and foreign-file refusals, Parquet export read back by DuckDB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Store, TABLE_NAMES, STORE_SCHEMA_VERSION } from "../../src/store/index.js";
import { StoreError } from "../../src/util/errors.js";
import { fakeCheckpoint } from "./fake-results.js";

const SMALL = { tensors: 5, histogramKeys: 30, trajectoryLength: 16 };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "fp-store-"));
}

async function withStore<T>(fn: (store: Store, dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  const store = await Store.openDir(join(dir, "out"));
  try {
    return await fn(store, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a checkpoint round-trips through every table, with JSON columns parsed and NaN/Inf kept", async () => {
  await withStore(async (store) => {
    await store.putRun({ run_id: "r1", source: "/runs/x", options: { keep: 64 } });
    const cp = fakeCheckpoint(8, 1, SMALL);
    assert.equal(await store.isCheckpointComplete("r1", 8), false);
    await store.writeCheckpoint("r1", cp);
    assert.equal(await store.isCheckpointComplete("r1", 8), true);

    const runs = await store.listRuns();
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0]!.options, { keep: 64 });
    assert.ok(!Number.isNaN(Date.parse(runs[0]!.created_at)));

    const cps = await store.listCheckpoints("r1");
    assert.equal(cps.length, 1);
    assert.deepEqual({ ...cps[0]!, analyzed_at: null }, { ...cp.checkpoint, run_id: "r1", complete: true, analyzed_at: null });

    const stats = await store.tensorStats({ run: "r1", step: 8 });
    assert.equal(stats.length, SMALL.tensors);
    const want = cp.tensors[2]!;
    const got = (await store.tensorStats({ run: "r1", tensor: want.tensor, withSketch: true }))[0]!;
    assert.deepEqual(got.shape, want.shape);
    for (const key of ["numel", "nan_count", "posinf_count", "zero_count", "mean", "std", "variance", "skewness", "excess_kurtosis", "min", "max", "l1", "l2", "linf", "layer", "role", "kind", "dtype"] as const) {
      assert.equal(got[key], want[key], key);
    }
    assert.equal(got.inf_count, want.posinf_count + want.neginf_count);
    assert.deepEqual(got.quantiles, want.quantiles);
    assert.equal(got.quantiles["1"], Infinity);
    assert.ok(Number.isNaN(got.frac_abs_le["1e-2"]));
    assert.deepEqual(got.frac_abs_le_rel_std, want.frac_abs_le_rel_std);
    assert.deepEqual(got.sketch, want.sketch);
    assert.deepEqual(got.extra, want.extra);
    assert.equal((await store.tensorStats({ run: "r1", tensor: want.tensor }))[0]!.sketch, undefined);
    assert.equal((await store.tensorStats({ role: "mlp.in", layer: 2 })).length, cp.tensors.filter((t) => t.layer === 2).length);

    const h = await store.histogram("r1", 8, want.tensor);
    assert.ok(h !== null);
    assert.deepEqual(Array.from(h.keys), Array.from(want.histogram!.keys));
    assert.deepEqual(Array.from(h.counts), Array.from(want.histogram!.counts));
    assert.equal(await store.histogram("r1", 8, "missing"), null);

    const groups = await store.groupStats({ run: "r1", groupKind: "role" });
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.group_name, "mlp.in");
    assert.equal(groups[0]!.mean, cp.groups![0]!.mean);
    const gh = await store.groupHistogram("r1", 8, "role", "mlp.in");
    assert.deepEqual(Array.from(gh!.counts), [3, 4, 5]);
    assert.equal(await store.groupHistogram("r1", 8, "model", "model"), null);

    const buffers = await store.buffers({ run: "r1" });
    assert.deepEqual(buffers, [{ run_id: "r1", step: 8, ...cp.buffers![0]!, shape: [1, 1, 8, 8] }]);

    const traj = await store.trajectories({ run: "r1" });
    assert.equal(traj.length, 1);
    assert.deepEqual(Array.from(traj[0]!.values), Array.from(cp.trajectories![0]!.values));

    assert.deepEqual(await store.checkIntegrity(), { ok: true, problems: [] });
  });
});

test("rewriting a checkpoint replaces its rows: no duplicates, identical contents", async () => {
  await withStore(async (store) => {
    await store.putRun({ run_id: "r", source: "s" });
    for (const step of [0, 1, 2]) await store.writeCheckpoint("r", fakeCheckpoint(step, 3, SMALL));
    const before = await Promise.all(TABLE_NAMES.map((t) => store.dumpTable(t)));
    await store.writeCheckpoint("r", fakeCheckpoint(1, 3, SMALL));
    await store.writeCheckpoint("r", fakeCheckpoint(1, 3, SMALL));
    const after = await Promise.all(TABLE_NAMES.map((t) => store.dumpTable(t)));
    assert.deepEqual(after, before);
    assert.equal((await store.tensorStats({ run: "r", step: 1 })).length, SMALL.tensors);
    // A different result for the same step replaces the old one entirely.
    await store.writeCheckpoint("r", fakeCheckpoint(1, 99, { ...SMALL, tensors: 2 }));
    assert.equal((await store.tensorStats({ run: "r", step: 1 })).length, 2);
    assert.equal((await store.tensorStats({ run: "r" })).length, 2 * SMALL.tensors + 2);
    assert.ok((await store.checkIntegrity()).ok);
  });
});

test("a failing write rolls back: the previous version of the checkpoint stays complete", async () => {
  await withStore(async (store) => {
    await store.putRun({ run_id: "r", source: "s" });
    const good = fakeCheckpoint(5, 1, SMALL);
    await store.writeCheckpoint("r", good);
    const bad = fakeCheckpoint(5, 2, SMALL);
    (bad.tensors[3] as { numel: number }).numel = 1.5; // not an integer: the append fails mid-transaction
    await assert.rejects(store.writeCheckpoint("r", bad), (e: unknown) => e instanceof StoreError && /numel/.test(e.message));
    assert.equal(await store.isCheckpointComplete("r", 5), true);
    const stats = await store.tensorStats({ run: "r", step: 5 });
    assert.deepEqual(stats.map((s) => s.mean), good.tensors.map((t) => t.mean));
    assert.ok((await store.checkIntegrity()).ok);
    await assert.rejects(store.writeCheckpoint("nope", good), (e: unknown) => e instanceof StoreError && /not registered/.test(e.message));
  });
});

test("registered checkpoints are listed incomplete until written; events and metrics are replaced per run", async () => {
  await withStore(async (store) => {
    await store.putRun({ run_id: "r", source: "s" });
    const infos = [0, 10, 20].map((step) => fakeCheckpoint(step, 1, SMALL).checkpoint);
    await store.registerCheckpoints("r", infos);
    await store.writeCheckpoint("r", fakeCheckpoint(10, 1, SMALL));
    await store.registerCheckpoints("r", infos); // keeps the complete one
    const cps = await store.listCheckpoints("r");
    assert.deepEqual(cps.map((c) => [c.step, c.complete]), [[0, false], [10, true], [20, false]]);
    assert.deepEqual((await store.listCheckpoints("r", { completeOnly: true })).map((c) => c.step), [10]);
    assert.ok((await store.checkIntegrity()).ok);

    const ev = { kind: "population_fork" as const, tensor: "t", step: 10, step_low: 5, step_high: 20, strength: 0.9, evidence: { dip_p: 0.001 }, detector: { name: "x" } };
    await store.replaceEvents("r", [ev, { ...ev, kind: "change_point", strength: null }]);
    await store.replaceEvents("r", [{ ...ev, step: 11 }], { kind: "population_fork" });
    const events = await store.events({ run: "r" });
    assert.deepEqual(events.map((e) => [e.kind, e.step, e.strength]), [["change_point", 10, null], ["population_fork", 11, 0.9]]);
    assert.deepEqual(events[1]!.evidence, { dip_p: 0.001 });

    await store.putMetrics("r", "trainer_state", [{ step: 10, name: "loss", value: 3.5 }, { step: 20, name: "loss", value: 3.1 }]);
    await store.putMetrics("r", "trainer_state", [{ step: 10, name: "loss", value: 3.4 }]);
    await store.putMetrics("r", "eval", [{ step: 10, name: "acc", value: 0.4 }]);
    assert.deepEqual((await store.metrics({ run: "r" })).map((m) => [m.source, m.name, m.step, m.value]), [["eval", "acc", 10, 0.4], ["trainer_state", "loss", 10, 3.4]]);

    await store.deleteRun("r");
    assert.deepEqual(await store.listRuns(), []);
    assert.deepEqual(await store.tensorStats(), []);
  });
});

test("schema version mismatch, foreign DuckDB files and non-DuckDB files are refused and left untouched", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "a.duckdb");
    const s = await Store.open(path);
    await s.close();
    await setMeta(path, "schema_version", "999");
    await assert.rejects(Store.open(path), (e: unknown) =>
      e instanceof StoreError && e.message.includes("schema version 999") && e.message.includes(`reads version ${STORE_SCHEMA_VERSION}`) && e.message.includes("HINT"));

    const foreign = join(dir, "foreign.duckdb");
    const inst = await DuckDBInstance.create(foreign);
    const conn = await inst.connect();
    await conn.run("CREATE TABLE mine (x INTEGER)");
    conn.closeSync();
    inst.closeSync();
    await assert.rejects(Store.open(foreign), (e: unknown) => e instanceof StoreError && /not a forking-paths store/.test(e.message));

    const text = join(dir, "notes.duckdb");
    writeFileSync(text, "these are my notes, not a database\n".repeat(10));
    const bytes = readFileSync(text);
    await assert.rejects(Store.open(text), (e: unknown) => e instanceof StoreError && e.message.includes(text) && /not a readable DuckDB database/.test(e.message));
    assert.deepEqual(readFileSync(text), bytes);
    assert.equal(existsSync(text + ".wal"), false);

    await assert.rejects(Store.open(join(dir, "missing.duckdb"), { readOnly: true }), (e: unknown) => e instanceof StoreError && /does not exist/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store open in this process cannot be opened twice; read-only stores refuse writes", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "a.duckdb");
    const s = await Store.open(path);
    await assert.rejects(Store.open(path), (e: unknown) => e instanceof StoreError && /already open in this process/.test(e.message));
    await s.putRun({ run_id: "r", source: "s" });
    await s.close();
    const ro = await Store.open(path, { readOnly: true });
    assert.equal((await ro.listRuns()).length, 1);
    await assert.rejects(ro.putRun({ run_id: "q", source: "s" }), (e: unknown) => e instanceof StoreError && /read-only/.test(e.message));
    await ro.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exportParquet writes one file per table that DuckDB reads back identically", async () => {
  await withStore(async (store, dir) => {
    await store.putRun({ run_id: "r", source: "s" });
    for (const step of [0, 4]) await store.writeCheckpoint("r", fakeCheckpoint(step, 5, SMALL));
    await store.putMetrics("r", "m", [{ step: 4, name: "loss", value: 2 }]);
    const paths = await store.exportParquet(join(dir, "parquet"));
    assert.deepEqual(paths.map((p) => p.split("/").pop()), TABLE_NAMES.map((t) => `${t}.parquet`));
    const inst = await DuckDBInstance.create(":memory:");
    const conn = await inst.connect();
    try {
      for (const [i, table] of TABLE_NAMES.entries()) {
        const stored = await store.dumpTable(table);
        const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${paths[i]}')`);
        const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
        assert.equal(rows.length, stored.length, table);
        for (let r = 0; r < rows.length; r++) {
          for (const [key, value] of Object.entries(stored[r]!)) assert.deepEqual(rows[r]![key], value, `${table}.${key} row ${r}`);
        }
      }
      const n = await conn.runAndReadAll(`SELECT sum(len(keys)) AS n FROM read_parquet('${paths[TABLE_NAMES.indexOf("histograms")]}')`);
      assert.equal(Number(n.getRowObjectsJS()[0]!.n), 2 * SMALL.tensors * SMALL.histogramKeys);
    } finally {
      conn.closeSync();
      inst.closeSync();
    }
  });
});

async function setMeta(path: string, key: string, value: string): Promise<void> {
  const inst = await DuckDBInstance.create(path);
  const conn = await inst.connect();
  await conn.run("UPDATE meta SET value = $1 WHERE key = $2", [value, key]);
  conn.closeSync();
  inst.closeSync();
}

test("a store's file holds no FSST segments (STORE_DISABLED_COMPRESSION), and its values read back as written", async () => {
  const dir = tempDir();
  try {
    const store = await Store.openDir(join(dir, "out"));
    await store.putRun({ run_id: "r1", source: "/runs/x" });
    const cp = fakeCheckpoint(8, 1, { tensors: 600, histogramKeys: 30, trajectoryLength: 16 });
    await store.writeCheckpoints("r1", [cp], undefined, { intoFile: true });
    const written = await store.tensorStats({ run: "r1" });
    await store.close();
    const instance = await DuckDBInstance.create(join(dir, "out", "analysis.duckdb"), { access_mode: "READ_ONLY" });
    const c = await instance.connect();
    try {
      const rows = (await c.runAndReadAll(
        "SELECT column_name, compression FROM pragma_storage_info('tensor_stats') WHERE column_name IN ('quantiles_json', 'extra_json', 'sketch_json') AND segment_type = 'VARCHAR'",
      )).getRowObjectsJS();
      assert.ok(rows.length >= 3, "the JSON columns are in the file");
      assert.deepEqual(rows.filter((r) => r.compression === "FSST"), []);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    const again = await Store.openDir(join(dir, "out"), { readOnly: true });
    try {
      assert.deepEqual(await again.tensorStats({ run: "r1" }), written);
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
