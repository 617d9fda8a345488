// CLI `prune` through commander: --json fields, exact zero fractions per scope, --tokens evaluation
// agreeing with the PyTorch reference fixture, the pruned folder accepted by `eval`, usage errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInProcess } from "../helpers/cli.js";
import { register as registerPrune } from "../../src/cli/commands/prune.js";
import { register as registerEval } from "../../src/cli/commands/eval.js";
import { prunedCount } from "../../src/prune/masks.js";
import { UsageError } from "../../src/util/errors.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/prune/", import.meta.url));
let dir = "";
let ref: { tokens: number[]; f32: { loss_before: number; cases: Array<{ scope: string; sparsity: number; loss_after: number }> } };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-cli-prune-"));
  ref = JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8"));
  await writeFile(join(dir, "ids.json"), JSON.stringify(ref.tokens));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]): Promise<string> => runInProcess([registerPrune, registerEval], args);

test("prune --json with --tokens: loss before/after equal the reference; eval accepts the output", async () => {
  const out = join(dir, "g50");
  const j = JSON.parse(await run(["prune", join(FIXTURES, "f32"), "--sparsity", "0.5", "--method", "magnitude", "--scope", "global", "--tokens", join(dir, "ids.json"), "--workers", "1", "--out", out, "--json"]));
  assert.deepEqual(Object.keys(j).sort(), ["loss_after", "loss_before", "loss_increase", "method", "out", "predictions", "pruned_tensors", "scope", "seed", "sparsity", "zeros_fraction"]);
  const numel = j.pruned_tensors.reduce((n: number, t: { numel: number }) => n + t.numel, 0);
  assert.equal(j.pruned_tensors.length, 8);
  assert.equal(j.zeros_fraction, prunedCount(numel, 0.5) / numel);
  const c = ref.f32.cases.find((x) => x.scope === "global" && x.sparsity === 0.5)!;
  assert.ok(Math.abs(j.loss_before - ref.f32.loss_before) < 1e-4);
  assert.ok(Math.abs(j.loss_after - c.loss_after) < 1e-4);
  const e = JSON.parse(await run(["eval", out, "--tokens", join(dir, "ids.json"), "--json"]));
  assert.ok(Math.abs(e.loss - c.loss_after) < 1e-4);
});

test("prune --scope tensor --method random: each tensor at the exact fraction; default --out name", async () => {
  const j = JSON.parse(await run(["prune", join(FIXTURES, "f16"), "--sparsity", "0.9", "--method", "random", "--scope", "tensor", "--seed", "4", "--out", join(dir, "r90"), "--json"]));
  for (const t of j.pruned_tensors) assert.equal(t.zeros, prunedCount(t.numel, 0.9), t.name);
  assert.equal(j.loss_before, undefined);
  await cp(join(FIXTURES, "f32"), join(dir, "ckpt"), { recursive: true });
  const text = await run(["prune", join(dir, "ckpt") + "/", "--sparsity", "0.1"]);
  assert.match(text, /pruned 8 tensor\(s\) by magnitude \(global scope\)/);
  const record = JSON.parse(await readFile(join(dir, "ckpt-pruned-magnitude-global-10", "pruning.json"), "utf8"));
  assert.equal(record.sparsity, 0.1);
});

test("usage errors name the option", async () => {
  await assert.rejects(run(["prune", join(FIXTURES, "f32"), "--sparsity", "0.5", "--method", "smallest", "--out", join(dir, "x")]), (e) => e instanceof UsageError && /--method/.test(e.message));
  await assert.rejects(run(["prune", join(FIXTURES, "f32"), "--sparsity", "0.5", "--scope", "layer", "--out", join(dir, "x")]), (e) => e instanceof UsageError && /--scope/.test(e.message));
  await assert.rejects(run(["prune", join(FIXTURES, "f32"), "--sparsity", "1.5", "--out", join(dir, "x")]), (e) => e instanceof UsageError && /sparsity/.test(e.message));
  await assert.rejects(run(["prune", join(FIXTURES, "f32"), "--sparsity", "0.5", "--eval", "--text", "a.txt", "--out", join(dir, "x")]), (e) => e instanceof UsageError && /only one/.test(e.message));
});
