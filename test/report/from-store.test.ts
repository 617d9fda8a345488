// reportDataFromStore on a small store written through the Store API: steps, tensors with
// statistics and density grids (mass = numel), events, metrics and trajectories with branches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/index.js";
import type { StatValues } from "../../src/store/types.js";
import { histKeyOf } from "../../src/stats/histogram.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { decodeArrayBytes, decodeDensityCounts } from "../../src/report/density.js";
import { renderReport } from "../../src/report/render.js";
import { Rng } from "../../src/util/rng.js";

function stats(values: number[]): StatValues {
  const n = values.length, mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { numel: n, nan_count: 0, posinf_count: 0, neginf_count: 0, zero_count: 0, mean, std, variance: std * std, skewness: 0, excess_kurtosis: 0,
    min: Math.min(...values), max: Math.max(...values), l1: null, l2: null, linf: null, quantiles: {}, frac_abs_le: { "0.001": 0.1 }, frac_abs_le_rel_std: {}, extra: { dip_p: 0.5 } };
}
function histogram(values: number[]) {
  const m = new Map<number, number>();
  for (const v of values) m.set(histKeyOf(v), (m.get(histKeyOf(v)) ?? 0) + 1);
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { keys, counts: keys.map((k) => m.get(k)!) };
}

test("reportDataFromStore packs a stored run for the page", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fp-report-store-"));
  const store = await Store.openDir(dir);
  try {
    const steps = [0, 1, 2, 4, 1000];
    const rng = new Rng(2);
    await store.putRun({ run_id: "r1", source: "/runs/r1" });
    await store.registerCheckpoints("r1", steps.map((step) => ({ step, label: `step${step}`, path: `/runs/r1/step${step}`, format: "safetensors", n_tensors: 2, total_bytes: 1 })));
    for (const step of steps) {
      const w = Array.from({ length: 500 }, (_, i) => (step >= 1000 ? (i % 2 ? 0.05 : -0.05) : 0) + 0.01 * rng.normal());
      const g = Array.from({ length: 8 }, (_, i) => 1 + (step >= 1000 ? (i < 4 ? 0.1 : -0.1) : 0));
      await store.writeCheckpoint("r1", {
        checkpoint: { step, label: `step${step}`, path: `/runs/r1/step${step}`, format: "safetensors", n_tensors: 2, total_bytes: 1 },
        tensors: [
          { tensor: "layers.0.w", layer: 0, role: "mlp.in", kind: "weight", dtype: "F32", shape: [500], histogram: histogram(w), ...stats(w) },
          { tensor: "layers.0.ln", layer: 0, role: "ln.attn", kind: "weight", dtype: "F32", shape: [8], histogram: histogram(g), ...stats(g) },
        ],
        trajectories: [{ tensor: "layers.0.ln", values: Float32Array.from(g) }],
      });
    }
    await store.replaceEvents("r1", [
      { kind: "population_fork", tensor: "layers.0.ln", step: 1000, step_low: 4, step_high: 1000, strength: 5, evidence: { member_lists: [[4, 5, 6, 7], [0, 1, 2, 3]] }, detector: {} },
    ]);
    await store.putMetrics("r1", "eval", steps.map((step) => ({ step, name: "loss", value: 10 - step / 200 })));
    const data = await reportDataFromStore(store, { bins: 100 });
    assert.equal(data.runs.length, 1);
    const run = data.runs[0]!;
    assert.deepEqual(run.steps, steps);
    const w = run.tensors.find((t) => t.name === "layers.0.w")!;
    assert.equal(w.layer, 0);
    assert.equal(w.stats.std!.length, 5);
    assert.equal(w.stats["frac_abs_le_0.001"]![0], 0.1);
    assert.equal(w.stats.dip_p![4], 0.5);
    const counts = decodeDensityCounts(w.density!);
    for (let c = 0; c < 5; c++) {
      const total = w.density!.colTotal[c]! + w.density!.colOutside[c]!;
      assert.ok(Math.abs(total - 500) < 1e-6, `column ${c} holds all 500 values`);
      let s = 0;
      for (let k = 0; k < 100; k++) s += counts[c * 100 + k]!;
      assert.ok(Math.abs(s - w.density!.colTotal[c]!) < 0.01 * 500, "quantised counts add up");
    }
    assert.deepEqual(run.events.map((e) => [e.kind, e.tensor, e.step]), [["population_fork", "layers.0.ln", 1000]]);
    assert.deepEqual(run.metrics.map((m) => m.name), ["loss (eval)"]);
    assert.deepEqual(run.metrics[0]!.values, steps.map((s) => 10 - s / 200));
    const tr = run.trajectories[0]!;
    assert.equal(tr.tensor, "layers.0.ln");
    assert.deepEqual(tr.branch, [1, 1, 1, 1, 0, 0, 0, 0]);
    assert.equal(tr.forkStep, 1000);
    const vals = new Float32Array(decodeArrayBytes(tr.values).slice().buffer);
    assert.equal(vals.length, 5 * 8);
    assert.ok(Math.abs(vals[4 * 8 + 0]! - 1.1) < 1e-6 && Math.abs(vals[4 * 8 + 7]! - 0.9) < 1e-6);
    assert.match(renderReport(data), /layers\.0\.w/);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("reportDataFromStore reads histograms checkpoint by checkpoint and still gives every tensor its own density", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fp-report-batches-"));
  const store = await Store.openDir(dir);
  try {
    // Names whose UTF-8 byte order differs from locale order.
    const names = Array.from({ length: 19 }, (_, i) => [`layers.${i}.W`, `layers.${i}.a`, `é.${i}`][i % 3]!);
    const steps = [0, 10];
    await store.putRun({ run_id: "r", source: "/runs/r" });
    for (const step of steps) {
      const rows = names.map((tensor, i) => {
        const v = Array.from({ length: 50 + i }, (_, j) => (i + 1) * (step + 1) * (1 + j / 100));
        return { tensor, layer: null, role: "other" as const, kind: "weight" as const, dtype: "F32" as const, shape: [v.length], histogram: histogram(v), ...stats(v) };
      });
      await store.writeCheckpoint("r", { checkpoint: { step, label: `s${step}`, path: `/runs/r/s${step}`, format: "safetensors", n_tensors: names.length, total_bytes: 1 }, tensors: rows });
    }
    const run = (await reportDataFromStore(store, { bins: 40, groups: false })).runs[0]!;
    assert.equal(run.tensors.length, names.length);
    names.forEach((name, i) => {
      const t = run.tensors.find((x) => x.name === name)!;
      assert.ok(t.density !== undefined, `${name} has a density`);
      const mass = steps.map((_, c) => t.density!.colTotal[c]! + t.density!.colOutside[c]!);
      assert.deepEqual(mass.map(Math.round), [50 + i, 50 + i], `${name}: each step's mass is its own numel`);
    });
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
