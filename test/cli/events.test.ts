// End-to-end `events` through the CLI: analyze runs the detectors by default (and not with
// --no-events), `events --json` rows carry the documented keys, and `events --recompute
// --persistence 5` changes the stored events without touching the statistics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const STEPS = "0,1,2,4,8,16,32,64,128,256,512,1000,2000,3000";
const KINDS = ["mode_split", "mode_merge", "population_fork", "layer_fork", "change_point"];

async function syntheticRun(): Promise<{ dir: string; run: string }> {
  const dir = tempDir("fp-cli-events-");
  const run = join(dir, "run");
  await writeSyntheticRun(run, { kind: "fork", seed: 4, steps: STEPS.split(",").map(Number) });
  return { dir, run };
}

test("analyze detects events by default; events --json lists them with the documented keys; --kind and --tensor filter", async () => {
  const { dir, run } = await syntheticRun();
  const out = join(dir, "out");
  const analyzed = await runCli(["analyze", run, "--out", out, "--workers", "0", "--include", "*layers.0.input_layernorm*", "--json"]);
  assert.equal(analyzed.code, 0, analyzed.stderr);
  const summary = JSON.parse(analyzed.stdout) as { events: Record<string, number> | null };
  assert.ok(summary.events !== null && summary.events.population_fork! > 0, `population forks counted: ${JSON.stringify(summary.events)}`);
  const listed = await runCli(["events", out, "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const events = JSON.parse(listed.stdout) as Record<string, unknown>[];
  assert.equal(events.length, Object.values(summary.events).reduce((a, b) => a + b, 0));
  for (const e of events) {
    for (const key of ["kind", "tensor", "step", "step_low", "step_high", "strength", "evidence"]) assert.ok(key in e, `event has "${key}"`);
    assert.ok(KINDS.includes(e.kind as string));
    assert.equal(typeof e.evidence, "object");
    assert.ok((e.step_low as number) <= (e.step as number) && e.step === e.step_high);
  }
  const forks = JSON.parse((await runCli(["events", out, "--json", "--kind", "population_fork", "--tensor", "*.layers.0.*"])).stdout) as Record<string, unknown>[];
  assert.ok(forks.length > 0 && forks.every((e) => e.kind === "population_fork" && String(e.tensor).includes(".layers.0.")));
  const table = await runCli(["events", out, "--kind", "population_fork"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /kind\s+tensor\s+step/);
  assert.match(table.stdout, /population_fork\s+gpt_neox\./);
  const bad = await runCli(["events", out, "--kind", "fork"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown kind "fork"/);
});

test("events --recompute --persistence 5 changes the stored events and leaves the statistics untouched; --no-events stores none", async () => {
  const { dir, run } = await syntheticRun();
  const out = join(dir, "out");
  const analyzed = await runCli(["analyze", run, "--out", out, "--workers", "0", "--include", "*layers.0.input_layernorm*", "--no-shape", "--no-events", "--json"]);
  assert.equal(analyzed.code, 0, analyzed.stderr);
  assert.equal((JSON.parse(analyzed.stdout) as { events: unknown }).events, null);
  assert.deepEqual(JSON.parse((await runCli(["events", out, "--json"])).stdout), []);

  const statsBefore = (await runCli(["stats", out, "--json"])).stdout;
  const first = await runCli(["events", out, "--recompute", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const defaults = JSON.parse(first.stdout) as { kind: string; step: number; tensor: string; detector: { persistence: number | null }; evidence: { rule?: string } }[];
  assert.ok(defaults.length > 0 && defaults.every((e) => e.detector.persistence === null));
  const second = await runCli(["events", out, "--recompute", "--persistence", "5", "--json"]);
  assert.equal(second.code, 0, second.stderr);
  const stricter = JSON.parse(second.stdout) as typeof defaults;
  assert.ok(stricter.every((e) => e.detector.persistence === 5), "stored with the new settings");
  const key = (list: typeof defaults) => list.map((e) => `${e.kind} ${e.tensor} ${e.step}`);
  assert.notDeepEqual(key(stricter), key(defaults), "persistence 5 changes what is detected");
  assert.ok(defaults.some((e) => e.kind === "population_fork"), "the default persistence finds the fork");
  for (const e of stricter.filter((x) => x.kind === "population_fork" || x.kind === "mode_split")) {
    assert.match(e.evidence.rule ?? "", /(for|window of) 5 checkpoints/, "judged over 5 checkpoints");
  }
  const listedAgain = JSON.parse((await runCli(["events", out, "--json"])).stdout) as typeof defaults;
  assert.deepEqual(listedAgain.map((e) => [e.kind, e.tensor, e.step]), stricter.map((e) => [e.kind, e.tensor, e.step]), "what was stored is what is listed");
  assert.equal((await runCli(["stats", out, "--json"])).stdout, statsBefore, "tensor_stats untouched");
});
