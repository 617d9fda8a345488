// RunWatcher (the live analysis) on a synthetic run: analyzes complete checkpoints into the shared
// open store, waits for a checkpoint without trainer_state.json until its files are stable across
// two polls, sets a truncated checkpoint aside (typed error naming the file, reported once, kept as
// outstanding, retried only when its files change) while the others go on, and reacts to fs
// events: the listener hears of the new checkpoint, then of its events.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { Store } from "../../src/store/index.js";
import { RunWatcher, type WatchEvent } from "../../src/pipeline/watch.js";

let dir: string;
let run: string;
let stage: string;
let store: Store;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-watch-"));
  run = join(dir, "run");
  stage = join(dir, "stage");
  await writeSyntheticRun(run, { kind: "fork", seed: 8, steps: [0, 4, 16, 64, 128, 256] });
  await mkdir(stage);
  for (const step of [64, 128, 256]) await rename(join(run, `checkpoint-${step}`), join(stage, `checkpoint-${step}`));
  store = await Store.openDir(join(dir, "out"));
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stepsStored = async (): Promise<number[]> => (await store.listCheckpoints("run", { completeOnly: true })).map((c) => c.step);

test("scan: complete checkpoints analyzed; one without trainer_state.json waits for stable files; a truncated one is set aside and retried only when changed", async () => {
  let afterCalls = 0;
  const lines: string[] = [];
  const watcher = new RunWatcher({
    runDir: run, store, runId: "run", analyze: { workers: 0, shape: false },
    afterAnalyze: async () => { afterCalls++; }, log: (l) => lines.push(l),
  });
  const first = await watcher.scan();
  assert.deepEqual(first.analyzed, [0, 4, 16]);
  assert.deepEqual(first.failed, []);
  assert.equal(afterCalls, 1, "one afterAnalyze per pass");
  assert.deepEqual(await stepsStored(), [0, 4, 16]);

  // checkpoint-32 without trainer_state.json, files just written: not yet complete on disk.
  const fresh = join(run, "checkpoint-32");
  await mkdir(fresh);
  await copyFile(join(run, "checkpoint-16", "model.safetensors"), join(fresh, "model.safetensors"));
  const waiting = await watcher.scan();
  assert.deepEqual([waiting.analyzed, waiting.waiting], [[], 1]);
  // A truncated checkpoint-64 and a good checkpoint-128 arrive together.
  await truncate(join(stage, "checkpoint-64", "model.safetensors"), Math.floor(statSync(join(stage, "checkpoint-64", "model.safetensors")).size / 2));
  await rename(join(stage, "checkpoint-64"), join(run, "checkpoint-64"));
  await rename(join(stage, "checkpoint-128"), join(run, "checkpoint-128"));
  const mixed = await watcher.scan();
  assert.deepEqual(mixed.analyzed, [32, 128], "32 is stable since the last poll; 128 goes on past the failed 64");
  assert.equal(mixed.failed.length, 1);
  assert.equal(mixed.failed[0]!.step, 64);
  assert.equal(mixed.failed[0]!.file, join(run, "checkpoint-64", "model.safetensors"));
  assert.match(mixed.failed[0]!.message, /model\.safetensors/);
  assert.doesNotMatch(mixed.failed[0]!.message, /internal error/, "a typed error");
  assert.equal(afterCalls, 2);

  const again = await watcher.scan();
  assert.deepEqual([again.analyzed, again.failed, again.waiting], [[], [], 0], "unchanged failed checkpoint is not retried");
  assert.equal(afterCalls, 2, "no afterAnalyze without new checkpoints");

  // Another watcher over the same store sees the failure as outstanding after its first pass.
  const other = new RunWatcher({ runDir: run, store, runId: "run", analyze: { workers: 0, shape: false }, afterAnalyze: null, pollMs: 600_000 });
  assert.deepEqual((await other.scan()).failed.map((f) => f.step), [64]);
  const outstanding = other.failures();
  assert.deepEqual(outstanding.map((f) => [f.step, f.label, f.file]), [[64, "checkpoint-64", join(run, "checkpoint-64", "model.safetensors")]]);
  assert.match(outstanding[0]!.message, /tensor "[^"]+": .*truncated/);
  assert.equal(other.discoveryError(), null);

  // Repaired: its files change, so it is retried and stored; nothing is outstanding any more.
  await copyFile(join(run, "checkpoint-128", "model.safetensors"), join(run, "checkpoint-64", "model.safetensors"));
  const repaired = await watcher.scan();
  assert.deepEqual(repaired.analyzed, [64]);
  assert.deepEqual(await stepsStored(), [0, 4, 16, 32, 64, 128]);
  assert.deepEqual((await store.checkIntegrity()).problems, []);
  assert.deepEqual(watcher.failures(), [], "nothing outstanding once repaired");
  assert.ok(lines.some((l) => /^step 64 \(checkpoint-64\) failed: .*retried when its files change$/.test(l)), lines.join("\n"));
});

test("started watcher: a checkpoint renamed into the run triggers analysis and event detection, heard by the listener (fs.watch, no poll needed)", async () => {
  const published: WatchEvent[] = [];
  let got: () => void = () => {};
  const arrived = new Promise<void>((resolve) => { got = resolve; });
  // Default afterAnalyze: the run's events are recomputed, then the listener hears again.
  const watcher = new RunWatcher({ runDir: run, store, runId: "run", analyze: { workers: 0, shape: false }, pollMs: 600_000, debounceMs: 50 });
  await watcher.scan(); // nothing new
  assert.deepEqual(await store.events({ run: "run" }), [], "no events before (afterAnalyze was off)");
  watcher.start((u) => { published.push(u); if (published.filter((p) => p.kind === "stored").length === 2) got(); });
  try {
    const staged = join(stage, "checkpoint-256");
    const state = JSON.parse(await readFile(join(staged, "trainer_state.json"), "utf8")) as { global_step: number };
    assert.equal(state.global_step, 256);
    await rename(staged, join(run, "checkpoint-256"));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no two stored events within 20 s")), 20_000).unref());
    await Promise.race([arrived, timeout]);
    assert.deepEqual(published.filter((p) => p.kind === "stored"), [
      { kind: "stored", what: "checkpoints", steps: [256] }, { kind: "stored", what: "events", steps: [256] }]);
    assert.ok((await stepsStored()).includes(256));
    const events = await store.events({ run: "run" });
    assert.ok(events.length > 0, "events detected after the new checkpoint");
    console.log(`# events after the watcher pass: ${events.length} (${[...new Set(events.map((e) => e.kind))].join(", ")})`);
  } finally {
    await watcher.stop();
  }
  // Stopped: a further checkpoint is not picked up.
  const late = join(run, "checkpoint-512");
  await cp(join(run, "checkpoint-256"), late, { recursive: true });
  await writeFile(join(late, "trainer_state.json"), JSON.stringify({ global_step: 512 }));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!(await stepsStored()).includes(512));
  assert.deepEqual(published.filter((u) => u.kind !== "stored"), [], "nothing failed in this run");
});
