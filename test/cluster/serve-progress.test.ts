// `serve <dir>` on the --out folder of `cluster submit`: the queue's progress live (the numbers of
// `cluster status`, failed checkpoints with their typed error), in /progress.json, as `progress`
// events and on the page in headless Chromium; after the merge, the merged report too. A status
// read from a Redis that does not answer fails in seconds, naming what to do.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { flowStatus, type FlowStatus } from "../../src/cluster/queue/status.js";
import { RedisUnavailableError } from "../../src/cluster/errors.js";
import { runCli, startCli } from "../helpers/cli.js";
import { startRedis } from "../helpers/redis.js";
import { launchBrowser } from "../report/helpers/browser.js";
import { smallSyntheticRun, tempDir } from "./helpers.js";
import { spawnWorker, waitForFlow } from "./queue-helpers.js";

const START_TIMEOUT_MS = 60_000;

interface Served { child: ChildProcess; url: URL; stdout(): string; stop(): Promise<number | null> }

async function serve(args: readonly string[]): Promise<Served> {
  const child = startCli(["serve", ...args, "--port", "0"]);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed in ${START_TIMEOUT_MS / 1000} s; stdout: ${stdout} stderr: ${stderr}`)), START_TIMEOUT_MS);
    child.stdout!.on("data", () => {
      const m = /serving (http:\/\/\S+\/) /.exec(stdout);
      if (m) { clearTimeout(timer); resolve(new URL(m[1]!)); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited (${code}) before serving: ${stderr}`)); });
  });
  return { child, url, stdout: () => stdout, stop: () => { child.kill("SIGTERM"); return exited; } };
}

/** Collects the `progress` events of the server's SSE stream. */
function progressEvents(url: URL): { events: FlowStatus[]; close(): void } {
  const events: FlowStatus[] = [];
  let buffer = "";
  const req = get(new URL("events", url), (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: progress$/m.test(block)) events.push(JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as FlowStatus);
      }
    });
  });
  req.on("error", () => undefined);
  return { events, close: () => req.destroy() };
}

async function progressJson(url: URL): Promise<FlowStatus> {
  const r = await fetch(new URL("progress.json", url));
  assert.equal(r.status, 200);
  return (await r.json()) as FlowStatus;
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("serve <dir> of a queued analysis: live progress equal to `cluster status`, a failed checkpoint with its error, then the merged report", async () => {
  const dir = tempDir("serve-progress");
  const run = await smallSyntheticRun(dir, [0, 1, 2, 4, 8]);
  // A header length far beyond the file: a SafetensorsParseError.
  const fd = openSync(join(run, "checkpoint-4", "model.safetensors"), "r+");
  writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]), 0, 8, 0);
  closeSync(fd);
  const redis = await startRedis();
  const out = join(dir, "out");
  let served: Served | undefined;
  let sse: ReturnType<typeof progressEvents> | undefined;
  const browser = await launchBrowser();
  const worker: { stop(): Promise<void> }[] = [];
  try {
    const submitted = await runCli(["cluster", "submit", run, "--redis", redis.url, "--out", out, "--no-shape", "--spectral-max-dim", "0", "--attempts", "3", "--backoff", "100", "--allow-missing"]);
    assert.equal(submitted.code, 0, submitted.stderr);
    // No --redis: serve reads the flow's Redis from cluster.json.
    served = await serve([out]);
    const url = served.url;
    assert.match(served.stdout(), /progress of flow fp-\S+ from redis:\/\/127\.0\.0\.1:\d+/);
    const before = await progressJson(url);
    assert.deepEqual(before, await flowStatus(out, { redis: redis.url }), "the numbers of cluster status");
    assert.deepEqual(before.counts, { done: 0, active: 0, failed: 0, waiting: 5, missing: 0 });
    assert.equal((await fetch(new URL("data.json", url))).status, 404, "no report before the merge");
    sse = progressEvents(url);
    const page = await browser.context.newPage();
    await page.goto(url.href);
    assert.equal(await page.locator('#fp-progress-counts tr[data-state="waiting"] td').textContent(), "5");

    worker.push(spawnWorker(redis.url));
    const status = await waitForFlow(out, redis.url);
    assert.equal(status.merge.state, "done", status.merge.error);
    const shown = await until("progress.json shows the merge done", () => progressJson(url), (p) => p.merge.state === "done");
    assert.deepEqual(shown, await flowStatus(out, { redis: redis.url }), "the numbers of cluster status");
    const cli = await runCli(["cluster", "status", out, "--redis", redis.url, "--json"]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(shown, JSON.parse(cli.stdout), "cluster status --json");
    assert.deepEqual(shown.counts, { done: 4, active: 0, failed: 1, waiting: 0, missing: 0 });
    assert.deepEqual(shown.failed.map((f) => [f.step, f.attempts]), [[4, 1]]);
    assert.match(shown.failed[0]!.error, /^SafetensorsParseError SAFETENSORS_PARSE: .*checkpoint-4/);

    // Live: the events went from nothing done to the final state, never backwards.
    await until("the final progress event", async () => sse!.events.at(-1), (e) => e?.merge.state === "done");
    const done = sse.events.map((e) => e.counts.done);
    assert.ok(sse.events.length >= 2, `${sse.events.length} progress events`);
    assert.equal(done[0], 0);
    assert.deepEqual(done, [...done].sort((a, b) => a - b), "done counts only grow");
    assert.deepEqual(sse.events.at(-1), shown);

    // The page updated itself without a reload.
    await page.waitForFunction(() => (window as unknown as { __fpProgress: { last: FlowStatus } }).__fpProgress.last.merge.state === "done", null, { timeout: 20_000 });
    assert.ok(await page.evaluate(() => (window as unknown as { __fpProgress: { updates: number } }).__fpProgress.updates) >= 1);
    assert.equal(await page.locator('#fp-progress-counts tr[data-state="done"] td').textContent(), "4");
    assert.equal(await page.locator('#fp-progress-counts tr[data-state="failed"] td').textContent(), "1");
    assert.match(await page.locator('#fp-progress-failed tr[data-step="4"]').textContent() ?? "", /step 4.*1 attempt\(s\).*SafetensorsParseError SAFETENSORS_PARSE/);
    sse.close();
    assert.equal(await served.stop(), 0);
    served = undefined;

    // After the merge: the merged report, with the progress beside it.
    served = await serve([out, "--redis", redis.url]);
    const data = (await (await fetch(new URL("data.json", served.url))).json()) as { runs: { steps: number[] }[] };
    assert.deepEqual(data.runs.map((r) => r.steps), [[0, 1, 2, 8]]);
    assert.equal((await progressJson(served.url)).merge.state, "done");
    assert.equal(await served.stop(), 0);
    served = undefined;
  } finally {
    sse?.close();
    await served?.stop();
    await Promise.all(worker.map((w) => w.stop()));
    await browser.close();
    await redis.stop();
  }
});

test("a status read from a Redis that does not answer fails in seconds, saying what to do", async () => {
  const redis = await startRedis();
  const url = redis.url;
  await redis.stop(); // nothing listens on that port now
  const started = Date.now();
  await assert.rejects(flowStatus("fp-nothing", { redis: url, timeoutMs: 1_000 }), (err: unknown) =>
    err instanceof RedisUnavailableError && /did not answer within 1 s ---> HINT: start redis-server/.test(err.message));
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});
