// analyze stores shape statistics for every tensor and group (exact for kept tensors, from the
// histogram otherwise) and spectral alpha (checked against spectralSummary of the checkpoint's
// values); --no-shape and --spectral-max-dim 0 store neither; --shape-sample 0 keeps exact only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { openCheckpoint } from "../../src/formats/checkpoint.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { decodeToFloat32 } from "../../src/formats/dtype.js";
import { spectralSummary } from "../../src/stats/spectral.js";
import { featuresFromStore } from "../../src/quality/store-features.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const STEPS = [0, 256];
const QKV = "gpt_neox.layers.0.attention.query_key_value.weight";

async function synthRun(): Promise<string> {
  const dir = tempDir("fp-analyze-shape-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 5, steps: STEPS, hidden: 32, layers: 2 });
  return dir;
}

async function storedRows(out: string) {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    return { tensors: await store.tensorStats({}), groups: await store.groupStats({}), features: await featuresFromStore(store, "run") };
  } finally {
    await store.close();
  }
}

test("analyze stores extra.shape for every tensor and group, and spectral alpha equal to spectralSummary of the values", async () => {
  const dir = await synthRun();
  const out = join(dir, "out");
  await analyzeRun(join(dir, "run"), { out, workers: 0, events: false });
  const { tensors, groups, features } = await storedRows(out);
  assert.equal(new Set(tensors.map((t) => t.step)).size, STEPS.length);
  for (const t of tensors) {
    const method = (t.extra?.shape_method as { method: string } | undefined)?.method;
    const kept = t.role.startsWith("ln.") || t.kind === "bias";
    assert.equal(method, kept ? "exact" : "histogram", t.tensor);
    assert.ok(t.extra?.shape !== undefined, `${t.tensor} has a shape`);
  }
  assert.ok(groups.length > 0 && groups.every((g) => (g.extra?.shape_method as { method: string }).method === "histogram" && g.extra?.shape !== undefined));

  const cp = await openCheckpoint(join(dir, "run", "checkpoint-256"));
  try {
    for (const ref of cp.tensors.filter((r) => r.shape.length === 2)) {
      const row = tensors.find((t) => t.step === 256 && t.tensor === ref.name)!;
      const spectral = row.extra?.spectral as { alpha: number | null; eigenvalues: number[] } | undefined;
      if (row.role === "embed" || row.role === "unembed") {
        assert.equal(spectral, undefined, `${ref.name}: embeddings get no spectrum`);
        continue;
      }
      const direct = spectralSummary(decodeToFloat32(ref.dtype, await readTensorBytes(ref)), ref.shape[0]!, ref.shape[1]!);
      assert.equal(spectral!.alpha, direct.powerLaw!.alpha, ref.name);
      assert.deepEqual(spectral!.eigenvalues, Array.from(direct.eigenvalues), ref.name);
    }
  } finally {
    await cp.close();
  }
  assert.ok(tensors.some((t) => t.tensor === QKV && typeof (t.extra?.spectral as { alpha?: unknown }).alpha === "number"));
  assert.ok(features.featureNames.includes("alpha:mean"), "quality's feature reader sees the stored alpha");
});

test("--no-shape --spectral-max-dim 0 store neither; --shape-sample > 0 keeps histogram shapes of all values (size unused), 0 keeps exact shapes only; bad values are refused", async () => {
  const dir = await synthRun();
  const none = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "none"), "--no-shape", "--spectral-max-dim", "0", "--no-events", "--workers", "0", "--json"]);
  assert.equal(none.code, 0, none.stderr);
  const bare = await storedRows(join(dir, "none"));
  assert.ok(bare.tensors.length > 0 && bare.tensors.every((t) => t.extra === undefined || (t.extra.shape === undefined && t.extra.spectral === undefined)));
  assert.ok(bare.groups.every((g) => g.extra?.shape === undefined));

  const small = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "small"), "--shape-sample", "3000", "--no-events", "--workers", "0", "--json"]);
  assert.equal(small.code, 0, small.stderr);
  const rows = await storedRows(join(dir, "small"));
  const model = rows.groups.find((g) => g.group_name === "model")!;
  const method = model.extra!.shape_method as { method: string; sample_size: number; n: number; cdf_error_bound_95: number; bounds: { cdf: number } };
  assert.equal(method.method, "histogram");
  assert.ok(method.n > 3000);
  assert.equal(method.sample_size, method.n, "the histogram path uses every value whatever --shape-sample says");
  assert.equal(method.cdf_error_bound_95, method.bounds.cdf);
  assert.ok(method.cdf_error_bound_95 > 0 && method.cdf_error_bound_95 < 0.05);
  assert.ok(rows.tensors.some((t) => t.extra?.spectral !== undefined), "spectra on by default");

  const keptOnly = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "kept"), "--include", "*layers.0.*", "--shape-sample", "0", "--no-events", "--workers", "0", "--json"]);
  assert.equal(keptOnly.code, 0, keptOnly.stderr);
  const kept = await storedRows(join(dir, "kept"));
  for (const t of kept.tensors) {
    const method = (t.extra?.shape_method as { method: string } | undefined)?.method;
    assert.equal(method, t.role.startsWith("ln.") || t.kind === "bias" ? "exact" : undefined, `--shape-sample 0: ${t.tensor}`);
  }
  assert.ok(kept.groups.length > 0 && kept.groups.every((g) => g.extra?.shape === undefined));

  const bad = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "bad"), "--shape-sample", "2"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--shape-sample/);
});
