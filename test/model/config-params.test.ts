// Config parsing/validation, parameter layout (HF names, shapes, decay flags), presets and init.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNeoXConfig, neoxPreset, ModelConfigError, rotaryDims } from "../../src/model/config.js";
import { parameterLayout, parameterCount, paramViews, initParameters } from "../../src/model/params.js";

const base = { vocab_size: 64, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, max_position_embeddings: 16 };

test("parseNeoXConfig fills HF defaults and validates fields with the file named", () => {
  const c = parseNeoXConfig(base, "cfg.json");
  assert.equal(c.intermediate_size, 128);
  assert.equal(c.rotary_pct, 1);
  assert.equal(c.use_parallel_residual, true);
  assert.throws(() => parseNeoXConfig({ ...base, hidden_size: 30 }, "a/config.json"), (e: unknown) => e instanceof ModelConfigError && /a\/config\.json.*num_attention_heads/.test(e.message));
  assert.throws(() => parseNeoXConfig({ ...base, vocab_size: "64" }, "x.json"), (e: unknown) => e instanceof ModelConfigError && e.field === "vocab_size");
  assert.throws(() => parseNeoXConfig({ ...base, hidden_act: "gelu_new" }, "x.json"), (e: unknown) => e instanceof ModelConfigError && e.field === "hidden_act");
  assert.throws(() => parseNeoXConfig({ ...base, tie_word_embeddings: true }, "x.json"), (e: unknown) => e instanceof ModelConfigError && e.field === "tie_word_embeddings");
  assert.throws(() => parseNeoXConfig({ ...base, rotary_pct: 0.1875 }, "x.json"), (e: unknown) => e instanceof ModelConfigError && e.field === "rotary_pct");
  assert.throws(() => parseNeoXConfig([], "x.json"), ModelConfigError);
  assert.throws(() => parseNeoXConfig({ ...base, model_type: "gpt2" }, "x.json"), ModelConfigError);
});

test("presets have the intended sizes", () => {
  const tiny = neoxPreset("tiny"), small = neoxPreset("small");
  assert.equal(rotaryDims(tiny), 8);
  const pt = parameterCount(tiny), ps = parameterCount(small);
  // tiny: 4 layers x (12 C^2 + 13 C) + 2 V C + 2 C with C=128, V=264
  assert.equal(pt, 4 * (12 * 128 * 128 + 13 * 128) + 2 * 264 * 128 + 2 * 128);
  assert.ok(pt > 0.8e6 && pt < 1.2e6, `tiny has ${pt}`);
  assert.ok(ps > 9e6 && ps < 12e6, `small has ${ps}`);
});

test("parameterLayout: HF names and shapes, contiguous offsets, decay only on matrices", () => {
  const c = parseNeoXConfig(base, "cfg.json");
  const specs = parameterLayout(c);
  assert.equal(specs.length, 1 + 12 * 2 + 3);
  assert.deepEqual(specs[0], { name: "gpt_neox.embed_in.weight", shape: [64, 32], offset: 0, size: 2048, decay: true });
  const qkv = specs.find((s) => s.name === "gpt_neox.layers.1.attention.query_key_value.weight")!;
  assert.deepEqual(qkv.shape, [96, 32]);
  assert.equal(specs[specs.length - 1]!.name, "embed_out.weight");
  let off = 0;
  for (const s of specs) {
    assert.equal(s.offset, off);
    assert.equal(s.decay, s.shape.length === 2);
    off += s.size;
  }
  assert.equal(off, parameterCount(c));
  const views = paramViews(new Float32Array(off), c);
  assert.equal(views.layers[1]!.fcw.length, 128 * 32);
  assert.equal(views.wout.byteOffset, specs[specs.length - 1]!.offset * 4);
});

test("initParameters: pythia small_init / wang_init and hf stds, LayerNorm 1/0, deterministic", () => {
  const c = { ...neoxPreset("tiny"), num_hidden_layers: 2 };
  const P = parameterCount(c);
  const std = (a: Float32Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
  const a = new Float32Array(P), b = new Float32Array(P);
  initParameters(a, c, "pythia", 7);
  initParameters(b, c, "pythia", 7);
  assert.deepEqual(a, b);
  const v = paramViews(a, c);
  const C = 128;
  assert.ok(Math.abs(std(v.layers[0]!.qkvw) / Math.sqrt(2 / (5 * C)) - 1) < 0.02);
  assert.ok(Math.abs(std(v.layers[0]!.fcprojw) / (2 / (2 * Math.sqrt(C))) - 1) < 0.02);
  assert.ok(v.layers[1]!.ln2w.every((x) => x === 1) && v.lnfw.every((x) => x === 1) && v.lnfb.every((x) => x === 0));
  assert.ok(v.layers[0]!.qkvb.every((x) => x === 0));
  initParameters(a, c, "hf", 7);
  assert.ok(Math.abs(std(v.wte) / 0.02 - 1) < 0.03);
  assert.ok(Math.abs(std(v.layers[0]!.attprojw) / 0.02 - 1) < 0.03);
});

test("attention-only config: parsed from config.json, no MLP or post_attention_layernorm tensors, empty MLP views", () => {
  const c = parseNeoXConfig({ ...base, attention_only: true }, "cfg.json");
  assert.equal(c.attention_only, true);
  assert.equal(parseNeoXConfig(base, "cfg.json").attention_only, undefined);
  assert.throws(() => parseNeoXConfig({ ...base, attention_only: "yes" }, "x.json"), (e: unknown) => e instanceof ModelConfigError && e.field === "attention_only");
  const specs = parameterLayout(c);
  assert.equal(specs.length, 1 + 6 * 2 + 3);
  assert.ok(specs.every((s) => !/mlp\.|post_attention_layernorm/.test(s.name)), "no MLP or ln2 tensor");
  // per layer: ln1 (2C) + qkv (3C^2 + 3C) + dense (C^2 + C)
  const C = 32, V = 64;
  assert.equal(parameterCount(c), 2 * (4 * C * C + 6 * C) + 2 * V * C + 2 * C);
  const views = paramViews(new Float32Array(parameterCount(c)), c);
  assert.equal(views.layers[1]!.fcw.length, 0);
  assert.equal(views.layers[1]!.ln2w.length, 0);
  assert.equal(views.layers[1]!.qkvw.length, 3 * C * C);
});

test("no-LayerNorm config: parsed from config.json, no LayerNorm tensors, empty LayerNorm views", () => {
  const c = parseNeoXConfig({ ...base, layer_norm: false }, "cfg.json");
  assert.equal(c.layer_norm, false);
  assert.equal(parseNeoXConfig(base, "cfg.json").layer_norm, undefined);
  assert.equal(parseNeoXConfig({ ...base, layer_norm: true }, "cfg.json").layer_norm, undefined);
  assert.throws(() => parseNeoXConfig({ ...base, layer_norm: 0 }, "x.json"), (e: unknown) => e instanceof ModelConfigError && e.field === "layer_norm");
  const specs = parameterLayout(c);
  assert.ok(specs.every((s) => !/layernorm|layer_norm/.test(s.name)), "no LayerNorm tensor");
  assert.deepEqual(specs.map((s) => s.name).slice(0, 9), [
    "gpt_neox.embed_in.weight", "gpt_neox.layers.0.attention.query_key_value.weight", "gpt_neox.layers.0.attention.query_key_value.bias",
    "gpt_neox.layers.0.attention.dense.weight", "gpt_neox.layers.0.attention.dense.bias", "gpt_neox.layers.0.mlp.dense_h_to_4h.weight",
    "gpt_neox.layers.0.mlp.dense_h_to_4h.bias", "gpt_neox.layers.0.mlp.dense_4h_to_h.weight", "gpt_neox.layers.0.mlp.dense_4h_to_h.bias",
  ]);
  // the full model minus per layer ln1 + ln2 (4C) and the final LayerNorm (2C)
  const C = 32;
  assert.equal(parameterCount(c), parameterCount(parseNeoXConfig(base, "cfg.json")) - 2 * 4 * C - 2 * C);
  const views = paramViews(new Float32Array(parameterCount(c)), c);
  assert.equal(views.lnfw.length + views.lnfb.length + views.layers[1]!.ln1w.length + views.layers[1]!.ln2b.length, 0);
  assert.equal(views.layers[1]!.fcw.length, 4 * C * C);
  assert.equal(views.wout.byteOffset, specs[specs.length - 1]!.offset * 4);
  // with attention_only too: embed, per layer qkv w/b and dense w/b, embed_out
  assert.equal(parameterLayout(parseNeoXConfig({ ...base, layer_norm: false, attention_only: true }, "cfg.json")).length, 1 + 4 * 2 + 1);
});

test("initParameters: init scale multiplies every matrix and embedding, leaves LayerNorm and biases; scale 1 is the scheme", () => {
  const c = { ...neoxPreset("tiny"), num_hidden_layers: 1 };
  const P = parameterCount(c);
  const one = new Float32Array(P), plain = new Float32Array(P), three = new Float32Array(P);
  initParameters(one, c, "hf", 5, 1);
  initParameters(plain, c, "hf", 5);
  assert.deepEqual(one, plain);
  initParameters(three, c, "hf", 5, 3);
  for (const s of parameterLayout(c)) {
    for (let i = s.offset; i < s.offset + s.size; i++) {
      if (s.shape.length === 2) assert.ok(Math.abs(three[i]! - 3 * one[i]!) <= 1e-6 * Math.abs(3 * one[i]!), `${s.name}[${i - s.offset}]: ${three[i]} vs 3 x ${one[i]}`);
      else assert.equal(three[i], one[i], `${s.name}[${i - s.offset}] is not scaled`);
    }
  }
  assert.throws(() => initParameters(three, c, "hf", 5, 0), /init scale/);
  assert.throws(() => initParameters(three, c, "hf", 5, Number.NaN), /init scale/);
});
