// Shards through the Hub stand-in: `analyze hf://org/synth --revisions ... --shard K/3` for every K
// and `merge` give the store `analyze hf://...` writes in one process (stats/events byte for byte).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { startFakeHub, type FakeRevision } from "../helpers/fake-hub.js";
import { assertSameStore, smallSyntheticRun, storeContent, tempDir } from "./helpers.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];

test("hf:// run through the fake Hub: 3 shards + merge equal one process", async () => {
  const dir = tempDir("hub");
  const run = await smallSyntheticRun(dir, STEPS);
  const revisions: Record<string, FakeRevision> = Object.fromEntries(STEPS.map((s) => [`step${s}`, {
    files: { "model.safetensors": join(run, `checkpoint-${s}`, "model.safetensors"), "config.json": join(run, `checkpoint-${s}`, "config.json") },
  }]));
  const hub = await startFakeHub({ repos: { "org/synth": revisions } });
  try {
    const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf-home"), HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HF_HUB_OFFLINE: "" };
    const common = ["hf://org/synth", "--revisions", STEPS.map((s) => `step${s}`).join(","), "--workers", "2", "--no-shape", "--spectral-max-dim", "0"];
    const single = await runCli(["analyze", ...common, "--out", join(dir, "single")], { env });
    assert.equal(single.code, 0, single.stderr);
    const out = join(dir, "sharded");
    for (let k = 0; k < 3; k++) {
      const r = await runCli(["analyze", ...common, "--out", out, "--shard", `${k}/3`], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`shard ${k}/3 of run "synth": ${k === 0 ? 4 : 3} of 10 checkpoint\\(s\\)`));
    }
    const merged = await runCli(["merge", out], { env });
    assert.equal(merged.code, 0, merged.stderr);
    assert.ok(hub.contentRequests().length > 0, "weights were read through the Hub");
    assertSameStore(await storeContent(out), await storeContent(join(dir, "single")), "hub N=3");
  } finally {
    await hub.close();
  }
});
