// A sketch's histogram is stored once (issue 11): sketch_json carries a marker where its histKeys
// and histCounts were, reads put them back from the histograms table, and a store written before
// (each sketch whole) is migrated on its first writable open, byte for byte elsewhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { sketchOfValues, summarizeSketch } from "../../src/stats/index.js";
import { Store } from "../../src/store/index.js";
import { encodeJson } from "../../src/store/codec.js";
import type { TensorStatsInput } from "../../src/store/types.js";
import { Rng } from "../../src/util/rng.js";

function row(name: string, seed: number, histogramOf: "own" | "other"): TensorStatsInput {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: 3000 }, () => rng.normal() * 0.02);
  const sketch = sketchOfValues(values);
  const other = sketchOfValues(values.subarray(0, 100));
  const h = histogramOf === "own" ? sketch : other;
  return { ...summarizeSketch(sketch), tensor: name, layer: 0, role: "mlp.in", kind: "weight", dtype: "F32", shape: [30, 100], histogram: { keys: h.histKeys, counts: h.histCounts }, sketch };
}

async function rawSql(path: string, sql: string[]): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const s of sql) rows = (await c.runAndReadAll(s)).getRowObjectsJS() as Record<string, unknown>[];
    return rows;
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

test("sketch_json holds no histogram; tensorStats({ withSketch }) returns the whole sketch", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-sketch-"));
  const rows = [row("a", 1, "own"), row("b", 2, "other")];
  try {
    const store = await Store.openDir(dir);
    try {
      await store.putRun({ run_id: "r", source: "s" });
      await store.writeCheckpoint("r", { checkpoint: { step: 1, label: "s1", path: "/x", format: "safetensors", n_tensors: 2, total_bytes: 1 }, tensors: rows });
      const got = await store.tensorStats({ run: "r", withSketch: true });
      assert.deepEqual(got.map((r) => r.sketch), rows.map((r) => r.sketch));
      const streamed: unknown[] = [];
      await store.forEachTensorStats({ run: "r", withSketch: true }, (rs) => streamed.push(...rs.map((r) => [r.tensor, r.sketch])));
      assert.deepEqual(streamed.sort(), rows.map((r) => [r.tensor, r.sketch]));
    } finally {
      await store.close();
    }
    const stored = await rawSql(join(dir, "analysis.duckdb"), ["SELECT tensor, sketch_json FROM tensor_stats ORDER BY tensor"]);
    // a: its histogram is the row's: a marker only; b: a histogram other than the row's stays whole
    assert.ok(!String(stored[0]!.sketch_json).includes("histKeys"));
    assert.ok(String(stored[0]!.sketch_json).includes('"$histogram":"histograms"'));
    assert.equal(stored[1]!.sketch_json, encodeJson(rows[1]!.sketch));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store written with whole sketches is migrated on its first writable open; read-only opens read it as it is", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-sketch-old-"));
  const path = join(dir, "analysis.duckdb");
  const rows = [row("a", 3, "own"), row("b", 4, "other"), { ...row("c", 5, "own"), sketch: undefined }];
  try {
    const store = await Store.openDir(dir);
    await store.putRun({ run_id: "r", source: "s" });
    await store.writeCheckpoint("r", { checkpoint: { step: 1, label: "s1", path: "/x", format: "safetensors", n_tensors: 3, total_bytes: 1 }, tensors: rows });
    await store.close();
    // what the previous version wrote: every sketch whole, no meta key
    const whole = (name: string) => `'${encodeJson(rows.find((r) => r.tensor === name)!.sketch).replaceAll("'", "''")}'`;
    await rawSql(path, ["DELETE FROM meta WHERE key = 'sketch_histograms'", `UPDATE tensor_stats SET sketch_json = ${whole("a")} WHERE tensor = 'a'`]);
    const before = await rawSql(path, ["SELECT length(sketch_json) AS n FROM tensor_stats WHERE tensor = 'a'"]);

    const readOnly = await Store.openDir(dir, { readOnly: true });
    try {
      assert.deepEqual((await readOnly.tensorStats({ run: "r", withSketch: true })).map((r) => r.sketch), rows.map((r) => r.sketch));
    } finally {
      await readOnly.close();
    }
    assert.equal((await rawSql(path, ["SELECT count(*) AS n FROM meta WHERE key = 'sketch_histograms'"]))[0]!.n, 0n, "a read-only open changes nothing");

    const migrated = await Store.openDir(dir);
    try {
      assert.deepEqual((await migrated.tensorStats({ run: "r", withSketch: true })).map((r) => r.sketch), rows.map((r) => r.sketch));
    } finally {
      await migrated.close();
    }
    const after = await rawSql(path, ["SELECT tensor, sketch_json FROM tensor_stats ORDER BY tensor"]);
    const { histKeys: _k, histCounts: _c, ...rest } = rows[0]!.sketch as Record<string, unknown>;
    assert.equal(after[0]!.sketch_json, encodeJson({ ...rest, $histogram: "histograms" }), "a: histogram replaced by the marker, every other byte kept");
    assert.equal(after[1]!.sketch_json, encodeJson(rows[1]!.sketch), "b: its histogram is not the row's: left whole");
    assert.equal(after[2]!.sketch_json, null);
    assert.ok(String(after[0]!.sketch_json).length < Number(before[0]!.n) / 2, `a's sketch: ${String(after[0]!.sketch_json).length} bytes after, ${before[0]!.n} before`);
    assert.equal((await rawSql(path, ["SELECT value FROM meta WHERE key = 'sketch_histograms'"]))[0]!.value, "histograms-table");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
