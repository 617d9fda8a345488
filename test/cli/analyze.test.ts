// End-to-end tests of `analyze`, `stats` and `export` through the CLI: values against an
// independent float64 computation from the raw safetensors bytes, PyTorch runs with buffers,
// broken files (one-line error, store intact), and resume after SIGKILL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { readSafetensorsHeader } from "../../src/formats/safetensors/index.js";
import { FileSource } from "../../src/io/file-source.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { decodeToFloat64 } from "../../src/formats/dtype.js";
import { analyzeKilledOnceStoreExists, runCli } from "../helpers/cli.js";
import { loadExpected } from "../formats/pytorch-test-helpers.js";
import { tempDir } from "../helpers/temp.js";

const SMALL_STEPS = [0, 1, 2, 4, 8, 16, 32];

function tmp(prefix: string): string {
  return tempDir(`fp-${prefix}-`);
}

/** Plain two-pass float64 reference for the moments (independent of stats/). */
function reference(values: Float64Array) {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let m2 = 0, m3 = 0, m4 = 0, l2 = 0;
  for (const v of values) {
    const d = v - mean;
    m2 += d * d; m3 += d * d * d; m4 += d * d * d * d; l2 += v * v;
  }
  const variance = m2 / n;
  return { mean, std: Math.sqrt(variance), skewness: m3 / n / variance ** 1.5, excess_kurtosis: m4 / n / variance ** 2 - 3, l2: Math.sqrt(l2), min: Math.min(...values), max: Math.max(...values) };
}

/** The fields of a `stats --json` row these tests compare. */
interface StatsRow { tensor: string; dtype: string; numel: number; mean: number; std: number; skewness: number; excess_kurtosis: number; l2: number; min: number; max: number; frac_abs_le: Record<string, number> }

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1e-12, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test("analyze + stats --json: every (step, tensor) row, values equal a float64 reference", async () => {
  const dir = tmp("analyze");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: SMALL_STEPS });
  const out = join(dir, "out");
  const analyzed = await runCli(["analyze", join(dir, "run"), "--out", out, "--json", "--workers", "1"]);
  assert.equal(analyzed.code, 0, analyzed.stderr);
  const summary = JSON.parse(analyzed.stdout) as { analyzed: number; checkpoints: number; tensors: number; buffers: number };
  assert.equal(summary.checkpoints, SMALL_STEPS.length);
  assert.equal(summary.analyzed, SMALL_STEPS.length);
  assert.ok(summary.buffers > 0, "Pythia-style buffers are reported separately");

  const listed = await runCli(["stats", out, "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
  assert.equal(rows.length, summary.tensors);
  assert.ok(!rows.some((r) => String(r.tensor).endsWith("attention.bias") || String(r.tensor).endsWith("masked_bias")), "buffers are not mixed into the statistics");
  for (const key of ["step", "tensor", "dtype", "numel", "nan_count", "inf_count", "mean", "std", "skewness", "excess_kurtosis", "min", "max", "l2", "quantiles", "frac_abs_le"]) {
    assert.ok(key in rows[0]!, `stats --json rows have "${key}"`);
  }
  assert.ok("0.01" in (rows[0]!.quantiles as object) && "0.5" in (rows[0]!.quantiles as object) && "0.99" in (rows[0]!.quantiles as object));
  assert.ok("0.001" in (rows[0]!.frac_abs_le as object));

  const tensor = "gpt_neox.layers.1.mlp.dense_4h_to_h.weight";
  const one = await runCli(["stats", out, "--json", "--tensor", tensor, "--step", "32"]);
  const [row] = JSON.parse(one.stdout) as StatsRow[];
  assert.ok(row, "one row for --tensor --step");
  const source = await FileSource.open(join(dir, "run", "checkpoint-32", "model.safetensors"));
  try {
    const header = await readSafetensorsHeader(source);
    const ref = header.tensors.find((t) => t.name === tensor)!;
    const values = decodeToFloat64(ref.dtype, await readTensorBytes(ref));
    const expected = reference(values);
    for (const k of ["mean", "std", "skewness", "excess_kurtosis", "l2"] as const) close(row[k], expected[k], 1e-9, k);
    assert.equal(row.min, expected.min);
    assert.equal(row.max, expected.max);
    assert.equal(row.numel, values.length);
    const frac = values.filter((v) => Math.abs(v) <= 0.001).length / values.length;
    assert.equal(row.frac_abs_le["0.001"], frac, "sparsity fraction is exact");
  } finally {
    await source.close();
  }

  const exported = await runCli(["export", out, "--parquet"]);
  assert.equal(exported.code, 0, exported.stderr);
  const files = exported.stdout.trim().split("\n");
  assert.ok(files.some((f) => f.endsWith("tensor_stats.parquet")));
  for (const f of files) assert.ok(statSync(f).size > 0, `${f} is not empty`);
});

test("analyze a PyTorch run: values exactly as torch gives them; buffers reported apart", async () => {
  const dir = tmp("torch");
  for (const step of [0, 10]) {
    mkdirSync(join(dir, "run", `step${step}`), { recursive: true });
    copyFileSync(new URL("../fixtures/pytorch/pythia_small.pt", import.meta.url), join(dir, "run", `step${step}`, "pytorch_model.bin"));
  }
  const out = join(dir, "out");
  const analyzed = await runCli(["analyze", join(dir, "run"), "--out", out, "--workers", "0", "--json"]);
  assert.equal(analyzed.code, 0, analyzed.stderr);
  const rows = JSON.parse((await runCli(["stats", out, "--json", "--step", "10"])).stdout) as StatsRow[];
  const expected = loadExpected("pythia_small");
  const float = expected.selections[0]!.tensors.filter((t) => ["F32", "F16", "BF16", "F64"].includes(t.dtype) && t.numel > 0 && !/masked_bias|inv_freq|attention\.bias$/.test(t.name));
  assert.ok(float.length >= 3);
  for (const t of float) {
    const row = rows.find((r) => r.tensor === t.name);
    assert.ok(row, `row for ${t.name}`);
    const values = expected.values.subarray(t.offset, t.offset + t.numel);
    const ref = reference(values);
    close(row.mean, ref.mean, 1e-9, `${t.name} mean`);
    assert.equal(row.max, ref.max, `${t.name} max`);
    assert.equal(row.dtype, t.dtype);
  }
});

test("a broken checkpoint: one-line error naming the file, non-zero exit, the store keeps what it had", async () => {
  const dir = tmp("broken");
  await writeSyntheticRun(join(dir, "run"), { kind: "null", seed: 1, steps: [0, 1, 2] });
  const out = join(dir, "out");
  assert.equal((await runCli(["analyze", join(dir, "run"), "--out", out, "--workers", "0"])).code, 0);
  const before = (await runCli(["stats", out, "--json"])).stdout;
  // A new checkpoint appears, truncated mid-data.
  const good = readFileSync(join(dir, "run", "checkpoint-2", "model.safetensors"));
  mkdirSync(join(dir, "run", "checkpoint-4"));
  const broken = join(dir, "run", "checkpoint-4", "model.safetensors");
  writeFileSync(broken, good.subarray(0, good.byteLength - 100));
  const failed = await runCli(["analyze", join(dir, "run"), "--out", out, "--workers", "0"]);
  assert.equal(failed.code, 1);
  const lines = failed.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line: ${failed.stderr}`);
  assert.match(lines[0]!, /checkpoint-4[/\\]model\.safetensors/);
  assert.match(lines[0]!, /truncated|outside|past the end|shorter/i);
  assert.equal((await runCli(["stats", out, "--json"])).stdout, before, "nothing stored is lost or changed");
  // Usage errors exit 2.
  assert.equal((await runCli(["analyze", join(dir, "nope"), "--out", out])).code, 1);
  assert.equal((await runCli(["analyze", join(dir, "run")])).code, 2, "--out is required");
});

test("analyze killed with SIGKILL resumes to results identical to an uninterrupted run", async () => {
  const dir = tmp("resume");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 5, steps: SMALL_STEPS });
  const clean = join(dir, "clean"), resumed = join(dir, "resumed");
  assert.equal((await runCli(["analyze", join(dir, "run"), "--out", clean, "--workers", "0"])).code, 0);
  // Kill once the store exists (some checkpoints may or may not be committed: both must work).
  const killed = await analyzeKilledOnceStoreExists([join(dir, "run"), "--workers", "0"], resumed);
  assert.ok(killed.signal === "SIGKILL" || killed.code === 0, "the analysis was killed (or had already finished)");
  const again = await runCli(["analyze", join(dir, "run"), "--out", resumed, "--workers", "0", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  const a = JSON.parse((await runCli(["stats", clean, "--json"])).stdout) as unknown[];
  const b = JSON.parse((await runCli(["stats", resumed, "--json"])).stdout) as unknown[];
  assert.equal(b.length, a.length, "no duplicates, nothing missing");
  assert.deepEqual(b, a);
});
