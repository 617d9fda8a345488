// openCheckpoint on folders assembled in temp dirs: safetensors (single, several, sharded) and
// PyTorch (torch.save fixtures of tools/reference/safetensors_fixtures.py), preference order,
// content sniffing, shard consistency errors, and closing every file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeToFloat64 } from "../../src/formats/dtype.js";
import { openCheckpoint, type OpenCheckpoint } from "../../src/formats/checkpoint.js";
import { encodeSafetensors, type SafetensorsEntry } from "../../src/formats/safetensors/index.js";
import { ShardIndexError } from "../../src/formats/shard-index.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { ByteSourceError, CheckpointFormatError } from "../../src/util/errors.js";
import { fixtureNumber } from "./safetensors-fixture.js";

const TORCH_DIR = fileURLToPath(new URL("../fixtures/formats/checkpoint/", import.meta.url));
interface TorchExpected { files: Record<string, Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>> }
const torchExpected = JSON.parse(readFileSync(join(TORCH_DIR, "checkpoint.json"), "utf8")) as TorchExpected;

const f32 = (name: string, values: number[]): SafetensorsEntry => ({ name, dtype: "F32", shape: [values.length], data: Float32Array.from(values) });

/** Creates a temp folder with the given files (bytes, text, or a torch fixture to copy). */
async function withFolder(files: Record<string, Uint8Array | string | { torch: string }>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fp-ckpt-"));
  try {
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === "object" && "torch" in content) copyFileSync(join(TORCH_DIR, content.torch), join(dir, name));
      else writeFileSync(join(dir, name), content);
    }
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function valuesOf(ckpt: OpenCheckpoint): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const t of ckpt.tensors) out[t.name] = Array.from(decodeToFloat64(t.dtype, await readTensorBytes(t)));
  return out;
}

async function rejectsCode(promise: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CheckpointFormatError, String(err));
    assert.equal(err.code, code);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

const openFds = (): number => readdirSync("/proc/self/fd").length;

test("sharded safetensors: index wins over every other file; tensors read from their shards", async () => {
  const index = { metadata: { total_size: 20 }, weight_map: { "a.w": "s-1.safetensors", "b.w": "s-2.safetensors", "a.b": "s-1.safetensors" } };
  await withFolder({
    "model.safetensors.index.json": JSON.stringify(index),
    "s-1.safetensors": encodeSafetensors([f32("a.w", [1, 2]), f32("a.b", [3])]),
    "s-2.safetensors": encodeSafetensors([f32("b.w", [4, 5])]),
    "model.safetensors": encodeSafetensors([f32("other", [9])]),
    "pytorch_model.bin": { torch: "torch_shard1.bin" },
  }, async (dir) => {
    const ckpt = await openCheckpoint(dir);
    try {
      assert.equal(ckpt.format, "safetensors");
      assert.equal(ckpt.path, dir);
      assert.deepEqual(ckpt.files, [join(dir, "s-1.safetensors"), join(dir, "s-2.safetensors")]);
      assert.deepEqual(await valuesOf(ckpt), { "a.b": [3], "a.w": [1, 2], "b.w": [4, 5] });
    } finally {
      await ckpt.close();
    }
    await assert.rejects(readTensorBytes(ckpt.tensors[0]!), /read after close/);
    await ckpt.close(); // idempotent
  });
});

test("model.safetensors wins over other *.safetensors and PyTorch files; otherwise all *.safetensors, sorted", async () => {
  await withFolder({
    "model.safetensors": encodeSafetensors([f32("m", [1])]),
    "extra.safetensors": encodeSafetensors([f32("x", [2])]),
    "pytorch_model.bin": { torch: "torch_shard1.bin" },
  }, async (dir) => {
    const ckpt = await openCheckpoint(dir);
    assert.deepEqual([ckpt.files, ckpt.tensors.map((t) => t.name)], [[join(dir, "model.safetensors")], ["m"]]);
    await ckpt.close();
  });
  await withFolder({
    "b.safetensors": encodeSafetensors([f32("y", [2])]),
    "a.safetensors": encodeSafetensors([f32("x", [1])]),
    "pytorch_model.bin": { torch: "torch_shard1.bin" },
  }, async (dir) => {
    const ckpt = await openCheckpoint(dir);
    assert.deepEqual(ckpt.files, [join(dir, "a.safetensors"), join(dir, "b.safetensors")]);
    assert.deepEqual(await valuesOf(ckpt), { x: [1], y: [2] });
    await ckpt.close();
  });
});

test("sharded PyTorch: pytorch_model.bin.index.json, values as torch saved them", async () => {
  const weightMap: Record<string, string> = {};
  for (const shard of ["torch_shard1.bin", "torch_shard2.bin"]) for (const t of Object.keys(torchExpected.files[shard]!)) weightMap[t] = shard;
  await withFolder({
    "pytorch_model.bin.index.json": JSON.stringify({ weight_map: weightMap }),
    "torch_shard1.bin": { torch: "torch_shard1.bin" },
    "torch_shard2.bin": { torch: "torch_shard2.bin" },
    "training_args.bin": { torch: "torch_nested.pt" },
  }, async (dir) => {
    const ckpt = await openCheckpoint(dir);
    try {
      assert.equal(ckpt.format, "pytorch");
      assert.equal(ckpt.files.length, 2);
      const values = await valuesOf(ckpt);
      for (const shard of ["torch_shard1.bin", "torch_shard2.bin"]) {
        for (const [name, ref] of Object.entries(torchExpected.files[shard]!)) {
          const t = ckpt.tensors.find((x) => x.name === name)!;
          assert.deepEqual([t.dtype, t.shape], [ref.dtype, ref.shape], name);
          assert.deepEqual(values[name], ref.values.map(fixtureNumber), name);
        }
      }
      assert.equal(ckpt.tensors.length, 4);
    } finally {
      await ckpt.close();
    }
  });
});

test("pytorch_model.bin, else the single model file (Trainer side files ignored), with a state-dict key", async () => {
  await withFolder({ "pytorch_model.bin": { torch: "torch_shard1.bin" }, "other.pt": { torch: "torch_nested.pt" } }, async (dir) => {
    const ckpt = await openCheckpoint(dir);
    assert.deepEqual(ckpt.files, [join(dir, "pytorch_model.bin")]);
    await ckpt.close();
  });
  await withFolder({ "weights.ckpt": { torch: "torch_nested.pt" }, "optimizer.pt": { torch: "torch_shard1.bin" }, "training_args.bin": { torch: "torch_shard2.bin" } }, async (dir) => {
    const ckpt = await openCheckpoint(dir, { key: "model_state_dict" });
    assert.equal(ckpt.format, "pytorch");
    assert.deepEqual(await valuesOf(ckpt), { w: torchExpected.files["torch_nested.pt"]!["w"]!.values.map(fixtureNumber) });
    await ckpt.close();
  });
  await withFolder({ "a.pt": { torch: "torch_shard1.bin" }, "b.pth": { torch: "torch_shard2.bin" } }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "AMBIGUOUS_CHECKPOINT", /several PyTorch files and no index: a\.pt, b\.pth/, /HINT: pass the path of the model file/);
  });
});

test("a single file path is recognised by content, whatever its extension", async () => {
  await withFolder({ "weights.bin": encodeSafetensors([f32("s", [7])]), "model.safetensors": { torch: "torch_shard2.bin" } }, async (dir) => {
    const st = await openCheckpoint(join(dir, "weights.bin"));
    assert.deepEqual([st.format, st.files, await valuesOf(st)], ["safetensors", [join(dir, "weights.bin")], { s: [7] }]);
    await st.close();
    const zip = await openCheckpoint(join(dir, "model.safetensors"));
    assert.deepEqual([zip.format, zip.tensors.map((t) => t.name)], ["pytorch", ["b.weight", "b.count"]]);
    await zip.close();
  });
});

test("no checkpoint files: NO_CHECKPOINT_FILES naming what was looked for; missing path", async () => {
  await withFolder({ "config.json": "{}", "training_args.bin": { torch: "torch_shard1.bin" } }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "NO_CHECKPOINT_FILES", new RegExp(`^${dir}: no checkpoint file found; looked for model\\.safetensors\\.index\\.json, model\\.safetensors, \\*\\.safetensors, pytorch_model\\.bin\\.index\\.json, pytorch_model\\.bin, \\*\\.bin`));
    await assert.rejects(openCheckpoint(join(dir, "missing")), (err: unknown) => err instanceof ByteSourceError && /checkpoint path not found/.test(err.message));
  });
});

test("shard errors: tensor missing from its shard, duplicated across shards, unsafe shard name, mixed formats", async () => {
  const before = openFds();
  const s1 = encodeSafetensors([f32("a", [1]), f32("b", [2])]);
  const s2 = encodeSafetensors([f32("c", [3])]);
  await withFolder({ "model.safetensors.index.json": JSON.stringify({ weight_map: { a: "s1.safetensors", c: "s1.safetensors" } }), "s1.safetensors": s1, "s2.safetensors": s2 }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "SHARD_MISSING_TENSOR", /tensor "c": the index puts it in shard s1\.safetensors, but that shard has no such tensor/);
  });
  await withFolder({ "model.safetensors.index.json": JSON.stringify({ weight_map: { a: "s1.safetensors", c: "s2.safetensors" } }), "s1.safetensors": s1, "s2.safetensors": encodeSafetensors([f32("c", [3]), f32("a", [1])]) }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "DUPLICATE_TENSOR", /s2\.safetensors: tensor "a": also present in .*s1\.safetensors/);
  });
  await withFolder({ "x.safetensors": s1, "y.safetensors": encodeSafetensors([f32("b", [5])]) }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "DUPLICATE_TENSOR", /y\.safetensors: tensor "b": also present in .*x\.safetensors/);
  });
  await withFolder({ "model.safetensors.index.json": JSON.stringify({ weight_map: { a: "../s1.safetensors" } }) }, async (dir) => {
    await assert.rejects(openCheckpoint(dir), ShardIndexError);
  });
  await withFolder({ "model.safetensors.index.json": JSON.stringify({ weight_map: { a: "s1.safetensors", "b.weight": "t.bin" } }), "s1.safetensors": s1, "t.bin": { torch: "torch_shard2.bin" } }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "MIXED_FORMATS", /s1\.safetensors \(safetensors\), t\.bin \(pytorch\)/);
  });
  await withFolder({ "model.safetensors.index.json": JSON.stringify({ weight_map: { a: "gone.safetensors" } }) }, async (dir) => {
    await assert.rejects(openCheckpoint(dir), (err: unknown) => err instanceof ByteSourceError && /gone\.safetensors: file not found/.test(err.message));
  });
  assert.equal(openFds(), before, "every file opened before an error is closed");
});

test("over MAX_TENSORS_PER_CHECKPOINT selected tensors across a checkpoint's files: TOO_MANY_TENSORS naming the checkpoint (an index: before any shard is opened); a selection under the limit opens", async () => {
  const { MAX_TENSORS_PER_CHECKPOINT } = await import("../../src/util/limits.js");
  const half = MAX_TENSORS_PER_CHECKPOINT / 2;
  const entries = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => f32(`${prefix}.${i}`, [i]));
  // the index lists one tensor too many; its shards are not even safetensors: refused from the index alone
  const weightMap = Object.fromEntries(Array.from({ length: MAX_TENSORS_PER_CHECKPOINT + 1 }, (_, i) => [`t.${i}`, i <= half ? "s-1.safetensors" : "s-2.safetensors"]));
  await withFolder({ "model.safetensors.index.json": JSON.stringify({ weight_map: weightMap }), "s-1.safetensors": "not a safetensors file", "s-2.safetensors": "nor this" }, async (dir) => {
    const fds = openFds();
    await rejectsCode(openCheckpoint(dir), "TOO_MANY_TENSORS", new RegExp(`^${dir}: ${MAX_TENSORS_PER_CHECKPOINT + 1} selected tensors listed by model\\.safetensors\\.index\\.json in 2 shards, over the limit of ${MAX_TENSORS_PER_CHECKPOINT} per checkpoint \\(MAX_TENSORS_PER_CHECKPOINT\\)`), /HINT: analyze it in parts with --include\/--exclude/);
    assert.equal(openFds(), fds, "nothing left open");
    await rejectsCode(openCheckpoint(dir, { select: (name) => name === "t.0" }), "SAFETENSORS_PARSE", /s-1\.safetensors/); // selected few: the shard is opened (and is bad)
  });
  // several *.safetensors, no index: each file under MAX_TENSORS_PER_FILE, together over the checkpoint's limit
  await withFolder({ "a.safetensors": encodeSafetensors(entries("a", half + 1)), "b.safetensors": encodeSafetensors(entries("b", half)) }, async (dir) => {
    await rejectsCode(openCheckpoint(dir), "TOO_MANY_TENSORS", new RegExp(`^${dir}: ${MAX_TENSORS_PER_CHECKPOINT + 1} selected tensors in its 2 files, over the limit`));
    const part = await openCheckpoint(dir, { select: (name) => name.startsWith("a.") });
    try {
      assert.equal(part.tensors.length, half + 1);
    } finally {
      await part.close();
    }
  });
});
