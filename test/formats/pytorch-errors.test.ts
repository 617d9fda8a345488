// Broken and hostile PyTorch archives: each gets a typed error naming the file (and the tensor
// when one is involved), never a crash or a silent wrong answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import { MemorySource } from "../../src/io/memory-source.js";
import { PickleSecurityError, PytorchFormatError } from "../../src/util/errors.js";
import { fixtureBytes, floatStorage, PickleBuilder, tensorPickle, torchZip, writeZip } from "./pytorch-test-helpers.js";

function rejectsWith(pattern: RegExp, tensor?: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof PytorchFormatError, `expected PytorchFormatError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.tensor, tensor);
    return true;
  };
}

test("a well-formed crafted archive reads (the baseline the broken variants below depart from)", async () => {
  const src = torchZip(tensorPickle("w", 6, 0, [2, 3], [3, 1]), { "0": floatStorage([1, 2, 3, 4, 5, 6]) });
  const refs = await readPytorchCheckpoint(src);
  assert.deepEqual(refs.map((r) => [r.name, r.dtype, r.shape]), [["w", "F32", [2, 3]]]);
});

test("truncated archives: every cut point gives a PytorchFormatError naming the file", async () => {
  const bytes = fixtureBytes("views.pt");
  for (let cut = 0; cut < bytes.byteLength; cut += 53) {
    const src = new MemorySource(bytes.subarray(0, cut), "views.pt");
    await assert.rejects(readPytorchCheckpoint(src), (err: unknown) => {
      assert.ok(err instanceof PytorchFormatError, `cut at ${cut}: ${String(err)}`);
      assert.match(err.message, /^views\.pt: /);
      return true;
    });
  }
});

test("a storage entry missing from the zip names the tensor and the entry", async () => {
  const src = torchZip(tensorPickle("layer.weight", 6, 0, [2, 3], [3, 1]), { "1": floatStorage([1, 2, 3, 4, 5, 6]) });
  await assert.rejects(readPytorchCheckpoint(src), rejectsWith(/^archive\.pt: tensor "layer\.weight": zip entry "archive\/data\/0" is missing/, "layer.weight"));
});

test("a storage entry whose size disagrees with the storage's element count is refused", async () => {
  const src = torchZip(tensorPickle("w", 6, 0, [2, 3], [3, 1]), { "0": floatStorage([1, 2, 3, 4, 5]) });
  await assert.rejects(readPytorchCheckpoint(src), rejectsWith(/holds 20 bytes but its FloatStorage of 6 elements needs 24/, "w"));
});

test("a view reaching outside its storage is refused", async () => {
  const src = torchZip(tensorPickle("w", 6, 1, [2, 3], [3, 1]), { "0": floatStorage([1, 2, 3, 4, 5, 6]) });
  await assert.rejects(readPytorchCheckpoint(src), rejectsWith(/view \(offset 1, shape \[2, 3\], strides \[3, 1\]\) reaches element 6 of a 6-element storage/, "w"));
});

test("bad End Of Central Directory records are refused (classic and zip64, as torch writes both)", async () => {
  const good = fixtureBytes("views.pt");
  const eocd = good.byteLength - 22;
  const zip64 = eocd - 20 - 56; // torch writes: zip64 record (56 bytes), zip64 locator (20), EOCD (22)
  const variants: Array<[string, (v: DataView) => void, RegExp]> = [
    ["signature", (v) => v.setUint32(eocd, 0x12345678, true), /no End Of Central Directory/],
    ["classic offset disagrees with zip64", (v) => v.setUint32(eocd + 16, 17, true), /disagrees with the zip64 record/],
    ["zip64 record signature", (v) => v.setUint32(zip64, 0, true), /no zip64 End Of Central Directory record/],
    ["zip64 directory offset", (v) => { v.setBigUint64(zip64 + 48, BigInt(good.byteLength), true); v.setUint32(eocd + 16, 0xffffffff, true); }, /central directory .* runs past/],
    ["zip64 entry count", (v) => { v.setBigUint64(zip64 + 32, 0x7000n, true); v.setUint16(eocd + 10, 0xffff, true); }, /entries cannot fit/],
    ["directory size over the limit", (v) => { v.setBigUint64(zip64 + 40, 0x20000000n, true); v.setUint32(eocd + 12, 0xffffffff, true); }, /over the \d+-byte limit/],
    ["zip64 locator missing", (v) => { v.setUint32(zip64 + 56, 0, true); v.setUint32(eocd + 16, 0xffffffff, true); }, /zip64 locator is missing/],
  ];
  assert.equal(new DataView(good.buffer, good.byteOffset).getUint32(zip64, true), 0x06064b50, "fixture layout as expected");
  for (const [what, corrupt, pattern] of variants) {
    const bytes = good.slice();
    corrupt(new DataView(bytes.buffer));
    await assert.rejects(readPytorchCheckpoint(new MemorySource(bytes, "views.pt")), rejectsWith(pattern), what);
  }
});

test("a pickle naming os.system is refused before anything is built, naming the global", async () => {
  const pickle = new PickleBuilder().global("os", "system").str("echo hi").op(0x85, 0x52, 0x2e).build();
  await assert.rejects(readPytorchCheckpoint(torchZip(pickle, {})), (err: unknown) => {
    assert.ok(err instanceof PickleSecurityError);
    assert.equal(err.global, "os.system");
    assert.match(err.message, /^archive\.pt: pickle references the global "os\.system"/);
    return true;
  });
  // STACK_GLOBAL (protocol 4) goes through the same allow-list.
  const stacked = new PickleBuilder().str("subprocess").str("Popen").op(0x93).op(0x2e).build();
  await assert.rejects(readPytorchCheckpoint(torchZip(stacked, {})), (err: unknown) => err instanceof PickleSecurityError && err.global === "subprocess.Popen");
});

test("unknown and unsupported opcodes are named with their byte offset", async () => {
  const unknown = new PickleBuilder().op(0x7d, 0xff, 0x2e).build();
  await assert.rejects(readPytorchCheckpoint(torchZip(unknown, {})), rejectsWith(/pickle \(data\.pkl\) byte 3: unknown opcode 0xff/));
  const ext = new PickleBuilder().op(0x82, 0x01, 0x2e).build();
  await assert.rejects(readPytorchCheckpoint(torchZip(ext, {})), rejectsWith(/byte 2: opcode EXT1 0x82 is not supported/));
});

test("a corrupted data.pkl fails its CRC check; a legacy non-zip torch file is explained", async () => {
  const pickle = tensorPickle("w", 6, 0, [2, 3], [3, 1]);
  const src = torchZip(pickle, { "0": floatStorage([1, 2, 3, 4, 5, 6]) });
  const bytes = (await src.read(0, src.size)).slice();
  const at = 30 + "archive/data.pkl".length + 10; // a byte inside the stored data.pkl
  bytes[at]! ^= 0x01;
  await assert.rejects(readPytorchCheckpoint(new MemorySource(bytes, "archive.pt")), rejectsWith(/CRC-32/));
  await assert.rejects(readPytorchCheckpoint(new MemorySource(pickle, "old.pt")), rejectsWith(/^old\.pt: this is a legacy \(pre-1\.6, non-zip\)/));
});

test("a zip without data.pkl is not taken for a checkpoint", async () => {
  const src = torchZip(new PickleBuilder().op(0x7d, 0x2e).build(), {}, "archive");
  const bytes = (await src.read(0, src.size)).slice();
  const renamed = new TextDecoder("latin1").decode(bytes).replaceAll("archive/data.pkl", "archive/data.pkx");
  const out = Uint8Array.from(renamed, (c) => c.charCodeAt(0));
  await assert.rejects(readPytorchCheckpoint(new MemorySource(out, "x.zip")), rejectsWith(/no <archive>\/data\.pkl entry/));
});

test("a dict that contains itself is refused instead of recursing forever", async () => {
  // d = {}; d["self"] = d  ->  EMPTY_DICT BINPUT 0 "self" BINGET 0 SETITEM STOP
  const cyclic = new PickleBuilder().op(0x7d, 0x71, 0x00).str("self").op(0x68, 0x00, 0x73, 0x2e).build();
  await assert.rejects(readPytorchCheckpoint(torchZip(cyclic, {})), rejectsWith(/nested more than \d+ levels deep or contain themselves/));
});

test("tensor data stored big-endian (torch >= 2.1 byteorder entry) is refused", async () => {
  const pickle = tensorPickle("w", 1, 0, [1], [1]);
  const bytes = writeZip([
    { name: "archive/data.pkl", data: pickle },
    { name: "archive/byteorder", data: new TextEncoder().encode("big") },
    { name: "archive/data/0", data: floatStorage([1]) },
  ]);
  await assert.rejects(readPytorchCheckpoint(new MemorySource(bytes, "be.pt")), rejectsWith(/^be\.pt: tensor data are stored big-endian/));
  const little = writeZip([
    { name: "archive/data.pkl", data: pickle },
    { name: "archive/byteorder", data: new TextEncoder().encode("little") },
    { name: "archive/data/0", data: floatStorage([1.5]) },
  ]);
  const refs = await readPytorchCheckpoint(new MemorySource(little, "le.pt"));
  assert.deepEqual(refs.map((r) => r.name), ["w"]);
});
