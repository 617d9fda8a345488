// An hf:// run on the queue through the Hub stand-in, with `worker --hub-rate`: the workers'
// Hub requests together stay within the rate (a token bucket in Redis), and the merged store
// equals `analyze hf://...` in one process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { startFakeHub, type FakeRevision } from "../helpers/fake-hub.js";
import { startRedis } from "../helpers/redis.js";
import { assertSameStore, smallSyntheticRun, storeContent, tempDir } from "./helpers.js";
import { spawnWorker, waitForFlow } from "./queue-helpers.js";

const STEPS = [0, 2, 8, 32, 128, 512];
// Each worker process sketches with one statistics thread (--workers 1): hf:// tensors are handed
// to worker threads as in a real cluster.
const RATE = 8;

test("two workers with --hub-rate 8 on an hf:// run: at most 8 Hub requests/s together, result equal to one process", async () => {
  const dir = tempDir("queue-hub");
  const run = await smallSyntheticRun(dir, STEPS);
  const revisions: Record<string, FakeRevision> = Object.fromEntries(STEPS.map((s) => [`step${s}`, {
    files: { "model.safetensors": join(run, `checkpoint-${s}`, "model.safetensors"), "config.json": join(run, `checkpoint-${s}`, "config.json") },
  }]));
  const hub = await startFakeHub({ repos: { "org/synth": revisions } });
  const redis = await startRedis();
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf-home"), HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HF_HUB_OFFLINE: "" };
  const common = ["hf://org/synth", "--revisions", STEPS.map((s) => `step${s}`).join(","), "--no-shape", "--spectral-max-dim", "0"];
  const pair = [0, 1].map(() => spawnWorker(redis.url, ["--hub-rate", String(RATE), "--hub-burst", "1", "--workers", "1"], env));
  try {
    const single = await runCli(["analyze", ...common, "--out", join(dir, "single"), "--workers", "0"], { env });
    assert.equal(single.code, 0, single.stderr);
    const out = join(dir, "out");
    const submitted = await runCli(["cluster", "submit", ...common, "--redis", redis.url, "--out", out], { env });
    assert.equal(submitted.code, 0, submitted.stderr);
    const before = hub.requests.length;
    const started = Date.now();
    await mergeStartedOnEither(pair);
    const seconds = (Date.now() - started) / 1000;
    const requests = hub.requests.length - before;
    assert.ok(requests >= STEPS.length * 2, `the jobs made ${requests} Hub requests`);
    // Burst 1 then RATE per second: n requests need at least (n - 1) / RATE seconds.
    assert.ok(seconds >= (requests - 1) / RATE * 0.95, `${requests} requests in ${seconds} s exceed ${RATE}/s`);
    const status = await waitForFlow(out, redis.url);
    assert.equal(status.merge.state, "done", `${status.merge.error}\n${JSON.stringify(status.failed)}`);
    assertSameStore(await storeContent(out), await storeContent(join(dir, "single")), "queue over the Hub");
  } finally {
    await Promise.all(pair.map((w) => w.stop()));
    await redis.stop();
    await hub.close();
  }
});

/** Waits until either worker logs that it started the merge (whichever takes the parent job). */
async function mergeStartedOnEither(workers: readonly { log(): string }[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!workers.some((w) => /merge \S+ started/.test(w.log()))) {
    if (Date.now() > deadline) throw new Error(`no worker started the merge within ${timeoutMs} ms; logs:\n${workers.map((w) => w.log()).join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
