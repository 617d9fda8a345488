// The dashboard's side of a watched run (report/watch.ts) over a real RunWatcher on a synthetic
// run with one truncated checkpoint: on connect the page gets the outstanding failure at once, in
// its words ("checkpoint-16 (step 16): ...", the file apart); new data re-shows the newest failure
// (a data update clears the page's error); once the checkpoint is repaired, a data update alone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, rm, truncate } from "node:fs/promises";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { Store } from "../../src/store/index.js";
import { RunWatcher } from "../../src/pipeline/watch.js";
import { failureUpdate, reportUpdates, reportWatcher } from "../../src/report/watch.js";
import type { ReportUpdate } from "../../src/report/server.js";

let dir: string;
let run: string;
let store: Store;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-report-watch-"));
  run = join(dir, "run");
  await writeSyntheticRun(run, { kind: "fork", seed: 8, steps: [0, 4, 16] });
  const weights = join(run, "checkpoint-16", "model.safetensors");
  await truncate(weights, Math.floor(statSync(weights).size / 2));
  store = await Store.openDir(join(dir, "out"));
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("failureUpdate: the checkpoint's label and step lead, the file is not repeated in the message", () => {
  const file = "/runs/a/checkpoint-8/model.safetensors";
  assert.deepEqual(failureUpdate({ step: 8, label: "checkpoint-8", file, message: `${file}: header length 9 exceeds the file` }),
    { kind: "error", message: "checkpoint-8 (step 8): header length 9 exceeds the file", file });
  assert.deepEqual(failureUpdate({ step: 8, label: "checkpoint-8", file, message: "internal error: boom" }),
    { kind: "error", message: "checkpoint-8 (step 8): internal error: boom", file });
});

test("connect hands over the outstanding failure; new data re-shows it; a repaired checkpoint gives data alone", async () => {
  const watcher = new RunWatcher({ runDir: run, store, runId: "run", analyze: { workers: 0, shape: false }, afterAnalyze: null, pollMs: 100, debounceMs: 20 });
  const first = await watcher.scan();
  assert.deepEqual([first.analyzed, first.failed.map((f) => f.step)], [[0, 4], [16]]);
  const file = join(run, "checkpoint-16", "model.safetensors");

  // a data update while checkpoint-16 is outstanding: data, then its failure again
  const onData = reportUpdates(watcher, { kind: "stored", what: "checkpoints", steps: [4] });
  assert.equal(onData.length, 2);
  assert.deepEqual(onData[0], { kind: "data" });
  assert.deepEqual(onData[1], failureUpdate(watcher.failures()[0]!));
  assert.deepEqual(reportUpdates(watcher, { kind: "error", message: "no checkpoints" }), [{ kind: "error", message: "no checkpoints" }]);

  const published: ReportUpdate[] = [];
  let gotData: () => void = () => {};
  const data = new Promise<void>((resolve) => { gotData = resolve; });
  const stop = await reportWatcher(watcher)((u) => { published.push(u); if (u.kind === "data") gotData(); });
  try {
    assert.equal(published.length, 1, "the outstanding failure, at once");
    const handed = published[0] as { kind: string; message: string; file?: string };
    assert.equal(handed.kind, "error");
    assert.match(handed.message, /^checkpoint-16 \(step 16\): tensor "[^"]+": .*truncated/);
    assert.equal(handed.file, file);
    // repaired: the poll sees its files change, it is stored, and the page gets data with no error after it
    await copyFile(join(run, "checkpoint-4", "model.safetensors"), file);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no data update within 20 s")), 20_000).unref());
    await Promise.race([data, timeout]);
  } finally {
    await stop();
  }
  assert.deepEqual(published.slice(1), [{ kind: "data" }]);
  assert.deepEqual((await store.listCheckpoints("run", { completeOnly: true })).map((c) => c.step), [0, 4, 16]);
});
