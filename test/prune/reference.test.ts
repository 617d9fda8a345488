// pruneCheckpoint against tools/reference/prune_reference.py: the masks equal numpy's, the pruned
// checkpoint's loss in our evaluator equals the PyTorch reference loss (1e-4), non-pruned tensors
// are byte-identical, zero counts are exact; f32 safetensors and f16 PyTorch .bin inputs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openCheckpoint } from "../../src/formats/checkpoint.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { decodeToFloat32, DTYPE_ITEMSIZE } from "../../src/formats/dtype.js";
import { evaluateLoss } from "../../src/model/evaluate.js";
import { scalarKernels } from "../../src/model/kernels.js";
import { pruneCheckpoint, pruneMasks, prunedCount, type PruneScope } from "../../src/prune/index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/prune/", import.meta.url));

interface RefCase { scope: PruneScope; sparsity: number; loss_after: number; masks: Record<string, string>; zeros: Record<string, number> }
interface RefDtype { loss_before: number; predictions: number; cases: RefCase[] }
interface Ref { prunable: string[]; tokens: number[]; f32: RefDtype; f16: RefDtype }

let ref: Ref;
let dir = "";
before(async () => {
  ref = JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8")) as Ref;
  dir = await mkdtemp(join(tmpdir(), "fp-prune-ref-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** numpy packbits(bitorder="little") -> one byte per element. */
function unpackBits(b64: string, n: number): Uint8Array {
  const packed = Buffer.from(b64, "base64");
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (packed[i >> 3]! >> (i & 7)) & 1;
  return out;
}

async function tensorBytes(path: string): Promise<Map<string, { dtype: string; bytes: Uint8Array }>> {
  const ckpt = await openCheckpoint(path);
  try {
    const out = new Map<string, { dtype: string; bytes: Uint8Array }>();
    for (const t of ckpt.tensors) out.set(t.name, { dtype: t.dtype, bytes: await readTensorBytes(t) });
    return out;
  } finally {
    await ckpt.close();
  }
}

for (const dtype of ["f32", "f16"] as const) {
  test(`${dtype}: masks equal numpy's and losses equal the PyTorch reference`, async () => {
    const src = join(FIXTURES, dtype);
    const expected = ref[dtype];
    const tokens = Int32Array.from(ref.tokens);
    const kernels = scalarKernels();
    const before = await evaluateLoss(src, tokens, { kernels });
    assert.ok(Math.abs(before.loss - expected.loss_before) < 1e-4, `loss before ${before.loss} vs ${expected.loss_before}`);
    assert.equal(before.predictions, expected.predictions);
    const original = await tensorBytes(src);
    const values = ref.prunable.map((name) => ({ name, values: decodeToFloat32(original.get(name)!.dtype as "F32", original.get(name)!.bytes) }));
    for (const c of expected.cases) {
      const out = join(dir, `${dtype}-${c.scope}-${c.sparsity}`);
      const r = await pruneCheckpoint(src, { sparsity: c.sparsity, method: "magnitude", scope: c.scope, out });
      const masks = pruneMasks(values, { sparsity: c.sparsity, method: "magnitude", scope: c.scope });
      masks.forEach((m, j) => assert.deepEqual(m.pruned, unpackBits(c.masks[m.name]!, values[j]!.values.length), `${out}: mask of ${m.name}`));
      assert.deepEqual(r.prunedTensors.map((t) => t.name).sort(), [...ref.prunable].sort());
      for (const t of r.prunedTensors) assert.equal(t.zeros, c.zeros[t.name], `${out}: zeros of ${t.name}`);
      const after = await evaluateLoss(out, tokens, { kernels });
      assert.ok(Math.abs(after.loss - c.loss_after) < 1e-4, `${out}: loss after ${after.loss} vs reference ${c.loss_after}`);
      await checkBytes(original, await tensorBytes(out), new Map(masks.map((m) => [m.name, m.pruned])), out);
      const total = r.prunedTensors.reduce((n, t) => n + t.numel, 0);
      if (c.scope === "global") assert.equal(r.zeros, Math.max(prunedCount(total, c.sparsity), r.prunedTensors.reduce((n, t) => n + t.zerosBefore, 0)));
      else for (const t of r.prunedTensors) assert.equal(t.zeros, Math.max(prunedCount(t.numel, c.sparsity), t.zerosBefore));
    }
  });
}

/** Same tensors and dtypes; unpruned tensors byte-identical; pruned ones identical except zeroed elements. */
async function checkBytes(a: Map<string, { dtype: string; bytes: Uint8Array }>, b: Map<string, { dtype: string; bytes: Uint8Array }>, masks: Map<string, Uint8Array>, where: string): Promise<void> {
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), where);
  for (const [name, x] of a) {
    const y = b.get(name)!;
    assert.equal(y.dtype, x.dtype, `${where}: dtype of ${name}`);
    const mask = masks.get(name);
    if (mask === undefined) {
      assert.ok(Buffer.from(x.bytes).equals(Buffer.from(y.bytes)), `${where}: ${name} must be byte-identical`);
      continue;
    }
    const size = DTYPE_ITEMSIZE[x.dtype as "F32"];
    const expected = Uint8Array.from(x.bytes);
    mask.forEach((m, i) => m === 1 && expected.fill(0, i * size, (i + 1) * size));
    assert.ok(Buffer.from(expected).equals(Buffer.from(y.bytes)), `${where}: ${name} must be the source with masked elements zeroed`);
  }
}

test("output folder: config.json copied, pruning.json written, source never overwritten", async () => {
  const src = join(FIXTURES, "f32");
  const out = join(dir, "meta");
  const r = await pruneCheckpoint(src, { sparsity: 0.5, method: "random", scope: "tensor", seed: 9, out });
  assert.equal(await readFile(join(out, "config.json"), "utf8"), await readFile(join(src, "config.json"), "utf8"));
  const record = JSON.parse(await readFile(join(out, "pruning.json"), "utf8"));
  assert.equal(record.method, "random");
  assert.equal(record.scope, "tensor");
  assert.equal(record.seed, 9);
  assert.equal(record.zeros, r.zeros);
  assert.deepEqual(record.pruned_tensors.map((t: { zeros: number }) => t.zeros), r.prunedTensors.map((t) => t.zeros));
  for (const t of r.prunedTensors) assert.equal(t.zeros, Math.max(prunedCount(t.numel, 0.5), t.zerosBefore));
  await assert.rejects(pruneCheckpoint(src, { sparsity: 0.5, method: "random", scope: "tensor", out }), /already exists/);
  await assert.rejects(pruneCheckpoint(src, { sparsity: 0.5, method: "random", scope: "tensor", out: src }), /must differ/);
  await assert.rejects(pruneCheckpoint(src, { sparsity: 1, method: "random", scope: "tensor", out: join(dir, "x") }), /sparsity/);
});

test("eval option reports the loss before and after, equal to the reference", async () => {
  const src = join(FIXTURES, "f32");
  const c = ref.f32.cases.find((x) => x.scope === "global" && x.sparsity === 0.5)!;
  const r = await pruneCheckpoint(src, { sparsity: 0.5, method: "magnitude", scope: "global", out: join(dir, "eval"), eval: { tokens: Int32Array.from(ref.tokens), threads: 1 } });
  assert.ok(Math.abs(r.lossBefore! - ref.f32.loss_before) < 1e-4);
  assert.ok(Math.abs(r.lossAfter! - c.loss_after) < 1e-4);
  assert.ok(Math.abs(r.lossIncrease! - (c.loss_after - ref.f32.loss_before)) < 2e-4);
  assert.equal(r.predictions, ref.f32.predictions);
});
