// Shards + merge: for N = 1, 2, 3, 7 shards of a synthetic fork run and of a trained tiny run
// (the tiny run also through the Hub stand-in; the synthetic one is in hub-shard.test.ts), the merged store equals the single-process analysis (every table row for row, `stats --json`
// and `events --json` byte for byte); re-running a shard skips what it stored; merge refuses
// missing checkpoints (unless allowMissing) and parts of another analysis.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { analyzeShard } from "../../src/cluster/analyze-shard.js";
import { mergeParts } from "../../src/cluster/merge.js";
import { IncompleteMergeError, PartMismatchError } from "../../src/cluster/errors.js";
import { partDir } from "../../src/cluster/parts.js";
import { register as registerTrain } from "../../src/cli/commands/train.js";
import { runInProcess } from "../helpers/cli.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { FAST_ANALYSIS, assertSameStore, fakeHubOptions, hubRevisionsOf, sharedSmallRun, smallSyntheticRun, storeContent, tempDir, type StoreContent } from "./helpers.js";

// Shape statistics are exercised by the CLI tests (defaults); here the sweep over N stays fast
// (the options of sharedSmallRun's reference).
const FAST = FAST_ANALYSIS;

async function shardedAndMerged(run: string, out: string, n: number, options: { revisions?: string } = {}, exec: Parameters<typeof analyzeShard>[4] = {}): Promise<void> {
  for (let k = 0; k < n; k++) await analyzeShard(run, out, { index: k, count: n }, { ...FAST, ...options }, { workers: 0, ...exec });
  const merged = await mergeParts(out);
  assert.deepEqual(merged.missing, []);
}

/** One tiny run trained for the file (local and Hub tests), with its single-process store. */
let tiny: Promise<{ dir: string; run: string; steps: number[]; expected: StoreContent }> | undefined;
function trainedTiny(): NonNullable<typeof tiny> {
  tiny ??= (async () => {
    const dir = tempDir("tiny");
    const run = join(dir, "tiny");
    await runInProcess([registerTrain], ["train", "--preset", "tiny", "--width", "32", "--layers", "1", "--batch", "2", "--steps", "6",
      "--save-every", "2", "--log-steps-up-to", "2", "--eval-tokens", "256", "--workers", "1", "--out", run, "--json"]);
    await analyzeRun(run, { out: join(dir, "single"), workers: 0, ...FAST });
    const expected = await storeContent(join(dir, "single"));
    const steps = (expected.tables.checkpoints as { step: unknown }[]).map((c) => Number(c.step));
    return { dir, run, steps, expected };
  })();
  return tiny;
}

test("synthetic fork run: N = 1, 2, 3, 7 shards merge into the single-process store exactly", async () => {
  const dir = tempDir("synth");
  const { run, expected } = await sharedSmallRun();
  for (const n of [1, 2, 3, 7]) {
    const out = join(dir, `n${n}`);
    await shardedAndMerged(run, out, n);
    assertSameStore(await storeContent(out), expected, `N=${n}`);
  }
});

test("a trained tiny run: N = 1, 2, 3, 7 shards (7 > checkpoints: an empty shard) merge exactly", async () => {
  const { dir, run, steps, expected } = await trainedTiny();
  assert.ok(steps.length >= 4 && steps.length < 7, `tiny run has ${steps.length} checkpoints`);
  for (const n of [1, 2, 3, 7]) {
    const out = join(dir, `n${n}`);
    await shardedAndMerged(run, out, n);
    assertSameStore(await storeContent(out), expected, `tiny N=${n}`, { expectEvents: false });
  }
});

test("a trained tiny run through the Hub stand-in: N = 1, 2, 3, 7 shards merge into the single-process hf:// store exactly", async () => {
  const { dir, run, steps } = await trainedTiny();
  const hub = await startFakeHub({ repos: { "org/tiny": hubRevisionsOf(run, steps) } });
  try {
    const revisions = steps.map((s) => `step${s}`).join(",");
    const hubOptions = fakeHubOptions(hub.url);
    await analyzeRun("hf://org/tiny", { out: join(dir, "hub-single"), workers: 0, hub: hubOptions, revisions, ...FAST });
    const expected = await storeContent(join(dir, "hub-single"));
    assert.deepEqual((expected.tables.runs as { source: unknown }[]).map((r) => r.source), ["hf://org/tiny"]);
    for (const n of [1, 2, 3, 7]) {
      const out = join(dir, `hub-n${n}`);
      const before = hub.contentRequests().length;
      await shardedAndMerged("hf://org/tiny", out, n, { revisions }, { hub: hubOptions });
      assert.ok(hub.contentRequests().length > before, `N=${n}: weights were read through the Hub`);
      assertSameStore(await storeContent(out), expected, `tiny hub N=${n}`, { expectEvents: false });
    }
  } finally {
    await hub.close();
  }
});

test("a re-run shard skips what it stored; merge refuses missing checkpoints unless allowed, and foreign parts", async () => {
  const dir = tempDir("refuse");
  const run = await smallSyntheticRun(dir, [0, 1, 2, 4, 8, 16]);
  const out = join(dir, "out");
  const first = await analyzeShard(run, out, { index: 0, count: 2 }, FAST, { workers: 0 });
  assert.deepEqual([first.analyzed, first.skipped, first.steps], [3, 0, [0, 2, 8]]);
  const again = await analyzeShard(run, out, { index: 0, count: 2 }, FAST, { workers: 0 });
  assert.deepEqual([again.analyzed, again.skipped], [0, 3]);
  await assert.rejects(mergeParts(out), (err: unknown) =>
    err instanceof IncompleteMergeError && /3 of 6 checkpoint\(s\) are in no part \(steps 1, 4, 16\).*--allow-missing/.test(err.message));
  const partial = await mergeParts(out, { allowMissing: true, events: false });
  assert.deepEqual([partial.merged, partial.missing], [3, [1, 4, 16]]);
  // The other shard with other options: refused, by name, before anything is merged.
  const other = join(dir, "other");
  await analyzeShard(run, other, { index: 1, count: 2 }, { ...FAST, keepFullMaxElements: 8 }, { workers: 0 });
  await assert.rejects(mergeParts(out, { from: [partDir(out, "shard-0-of-2"), partDir(other, "shard-1-of-2")] }), (err: unknown) =>
    err instanceof PartMismatchError && /shard-1-of-2: analysis options differs from part shard-0-of-2/.test(err.message));
  // The same shard re-run into the same folder with other options: refused, nothing mixed.
  await assert.rejects(analyzeShard(run, out, { index: 0, count: 2 }, { ...FAST, keepFullMaxElements: 8 }, { workers: 0 }), PartMismatchError);
});
