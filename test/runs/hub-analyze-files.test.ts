// The remote checkpoint opener: the same file choice as openCheckpoint's folder rules, sharded
// checkpoints opening only the shards that hold selected tensors, and Hub run discovery.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { planCheckpoint } from "../../src/formats/checkpoint.js";
import { chooseCheckpointFiles } from "../../src/formats/checkpoint-files.js";
import { encodeSafetensors } from "../../src/formats/safetensors/index.js";
import { encodeFloats } from "../../src/formats/dtype.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { discoverHubRun, hubRunId } from "../../src/runs/hub-run.js";
import { Store } from "../../src/store/store.js";
import { statsJson } from "../../src/store/views.js";
import { UsageError } from "../../src/util/errors.js";
import { RemoteChangedError } from "../../src/io/http-errors.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { safetensorsCheckpoint, tmp } from "./hub-analyze-fixtures.js";

const LISTINGS: string[][] = [
  ["model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "pytorch_model.bin"],
  ["model.safetensors", "other.safetensors", "pytorch_model.bin"],
  ["b.safetensors", "a.safetensors", "config.json"],
  ["pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"],
  ["pytorch_model.bin", "training_args.bin", "optimizer.pt"],
  ["weights.PT", "training_args.bin", "rng_state.pth", "scheduler.pt"],
  ["a.bin", "b.pt"],
  ["config.json", "README.md"],
];

test("chooseCheckpointFiles makes openCheckpoint's choice (planCheckpoint) for the same folder listing", async () => {
  const root = tmp("choose");
  for (const [i, names] of LISTINGS.entries()) {
    const dir = join(root, String(i));
    mkdirSync(dir);
    for (const n of names) writeFileSync(join(dir, n), "x");
    const local = await planCheckpoint(dir).then((p) => ("index" in p ? { index: p.index.slice(dir.length + 1) } : { files: p.files.map((f) => f.slice(dir.length + 1)) }), (e: Error) => e.constructor.name + (e.message.includes("several") ? ":several" : ""));
    let remote: unknown;
    try {
      remote = chooseCheckpointFiles(dir, names);
    } catch (e) {
      remote = (e as Error).constructor.name + ((e as Error).message.includes("several") ? ":several" : "");
    }
    assert.deepEqual(remote, local, `listing ${names.join(", ")}`);
  }
});

function shard(names: string[], seed: number): Uint8Array {
  return encodeSafetensors(names.map((name, i) => ({ name, dtype: "F32", shape: [128, 64], data: encodeFloats("F32", Array.from({ length: 128 * 64 }, (_, k) => Math.sin(seed + i * 7 + k * 0.01)) ) })));
}

test("a sharded revision opens only the shards holding selected tensors; results equal the local folder", async () => {
  const dir = tmp("shards");
  const a = ["gpt_neox.layers.0.attention.dense.weight", "gpt_neox.layers.0.mlp.dense_h_to_4h.weight"];
  const b = ["gpt_neox.layers.1.attention.dense.weight", "gpt_neox.layers.1.attention.query_key_value.weight"];
  const files: Record<string, Uint8Array> = {
    "model-00001-of-00002.safetensors": shard(a, 1),
    "model-00002-of-00002.safetensors": shard(b, 2),
  };
  const weightMap = Object.fromEntries([...a.map((n) => [n, "model-00001-of-00002.safetensors"]), ...b.map((n) => [n, "model-00002-of-00002.safetensors"])]);
  files["model.safetensors.index.json"] = new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 4 * 128 * 64 * 4 }, weight_map: weightMap }));
  mkdirSync(join(dir, "local", "step5"), { recursive: true });
  for (const [n, bytes] of Object.entries(files)) writeFileSync(join(dir, "local", "step5", n), bytes);
  const hub = await startFakeHub({ repos: { "org/sharded": { step5: { files } } } });
  try {
    const include = ["*attention.*"];
    await analyzeRun(join(dir, "local"), { out: join(dir, "local-out"), runId: "r", workers: 0, include });
    const summary = await analyzeRun("hf://org/sharded@step5", { out: join(dir, "hub-out"), runId: "r", workers: 0, include, hub: { endpoint: hub.url, useCache: false } });
    assert.deepEqual(summary.steps, [5]);
    assert.equal(summary.tensors, 3);
    const count = (file: string) => hub.requests.filter((r) => r.file === file).length;
    const [shard1, shard2] = [count("model-00001-of-00002.safetensors"), count("model-00002-of-00002.safetensors")];
    assert.ok(shard1 > 0 && shard2 > 0, "both shards hold selected tensors");
    const layer1 = await analyzeRun("hf://org/sharded@step5", { out: join(dir, "hub-out-2"), runId: "r", workers: 0, include: ["gpt_neox.layers.1.*"], hub: { endpoint: hub.url, useCache: false } });
    assert.equal(layer1.tensors, 2);
    assert.equal(count("model-00001-of-00002.safetensors"), shard1, "shard 1 is not requested for a layer-1 selection");
    assert.ok(count("model-00002-of-00002.safetensors") > shard2);
    assert.equal(layer1.remote!.filesBytes, Object.values(files).reduce((n, f) => n + f.byteLength, 0), "file size counts the index and every shard");
    const rows = async (out: string) => {
      const store = await Store.openDir(out, { readOnly: true });
      try {
        return (await store.tensorStats({ run: "r" })).map(statsJson);
      } finally {
        await store.close();
      }
    };
    assert.deepEqual(await rows(join(dir, "hub-out")), await rows(join(dir, "local-out")));
  } finally {
    await hub.close();
  }
});

test("discoverHubRun: one checkpoint per reference, or the selected revisions ordered by step", async () => {
  const bytes = safetensorsCheckpoint(0);
  const rev = { files: { "model.safetensors": bytes } };
  const hub = await startFakeHub({ repos: { "org/r": { main: rev, step10: rev, step2: rev, step100: rev, "checkpoint-7": rev } } });
  try {
    const options = { hub: { endpoint: hub.url, useCache: false } };
    const one = await discoverHubRun("hf://org/r@step100", options);
    assert.deepEqual(one.map((c) => [c.step, c.label, c.path]), [[100, "step100", "hf://org/r@step100"]]);
    assert.match(one[0]!.commit, /^[0-9a-f]{40}$/);
    const main = await discoverHubRun("hf://org/r", options);
    assert.deepEqual(main.map((c) => [c.step, c.revision]), [[0, "main"]]);
    const many = await discoverHubRun("hf://org/r", { ...options, revisions: "step*,checkpoint-7" });
    assert.deepEqual(many.map((c) => c.step), [2, 7, 10, 100]);
    await assert.rejects(discoverHubRun("hf://org/r@step2", { ...options, revisions: "step*" }), UsageError);
    const opened = await many[0]!.open({ select: (n) => n.endsWith("query_key_value.weight") });
    try {
      assert.deepEqual(opened.tensors.map((t) => t.name), ["gpt_neox.layers.0.attention.query_key_value.weight"]);
      assert.equal(opened.filesBytes, bytes.byteLength);
      assert.equal(opened.format, "safetensors");
    } finally {
      await opened.close();
    }
    assert.equal(hubRunId("hf://EleutherAI/pythia-70m@step0"), "pythia-70m");
    // The file changes size between the listing and its opening: RemoteChangedError, not a misread.
    const racing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input instanceof Request ? input.url : input).includes("/tree/")) hub.replaceFile("org/r", "step10", "model.safetensors", safetensorsCheckpoint(1).subarray(0, bytes.byteLength - 8));
      return res;
    };
    const [step10] = await discoverHubRun("hf://org/r@step10", { hub: { ...options.hub, fetch: racing } });
    await assert.rejects(step10!.open(), (e: unknown) => e instanceof RemoteChangedError && /size \d+ in the file listing/.test(e.message));
  } finally {
    await hub.close();
  }
});
