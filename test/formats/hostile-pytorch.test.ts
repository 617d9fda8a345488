// Hostile torch.save files built by hand (pickle opcodes, crafted zips): each must end in a typed
// one-line error or a correct result within seconds and a bounded amount of memory (issue 13).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import { unpickle, PyList } from "../../src/formats/pytorch/pickle.js";
import { torchPickleHooks } from "../../src/formats/pytorch/torch-globals.js";
import { MemorySource } from "../../src/io/memory-source.js";
import { ForkingPathsError, PytorchFormatError } from "../../src/util/errors.js";
import { MAX_PICKLE_CONTAINERS, MAX_PICKLE_INT_BYTES } from "../../src/util/limits.js";
import { rejectsWithinBudget, withinBudget } from "../helpers/budget.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { fixtureBytes, floatStorage, PickleBuilder, tensorPickle, torchZip, writeZip } from "./pytorch-test-helpers.js";

const BUDGET = { seconds: 5, megabytes: 500 };

/** Emits `_rebuild_tensor_v2(FloatStorage '0' of `numel` elements, 0, (n,), (1,))` onto the builder's stack. */
function tensorOps(p: PickleBuilder, numel: number): PickleBuilder {
  p.global("torch._utils", "_rebuild_tensor_v2").op(0x28)
    .op(0x28).str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(numel).op(0x74, 0x51)
    .int(0).op(0x28).int(numel).op(0x74).op(0x28).int(1).op(0x74);
  return p.op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74, 0x52);
}

/** x0 = {"w": tensor}; x(i+1) = {"a": x(i), "b": x(i)}: 2^levels paths through `levels` dicts. */
function sharedDictPickle(levels: number): Uint8Array {
  const p = new PickleBuilder().op(0x7d).str("w");
  tensorOps(p, 1).op(0x73, 0x71, 0); // SETITEM, BINPUT 0
  for (let i = 1; i <= levels; i++) {
    p.op(0x30, 0x7d, 0x28).str("a").op(0x68, i - 1).str("b").op(0x68, i - 1).op(0x75, 0x71, i); // POP, {}, MARK a x b x SETITEMS, BINPUT i
  }
  return p.op(0x2e).build();
}

test("item 1: a pickle of dicts sharing a child 40 levels deep is refused at once (memoized walk)", async () => {
  const source = torchZip(sharedDictPickle(40), { "0": floatStorage([1]) });
  assert.ok(source.size < 4096, `file is ${source.size} bytes`);
  const err = await rejectsWithinBudget("shared dicts x40", BUDGET, () => readPytorchCheckpoint(source));
  assert.ok(err instanceof PytorchFormatError, String(err));
  assert.match(err.message, /same dict of tensors is reached as both "a\.a\.a.*" and ".*"/);
  assert.ok(!err.message.includes("\n"));
});

test("item 1: a dict shared under two top-level keys is read once through the preferred key", async () => {
  // {"model": sd, "ema": sd}: a legitimate layout; "model" is a preferred key, so no name is doubled.
  const p = new PickleBuilder().op(0x7d, 0x7d).str("w");
  tensorOps(p, 1).op(0x73, 0x71, 0).op(0x30);
  p.op(0x28).str("model").op(0x68, 0).str("ema").op(0x68, 0).op(0x75, 0x2e);
  const refs = await readPytorchCheckpoint(torchZip(p.build(), { "0": floatStorage([1]) }));
  assert.deepEqual(refs.map((r) => r.name), ["w"]);
});

test("item 1: dicts nested 10,000 deep are refused without recursion (depth limit)", async () => {
  const p = new PickleBuilder();
  for (let i = 0; i < 10_000; i++) p.op(0x7d).str("k");
  p.op(0x7d);
  for (let i = 0; i < 10_000; i++) p.op(0x73);
  const err = await rejectsWithinBudget("deep dicts", BUDGET, () => readPytorchCheckpoint(torchZip(p.op(0x2e).build(), {})));
  assert.ok(err instanceof PytorchFormatError, String(err));
  assert.match(err.message, /nested more than 64 levels deep/);
});

test("item 2: a broadcast view (1-element storage as [2^20, 2^20], strides [0, 0]) is a typed error, not hours of work", async () => {
  const source = torchZip(tensorPickle("w", 1, 0, [2 ** 20, 2 ** 20], [0, 0]), { "0": floatStorage([0.5]) });
  const err = await rejectsWithinBudget("expanded view", BUDGET, () => readPytorchCheckpoint(source));
  assert.ok(err instanceof PytorchFormatError, String(err));
  assert.match(err.message, /tensor "w".*1099511627776 elements but its storage holds only 1: a broadcast \(expanded\) view this large is refused/);
});

test("item 2: a small broadcast view is read with its repeated values (stats stay correct)", async () => {
  const source = torchZip(tensorPickle("w", 2, 0, [3, 2], [0, 1]), { "0": floatStorage([1.5, -2]) });
  const [ref] = await readPytorchCheckpoint(source);
  const { readTensorBytes } = await import("../../src/tensor/read.js");
  assert.deepEqual([...new Float32Array((await readTensorBytes(ref!)).slice().buffer)], [1.5, -2, 1.5, -2, 1.5, -2]);
});

test("item 2: a view reaching past its storage is refused", async () => {
  const source = torchZip(tensorPickle("w", 4, 0, [2, 2], [2 ** 30, 2 ** 30]), { "0": floatStorage([1, 2, 3, 4]) });
  await assert.rejects(readPytorchCheckpoint(source), /reaches element/);
});

/** `count` repetitions of `unit` after PROTO 2, then `tail`. */
function repeated(unit: number[], count: number, tail: number[]): Uint8Array {
  const out = new Uint8Array(2 + unit.length * count + tail.length);
  out[0] = 0x80; out[1] = 2;
  for (let i = 0; i < count; i++) out.set(unit, 2 + i * unit.length);
  out.set(tail, 2 + unit.length * count);
  return out;
}

test("item 3: a deflated data.pkl of 5 M EMPTY_LIST + POP is refused by the expansion ratio before inflating", async () => {
  const pickle = repeated([0x5d, 0x30], 5_000_000, [0x7d, 0x2e]);
  const zip = writeZip([{ name: "archive/data.pkl", data: pickle, deflate: true }, { name: "archive/version", data: new TextEncoder().encode("3\n") }]);
  assert.ok(zip.byteLength < 50_000, `zip is ${zip.byteLength} bytes`);
  const err = await rejectsWithinBudget("zip bomb", BUDGET, () => readPytorchCheckpoint(new MemorySource(zip, "bomb.bin")));
  assert.ok(err instanceof PytorchFormatError, String(err));
  assert.match(err.message, /inflates \d+ bytes to 10000004, over 64x/);
});

test("item 3: a deflated data.pkl that lies about its size is stopped at the declared size", async () => {
  const pickle = repeated([0x5d, 0x30], 5_000_000, [0x7d, 0x2e]);
  const zip = writeZip([{ name: "archive/data.pkl", data: pickle, deflate: true, declaredSize: 1000 }]);
  const err = await rejectsWithinBudget("lying zip", BUDGET, () => readPytorchCheckpoint(new MemorySource(zip, "liar.bin")));
  assert.ok(err instanceof PytorchFormatError, String(err));
  assert.match(err.message, /cannot be inflated/);
});

test("item 3: 3 M MARK opcodes hit the container limit within the memory budget", async () => {
  const pickle = repeated([0x28], 3_000_000, [0x2e]);
  const err = await rejectsWithinBudget("MARKs", BUDGET, () => unpickle("marks.pkl", pickle, torchPickleHooks("marks.pkl")));
  assert.ok(err instanceof PytorchFormatError, String(err));
  assert.match(err.message, new RegExp(`more than ${MAX_PICKLE_CONTAINERS} containers or MARKs`));
});

test("item 3: 3 M EMPTY_LIST (kept on the stack) hit the container limit within the memory budget", async () => {
  const pickle = repeated([0x5d], 3_000_000, [0x2e]);
  const err = await rejectsWithinBudget("lists", BUDGET, () => unpickle("lists.pkl", pickle, torchPickleHooks("lists.pkl")));
  assert.match(err.message, /containers or MARKs/);
});

function long4(bytes: Uint8Array): Uint8Array {
  const n = bytes.byteLength;
  const head = [0x80, 2, 0x8b, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  const out = new Uint8Array(head.length + n + 1);
  out.set(head); out.set(bytes, head.length); out[out.length - 1] = 0x2e;
  return out;
}

test("item 4: LONG4 decodes in linear time and a 1 MB integer is refused by MAX_PICKLE_INT_BYTES", async () => {
  const hooks = torchPickleHooks("long.pkl");
  const big = new Uint8Array(MAX_PICKLE_INT_BYTES); big[MAX_PICKLE_INT_BYTES - 1] = 0x01;
  const { value } = await withinBudget("LONG4 4 KB", { seconds: 1, megabytes: 100 }, () => unpickle("long.pkl", long4(big), hooks));
  assert.equal(value, 1n << BigInt(8 * (MAX_PICKLE_INT_BYTES - 1)));
  assert.equal(unpickle("long.pkl", long4(new Uint8Array(300).fill(0xff)), hooks), -1);
  assert.equal(unpickle("long.pkl", long4(Uint8Array.from([0x00, 0x80])), hooks), -32768);
  const huge = new Uint8Array(1 << 20).fill(0x5a);
  const err = await rejectsWithinBudget("LONG4 1 MB", { seconds: 1, megabytes: 100 }, () => unpickle("long.pkl", long4(huge), hooks));
  assert.ok(err instanceof PytorchFormatError);
  assert.match(err.message, /integer of 1048576 bytes is over the 4096-byte limit/);
  const digits = new PickleBuilder().op(0x4c).text(`${"9".repeat(100_000)}L\n`).op(0x2e).build();
  assert.throws(() => unpickle("long.pkl", digits, hooks), /integer of 100000 bytes is over/);
});

test("item 5: APPENDS with 500 k items builds the list (no call-stack overflow)", async () => {
  const items = 500_000;
  const pickle = new Uint8Array(2 + 2 + items * 2 + 2);
  pickle.set([0x80, 2, 0x5d, 0x28]);
  for (let i = 0; i < items; i++) pickle.set([0x4b, i & 0xff], 4 + 2 * i);
  pickle.set([0x65, 0x2e], 4 + 2 * items);
  const { value } = await withinBudget("APPENDS", BUDGET, () => unpickle("appends.pkl", pickle, torchPickleHooks("appends.pkl")));
  assert.ok(value instanceof PyList);
  assert.equal(value.items.length, items);
  assert.equal(value.items[items - 1], (items - 1) & 0xff);
});

test("item 14: a complex tensor is listed (dtype C64) instead of failing the whole .bin", async () => {
  const p = new PickleBuilder().op(0x7d, 0x28).str("w");
  tensorOps(p, 2);
  p.str("z").global("torch._utils", "_rebuild_tensor_v2").op(0x28)
    .op(0x28).str("storage").global("torch", "ComplexFloatStorage").str("1").str("cpu").int(2).op(0x74, 0x51)
    .int(0).op(0x28).int(2).op(0x74).op(0x28).int(1).op(0x74)
    .op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74, 0x52);
  p.op(0x75, 0x2e);
  const refs = await readPytorchCheckpoint(torchZip(p.build(), { "0": floatStorage([1, 2]), "1": floatStorage([1, 0, 0, 1]) }));
  assert.deepEqual(refs.map((r) => [r.name, r.dtype, r.numel, r.byteLength]), [["w", "F32", 2, 8], ["z", "C64", 2, 16]]);
});

/** {"w": 4 floats, "q": 4 codes of a `storageClass` storage, "x": 1 float of a QUInt4x2 storage when `packed`}. */
function quantizedPickle(storageClass: string, packed = false): Uint8Array {
  const p = new PickleBuilder().op(0x7d, 0x28).str("w");
  tensorOps(p, 4);
  p.str("q").global("torch._utils", "_rebuild_tensor_v2").op(0x28)
    .op(0x28).str("storage").global("torch", storageClass).str("1").str("cpu").int(4).op(0x74, 0x51)
    .int(0).op(0x28).int(2).int(2).op(0x74).op(0x28).int(2).int(1).op(0x74)
    .op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74, 0x52);
  if (packed) {
    p.str("x").global("torch._utils", "_rebuild_tensor_v2").op(0x28)
      .op(0x28).str("storage").global("torch", "QUInt4x2Storage").str("2").str("cpu").int(1).op(0x74, 0x51)
      .int(0).op(0x28).int(1).op(0x74).op(0x28).int(1).op(0x74)
      .op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74, 0x52);
  }
  return p.op(0x75, 0x2e).build();
}

test("quantized storages (QInt8, QUInt8, QInt32) are listed with their torch dtype instead of failing the whole .bin", async () => {
  for (const [storageClass, codes, torchDtype, bytes] of [["QInt8Storage", "I8", "qint8", 4], ["QUInt8Storage", "U8", "quint8", 4], ["QInt32Storage", "I32", "qint32", 16]] as const) {
    const refs = await readPytorchCheckpoint(torchZip(quantizedPickle(storageClass), { "0": floatStorage([1, 2, 3, 4]), "1": new Uint8Array(bytes) }));
    assert.deepEqual(refs.map((r) => [r.name, r.dtype, r.quantized, r.numel]), [["w", "F32", undefined, 4], ["q", codes, torchDtype, 4]]);
  }
  // packed 4-bit codes stay unsupported: a one-line typed error naming the tensor and the storage
  const err = await rejectsWithinBudget("QUInt4x2", BUDGET, () => readPytorchCheckpoint(torchZip(quantizedPickle("QInt8Storage", true), { "0": floatStorage([1, 2, 3, 4]), "1": new Uint8Array(4), "2": new Uint8Array(1) })));
  assert.ok(err instanceof PytorchFormatError);
  assert.match(err.message, /tensor "x".*storage type QUInt4x2Storage is not supported/);
});

test("torch.save of quantize_per_tensor / quantize_per_channel tensors (_rebuild_qtensor, written by torch): listed with their torch dtype, the float tensor read", async () => {
  // test/fixtures/pytorch/quantized.pt from tools/reference/quantized_fixture.py
  const refs = await readPytorchCheckpoint(new MemorySource(fixtureBytes("quantized.pt")));
  assert.deepEqual(refs.map((r) => [r.name, r.dtype, r.quantized, r.shape]), [["w", "F32", undefined, [4]], ["q", "I8", "qint8", [4]], ["qc", "U8", "quint8", [2, 2]]]);
  // a quantizer without a qscheme, or a quantized tensor on a float storage, is refused with a typed one-line error
  const rebuildQ = (storageClass: string, scheme: boolean): Uint8Array => {
    const p = new PickleBuilder().op(0x7d, 0x28).str("q").global("torch._utils", "_rebuild_qtensor").op(0x28)
      .op(0x28).str("storage").global("torch", storageClass).str("0").str("cpu").int(4).op(0x74, 0x51)
      .int(0).op(0x28).int(4).op(0x74).op(0x28).int(1).op(0x74).op(0x28);
    if (scheme) p.global("torch", "per_tensor_affine");
    return p.int(1).int(0).op(0x74).op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74, 0x52).op(0x75, 0x2e).build();
  };
  await assert.rejects(readPytorchCheckpoint(torchZip(rebuildQ("QInt8Storage", false), { "0": new Uint8Array(4) })), (e: unknown) => e instanceof PytorchFormatError && /quantizer parameters/.test((e as Error).message));
  await assert.rejects(readPytorchCheckpoint(torchZip(rebuildQ("FloatStorage", true), { "0": floatStorage([1, 2, 3, 4]) })), (e: unknown) => e instanceof PytorchFormatError && /not a quantized storage/.test((e as Error).message));
  const ok = await readPytorchCheckpoint(torchZip(rebuildQ("QInt8Storage", true), { "0": new Uint8Array(4) }));
  assert.deepEqual(ok.map((r) => [r.name, r.quantized, r.numel]), [["q", "qint8", 4]]);
});

test("a quantized tensor in a checkpoint is stored as a non-parameter tensor (dtype qint8); the float tensors are analyzed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-quantized-"));
  try {
    mkdirSync(join(dir, "run", "checkpoint-0"), { recursive: true });
    const zip = torchZip(quantizedPickle("QInt8Storage"), { "0": floatStorage([1, 2, 3, 4]), "1": Uint8Array.of(1, 2, 3, 4) });
    writeFileSync(join(dir, "run", "checkpoint-0", "pytorch_model.bin"), await zip.read(0, zip.size));
    const summary = await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, events: false });
    assert.equal(summary.tensors, 1);
    assert.equal(summary.buffers, 1);
    const store = await Store.openDir(join(dir, "out"), { readOnly: true });
    try {
      assert.deepEqual((await store.buffers({ run: "run" })).map((b) => [b.tensor, b.dtype, b.numel]), [["q", "qint8", 4]]);
      assert.deepEqual((await store.tensorStats({ run: "run" })).map((t) => [t.tensor, t.numel]), [["w", 4]]);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every error above is a ForkingPathsError subclass with a one-line message", async () => {
  const err = await rejectsWithinBudget("shared", BUDGET, () => readPytorchCheckpoint(torchZip(sharedDictPickle(30), { "0": floatStorage([1]) })));
  assert.ok(err instanceof ForkingPathsError);
  assert.equal(err.message.split("\n").length, 1);
});

test("item 6: 200 k empty tensors in a 13 MB safetensors header are refused in seconds (MAX_TENSORS_PER_FILE)", async () => {
  const { readSafetensorsHeader } = await import("../../src/formats/safetensors/reader.js");
  const { MAX_TENSORS_PER_FILE } = await import("../../src/util/limits.js");
  const entries: string[] = [];
  for (let i = 0; i < 200_000; i++) entries.push(`"layers.${i}.empty.weight":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  const header = new TextEncoder().encode(`{${entries.join(",")}}`);
  assert.ok(header.byteLength > 12_000_000);
  const bytes = new Uint8Array(8 + header.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  bytes.set(header, 8);
  const err = await rejectsWithinBudget("200k empty tensors", BUDGET, () => readSafetensorsHeader(new MemorySource(bytes, "many.safetensors")));
  assert.ok(err instanceof ForkingPathsError);
  assert.match(err.message, new RegExp(`200000 entries, over the limit of ${MAX_TENSORS_PER_FILE} tensors per file`));
});
