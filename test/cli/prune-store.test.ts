// CLI `prune --store`: the evaluated result lands in the store's pruning table (losses equal the
// PyTorch reference fixture, near-zero mass equals a brute-force count over the raw safetensors
// bytes), the step comes from the folder name or --step, re-runs replace, usage errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli, runInProcess } from "../helpers/cli.js";
import { register as registerPrune } from "../../src/cli/commands/prune.js";
import { Store } from "../../src/store/index.js";
import { prunedCount } from "../../src/prune/masks.js";
import { UsageError } from "../../src/util/errors.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/prune/", import.meta.url));
let dir = "";
let ref: { prunable: string[]; tokens: number[]; f32: { loss_before: number; predictions: number; cases: Array<{ scope: string; sparsity: number; loss_after: number }> } };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-cli-prune-store-"));
  ref = JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8"));
  await writeFile(join(dir, "ids.json"), JSON.stringify(ref.tokens));
  await cp(join(FIXTURES, "f32"), join(dir, "step100"), { recursive: true });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]): Promise<string> => runInProcess([registerPrune], args);

/** Fraction of |w| <= 0.1 * population std over the named F32 tensors, read straight from the safetensors layout. */
async function bruteNearZero(file: string, names: readonly string[]): Promise<number> {
  const bytes = await readFile(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const all: number[] = [];
  for (const name of names) {
    const h = header[name]!;
    assert.equal(h.dtype, "F32", name);
    for (let at = 8 + headerLength + h.data_offsets[0]; at < 8 + headerLength + h.data_offsets[1]; at += 4) all.push(bytes.readFloatLE(at));
  }
  const mean = all.reduce((s, x) => s + x, 0) / all.length;
  const std = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length);
  return all.filter((x) => Math.abs(x) <= 0.1 * std).length / all.length;
}

test("prune --store records the evaluated result; the step comes from the folder name; the run is registered", async () => {
  const store = join(dir, "store");
  const j = JSON.parse(await run(["prune", join(dir, "step100"), "--sparsity", "0.5", "--tokens", join(dir, "ids.json"), "--out", join(dir, "p50"), "--store", store, "--run", "tiny", "--json"]));
  assert.equal(j.stored.run, "tiny");
  assert.equal(j.stored.step, 100);
  assert.equal(j.stored.registered_run, true);
  const s = await Store.openDir(store, { readOnly: true });
  try {
    const rows = await s.pruning();
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    const c = ref.f32.cases.find((x) => x.scope === "global" && x.sparsity === 0.5)!;
    assert.deepEqual([r.run_id, r.step, r.method, r.scope, r.sparsity, r.seed], ["tiny", 100, "magnitude", "global", 0.5, 0]);
    assert.ok(Math.abs(r.base_loss - ref.f32.loss_before) < 1e-4, `base ${r.base_loss} vs ${ref.f32.loss_before}`);
    assert.ok(Math.abs(r.loss - c.loss_after) < 1e-4, `loss ${r.loss} vs ${c.loss_after}`);
    assert.equal(r.loss_increase, r.loss - r.base_loss);
    assert.equal(r.eval_predictions, ref.f32.predictions);
    const numel = (r.detail!.numel as number);
    assert.equal(r.zeros_fraction, prunedCount(numel, 0.5) / numel);
    assert.deepEqual([...(r.detail!.pruned_tensors as string[])].sort(), [...ref.prunable].sort());
    const expected = await bruteNearZero(join(FIXTURES, "f32", "model.safetensors"), ref.prunable);
    assert.ok(Math.abs(r.near_zero_mass! - expected) < 1e-12, `near-zero ${r.near_zero_mass} vs ${expected}`);
    assert.ok(r.near_zero_mass! > 0.01 && r.near_zero_mass! < 0.2, `near-zero ${r.near_zero_mass}`);
    assert.equal((await s.listRuns())[0]!.source, dir);
  } finally {
    await s.close();
  }

  // Same key again (the only run is the default): replaced; another sparsity and --step: added.
  await run(["prune", join(dir, "step100"), "--sparsity", "0.5", "--tokens", join(dir, "ids.json"), "--out", join(dir, "p50"), "--force", "--store", store]);
  await run(["prune", join(FIXTURES, "f32"), "--sparsity", "0.9", "--method", "random", "--scope", "tensor", "--seed", "3", "--tokens", join(dir, "ids.json"), "--out", join(dir, "r90"), "--store", store, "--step", "7"]);
  const s2 = await Store.openDir(store, { readOnly: true });
  try {
    const rows = await s2.pruning({ run: "tiny" });
    assert.deepEqual(rows.map((x) => [x.step, x.method, x.scope, x.sparsity, x.seed]), [[7, "random", "tensor", 0.9, 3], [100, "magnitude", "global", 0.5, 0]]);
    // same checkpoint and tokens: the same unpruned loss (this untrained model may even improve when pruned)
    assert.equal(rows[0]!.base_loss, rows[1]!.base_loss);
    assert.equal(rows[0]!.loss_increase, rows[0]!.loss - rows[0]!.base_loss);
    assert.equal(rows[0]!.zeros_fraction, (rows[0]!.detail!.zeros as number) / (rows[0]!.detail!.numel as number));
  } finally {
    await s2.close();
  }
});

test("prune --store usage errors: needs an evaluation, a known step, a chosen run; --run/--step need --store", async () => {
  const store = join(dir, "store-errors");
  const base = ["prune", join(dir, "step100"), "--sparsity", "0.5", "--out", join(dir, "x")];
  await assert.rejects(run([...base, "--store", store]), (e) => e instanceof UsageError && /--eval/.test(e.message));
  await assert.rejects(run([...base, "--run", "a"]), (e) => e instanceof UsageError && /--store/.test(e.message));
  await assert.rejects(
    run(["prune", join(FIXTURES, "f32"), "--sparsity", "0.5", "--tokens", join(dir, "ids.json"), "--out", join(dir, "x"), "--store", store, "--run", "a"]),
    (e) => e instanceof UsageError && /--step/.test(e.message),
  );
  await assert.rejects(run([...base, "--tokens", join(dir, "ids.json"), "--store", store]), (e) => e instanceof UsageError && /0 runs/.test(e.message) && /--run/.test(e.message));
});

test("the built CLI exits non-zero with a one-line reason when --store lacks an evaluation", async () => {
  const r = await runCli(["prune", join(dir, "step100"), "--sparsity", "0.5", "--out", join(dir, "y"), "--store", join(dir, "store-cli")]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--store records the evaluated result/);
});
