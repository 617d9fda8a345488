// Shards through the Hub stand-in: `hf://org/synth --revisions ...` cut into N = 1, 2, 3, 7 shards
// and merged gives the store the single-process analysis of the same hf:// run writes (every
// table row for row, stats/events byte for byte). One fake Hub and one reference serve every N;
// N = 1, 2, 7 run in process, N = 3 through the CLI (`analyze --shard K/3`, `merge`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeShard } from "../../src/cluster/analyze-shard.js";
import { mergeParts } from "../../src/cluster/merge.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { runCli } from "../helpers/cli.js";
import { startFakeHub, type FakeHub } from "../helpers/fake-hub.js";
import { assertSameStore, fakeHubOptions, hubRevisionsOf, smallSyntheticRun, storeContent, tempDir, type StoreContent } from "./helpers.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];
const URL_ = "hf://org/synth";
const REVISIONS = STEPS.map((s) => `step${s}`).join(",");
const FAST = { shape: false, spectralMaxDim: 0, revisions: REVISIONS } as const;

let dir: string;
let hub: FakeHub;
let expected: StoreContent;
before(async () => {
  dir = tempDir("hub");
  const run = await smallSyntheticRun(dir, STEPS);
  hub = await startFakeHub({ repos: { "org/synth": hubRevisionsOf(run, STEPS) } });
  await analyzeRun(URL_, { out: join(dir, "single"), workers: 2, hub: fakeHubOptions(hub.url), ...FAST });
  expected = await storeContent(join(dir, "single"));
});
after(async () => {
  await hub?.close();
});

test("hf:// run through the fake Hub: N = 1, 2, 7 shards (in process) + merge equal one process", async () => {
  for (const n of [1, 2, 7]) {
    const out = join(dir, `n${n}`);
    const before = hub.contentRequests().length;
    for (let k = 0; k < n; k++) {
      const s = await analyzeShard(URL_, out, { index: k, count: n }, FAST, { workers: 0, hub: fakeHubOptions(hub.url) });
      assert.equal(s.analyzed, STEPS.filter((_, i) => i % n === k).length, `N=${n} K=${k}`);
      assert.ok(s.remote !== undefined && s.remote.bytesTransferred > 0, `N=${n} K=${k}: weights came over HTTP`);
    }
    assert.ok(hub.contentRequests().length > before, `N=${n}: weights were read through the Hub`);
    const merged = await mergeParts(out);
    assert.deepEqual([merged.merged, merged.missing], [STEPS.length, []]);
    assertSameStore(await storeContent(out), expected, `hub N=${n}`);
  }
});

test("hf:// run through the fake Hub: 3 shards with the CLI (`analyze --shard K/3`, `merge`) equal one process", async () => {
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf-home"), HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HF_HUB_OFFLINE: "" };
  const common = [URL_, "--revisions", REVISIONS, "--workers", "1", "--no-shape", "--spectral-max-dim", "0"];
  const out = join(dir, "cli-n3");
  const before = hub.contentRequests().length;
  for (let k = 0; k < 3; k++) {
    const r = await runCli(["analyze", ...common, "--out", out, "--shard", `${k}/3`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`shard ${k}/3 of run "synth": ${k === 0 ? 4 : 3} of 10 checkpoint\\(s\\)`));
  }
  const merged = await runCli(["merge", out], { env });
  assert.equal(merged.code, 0, merged.stderr);
  assert.ok(hub.contentRequests().length > before, "weights were read through the Hub");
  assertSameStore(await storeContent(out), expected, "hub N=3 (CLI)");
});
