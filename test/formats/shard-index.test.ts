// Shard index parsing: Hugging Face index layout, limits, and refused shard names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySource } from "../../src/io/index.js";
import { parseShardIndex, readShardIndex, ShardIndexError } from "../../src/formats/shard-index.js";
import { MAX_INDEX_JSON_BYTES } from "../../src/util/limits.js";

const FILE = "model.safetensors.index.json";
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

function refused(input: unknown, tensor: string | undefined, pattern: RegExp): void {
  assert.throws(() => parseShardIndex(FILE, enc(input)), (err: unknown) => {
    assert.ok(err instanceof ShardIndexError, String(err));
    assert.equal(err.code, "SHARD_INDEX");
    assert.equal(err.tensor, tensor);
    assert.ok(err.message.startsWith(`${FILE}: `), err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test("parses a Hugging Face index: sorted distinct shards, weight map, metadata", async () => {
  const index = {
    metadata: { total_size: 1234 },
    weight_map: {
      "gpt_neox.embed_out.weight": "model-00002-of-00002.safetensors",
      "gpt_neox.embed_in.weight": "model-00001-of-00002.safetensors",
      "gpt_neox.layers.0.mlp.dense_h_to_4h.weight": "model-00001-of-00002.safetensors",
    },
  };
  const parsed = await readShardIndex(new MemorySource(enc(index), FILE));
  assert.deepEqual(parsed.shards, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
  assert.equal(parsed.weightMap.size, 3);
  assert.equal(parsed.weightMap.get("gpt_neox.embed_out.weight"), "model-00002-of-00002.safetensors");
  assert.deepEqual(parsed.metadata, { total_size: 1234 });
  // metadata is optional; sub-folders without ".." are allowed.
  const bare = parseShardIndex(FILE, enc({ weight_map: { w: "sub/shard.bin" } }));
  assert.deepEqual([bare.shards, bare.metadata], [["sub/shard.bin"], {}]);
});

test("refuses bad JSON, wrong types and empty maps", () => {
  refused("{not json", undefined, /index is not valid UTF-8 JSON/);
  refused([1], undefined, /index JSON is an array/);
  refused({ metadata: {} }, undefined, /"weight_map" is missing, expected an object/);
  refused({ weight_map: ["a"] }, undefined, /"weight_map" is an array/);
  refused({ weight_map: {} }, undefined, /"weight_map" lists no tensors/);
  refused({ weight_map: { w: 3 } }, "w", /shard is a number, expected a file name/);
  refused({ metadata: "x", weight_map: { w: "a.bin" } }, undefined, /"metadata" is a string, expected an object/);
});

test("refuses shard names that leave the checkpoint folder", () => {
  refused({ weight_map: { w: "../secrets.safetensors" } }, "w", /"\.\.\/secrets\.safetensors" climbs out of the checkpoint folder/);
  refused({ weight_map: { w: "a/../../b.bin" } }, "w", /climbs out/);
  refused({ weight_map: { w: "..\\b.bin" } }, "w", /climbs out/);
  refused({ weight_map: { w: "/etc/passwd" } }, "w", /is an absolute path/);
  refused({ weight_map: { w: "C:\\x.bin" } }, "w", /is an absolute path/);
  refused({ weight_map: { w: "" } }, "w", /is empty/);
  refused({ weight_map: { w: "a\u0000.bin" } }, "w", /NUL byte/);
  refused({ weight_map: { w: "a//b.bin" } }, "w", /empty or '\.' path segment/);
});

test("refuses index files over the size limit before reading them", async () => {
  const big = { name: FILE, size: MAX_INDEX_JSON_BYTES + 1, read: () => Promise.reject(new Error("must not read")), close: async () => {} };
  await assert.rejects(readShardIndex(big), (err: unknown) =>
    err instanceof ShardIndexError && new RegExp(`is ${MAX_INDEX_JSON_BYTES + 1} bytes, over the limit of ${MAX_INDEX_JSON_BYTES}`).test(err.message));
});
