// Tolerance curve and distribution measures: magnitude points equal the PyTorch reference losses
// of the pruned fixture, zero fractions are exact, and nearZeroMass / magnitudeCuts equal a
// brute-force computation over sorted values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../../src/util/rng.js";
import { scalarKernels } from "../../src/model/kernels.js";
import { magnitudeCuts, nearZeroMass, prunedCount, pruningToleranceCurve } from "../../src/prune/index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/prune/", import.meta.url));

test("pruningToleranceCurve: magnitude losses equal the reference, random is the control", async () => {
  const ref = JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8"));
  const curve = await pruningToleranceCurve(join(FIXTURES, "f32"), { tokens: Int32Array.from(ref.tokens), sparsities: [0.1, 0.5, 0.9], scope: "global", seed: 1, kernels: scalarKernels() });
  assert.ok(Math.abs(curve.baseLoss - ref.f32.loss_before) < 1e-4);
  assert.equal(curve.points.length, 6);
  for (const p of curve.points) {
    assert.equal(p.zerosFraction, prunedCount(curve.numel, p.sparsity) / curve.numel);
    assert.ok(Math.abs(p.lossIncrease - (p.loss - curve.baseLoss)) < 1e-12);
    if (p.method !== "magnitude") continue;
    const c = ref.f32.cases.find((x: { scope: string; sparsity: number }) => x.scope === "global" && x.sparsity === p.sparsity);
    assert.ok(Math.abs(p.loss - c.loss_after) < 1e-4, `s=${p.sparsity}: ${p.loss} vs ${c.loss_after}`);
  }
  assert.deepEqual(new Set(curve.prunable), new Set(ref.prunable));
  assert.equal(curve.cuts.length, 3);
});

test("nearZeroMass and magnitudeCuts equal a brute-force computation", () => {
  const rng = new Rng(3);
  const tensors = [500, 333].map((n, j) => ({ name: `t${j}`, values: Float32Array.from({ length: n }, () => Math.round(rng.normal() * 20) / 100) }));
  const all = tensors.flatMap((t) => [...t.values]);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  const nz = nearZeroMass(tensors);
  assert.ok(Math.abs(nz.std - std) < 1e-12 && Math.abs(nz.mean - mean) < 1e-12);
  assert.equal(nz.nearZeroFraction, all.filter((x) => Math.abs(x) <= 0.1 * std).length / all.length);
  assert.equal(nz.zeroFraction, all.filter((x) => x === 0).length / all.length);
  const abs = all.map(Math.abs).sort((a, b) => a - b);
  const l1 = abs.reduce((a, b) => a + b, 0), l2 = abs.reduce((a, b) => a + b * b, 0);
  for (const cut of magnitudeCuts(tensors, [0, 0.1, 0.5, 0.9], std)) {
    const k = prunedCount(all.length, cut.sparsity);
    const removed = abs.slice(0, k);
    assert.equal(cut.pruned, k);
    assert.equal(cut.threshold, k > 0 ? removed[k - 1] : 0);
    assert.ok(Math.abs(cut.l1MassFraction - removed.reduce((a, b) => a + b, 0) / l1) < 1e-12);
    assert.ok(Math.abs(cut.l2MassFraction - removed.reduce((a, b) => a + b * b, 0) / l2) < 1e-12);
  }
});
