// The store's text columns read back into their vocabularies: a known word comes back typed, an
// unknown one (a store written by another version) is a StoreError naming the column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { wordOf } from "../../src/store/codec.js";
import { EVENT_KINDS, TENSOR_ROLES } from "../../src/store/vocabulary.js";
import { classifyTensor } from "../../src/tensor/names.js";
import { StoreError } from "../../src/util/errors.js";

test("wordOf: known words pass; an unknown role or event kind is a StoreError naming the column and what to do", () => {
  assert.equal(wordOf("tensor_stats.role", "attn.qkv", TENSOR_ROLES), "attn.qkv");
  assert.equal(wordOf("events.kind", "layer_fork", EVENT_KINDS), "layer_fork");
  assert.throws(() => wordOf("tensor_stats.role", "w", TENSOR_ROLES), (e: unknown) => e instanceof StoreError && /^tensor_stats\.role: holds "w", not one of attn\.qkv, .*analyze into a new folder/.test(e.message));
  assert.throws(() => wordOf("events.kind", null, EVENT_KINDS), StoreError);
});

test("every role the name classifier gives is in the store's vocabulary", () => {
  const names = ["gpt_neox.layers.0.attention.query_key_value.weight", "model.layers.1.mlp.gate_proj.weight", "transformer.h.0.ln_1.bias", "lm_head.weight", "bert.embeddings.LayerNorm.weight", "something.else"];
  for (const name of names) assert.ok(TENSOR_ROLES.includes(classifyTensor(name).role), name);
});
