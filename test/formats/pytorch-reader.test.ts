// readPytorchCheckpoint on real torch.save archives (tools/reference/torch_fixtures.py, torch 1.13):
// every tensor's name, dtype, shape and every element compared exactly with torch's values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeToFloat64 } from "../../src/formats/dtype.js";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import type { TensorRef } from "../../src/formats/tensor-ref.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { PickleSecurityError, PytorchFormatError } from "../../src/util/errors.js";
import { fixtureSource, loadExpected, type Expected } from "./pytorch-test-helpers.js";

async function checkSelection(file: string, expected: Expected, key: string | null): Promise<TensorRef[]> {
  const selection = expected.selections.find((s) => s.key === key);
  assert.ok(selection, `fixture ${file} has a selection for key ${key}`);
  const refs = await readPytorchCheckpoint(fixtureSource(file), key === null ? {} : { key });
  assert.deepEqual(refs.map((r) => r.name), selection.tensors.map((t) => t.name));
  for (const [i, want] of selection.tensors.entries()) {
    const ref = refs[i]!;
    assert.equal(ref.dtype, want.dtype, want.name);
    assert.deepEqual(ref.shape, want.shape, want.name);
    assert.equal(ref.numel, want.numel, want.name);
    assert.equal(ref.file, file);
    if (!want.contiguous && want.numel > 1) {
      assert.ok(ref.view, `${want.name} is a strided view`);
      assert.equal(ref.view.storageOffset, want.storage_offset, want.name);
      assert.deepEqual(ref.view.strides, want.stride, want.name);
    }
    const got = decodeToFloat64(ref.dtype, await readTensorBytes(ref));
    const expectedValues = expected.values.subarray(want.offset, want.offset + want.numel);
    assert.equal(got.length, want.numel, want.name);
    for (let e = 0; e < want.numel; e++) {
      if (!Object.is(got[e], expectedValues[e])) assert.fail(`${file} ${want.name}[${e}]: got ${got[e]}, torch ${expectedValues[e]}`);
    }
  }
  return refs;
}

test("Pythia-style state dict: f32/f16/bf16/f64/int64/bool tensors, buffers, 0-d and 0-element tensors", async () => {
  const expected = loadExpected("pythia_small");
  const refs = await checkSelection("pythia_small.pt", expected, null);
  const byName = new Map(refs.map((r) => [r.name, r]));
  assert.equal(byName.get("gpt_neox.layers.0.attention.bias")?.dtype, "BOOL");
  assert.deepEqual(byName.get("gpt_neox.layers.0.attention.bias")?.shape, [1, 1, 8, 8]);
  assert.deepEqual(byName.get("gpt_neox.layers.0.attention.masked_bias")?.shape, []);
  assert.equal(byName.get("gpt_neox.layers.1.attention.dense.weight")?.dtype, "F16");
  assert.equal(byName.get("gpt_neox.layers.2.attention.dense.weight")?.dtype, "BF16");
  assert.equal(byName.get("gpt_neox.final_layer_norm.weight")?.dtype, "F64");
  assert.equal(byName.get("gpt_neox.position_ids")?.dtype, "I64");
  assert.equal(byName.get("gpt_neox.empty_buffer")?.numel, 0);
});

test("the same archive rewritten with zip64 extras and zip64 end records reads identically", async () => {
  await checkSelection("pythia_small_zip64.pt", loadExpected("pythia_small"), null);
});

test("views: transpose, slices with storage offsets, strided narrow, shared storage, stride-0 expand", async () => {
  const refs = await checkSelection("views.pt", loadExpected("views"), null);
  const byName = new Map(refs.map((r) => [r.name, r]));
  // Shared storage: the flat slice lies inside base's bytes.
  const base = byName.get("base")!, shared = byName.get("shared_flat")!;
  assert.equal(shared.byteOffset, base.byteOffset + 5 * 4);
  assert.equal(byName.get("expanded")!.view?.strides[1], 0);
  // A contiguous slice needs no view; its bytes start at the storage offset.
  assert.equal(byName.get("slice_rows")!.view, undefined);
  assert.equal(byName.get("slice_rows")!.byteOffset, base.byteOffset + 6 * 4);
});

test("nested checkpoint: model_state_dict is found without a key; --key selects the optimizer state", async () => {
  const expected = loadExpected("nested");
  await checkSelection("nested.pt", expected, null);
  await checkSelection("nested.pt", expected, "optimizer_state_dict");
});

test("a deflated data.pkl is inflated; a deflated storage is refused with a clear error", async () => {
  await checkSelection("nested_deflated_pkl.pt", loadExpected("nested"), null);
  await assert.rejects(readPytorchCheckpoint(fixtureSource("nested_deflated_storage.pt")), (err: unknown) => {
    assert.ok(err instanceof PytorchFormatError);
    assert.match(err.message, /nested_deflated_storage\.pt: tensor "0\.weight": .*compressed \(DEFLATE\)/);
    return true;
  });
});

test("several dicts of tensors: error lists the candidates and asks for --key; dotted keys select", async () => {
  await assert.rejects(readPytorchCheckpoint(fixtureSource("multi.pt")), (err: unknown) => {
    assert.ok(err instanceof PytorchFormatError);
    assert.match(err.message, /multi\.pt: .*"generator", "discriminator", "ema".*--key/);
    return true;
  });
  const expected = loadExpected("multi");
  await checkSelection("multi.pt", expected, "ema.model");
  await checkSelection("multi.pt", expected, "discriminator");
  await assert.rejects(readPytorchCheckpoint(fixtureSource("multi.pt"), { key: "ema.missing" }), (err: unknown) => {
    assert.ok(err instanceof PytorchFormatError);
    assert.match(err.message, /"ema" has no key "missing" \(available: "model", "decay"\)/);
    return true;
  });
  await assert.rejects(readPytorchCheckpoint(fixtureSource("multi.pt"), { key: "epoch" }), /holds no tensors/);
});

for (const [file, global] of [["evil_os_system.pt", "os.system"], ["evil_eval.pt", "builtins.eval"], ["evil_nested.pt", "posix.system"]] as const) {
  test(`malicious pickle ${file} is refused naming ${global}`, async () => {
    await assert.rejects(readPytorchCheckpoint(fixtureSource(file)), (err: unknown) => {
      assert.ok(err instanceof PickleSecurityError);
      assert.equal(err.global, global);
      assert.equal(err.file, file);
      assert.ok(err.message.includes(`"${global}"`));
      return true;
    });
  });
}

test("a dict of nn.Parameter objects (torch._utils._rebuild_parameter) reads like tensors", async () => {
  await checkSelection("parameters.pt", loadExpected("parameters"), null);
});
