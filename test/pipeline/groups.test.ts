// Group sketches merged as tensors come (CheckpointGroupsBuilder): equal to merging every
// tensor's whole sketch (stats/group.ts) on each path of the accumulator: sparse sorted counts,
// the switch to blocks of counters (stats/histogram-blocks.ts), keys out of order, pooled blocks, and the model group summed from its role groups.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkpointGroups, GROUP_DENSE_KEYS, roleGroupName } from "../../src/pipeline/groups.js";
import { groupSketches } from "../../src/stats/group.js";
import { emptySketch, mergeSketchCountsInto, mergeSketches, type TensorSketch } from "../../src/stats/sketch.js";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { encodeFloats } from "../../src/formats/dtype.js";
import { Rng } from "../../src/util/rng.js";

type Row = { tensor: string; layer: number | null; role: "attn.qkv" | "mlp.in" | "ln.attn"; kind: "weight" | "bias" };

function reference(tensors: readonly { row: Row; sketch: TensorSketch }[]) {
  return groupSketches(tensors.map(({ row, sketch }) => ({ name: row.tensor, layer: row.layer, role: roleGroupName(row), sketch })));
}

function checkAgainstReference(tensors: readonly { row: Row; sketch: TensorSketch }[]): void {
  const fast = checkpointGroups(tensors);
  const ref = reference(tensors);
  assert.deepEqual(fast[0]!.sketch, ref.model);
  for (const g of fast.filter((x) => x.kind === "role")) assert.deepEqual(g.sketch, ref.byRole.get(g.name), g.name);
  for (const g of fast.filter((x) => x.kind === "layer")) assert.deepEqual(g.sketch, ref.byLayer.get(Number(g.name.slice(6))), g.name);
  assert.equal(fast.length, 1 + ref.byRole.size + ref.byLayer.size);
}

test("mergeSketchCountsInto gives mergeSketches' counts, moments and norms bit for bit (histogram left alone)", () => {
  const rng = new Rng(3);
  const sketches = [1e-3, 1, 1e30, 0].map((scale, i) => sketchChunkScalar(i === 3 ? "F64" : "F32", encodeFloats(i === 3 ? "F64" : "F32", Array.from({ length: 200 }, () => (i === 3 ? 1e250 : scale) * rng.normal()))));
  let merged = emptySketch();
  const into = emptySketch();
  for (const s of sketches) {
    merged = mergeSketches(merged, s);
    mergeSketchCountsInto(into, s);
    assert.deepEqual({ ...into, histKeys: [], histCounts: [] }, { ...merged, histKeys: [], histCounts: [] });
  }
  assert.deepEqual(into.histKeys, []);
});

test("group sketches: sparse groups, groups that go dense, and a second checkpoint on pooled blocks of counters equal the whole-sketch merge", () => {
  const rng = new Rng(11);
  const checkpoint = (shift: number) => [0, 1, 2, 3].flatMap((layer) => (["attn.qkv", "mlp.in", "ln.attn"] as const).map((role, r) => {
    // ln: 3 values (a few keys, the role group stays sparse); others up to thousands of keys (dense)
    const n = r === 2 ? 3 : 40 + 900 * layer;
    const values = Array.from({ length: n }, () => shift + (r + 1) * 0.01 * rng.normal());
    return { row: { tensor: `l${layer}.${role}`, layer, role, kind: "weight" as const }, sketch: sketchChunkScalar("F32", encodeFloats("F32", values)) };
  }));
  const first = checkpoint(0);
  assert.ok(first.some((t) => t.sketch.histKeys.length > GROUP_DENSE_KEYS), "some tensor has more keys than a sparse group holds");
  checkAgainstReference(first);
  checkAgainstReference(checkpoint(0.5)); // blocks reused: zeroed where the first checkpoint counted
  checkAgainstReference(first);
});

test("group sketches: keys out of order (a sketch made elsewhere) are summed as well, sparse or dense", () => {
  const rng = new Rng(12);
  const tensors = Array.from({ length: 6 }, (_, i) => {
    const s = sketchChunkScalar("F32", encodeFloats("F32", Array.from({ length: 60 + 150 * i }, () => rng.normal())));
    const order = s.histKeys.map((_, j) => j).reverse();
    const shuffled = { ...s, histKeys: order.map((j) => s.histKeys[j]!), histCounts: order.map((j) => s.histCounts[j]!) };
    return { row: { tensor: `t${i}`, layer: i % 2, role: "mlp.in" as const, kind: "weight" as const }, sketch: i % 2 === 0 ? s : shuffled };
  });
  const sorted = tensors.map(({ row, sketch }) => {
    const order = sketch.histKeys.map((_, j) => j).sort((a, b) => sketch.histKeys[a]! - sketch.histKeys[b]!);
    return { row, sketch: { ...sketch, histKeys: order.map((j) => sketch.histKeys[j]!), histCounts: order.map((j) => sketch.histCounts[j]!) } };
  });
  const fast = checkpointGroups(tensors);
  const ref = reference(sorted);
  assert.deepEqual(fast[0]!.sketch, ref.model);
  for (const g of fast.filter((x) => x.kind === "layer")) assert.deepEqual(g.sketch, ref.byLayer.get(Number(g.name.slice(6))), g.name);
});

test("a group's sketch is taken once: adding a tensor afterwards is refused", async () => {
  const { CheckpointGroupsBuilder } = await import("../../src/pipeline/groups.js");
  const b = new CheckpointGroupsBuilder();
  const s = sketchChunkScalar("F32", encodeFloats("F32", [1, 2, 3]));
  b.add({ layer: 0, role: "mlp.in", kind: "weight" }, s);
  const groups = b.groups();
  assert.deepEqual(b.groups(), groups);
  assert.throws(() => b.add({ layer: 0, role: "mlp.in", kind: "weight" }, s), /added after its sketch was taken/);
});

test("mergeAllSketches (k-way histogram merge) equals folding mergeSketches, sorted or not", async () => {
  const { mergeAllSketches } = await import("../../src/stats/sketch.js");
  const rng = new Rng(13);
  const parts = [0, 1, 2, 3, 4].map((i) => sketchChunkScalar("F32", encodeFloats("F32", Array.from({ length: 400 + 300 * i }, () => (i % 2 === 0 ? 0.01 : 3) * rng.normal()))));
  const fold = (list: readonly TensorSketch[]) => list.reduce((acc, s) => mergeSketches(acc, s), emptySketch());
  for (const list of [parts, parts.slice(0, 1), parts.slice(0, 2), [parts[3]!, parts[0]!, parts[3]!], []]) assert.deepEqual(mergeAllSketches(list), fold(list));
  // keys out of order: the fold's result, whatever it is
  const reversed = { ...parts[1]!, histKeys: [...parts[1]!.histKeys].reverse(), histCounts: [...parts[1]!.histCounts].reverse() };
  assert.deepEqual(mergeAllSketches([parts[0]!, reversed]), fold([parts[0]!, reversed]));
});

test("typed sketches (as the analysis hands them over) give the groups plain ones give, typed, checkpoint after checkpoint on pooled blocks of counters", async () => {
  const { CheckpointGroupsBuilder } = await import("../../src/pipeline/groups.js");
  const { packSketch, typedSketch } = await import("../../src/kernels/packed-sketch.js");
  const rng = new Rng(17);
  const checkpoint = (shift: number) => [0, 1, 2].flatMap((layer) => (["attn.qkv", "mlp.in", "ln.attn"] as const).map((role, r) => {
    const n = r === 2 ? 5 : 60 + 1200 * layer;
    const values = Array.from({ length: n }, () => shift + (r + 1) * 0.02 * rng.normal());
    return { row: { tensor: `l${layer}.${role}`, layer, role, kind: "weight" as const }, sketch: sketchChunkScalar("F32", encodeFloats("F32", values)) };
  }));
  // a wide first checkpoint fills the pooled blocks; the later ones must see them all zero
  for (const shift of [0, 3, -0.5, 3]) {
    const tensors = checkpoint(shift);
    const b = new CheckpointGroupsBuilder();
    for (const { row, sketch } of tensors) {
      const p = packSketch(sketch);
      b.add(row, typedSketch(p, p.histKeys, p.histCounts));
    }
    const typed = b.groups();
    const ref = reference(tensors);
    const want = [ref.model, ...[...ref.byRole].sort(([x], [y]) => x.localeCompare(y)).map(([, s]) => s), ...[...ref.byLayer].sort(([x], [y]) => x - y).map(([, s]) => s)];
    assert.equal(typed.length, want.length);
    typed.forEach((g, i) => {
      assert.ok(g.sketch.histKeys instanceof Int32Array && g.sketch.histCounts instanceof Float64Array, `${g.name}: typed histogram`);
      assert.deepEqual(g.sketch, packSketch(want[i]!), `shift ${shift} ${g.name}`);
    });
  }
});

test("mergePackedSketches equals mergeAllSketches packed, bit for bit, keys sorted or not", async () => {
  const { mergeAllSketches } = await import("../../src/stats/sketch.js");
  const { mergePackedSketches, packSketch, unpackSketch } = await import("../../src/kernels/packed-sketch.js");
  const rng = new Rng(19);
  const parts = [0, 1, 2, 3, 4].map((i) => sketchChunkScalar("F32", encodeFloats("F32", Array.from({ length: 500 + 400 * i }, () => (i % 2 === 0 ? 0.003 : 2) * rng.normal() + i))));
  const reversed = { ...parts[2]!, histKeys: [...parts[2]!.histKeys].reverse(), histCounts: [...parts[2]!.histCounts].reverse() };
  for (const list of [parts, parts.slice(0, 1), [parts[3]!, parts[0]!, parts[3]!], [], [parts[0]!, reversed, parts[4]!]]) {
    const merged = mergePackedSketches(list.map((s) => packSketch(s)));
    const want = mergeAllSketches(list);
    assert.deepEqual(merged, packSketch(want));
    assert.deepEqual(unpackSketch(merged), want);
  }
});
