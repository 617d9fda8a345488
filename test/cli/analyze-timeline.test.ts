// FP_TIMELINE=1 on `analyze`: the main thread's phase stamps with its own CPU time, and each
// worker's start-up stamps (sent to the main thread), in time order, on stderr; nothing without it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

interface Line { at: number; cpu: number; thread: number; phase: string }

function timeline(stderr: string): Line[] {
  return stderr.split("\n").filter((l) => l.startsWith("timeline ")).map((l) => {
    const m = /^timeline\s+([\d.]+) ms\s+cpu\s+(\S+) ms\s+thread\s+(\S+) ms\s+(.*?)(?: \(x\d+\))?$/.exec(l);
    assert.ok(m, `a timeline line: ${l}`);
    return { at: Number(m[1]), cpu: Number(m[2]), thread: Number(m[3]), phase: m[4]! };
  });
}

test("FP_TIMELINE=1 analyze: main-thread stamps with thread CPU, both workers' start-up stamps, in time order", async () => {
  const dir = tempDir("fp-timeline-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: [0, 1, 2] });
  const quiet = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "quiet"), "--workers", "2"]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.ok(!quiet.stderr.includes("timeline"), "no stamps without FP_TIMELINE");
  const r = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "out"), "--workers", "2"], { env: { FP_TIMELINE: "1" } });
  assert.equal(r.code, 0, r.stderr);
  const lines = timeline(r.stderr);
  const at = (phase: string) => {
    const line = lines.find((l) => l.phase === phase);
    assert.ok(line, `stamp "${phase}" in:\n${r.stderr}`);
    return line;
  };
  for (let i = 1; i < lines.length; i++) assert.ok(lines[i]!.at >= lines[i - 1]!.at, "printed in time order");
  const started = at("pool: workers started"), first = at("pool: first task posted"), exit = at("exit");
  for (const w of [0, 1]) {
    const loaded = at(`worker ${w}: task modules loaded`), booted = at(`worker ${w}: node bootstrapped`);
    assert.ok(started.at <= booted.at && booted.at <= loaded.at && loaded.at <= exit.at, `worker ${w}'s stamps fall between its start and the exit`);
    assert.ok(loaded.thread > 0 && loaded.thread < loaded.cpu, "a worker's own CPU is part of the process's");
  }
  assert.ok(first.at < at("pool: first reply").at && at("analyze: pool closed").at <= at("analyze: store closed").at);
  assert.ok(at("cli: modules loaded").thread > 0 && exit.thread >= first.thread, "the main thread's CPU grows");
});

test("FP_LOAD_MS analyze: per-bucket load of the main thread, both workers and the queues, then the steady state's shares; nothing without it", async () => {
  const dir = tempDir("fp-load-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: [0, 1, 2] });
  const quiet = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "quiet"), "--workers", "2"], { env: { FP_TIMELINE: "1" } });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.ok(!/^load /m.test(quiet.stderr), "no load lines without FP_LOAD_MS");
  const r = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "out"), "--workers", "2"], { env: { FP_TIMELINE: "1", FP_LOAD_MS: "10" } });
  assert.equal(r.code, 0, r.stderr);
  const header = r.stderr.split("\n").find((l) => l.startsWith("load    t ms"));
  assert.ok(header, `a load header in:\n${r.stderr}`);
  const names = header.slice("load    t ms".length).trim().split(/\s+/);
  for (const name of ["mc", "mr", "main", "mblk", "w0", "w0q", "w1", "w1q", "waitq", "w0c", "w0r", "w1c", "w1r"]) assert.ok(names.includes(name), `probe ${name} in ${header}`);
  const rows = r.stderr.split("\n").filter((l) => /^load\s+\d+ /.test(l));
  assert.ok(rows.length >= 2, "at least two buckets");
  for (const row of rows) assert.equal(row.trim().split(/\s+/).length, 2 + names.length, `one cell per probe: ${row}`);
  const steady = /^load steady state ([\d.]+)-([\d.]+) ms: (.*)$/m.exec(r.stderr);
  assert.ok(steady, `a steady-state line in:\n${r.stderr}`);
  assert.ok(Number(steady[1]) < Number(steady[2]), "the steady state runs from the first task to the last reply");
  const shares = new Map(steady[3]!.split(", ").map((s) => s.split(" ")).filter((p) => p.length === 2).map(([n, v]) => [n!, Number.parseFloat(v!)]));
  // the main thread and a worker ran during the steady state: shares of time, in percent
  for (const name of ["mc", "w0c", "w1c"]) {
    const share = shares.get(name);
    assert.ok(share !== undefined && Number.isFinite(share) && share >= 0 && share <= 105, `${name} share ${share} in ${steady[0]}`);
  }
  assert.ok((shares.get("w0c") ?? 0) + (shares.get("w1c") ?? 0) > 0, "the workers used CPU in the steady state");
});
