// The transitions table and the events.artefact column: round trips, replacement per run, and
// the additive migration of a store written before both existed (read-only: unchanged and read
// as NULL / empty; writable: the column added with NULL in every stored event, data intact).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Store, TABLE_NAMES, type TransitionInput } from "../../src/store/index.js";
import { schemaStatements } from "../../src/store/schema.js";

const found: TransitionInput = {
  metric: "eval/test_accuracy", source: "trainer_state", chosen_by: "default order", found: true, step: 1234.5, step_low: 1200, step_high: 1300,
  before: 0.01, after: 0.99, noise: 0.004, n_points: 100, detail: { direction: "up", halfway: 0.5, misplaced: 0 },
};

test("putTransition stores one row per run, replaces it, and deletes it with null", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-transitions-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "s" });
    await store.putRun({ run_id: "q", source: "s" });
    await store.putTransition("r", found);
    await store.putTransition("q", { ...found, found: false, step: null, step_low: null, step_high: null, detail: { reason: "flat" } });
    assert.deepEqual(await store.transitions({ run: "r" }), [{ ...found, run_id: "r" }]);
    await store.putTransition("r", { ...found, metric: "in_context_score", chosen_by: "explicit" });
    const all = await store.transitions();
    assert.deepEqual(all.map((t) => [t.run_id, t.metric, t.chosen_by, t.found, t.step]), [["q", "eval/test_accuracy", "default order", false, null], ["r", "in_context_score", "explicit", true, 1234.5]]);
    await store.putTransition("r", null);
    assert.deepEqual((await store.transitions()).map((t) => t.run_id), ["q"]);
    await assert.rejects(store.putTransition("nope", found), /not registered/);
    await store.replaceEvents("r", [
      { kind: "population_fork", tensor: "b", step: 1, step_low: 0, step_high: 1, strength: 9, evidence: {}, detector: {}, artefact: "first_update_sign_split" },
      { kind: "population_fork", tensor: "c", step: 64, step_low: 32, step_high: 64, strength: 5, evidence: {}, detector: {} },
    ]);
    assert.deepEqual((await store.events({ run: "r" })).map((e) => [e.tensor, e.artefact]), [["b", "first_update_sign_split"], ["c", null]]);
    await store.deleteRun("q");
    assert.deepEqual((await store.transitions()).length, 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A store as written before the transitions table and events.artefact existed, with an event. */
async function writeOldStore(path: string): Promise<void> {
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  try {
    for (const sql of schemaStatements().filter((s) => !s.startsWith("CREATE TABLE transitions "))) await c.run(sql);
    await c.run("ALTER TABLE events DROP COLUMN artefact");
    await c.run("INSERT INTO runs VALUES ('old', '/runs/old', TIMESTAMP '2026-01-02 03:04:05', '{}')");
    await c.run(`INSERT INTO events VALUES ('old', 'population_fork', 'b', 1, 0, 1, 7.5, '{"variable":"value"}', '{"version":2}')`);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

async function columnsOf(path: string, table: string): Promise<string[]> {
  const inst = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await inst.connect();
  try {
    const r = await c.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' AND table_schema = 'main' ORDER BY ordinal_position`);
    return r.getRowObjectsJS().map((x) => String(x.column_name));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

test("an older store: read-only open reads events with artefact null and no transitions, unchanged; writable open adds both", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-transitions-old-"));
  const path = join(dir, "analysis.duckdb");
  try {
    await writeOldStore(path);
    const ro = await Store.open(path, { readOnly: true });
    const event = { run_id: "old", kind: "population_fork" as const, tensor: "b", step: 1, step_low: 0, step_high: 1, strength: 7.5, evidence: { variable: "value" }, detector: { version: 2 }, artefact: null };
    assert.deepEqual(await ro.events(), [event]);
    assert.deepEqual(await ro.transitions(), []);
    assert.equal((await ro.exportParquet(join(dir, "pq"))).length, TABLE_NAMES.length);
    await ro.close();
    assert.ok(!(await columnsOf(path, "events")).includes("artefact"), "a read-only open must not change the file");

    const store = await Store.open(path);
    try {
      assert.deepEqual(await store.events(), [event]);
      await store.putTransition("old", found);
      await store.replaceEvents("old", [{ ...event, artefact: "first_update_sign_split" }]);
      assert.equal((await store.events())[0]!.artefact, "first_update_sign_split");
    } finally {
      await store.close();
    }
    const cols = await columnsOf(path, "events");
    assert.equal(cols[cols.length - 1], "artefact");
    const again = await Store.open(path, { readOnly: true });
    assert.equal((await again.transitions())[0]!.step, 1234.5);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
