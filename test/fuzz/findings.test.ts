// Findings of `npm run fuzz`, each kept as a test (see the report of issue 13): every one was an
// error message broken over several lines by text quoted from the input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySource } from "../../src/io/memory-source.js";
import { readSafetensorsHeader } from "../../src/formats/safetensors/reader.js";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import { discoverRun } from "../../src/runs/discovery.js";
import { ForkingPathsError } from "../../src/util/errors.js";
import { floatStorage, tensorPickle, writeZip } from "../formats/pytorch-test-helpers.js";

async function typedOneLine(what: string, fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await fn().then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ForkingPathsError, `${what}: ${String(err)}`);
  assert.doesNotMatch(err.message, /[\r\n\u2028\u2029]/, `${what}: multi-line message`);
  assert.match(err.message, pattern, what);
}

test("finding safetensors-header seed 11: a JSON syntax error quoting a newline of the header stays one line", async () => {
  const header = new TextEncoder().encode('{"a":{"dtype":"F32","shape"\n[2,2]}}');
  const bytes = new Uint8Array(8 + header.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  bytes.set(header, 8);
  await typedOneLine("safetensors", () => readSafetensorsHeader(new MemorySource(bytes, "f.safetensors")), /header is not valid JSON .*\\n/);
});

test("finding zip-reader seed 15878: a zip entry name with a newline stays one line", async () => {
  const zip = writeZip([{ name: "archive/data.pkl", data: tensorPickle("w", 1, 0, [1], [1]) }, { name: "1\narchive/data/0", data: floatStorage([1]) }]);
  // Point the second central-directory entry's local header offset far outside the file.
  const view = new DataView(zip.buffer);
  let cd = zip.byteLength - 22 - 1;
  while (view.getUint32(cd, true) !== 0x02014b50 || new TextDecoder().decode(zip.subarray(cd + 46, cd + 47)) !== "1") cd--;
  view.setUint32(cd + 42, 0x0a000000, true);
  await typedOneLine("zip", () => readPytorchCheckpoint(new MemorySource(zip, "f.bin")), /zip entry "1\\narchive\/data\/0" .* lies outside the data area/);
});

test("finding run-discovery seed 23758: a folder name with a newline and a step beyond 2^53 stays one line", async () => {
  const root = mkdtempSync(join(tmpdir(), "fp-finding-"));
  try {
    const dir = join(root, "checkpoint-10\n");
    mkdirSync(dir);
    writeFileSync(join(dir, "model.safetensors"), "x");
    writeFileSync(join(dir, "trainer_state.json"), '{"global_step": 9007199254740993}');
    await typedOneLine("discovery", () => discoverRun(root), /checkpoint-10\\n.*step 9007199254740992 is not a non-negative integer/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
