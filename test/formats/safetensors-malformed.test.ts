// Crafted broken safetensors files, built in memory: each must be refused with a
// SafetensorsParseError whose message names the file, the tensor (when relevant) and the problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySource } from "../../src/io/index.js";
import { encodeSafetensors, readSafetensorsHeader } from "../../src/formats/safetensors/index.js";
import { SafetensorsParseError } from "../../src/util/errors.js";
import { MAX_SAFETENSORS_HEADER_BYTES, MAX_TENSOR_RANK } from "../../src/util/limits.js";

const FILE = "crafted.safetensors";

/** A file from raw header text and a data section; `declaredLength` overrides the prefix. */
function craft(header: string | Uint8Array, dataBytes: number, declaredLength?: bigint): Uint8Array {
  const text = typeof header === "string" ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + text.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(text.byteLength), true);
  out.set(text, 8);
  return out;
}
const tensor = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const craftJson = (header: object, dataBytes: number) => craft(JSON.stringify(header), dataBytes);

async function rejectsWith(bytes: Uint8Array, tensorName: string | undefined, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(readSafetensorsHeader(new MemorySource(bytes, FILE)), (err: unknown) => {
    assert.ok(err instanceof SafetensorsParseError, `expected SafetensorsParseError, got ${String(err)}`);
    assert.equal(err.code, "SAFETENSORS_PARSE");
    assert.equal(err.file, FILE);
    assert.equal(err.tensor, tensorName);
    assert.ok(err.message.startsWith(tensorName === undefined ? `${FILE}: ` : `${FILE}: tensor "${tensorName}": `), err.message);
    for (const p of patterns) assert.match(err.message, p);
    assert.match(err.message, /HINT: /);
    return true;
  });
}

test("truncated file: data section shorter than the tensors need is caught from the header", async () => {
  const good = encodeSafetensors([
    { name: "a", dtype: "F32", shape: [4], data: new Float32Array(4) },
    { name: "b", dtype: "F32", shape: [2, 2], data: new Float32Array(4) },
  ]);
  const truncated = good.subarray(0, good.byteLength - 3);
  await rejectsWith(truncated, "b", /data_offsets \[16, 32\] lie outside the 29-byte data section/, /tensors need 32 bytes/, /truncated/);
});

test("file shorter than the 8-byte prefix", async () => {
  await rejectsWith(new Uint8Array(5), undefined, /file is 5 bytes, too short for the 8-byte header length/);
});

test("header length past the end of the file", async () => {
  await rejectsWith(craft("{}", 0, 1000n), undefined, /header length 1000 bytes runs past the end of the 10-byte file/);
});

test("header length over the limit (before any allocation)", async () => {
  const huge = BigInt(MAX_SAFETENSORS_HEADER_BYTES) + 1n;
  await rejectsWith(craft("{}", 0, huge), undefined, new RegExp(`header length ${huge} bytes is over the limit of ${MAX_SAFETENSORS_HEADER_BYTES} bytes`));
  await rejectsWith(craft("{}", 0, 2n ** 64n - 1n), undefined, /header length 18446744073709551615 bytes is over the limit/);
});

test("header that is not UTF-8, not JSON, or not an object", async () => {
  await rejectsWith(craft(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 0), undefined, /header is not valid UTF-8/);
  await rejectsWith(craft('{"a": {"dtype": "F32",', 0), undefined, /header is not valid JSON/);
  await rejectsWith(craft("[1, 2]", 0), undefined, /header JSON is an array, expected an object of tensors/);
  await rejectsWith(craft("null", 0), undefined, /header JSON is null/);
  await rejectsWith(craft("42      ", 0), undefined, /header JSON is a number/);
});

test("__metadata__ must be a string-to-string map", async () => {
  await rejectsWith(craftJson({ __metadata__: { step: 1000 } }, 0), undefined, /"__metadata__" entry "step" is a number \(1000\), expected a string/);
  await rejectsWith(craftJson({ __metadata__: ["x"] }, 0), undefined, /"__metadata__" is not an object/);
});

test("offsets outside the data section name the section size", async () => {
  await rejectsWith(craftJson({ w: tensor("F32", [2], [8, 16]) }, 12), "w", /data_offsets \[8, 16\] lie outside the 12-byte data section/);
});

test("overlapping tensors name both tensors", async () => {
  const header = { first: tensor("F32", [4], [0, 16]), second: tensor("F32", [2], [8, 16]) };
  await rejectsWith(craftJson(header, 16), "second", /data_offsets \[8, 16\] overlap tensor "first" at \[0, 16\]/);
});

test("unsupported or unknown dtypes are named with the tensor", async () => {
  await rejectsWith(craftJson({ fp8: tensor("F8_E4M3", [4], [0, 4]) }, 4), "fp8", /unsupported dtype "F8_E4M3"/, /supported: F64, F32/);
  await rejectsWith(craftJson({ u16: tensor("U16", [2], [0, 4]) }, 4), "u16", /unsupported dtype "U16"/);
  await rejectsWith(craftJson({ x: tensor(7, [2], [0, 4]) }, 4), "x", /dtype is a number \(7\), expected a string/);
});

test("shape / size mismatch says both byte counts", async () => {
  await rejectsWith(craftJson({ w: tensor("F32", [2, 3], [0, 20]) }, 24), "w", /data_offsets \[0, 20\] span 20 bytes but F32 shape \[2, 3\] needs 6 x 4 = 24 bytes/);
});

test("negative, fractional, huge or non-numeric shape entries and oversize rank", async () => {
  await rejectsWith(craftJson({ w: tensor("F32", [2, -1], [0, 0]) }, 0), "w", /shape \[2, -1\] has entry 1 = -1, expected a non-negative integer/);
  await rejectsWith(craftJson({ w: tensor("F32", [1.5], [0, 6]) }, 6), "w", /has entry 0 = 1.5/);
  await rejectsWith(craftJson({ w: tensor("F32", ["2"], [0, 8]) }, 8), "w", /has entry 0 = "2"/);
  await rejectsWith(craft('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', 4), "w", /has entry 0 = 1e\+300/);
  await rejectsWith(craftJson({ w: tensor("F32", "2x3", [0, 24]) }, 24), "w", /shape is a string/);
  const deep = new Array(MAX_TENSOR_RANK + 1).fill(1);
  await rejectsWith(craftJson({ w: tensor("F32", deep, [0, 4]) }, 4), "w", new RegExp(`rank ${MAX_TENSOR_RANK + 1}, more than the limit of ${MAX_TENSOR_RANK}`));
  const many = [2 ** 26, 2 ** 26, 2 ** 26];
  await rejectsWith(craftJson({ w: tensor("F32", many, [0, 4]) }, 4), "w", /too many elements/);
});

test("malformed data_offsets and entries", async () => {
  await rejectsWith(craftJson({ w: tensor("F32", [1], [8, 4]) }, 8), "w", /data_offsets \[8, 4\] has begin after end/);
  await rejectsWith(craftJson({ w: tensor("F32", [1], [0]) }, 4), "w", /data_offsets is \[0\], expected \[begin, end\]/);
  await rejectsWith(craftJson({ w: tensor("F32", [1], [-4, 0]) }, 4), "w", /data_offsets is \[-4,0\]/);
  await rejectsWith(craftJson({ w: { dtype: "F32", shape: [1] } }, 4), "w", /data_offsets is missing/);
  await rejectsWith(craftJson({ w: [1, 2] }, 4), "w", /header entry is an array, expected \{dtype, shape, data_offsets\}/);
});

test("valid edge cases: empty header, 0-d and 0-element tensors, gaps are counted not refused", async () => {
  assert.deepEqual((await readSafetensorsHeader(new MemorySource(craft("{}      ", 0)))).tensors, []);
  const header = {
    s: tensor("F64", [], [0, 8]),
    e: tensor("F32", [0, 5], [8, 8]),
    inside: tensor("U8", [0], [4, 4]),
    late: tensor("U8", [2], [12, 14]),
  };
  const st = await readSafetensorsHeader(new MemorySource(craftJson(header, 16), FILE));
  assert.deepEqual(st.tensors.map((t) => [t.name, t.numel, t.byteLength]), [["s", 1, 8], ["inside", 0, 0], ["e", 0, 0], ["late", 2, 2]]);
  assert.equal(st.unusedDataBytes, 16 - 10);
});
