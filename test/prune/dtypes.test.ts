// pruneCheckpoint on a BF16 safetensors checkpoint (built here from the f32 fixture): the dtype
// is kept, masks are those of the decoded values, non-pruned tensors stay byte-identical.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openCheckpoint } from "../../src/formats/checkpoint.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { decodeToFloat32, encodeFloats } from "../../src/formats/dtype.js";
import { writeSafetensorsFile } from "../../src/formats/safetensors/index.js";
import { pruneCheckpoint, pruneMasks, prunedCount, isPrunableByDefault } from "../../src/prune/index.js";

const F32 = fileURLToPath(new URL("../fixtures/prune/f32/", import.meta.url));
let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-prune-bf16-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(path: string): Promise<Map<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }>> {
  const c = await openCheckpoint(path);
  try {
    const m = new Map<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }>();
    for (const t of c.tensors) m.set(t.name, { dtype: t.dtype, shape: t.shape, bytes: await readTensorBytes(t) });
    return m;
  } finally {
    await c.close();
  }
}

test("bf16 checkpoint: dtype kept, masks of the decoded values, exact zeros, other tensors identical", async () => {
  const src = join(dir, "bf16");
  await mkdir(src);
  const f32 = await readAll(F32);
  const entries = [...f32].map(([name, t]) => ({ name, dtype: "BF16" as const, shape: t.shape, data: encodeFloats("BF16", decodeToFloat32("F32", t.bytes)) }));
  await writeSafetensorsFile(join(src, "model.safetensors"), entries);
  await copyFile(join(F32, "config.json"), join(src, "config.json"));
  const original = await readAll(src);
  for (const scope of ["global", "tensor"] as const) {
    const out = join(dir, `out-${scope}`);
    const r = await pruneCheckpoint(src, { sparsity: 0.7, method: "magnitude", scope, out });
    const pruned = await readAll(out);
    const names = [...original.keys()].filter((n) => isPrunableByDefault(n, original.get(n)!.shape));
    const masks = pruneMasks(names.map((name) => ({ name, values: decodeToFloat32("BF16", original.get(name)!.bytes) })), { sparsity: 0.7, method: "magnitude", scope });
    for (const [name, t] of original) {
      const p = pruned.get(name)!;
      assert.equal(p.dtype, "BF16");
      const j = names.indexOf(name);
      if (j < 0) {
        assert.ok(Buffer.from(p.bytes).equals(Buffer.from(t.bytes)), `${name} byte-identical`);
        continue;
      }
      const before = decodeToFloat32("BF16", t.bytes), after = decodeToFloat32("BF16", p.bytes);
      const expected = before.map((v, i) => (masks[j]!.pruned[i] === 1 ? 0 : v));
      assert.deepEqual(after, expected, name);
      if (scope === "tensor") assert.equal(after.filter((v) => v === 0).length, Math.max(prunedCount(after.length, 0.7), before.filter((v) => v === 0).length));
    }
    if (scope === "global") assert.equal(r.zeros, Math.max(prunedCount(r.numel, 0.7), r.prunedTensors.reduce((n, t) => n + t.zerosBefore, 0)));
  }
});
