// Checkpoint model files: write -> read round trips in f32/f16/bf16 (via the shared safetensors
// reader), config.json read back by the config parser, and errors naming missing, unexpected and
// mis-shaped tensors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GPTNeoX } from "../../src/model/gpt-neox.js";
import { parseNeoXConfig } from "../../src/model/config.js";
import { writeModelFiles, loadModelWeights, readModelConfig, loadModel, modelEntries } from "../../src/model/checkpoint-io.js";
import { writeSafetensorsFile } from "../../src/formats/safetensors/index.js";
import { encodeFloats, decodeToFloat32 } from "../../src/formats/dtype.js";
import { CheckpointFormatError } from "../../src/util/errors.js";

const config = parseNeoXConfig({ vocab_size: 24, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 8, rotary_pct: 0.5, use_parallel_residual: false }, "test");
let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-ckpt-io-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const source = (): GPTNeoX => new GPTNeoX(config, { B: 1, T: 8, init: { scheme: "pythia", seed: 42 } });

for (const [dtype, stDtype] of [["f32", "F32"], ["f16", "F16"], ["bf16", "BF16"]] as const) {
  test(`${dtype}: model.safetensors + config.json round trip`, async () => {
    const out = join(dir, dtype);
    await mkdir(out);
    const m = source();
    await writeModelFiles(out, m, { dtype, bosTokenId: 0, eosTokenId: 0 });
    const json = JSON.parse(await readFile(join(out, "config.json"), "utf8"));
    assert.deepEqual(json.architectures, ["GPTNeoXForCausalLM"]);
    assert.equal(json.model_type, "gpt_neox");
    assert.equal(json.torch_dtype, { f32: "float32", f16: "float16", bf16: "bfloat16" }[dtype]);
    assert.deepEqual(await readModelConfig(out), config);
    const copy = new GPTNeoX(config, { B: 1, T: 8, init: { scheme: "hf", seed: 1 } });
    const loaded = await loadModelWeights(copy, out);
    assert.deepEqual(loaded.dtypes, [stDtype]);
    // expected values: the shared dtype codec's rounding of every parameter
    const expected = decodeToFloat32(stDtype, encodeFloats(stDtype, m.params.flat));
    assert.deepEqual(copy.params.flat, expected);
    if (dtype === "f32") assert.deepEqual(copy.params.flat, m.params.flat);
  });
}

test("missing and unexpected tensors are named", async () => {
  const out = join(dir, "bad-names");
  await mkdir(out);
  const m = source();
  const entries = modelEntries(m.params.flat, m.layout, "f32").filter((e) => e.name !== "embed_out.weight");
  entries.push({ name: "gpt_neox.layers.0.attention.rotary_emb.inv_freq", dtype: "F32", shape: [2], data: new Float32Array(2) });
  entries.push({ name: "lm_head.weight", dtype: "F32", shape: [2], data: new Float32Array(2) });
  await writeSafetensorsFile(join(out, "model.safetensors"), entries);
  await assert.rejects(loadModelWeights(source(), out), (err: unknown) => {
    assert.ok(err instanceof CheckpointFormatError);
    assert.match(err.message, /missing 1 tensor\(s\): "embed_out.weight"/);
    assert.match(err.message, /unexpected 1 tensor\(s\): "lm_head.weight"/);
    assert.doesNotMatch(err.message, /inv_freq/);
    return true;
  });
});

test("a shape mismatch names the tensor and both shapes", async () => {
  const out = join(dir, "bad-shape");
  await mkdir(out);
  const m = source();
  const entries = modelEntries(m.params.flat, m.layout, "f32").map((e) => (e.name === "gpt_neox.layers.1.mlp.dense_h_to_4h.weight" ? { ...e, shape: [16, 64] } : e));
  await writeSafetensorsFile(join(out, "model.safetensors"), entries);
  await assert.rejects(loadModelWeights(source(), out), /dense_h_to_4h.weight.*shape \[16, 64\].*\[64, 16\]/);
});

test("loadModel builds the model from config.json; a folder without config.json is a clear error", async () => {
  const out = join(dir, "f32");
  const { model } = await loadModel(out, { B: 2, T: 100 });
  assert.equal(model.options.T, 8); // clamped to max_position_embeddings
  assert.deepEqual(model.params.flat, source().params.flat);
  const empty = join(dir, "no-config");
  await mkdir(empty);
  await writeFile(join(empty, "model.safetensors"), "");
  await assert.rejects(readModelConfig(empty), /config.json/);
});
