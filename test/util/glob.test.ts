import { test } from "node:test";
import assert from "node:assert/strict";
import { globToRegExp, nameFilter } from "../../src/util/glob.js";

test("globs match tensor names with dots literally and * across dots", () => {
  const r = globToRegExp("gpt_neox.layers.*.attention.*");
  assert.ok(r.test("gpt_neox.layers.0.attention.query_key_value.weight"));
  assert.ok(!r.test("gpt_neox.layers.0.mlp.dense_h_to_4h.weight"));
  assert.ok(!globToRegExp("a.b").test("axb"), "a dot is literal");
  assert.ok(globToRegExp("layer?").test("layer7"));
  assert.ok(globToRegExp("l[01]").test("l1") && !globToRegExp("l[01]").test("l2"));
});

test("nameFilter: include any, exclude any", () => {
  const f = nameFilter(["*.weight"], ["*layernorm*"]);
  assert.equal(f("a.dense.weight"), true);
  assert.equal(f("a.input_layernorm.weight"), false);
  assert.equal(f("a.dense.bias"), false);
  assert.equal(nameFilter()("anything"), true);
});
