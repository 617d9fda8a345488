// Tensor-name classification over the real name lists of Pythia-70m (GPT-NeoX), GPT-2,
// Llama and BERT checkpoints, in the order Hugging Face stores them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyTensor, isNonParameterBuffer, isSpectralTarget, type TensorClass, type TensorRole } from "../../src/tensor/names.js";

// Per-layer names of Pythia-70m (EleutherAI/pythia-70m, any stepN revision), in file order.
const PYTHIA_LAYER = [
  "input_layernorm.weight", "input_layernorm.bias",
  "post_attention_layernorm.weight", "post_attention_layernorm.bias",
  "attention.bias", "attention.masked_bias", "attention.rotary_emb.inv_freq",
  "attention.query_key_value.weight", "attention.query_key_value.bias",
  "attention.dense.weight", "attention.dense.bias",
  "mlp.dense_h_to_4h.weight", "mlp.dense_h_to_4h.bias",
  "mlp.dense_4h_to_h.weight", "mlp.dense_4h_to_h.bias",
];
const PYTHIA_70M: string[] = [
  "gpt_neox.embed_in.weight",
  ...[0, 1, 2, 3, 4, 5].flatMap((i) => PYTHIA_LAYER.map((s) => `gpt_neox.layers.${i}.${s}`)),
  "gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias",
  "embed_out.weight",
];

function expectClass(name: string, expected: Partial<TensorClass>): void {
  const got = classifyTensor(name);
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(got[key as keyof TensorClass], value, `${name}: ${key} is ${String(got[key as keyof TensorClass])}, expected ${String(value)}`);
  }
}

test("Pythia-70m: all 94 names are gpt-neox, with the right layer, role and kind", () => {
  assert.equal(PYTHIA_70M.length, 94);
  const roles: Record<string, string> = {
    input_layernorm: "ln.attn", post_attention_layernorm: "ln.mlp", "attention.query_key_value": "attn.qkv",
    "attention.dense": "attn.out", "mlp.dense_h_to_4h": "mlp.in", "mlp.dense_4h_to_h": "mlp.out",
  };
  for (const name of PYTHIA_70M) {
    const c = classifyTensor(name);
    assert.equal(c.family, "gpt-neox", name);
    const m = /^gpt_neox\.layers\.(\d+)\.(.*)\.(weight|bias|masked_bias|inv_freq)$/.exec(name);
    if (m === null) {
      assert.equal(c.layer, null, name);
      continue;
    }
    assert.equal(c.layer, Number(m[1]), name);
    const module = m[2]!;
    if (module in roles) {
      assert.equal(c.role, roles[module], name);
      assert.equal(c.kind, m[3], name);
    } else {
      assert.equal(c.role, "buffer", name);
      assert.equal(c.kind, "buffer", name);
    }
  }
  expectClass("gpt_neox.embed_in.weight", { role: "embed", kind: "weight", layer: null });
  expectClass("gpt_neox.final_layer_norm.bias", { role: "ln.final", kind: "bias", layer: null });
  expectClass("embed_out.weight", { role: "unembed", kind: "weight", layer: null, family: "gpt-neox" });
  expectClass("gpt_neox.rotary_emb.inv_freq", { role: "buffer", kind: "buffer" });
  const buffers = PYTHIA_70M.filter((n) => classifyTensor(n).kind === "buffer");
  assert.equal(buffers.length, 18);
});

test("GPT-2: names with and without the transformer. prefix", () => {
  for (const prefix of ["transformer.", ""]) {
    expectClass(`${prefix}wte.weight`, { role: "embed", layer: null, family: "gpt2" });
    expectClass(`${prefix}wpe.weight`, { role: "embed.pos", layer: null, family: "gpt2" });
    expectClass(`${prefix}ln_f.weight`, { role: "ln.final", kind: "weight" });
    expectClass(`${prefix}h.11.ln_1.bias`, { role: "ln.attn", kind: "bias", layer: 11 });
    expectClass(`${prefix}h.3.ln_2.weight`, { role: "ln.mlp", layer: 3 });
    expectClass(`${prefix}h.0.attn.c_attn.weight`, { role: "attn.qkv", kind: "weight", layer: 0, family: "gpt2" });
    expectClass(`${prefix}h.0.attn.c_attn.bias`, { role: "attn.qkv", kind: "bias" });
    expectClass(`${prefix}h.7.attn.c_proj.weight`, { role: "attn.out", layer: 7 });
    expectClass(`${prefix}h.7.mlp.c_fc.bias`, { role: "mlp.in", kind: "bias" });
    expectClass(`${prefix}h.7.mlp.c_proj.weight`, { role: "mlp.out" });
    expectClass(`${prefix}h.2.attn.bias`, { role: "buffer", kind: "buffer", layer: 2 });
    expectClass(`${prefix}h.2.attn.masked_bias`, { role: "buffer", kind: "buffer" });
  }
  expectClass("lm_head.weight", { role: "unembed", kind: "weight", layer: null });
});

test("Llama: projections, gated MLP, norms and rotary buffers", () => {
  expectClass("model.embed_tokens.weight", { role: "embed", family: "llama", layer: null });
  expectClass("model.norm.weight", { role: "ln.final", layer: null });
  const proj: Record<string, string> = {
    "self_attn.q_proj": "attn.q", "self_attn.k_proj": "attn.k", "self_attn.v_proj": "attn.v",
    "self_attn.o_proj": "attn.out", "mlp.gate_proj": "mlp.gate", "mlp.up_proj": "mlp.up",
    "mlp.down_proj": "mlp.out", input_layernorm: "ln.attn", post_attention_layernorm: "ln.mlp",
  };
  for (const [module, role] of Object.entries(proj)) {
    expectClass(`model.layers.31.${module}.weight`, { role: role as TensorClass["role"], layer: 31, kind: "weight", family: "llama" });
  }
  expectClass("model.layers.0.self_attn.rotary_emb.inv_freq", { role: "buffer", kind: "buffer", layer: 0 });
});

test("BERT: encoder layers, embeddings, head", () => {
  for (const prefix of ["bert.", ""]) {
    expectClass(`${prefix}embeddings.word_embeddings.weight`, { role: "embed", family: "bert" });
    expectClass(`${prefix}embeddings.position_embeddings.weight`, { role: "embed.pos" });
    expectClass(`${prefix}embeddings.LayerNorm.bias`, { role: "ln.embed", kind: "bias" });
    expectClass(`${prefix}encoder.layer.4.attention.self.query.weight`, { role: "attn.q", layer: 4 });
    expectClass(`${prefix}encoder.layer.4.attention.self.value.bias`, { role: "attn.v", kind: "bias" });
    expectClass(`${prefix}encoder.layer.4.attention.output.dense.weight`, { role: "attn.out" });
    expectClass(`${prefix}encoder.layer.4.attention.output.LayerNorm.weight`, { role: "ln.attn" });
    expectClass(`${prefix}encoder.layer.4.intermediate.dense.weight`, { role: "mlp.in" });
    expectClass(`${prefix}encoder.layer.4.output.dense.weight`, { role: "mlp.out", layer: 4 });
    expectClass(`${prefix}encoder.layer.4.output.LayerNorm.weight`, { role: "ln.mlp" });
    expectClass(`${prefix}embeddings.position_ids`, { role: "buffer", kind: "buffer" });
  }
  expectClass("cls.predictions.decoder.weight", { role: "unembed" });
  expectClass("cls.predictions.bias", { role: "unembed", kind: "bias" });
});

test("unknown names: role other, layer guessed from a numbered block", () => {
  expectClass("encoder.blocks.3.ffn.w1.weight", { role: "other", family: "other", layer: 3, kind: "weight" });
  expectClass("something_else", { role: "other", layer: null, kind: "other" });
  // Near misses must not be taken for known modules.
  expectClass("gpt_neox.layers.x.attention.dense.weight", { role: "other" });
  expectClass("gpt_neox.layers.1.attention.dense.weight.extra", { role: "other" });
});

test("isNonParameterBuffer: named buffers and any non-float tensor", () => {
  assert.equal(isNonParameterBuffer("gpt_neox.layers.0.attention.bias", "BOOL"), true);
  assert.equal(isNonParameterBuffer("gpt_neox.layers.0.attention.bias", "F32"), true);
  assert.equal(isNonParameterBuffer("gpt_neox.layers.0.attention.masked_bias", "F32"), true);
  assert.equal(isNonParameterBuffer("gpt_neox.layers.0.attention.rotary_emb.inv_freq", "F32"), true);
  assert.equal(isNonParameterBuffer("h.0.attn.bias", "F32"), true);
  assert.equal(isNonParameterBuffer("gpt_neox.layers.0.attention.dense.bias", "F32"), false);
  assert.equal(isNonParameterBuffer("h.0.attn.c_attn.bias", "BF16"), false);
  assert.equal(isNonParameterBuffer("some.step_counter", "I64"), true);
  assert.equal(isNonParameterBuffer("embed_out.weight", "F16"), false);
  assert.equal(isNonParameterBuffer("embed_out.weight", "U8"), true);
});

test("isSpectralTarget: attention and MLP weight matrices with min(rows, cols) within the limit", () => {
  const weight = (role: TensorRole) => ({ role, kind: "weight" as const });
  assert.equal(isSpectralTarget(weight("attn.qkv"), [384, 128], 256), true);
  assert.equal(isSpectralTarget(weight("mlp.out"), [128, 512], 128), true);
  assert.equal(isSpectralTarget(weight("mlp.out"), [300, 512], 256), false, "min dimension above the limit");
  assert.equal(isSpectralTarget(weight("mlp.out"), [128, 512], 0), false, "0 disables");
  assert.equal(isSpectralTarget(weight("embed"), [264, 128], 256), false, "embeddings are not fitted");
  assert.equal(isSpectralTarget(weight("unembed"), [264, 128], 256), false);
  assert.equal(isSpectralTarget({ role: "attn.qkv", kind: "bias" }, [384], 256), false);
});
