// BullMQ on a real redis-server: three worker processes analyze a 13-checkpoint synthetic run,
// one is killed with SIGKILL mid-checkpoint (its job is retried elsewhere after the stalled
// check), nothing is stored twice and the merged store equals the single-process analysis.
// A Redis restart mid-run: the flow resumes. A corrupt checkpoint: the others finish, status
// names it with its typed error, merge refuses unless --allow-missing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { listPartDirs, partStorePath } from "../../src/cluster/parts.js";
import { runCli } from "../helpers/cli.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { SMALL_STEPS, assertSameStore, sharedSmallRun, smallSyntheticRun, storeContent, tempDir } from "./helpers.js";
import { spawnWorker, waitForFlow, type WorkerProcess } from "./queue-helpers.js";

/** The flags of sharedSmallRun's reference analysis (FAST_ANALYSIS). */
const ANALYZE_FLAGS = ["--no-shape", "--spectral-max-dim", "0"];

let redis: TestRedis;
const workers: WorkerProcess[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
});

async function submit(run: string, out: string, redisUrl: string, extra: string[] = []): Promise<string> {
  const r = await runCli(["cluster", "submit", run, "--redis", redisUrl, "--out", out, ...ANALYZE_FLAGS, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fp-[0-9a-f-]+\n$/);
  return r.stdout.trim();
}

/** Every part holds exactly its one step, complete, without duplicate rows. */
async function assertPartsStoredOnce(out: string, steps: readonly number[]): Promise<void> {
  const parts = listPartDirs(out);
  assert.equal(parts.length, steps.length);
  for (const part of parts) {
    const store = await Store.open(partStorePath(part), { readOnly: true });
    try {
      assert.deepEqual((await store.checkIntegrity()).problems, []);
      const cps = await store.listCheckpoints((await store.listRuns())[0]!.run_id, { completeOnly: true });
      assert.deepEqual(cps.map((c) => `step-${c.step}`), [part.slice(part.lastIndexOf("/") + 1)]);
    } finally {
      await store.close();
    }
  }
}

test("three workers, one SIGKILLed mid-checkpoint: retried elsewhere, stored once, equal to one process", async () => {
  const dir = tempDir("queue-kill");
  // 13 checkpoints: more than the 3 workers take at once, so the killed job is retried while the
  // survivors still have work (the run once had 30, which only made the flow longer).
  const { run, expected } = await sharedSmallRun();
  const out = join(dir, "out");
  const flowId = await submit(run, out, redis.url);
  const trio = [0, 1, 2].map(() => spawnWorker(redis.url));
  workers.push(...trio);
  const victim = trio[0]!;
  const started = await victim.waitFor(/checkpoint (\S+) started/);
  victim.child.kill("SIGKILL");
  const killedJob = started[1]!;
  const status = await waitForFlow(out, redis.url);
  assert.equal(status.flowId, flowId);
  assert.deepEqual(status.counts, { done: SMALL_STEPS.length, active: 0, failed: 0, waiting: 0, missing: 0 });
  assert.equal(status.merge.state, "done", status.merge.error);
  assert.doesNotMatch(victim.log(), new RegExp(`${killedJob} done`), "the victim died before finishing its job");
  const survivors = trio.slice(1).map((w) => w.log()).join("");
  assert.match(survivors, new RegExp(`checkpoint ${killedJob} done`), "another worker finished the killed worker's job");
  await assertPartsStoredOnce(out, SMALL_STEPS);
  assertSameStore(await storeContent(out), expected, "3 workers, one killed");
  await Promise.all(trio.map((w) => w.stop()));
});

test("a Redis restart mid-run: the flow resumes and completes, equal to one process", async () => {
  const persistent = await startRedis({ persistent: true });
  try {
    const dir = tempDir("queue-restart");
    const { run, expected } = await sharedSmallRun();
    const out = join(dir, "out");
    await submit(run, out, persistent.url);
    const pair = [0, 1].map(() => spawnWorker(persistent.url));
    workers.push(...pair);
    await pair[0]!.waitFor(/checkpoint \S+ done[\s\S]*checkpoint \S+ done/);
    await persistent.restart();
    const status = await waitForFlow(out, persistent.url);
    assert.equal(status.merge.state, "done", status.merge.error);
    assert.equal(status.counts.done, SMALL_STEPS.length);
    assertSameStore(await storeContent(out), expected, "Redis restarted");
    await Promise.all(pair.map((w) => w.stop()));
  } finally {
    await persistent.stop();
  }
});

test("a corrupt checkpoint: the others finish, status names it with its typed error, merge refuses unless --allow-missing", async () => {
  const dir = tempDir("queue-corrupt");
  const run = await smallSyntheticRun(dir, [0, 1, 2, 4, 8, 16, 32, 64]);
  // A header length far beyond the file: a SafetensorsParseError, which no retry can fix.
  const fd = openSync(join(run, "checkpoint-8", "model.safetensors"), "r+");
  writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]), 0, 8, 0);
  closeSync(fd);
  const out = join(dir, "out");
  await submit(run, out, redis.url, ["--attempts", "4", "--backoff", "100"]);
  const pair = [0, 1].map(() => spawnWorker(redis.url));
  workers.push(...pair);
  const status = await waitForFlow(out, redis.url);
  assert.deepEqual(status.counts, { done: 7, active: 0, failed: 1, waiting: 0, missing: 0 });
  assert.equal(status.failed.length, 1);
  assert.equal(status.failed[0]!.step, 8);
  assert.equal(status.failed[0]!.attempts, 1, "not retried: a malformed file stays malformed");
  assert.match(status.failed[0]!.error, /^SafetensorsParseError SAFETENSORS_PARSE: .*checkpoint-8.*model\.safetensors/);
  assert.equal(status.merge.state, "failed");
  assert.match(status.merge.error ?? "", /INCOMPLETE_MERGE: .*1 of 8 checkpoint\(s\) are in no part \(steps 8\)/);
  const shown = await runCli(["cluster", "status", out, "--redis", redis.url]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /8 checkpoint\(s\): 7 done, 0 active, 1 failed, 0 waiting/);
  assert.match(shown.stdout, /failed step 8 after 1 attempt\(s\): SafetensorsParseError/);
  const refused = await runCli(["merge", out]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^forking-paths: .*1 of 8 checkpoint\(s\) are in no part \(steps 8\).*--allow-missing for a partial result\n$/);
  const partial = await runCli(["merge", out, "--allow-missing", "--no-events", "--json"]);
  assert.equal(partial.code, 0, partial.stderr);
  const summary = JSON.parse(partial.stdout) as { merged: number; missing: number[] };
  assert.deepEqual([summary.merged, summary.missing], [7, [8]]);
  await Promise.all(pair.map((w) => w.stop()));
});
