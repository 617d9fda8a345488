// Pruning masks: exact counts for both methods and scopes, the magnitude ranking and its tie rule
// against a brute-force sort, existing zeros, NaN, the radix select, and the seeded random control.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/util/rng.js";
import { kthSmallestKey, pruneMasks, prunedCount, applyMask, applyMaskToBytes, countZeros, type PrunableValues, type PruneMask } from "../../src/prune/masks.js";
import { isPrunableByDefault, prunableFilter } from "../../src/prune/prunable.js";

/** Values on a coarse grid (many ties) with some exact zeros and negative zeros. */
function gridTensors(seed: number, sizes: Array<[string, number]>): PrunableValues[] {
  const rng = new Rng(seed);
  return sizes.map(([name, n]) => {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = Math.round(rng.normal() * 8) / 64;
    values[0] = -0;
    return { name, values };
  });
}

const SIZES: Array<[string, number]> = [["b.weight", 301], ["a.weight", 517], ["c.weight", 64]];

/** Brute force: sort (|w|, name, index) and take the first k; NaN last. */
function oracleMagnitude(tensors: readonly PrunableValues[], k: number): Map<string, Set<number>> {
  const all: Array<{ a: number; name: string; i: number }> = [];
  for (const t of tensors) t.values.forEach((v, i) => all.push({ a: Number.isNaN(v) ? Infinity : Math.abs(v), name: t.name, i }));
  const nanRank = (x: { name: string; i: number }): number => (Number.isNaN(tensors.find((t) => t.name === x.name)!.values[x.i]!) ? 1 : 0);
  all.sort((x, y) => x.a - y.a || nanRank(x) - nanRank(y) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) || x.i - y.i);
  const out = new Map<string, Set<number>>(tensors.map((t) => [t.name, new Set<number>()]));
  for (const e of all.slice(0, k)) out.get(e.name)!.add(e.i);
  return out;
}

function maskSet(m: PruneMask): Set<number> {
  const s = new Set<number>();
  m.pruned.forEach((b, i) => b === 1 && s.add(i));
  return s;
}

test("prunedCount rounds half up and rejects sparsities outside [0, 1)", () => {
  assert.equal(prunedCount(10, 0.25), 3);
  assert.equal(prunedCount(30, 0.1), 3);
  assert.equal(prunedCount(7, 0.5), 4);
  assert.equal(prunedCount(5, 0), 0);
  assert.throws(() => prunedCount(5, 1), /sparsity/);
  assert.throws(() => prunedCount(5, -0.1), /sparsity/);
  assert.throws(() => prunedCount(5, NaN), /sparsity/);
});

test("magnitude masks equal a brute-force (|w|, name, index) sort, global and per tensor", () => {
  const tensors = gridTensors(7, SIZES);
  for (const s of [0.1, 0.5, 0.9, 0.37]) {
    const total = tensors.reduce((n, t) => n + t.values.length, 0);
    const global = pruneMasks(tensors, { sparsity: s, method: "magnitude", scope: "global" });
    const want = oracleMagnitude(tensors, prunedCount(total, s));
    global.forEach((m, j) => assert.deepEqual(maskSet(m), want.get(tensors[j]!.name), `global s=${s} ${m.name}`));
    assert.equal(global.reduce((n, m) => n + m.count, 0), prunedCount(total, s));
    const per = pruneMasks(tensors, { sparsity: s, method: "magnitude", scope: "tensor" });
    per.forEach((m, j) => {
      const t = tensors[j]!;
      assert.equal(m.name, t.name);
      assert.deepEqual(maskSet(m), oracleMagnitude([t], prunedCount(t.values.length, s)).get(t.name), `tensor s=${s} ${m.name}`);
    });
  }
});

test("exact zero counts after pruning: both methods, both scopes, s in {0.1, 0.5, 0.9}", () => {
  for (const method of ["magnitude", "random"] as const) {
    for (const s of [0.1, 0.5, 0.9]) {
      const g = gridTensors(11, SIZES);
      const total = g.reduce((n, t) => n + t.values.length, 0);
      pruneMasks(g, { sparsity: s, method, scope: "global", seed: 3 }).forEach((m, j) => applyMask(g[j]!.values, m));
      assert.equal(g.reduce((n, t) => n + countZeros(t.values), 0), prunedCount(total, s), `${method} global ${s}`);
      const p = gridTensors(11, SIZES);
      pruneMasks(p, { sparsity: s, method, scope: "tensor", seed: 3 }).forEach((m, j) => applyMask(p[j]!.values, m));
      for (const t of p) assert.equal(countZeros(t.values), prunedCount(t.values.length, s), `${method} tensor ${s} ${t.name}`);
    }
  }
});

test("existing zeros are pruned first by magnitude and count towards k at random; more zeros than k stay", () => {
  const values = new Float32Array([0.5, 0, -0.25, 0, 0.125, -0, 1, 2, 3, 4]);
  const [mag] = pruneMasks([{ name: "w", values }], { sparsity: 0.4, method: "magnitude", scope: "global" });
  assert.deepEqual([...maskSet(mag!)], [1, 3, 4, 5]);
  const [rnd] = pruneMasks([{ name: "w", values }], { sparsity: 0.5, method: "random", scope: "global", seed: 1 });
  assert.equal(rnd!.count, 5);
  for (const i of [1, 3, 5]) assert.equal(rnd!.pruned[i], 1);
  const [few] = pruneMasks([{ name: "w", values }], { sparsity: 0.1, method: "random", scope: "global", seed: 1 });
  assert.deepEqual([...maskSet(few!)], [1, 3, 5]);
});

test("NaN ranks above +Inf: never pruned before a number", () => {
  const values = new Float32Array([NaN, Infinity, -1e30, 0.5, -Infinity, NaN]);
  const [m] = pruneMasks([{ name: "w", values }], { sparsity: 0.6, method: "magnitude", scope: "global" });
  assert.deepEqual([...maskSet(m!)].sort(), [1, 2, 3, 4]);
});

test("random masks are seeded, uniform-ish, and differ across seeds", () => {
  const values = new Float32Array(20000).fill(1);
  const a = pruneMasks([{ name: "w", values }], { sparsity: 0.3, method: "random", scope: "global", seed: 5 })[0]!;
  const b = pruneMasks([{ name: "w", values }], { sparsity: 0.3, method: "random", scope: "global", seed: 5 })[0]!;
  const c = pruneMasks([{ name: "w", values }], { sparsity: 0.3, method: "random", scope: "global", seed: 6 })[0]!;
  assert.deepEqual(a.pruned, b.pruned);
  assert.notDeepEqual(a.pruned, c.pruned);
  // Each half holds about half of the 6000 pruned (binomial-like sd ~ 28): well within 5 sd.
  const firstHalf = a.pruned.subarray(0, 10000).reduce((n, x) => n + x, 0);
  assert.ok(Math.abs(firstHalf - 3000) < 150, `first half ${firstHalf}`);
});

test("kthSmallestKey matches a sort across several arrays", () => {
  const rng = new Rng(2);
  const arrays = [0, 1, 2].map(() => Uint32Array.from({ length: 700 }, () => rng.nextU32() % 5000 + (rng.int(3) << 20)));
  const sorted = arrays.flatMap((a) => [...a]).sort((x, y) => x - y);
  for (const k of [1, 2, 500, 1050, 2100]) {
    const r = kthSmallestKey(arrays, k);
    assert.equal(r.key, sorted[k - 1]);
    assert.equal(r.below, sorted.filter((x) => x < sorted[k - 1]!).length);
  }
});

test("applyMaskToBytes zeros whole elements and leaves the others byte-identical", () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  applyMaskToBytes(bytes, 2, { name: "w", pruned: new Uint8Array([0, 1, 0, 1]), count: 2 });
  assert.deepEqual([...bytes], [1, 2, 0, 0, 5, 6, 0, 0]);
  assert.throws(() => applyMaskToBytes(bytes, 4, { name: "w", pruned: new Uint8Array(3), count: 0 }), /w/);
});

test("prunable set: 2-D attention/MLP weights by default; --include widens; never non-float", () => {
  assert.ok(isPrunableByDefault("gpt_neox.layers.0.attention.query_key_value.weight", [96, 32]));
  assert.ok(isPrunableByDefault("gpt_neox.layers.3.mlp.dense_4h_to_h.weight", [32, 128]));
  assert.ok(isPrunableByDefault("model.layers.1.mlp.gate_proj.weight", [8, 4]));
  assert.ok(!isPrunableByDefault("gpt_neox.layers.0.attention.query_key_value.bias", [96]));
  assert.ok(!isPrunableByDefault("gpt_neox.embed_in.weight", [64, 32]));
  assert.ok(!isPrunableByDefault("embed_out.weight", [64, 32]));
  assert.ok(!isPrunableByDefault("gpt_neox.layers.0.input_layernorm.weight", [32]));
  const f = prunableFilter(["embed_out.*"]);
  assert.ok(f("embed_out.weight", [64, 32], "F16"));
  assert.ok(!f("gpt_neox.embed_in.weight", [64, 32], "F32"));
  assert.ok(!prunableFilter(["*"])("gpt_neox.layers.0.attention.bias", [16, 16], "BOOL"));
});
