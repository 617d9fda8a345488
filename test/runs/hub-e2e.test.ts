// End to end through the fake Hub: the safetensors and PyTorch readers parse checkpoints streamed
// by range requests, and reading one small tensor transfers a small fraction of the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { decodeToFloat64 } from "../../src/formats/dtype.js";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import { encodeSafetensors, readSafetensorsHeader, type SafetensorsEntry } from "../../src/formats/safetensors/index.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { HttpRangeSource } from "../../src/io/http-source.js";
import { openHubFile } from "../../src/runs/hub.js";
import { Rng } from "../../src/util/rng.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { FIXTURES, loadExpected } from "../formats/pytorch-test-helpers.js";

const ROWS = 512;
const COLS = 512;

function normals(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * 0.02;
  return out;
}

/** A 3-layer GPT-NeoX-like file: three 1 MiB weight matrices and small LayerNorm vectors. */
function checkpoint(): { bytes: Uint8Array; entries: SafetensorsEntry[] } {
  const entries: SafetensorsEntry[] = [];
  for (let l = 0; l < 3; l++) {
    entries.push({ name: `gpt_neox.layers.${l}.attention.dense.weight`, dtype: "F32", shape: [ROWS, COLS], data: normals(ROWS * COLS, 10 + l) });
    entries.push({ name: `gpt_neox.layers.${l}.input_layernorm.bias`, dtype: "F32", shape: [COLS], data: normals(COLS, 20 + l) });
  }
  return { bytes: encodeSafetensors(entries, { format: "pt" }), entries };
}

test("safetensors over HTTP: header and one small tensor cost a small fraction of the file", async () => {
  const { bytes, entries } = checkpoint();
  const hub = await startFakeHub({ repos: { "EleutherAI/pythia-mini": { step1000: { files: { "model.safetensors": bytes } } } } });
  try {
    const src = await openHubFile("EleutherAI/pythia-mini", "step1000", "model.safetensors", {
      env: { HF_ENDPOINT: hub.url },
      useCache: false,
      http: { readAheadBytes: 64 * 1024 },
    });
    assert.ok(src instanceof HttpRangeSource);
    const file = await readSafetensorsHeader(src);
    assert.deepEqual(file.metadata, { format: "pt" });
    assert.deepEqual(file.tensors.map((t) => t.name).sort(), entries.map((e) => e.name).sort());
    const bias = file.tensors.find((t) => t.name === "gpt_neox.layers.1.input_layernorm.bias")!;
    const got = new Float32Array((await readTensorBytes(bias)).slice().buffer);
    assert.deepEqual(got, entries.find((e) => e.name === bias.name)!.data);
    const fraction = src.bytesRead / bytes.byteLength;
    assert.ok(fraction < 0.05, `read ${src.bytesRead} of ${bytes.byteLength} bytes (${(fraction * 100).toFixed(1)}%)`);
    assert.equal(src.bytesRead, hub.requests.reduce((s, r) => s + r.bytesSent, 0));
    // A whole 1 MiB matrix comes back exact too, read in large direct ranges.
    const w = file.tensors.find((t) => t.name === "gpt_neox.layers.2.attention.dense.weight")!;
    const wGot = new Float32Array((await readTensorBytes(w)).slice().buffer);
    assert.deepEqual(wGot, entries.find((e) => e.name === w.name)!.data);
    await src.close();
  } finally {
    await hub.close();
  }
});

test("a torch.save checkpoint served from disk reads through HTTP exactly as torch wrote it", async () => {
  const path = fileURLToPath(new URL("pythia_small.pt", FIXTURES));
  const hub = await startFakeHub({ repos: { "EleutherAI/pythia-mini": { step0: { files: { "pytorch_model.bin": path } } } } });
  try {
    const src = await openHubFile("EleutherAI/pythia-mini", "step0", "pytorch_model.bin", {
      env: { HF_ENDPOINT: hub.url },
      useCache: false,
      http: { readAheadBytes: 4096 },
    });
    const refs = await readPytorchCheckpoint(src);
    const expected = loadExpected("pythia_small");
    const selection = expected.selections.find((s) => s.key === null)!;
    assert.deepEqual(refs.map((r) => r.name), selection.tensors.map((t) => t.name));
    for (const [i, want] of selection.tensors.entries()) {
      const ref = refs[i]!;
      assert.equal(ref.file, "hf://EleutherAI/pythia-mini@step0/pytorch_model.bin");
      const values = decodeToFloat64(ref.dtype, await readTensorBytes(ref));
      const torchValues = expected.values.subarray(want.offset, want.offset + want.numel);
      for (let e = 0; e < want.numel; e++) {
        if (!Object.is(values[e], torchValues[e])) assert.fail(`${want.name}[${e}]: got ${values[e]}, torch ${torchValues[e]}`);
      }
    }
    // Cached blocks are never fetched twice: each range is requested once, about one pass over the file.
    const ranges = hub.contentRequests().map((r) => r.range);
    assert.equal(new Set(ranges).size, ranges.length, ranges.join(" "));
    assert.ok(src.bytesRead < 1.5 * src.size, `${src.bytesRead} bytes for a ${src.size}-byte file`);
  } finally {
    await hub.close();
  }
});
