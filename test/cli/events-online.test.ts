// `events --online`: every event with the checkpoint at which an online detector knows it, stored
// in online_events beside the offline events. Checked against an independent path: the offline
// pipeline run on a store holding only the checkpoints up to that step must find the layer fork
// there and not one checkpoint earlier; population forks are known when their persistence window
// of 3 checkpoints is complete. Stored rows are read back, dropped when the offline events are
// replaced, and recomputed on request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { Store } from "../../src/store/store.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { register } from "../../src/cli/commands/events.js";
import { runCli, runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

/** `forking-paths events ...` in this process (its stdout). */
const events = (args: readonly string[]): Promise<string> => runInProcess([register], ["events", ...args]);

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000];


interface OnlineJson { run: string; detection: string; kind: string; tensor: string | null; step: number; step_low: number; known_at: number; artefact: string | null }

async function analyze(runDir: string, out: string): Promise<void> {
  await analyzeRun(runDir, { out, runId: "run", workers: 0, shape: false });
}

/** A copy of the run holding only the checkpoints up to `last`. */
function prefixRun(runDir: string, last: number, into: string): string {
  mkdirSync(into, { recursive: true });
  for (const entry of readdirSync(runDir)) {
    const m = /^checkpoint-(\d+)$/.exec(entry);
    if (m === null || Number(m[1]) <= last) cpSync(join(runDir, entry), join(into, entry), { recursive: true });
  }
  return into;
}

test("events --online: known-at steps match the offline detector on prefixes; stored, read back, dropped with the offline events, recomputed", async () => {
  const dir = tempDir("fp-online-");
  const runDir = join(dir, "run");
  await writeSyntheticRun(runDir, { kind: "fork", seed: 4, steps: STEPS });
  const out = join(dir, "out");
  await analyze(runDir, out);

  const online = JSON.parse(await events([out, "--online", "--json"])) as OnlineJson[];
  const offline = JSON.parse(await events([out, "--json"])) as { kind: string; tensor: string | null; step: number | null }[];
  const layerForks = online.filter((e) => e.kind === "layer_fork");
  const popForks = online.filter((e) => e.kind === "population_fork");
  assert.ok(layerForks.length > 0 && popForks.length > 0, `online layer and population forks: ${JSON.stringify(online.map((e) => e.kind))}`);
  for (const e of online) {
    assert.equal(e.detection, "online");
    assert.ok(STEPS.includes(e.known_at) && e.known_at >= e.step && e.step_low < e.step, JSON.stringify(e));
  }
  // population forks: the offline event itself, known once its 3-checkpoint persistence window is complete
  for (const e of popForks) {
    assert.ok(offline.some((o) => o.kind === e.kind && o.tensor === e.tensor && o.step === e.step), `offline twin of ${JSON.stringify(e)}`);
    assert.equal(e.known_at, STEPS[STEPS.indexOf(e.step) + 2]);
  }
  // layer forks: the offline pipeline on the checkpoints up to known_at finds the fork; one checkpoint earlier it does not
  const first = layerForks.reduce((a, b) => (b.known_at < a.known_at ? b : a));
  const known = STEPS.indexOf(first.known_at);
  for (const [last, expectFork] of [[first.known_at, true], [STEPS[known - 1]!, false]] as const) {
    const prefixOut = join(dir, `prefix-${last}`);
    await analyze(prefixRun(runDir, last, join(dir, `run-upto-${last}`)), prefixOut);
    const forks = (JSON.parse(await events([prefixOut, "--json", "--kind", "layer_fork"])) as { tensor: string; step: number }[])
      .filter((f) => f.tensor === first.tensor);
    assert.equal(forks.length > 0, expectFork, `offline layer fork of ${first.tensor} on checkpoints up to ${last}: ${JSON.stringify(forks)}`);
    if (expectFork) assert.ok(forks.some((f) => f.step === first.step), `same step ${first.step}: ${JSON.stringify(forks)}`);
  }

  // stored: a second --online reads the stored rows (a planted row shows), --recompute replaces them
  const store = await Store.openDir(out);
  const stored = await store.onlineEvents({ run: "run" });
  assert.deepEqual(stored.map((e) => [e.kind, e.tensor, e.step, e.known_at]), online.map((e) => [e.kind, e.tensor, e.step, e.known_at]));
  await store.replaceOnlineEvents("run", [{ kind: "layer_fork", tensor: "planted", step: 4, step_low: 2, strength: 1, known_at: 8, artefact: null }]);
  await store.close();
  assert.deepEqual((JSON.parse(await events([out, "--online", "--json"])) as OnlineJson[]).map((e) => e.tensor), ["planted"]);
  assert.deepEqual(JSON.parse(await events([out, "--online", "--recompute", "--json"])), online);
  // the report's data carries them beside the offline events (the overview shows both)
  const reader = await Store.openDir(out, { readOnly: true });
  try {
    const data = await reportDataFromStore(reader, { bins: 16 });
    assert.deepEqual(data.runs[0]!.onlineEvents!.map((e) => [e.kind, e.tensor, e.step, e.knownAt]), online.map((e) => [e.kind, e.tensor ?? "", e.step, e.known_at]));
  } finally {
    await reader.close();
  }
  // replacing the offline events drops the online ones (they derive from them)
  await events([out, "--recompute", "--persistence", "4", "--json"]);
  const after = await Store.openDir(out, { readOnly: true });
  try {
    assert.deepEqual(await after.onlineEvents({ run: "run" }), []);
  } finally {
    await after.close();
  }
  const table = await runCli(["events", out, "--online"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /kind\s+tensor\s+step\s+\(low, step\]\s+known at\s+lag/);
  assert.match(table.stdout, /online event\(s\): each known at the checkpoint shown/);
});
