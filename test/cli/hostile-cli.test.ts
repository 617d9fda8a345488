// Careless use through the CLI (issue 13 items 11, 13, 14): crafted names never reach the
// terminal raw; environment problems and bad options are one-line typed errors with exit 1 or 2.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSafetensorsFile } from "../../src/formats/safetensors/writer.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { discoverRun } from "../../src/runs/discovery.js";
import { RunDiscoveryError } from "../../src/util/errors.js";
import { terminalSafe } from "../../src/cli/terminal.js";
import { runCli, startCli, waitCli } from "../helpers/cli.js";

const CRAFTED = "evil\u001b]0;pwned\u0007\u001b[2K\nname\u009b31m.bias";
let root: string, out: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "fp-hostile-cli-"));
  for (const step of [0, 10]) {
    mkdirSync(join(root, "run", `checkpoint-${step}`), { recursive: true });
    await writeSafetensorsFile(join(root, "run", `checkpoint-${step}`, "model.safetensors"), [
      { name: CRAFTED, dtype: "F32", shape: [4], data: Float32Array.of(1, 2, 3, step) },
      { name: "layers.0.mlp.weight", dtype: "F32", shape: [2, 2], data: Float32Array.of(1, -1, 0.5, step) },
    ]);
  }
  out = join(root, "out");
  await analyzeRun(join(root, "run"), { out, workers: 0, shape: false, spectralMaxDim: 0 });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** No ESC, BEL, C1 or other control byte except the line ends. */
function assertNoControls(text: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text.replace(/\n/g, ""), /[\u0000-\u001f\u007f-\u009f]/, `${what} carries raw control characters`);
}

test("terminalSafe escapes C0, DEL, C1 and line separators, leaves text alone", () => {
  assert.equal(terminalSafe("a\u001b[2Kb\u0007\n\t\u009b\u2028é"), "a\\x1b[2Kb\\x07\\n\\t\\x9b\\u2028é");
  assert.equal(terminalSafe("layers.0.attention.dense.weight"), "layers.0.attention.dense.weight");
});

test("item 11: stats and events print crafted tensor names escaped, one line per row", async () => {
  const stats = await runCli(["stats", out]);
  assert.equal(stats.code, 0, stats.stderr);
  assertNoControls(stats.stdout, "stats");
  assert.ok(stats.stdout.includes(terminalSafe(CRAFTED)), stats.stdout);
  assert.equal(stats.stdout.trim().split("\n").length, 1 + 2 * 2, "header + one line per (step, tensor)");
  const json = JSON.parse((await runCli(["stats", out, "--json"])).stdout) as { tensor: string }[];
  assert.ok(json.some((r) => r.tensor === CRAFTED), "JSON keeps the exact name");
  const events = await runCli(["events", out]);
  assert.equal(events.code, 0, events.stderr);
  assertNoControls(events.stdout, "events");
});

test("item 11: an error message quoting a crafted name is escaped", async () => {
  const r = await runCli(["stats", out, "--run", "x\u001b]0;t\u0007"]);
  assert.notEqual(r.code, 0);
  assertNoControls(r.stderr, "stderr");
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("item 14: stats --run nope exits 2 naming the runs that exist", async () => {
  const r = await runCli(["stats", out, "--run", "nope"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--run "nope" is not in .*; its runs: run$/m);
});

test("item 14: --steps 1,1 and events --alpha 2 are usage errors", async () => {
  const steps = await runCli(["analyze", join(root, "run"), "--out", join(root, "o2"), "--steps", "1,1"]);
  assert.equal(steps.code, 2, steps.stderr);
  assert.match(steps.stderr, /step 1 is given twice/);
  for (const alpha of ["2", "1"]) {
    const r = await runCli(["events", out, "--alpha", alpha]);
    assert.equal(r.code, 2, `--alpha ${alpha}: ${r.stderr}`);
    assert.match(r.stderr, /--alpha: expected a probability strictly between 0 and 1/);
  }
});

test("item 14: eval on empty tokens is a usage error", async () => {
  const tokens = join(root, "empty.json");
  writeFileSync(tokens, "[]");
  const r = await runCli(["eval", join(root, "run", "checkpoint-0"), "--tokens", tokens]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /needs at least 2 tokens/);
});

test("item 13: --out naming a file, or under one, is a one-line store error (not an internal error)", async () => {
  const file = join(root, "a-file");
  writeFileSync(file, "x");
  for (const o of [file, join(file, "sub")]) {
    const r = await runCli(["analyze", join(root, "run"), "--out", o]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot create the output folder: a file is in the way .*choose another --out/);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  const proc = await runCli(["analyze", join(root, "run"), "--out", "/proc/forking-paths-nope/x"]);
  assert.equal(proc.code, 1);
  assert.match(proc.stderr, /cannot create the output folder/);
});

test("item 13: serve --port 99999 exits 2; serve --host 0.0.0.0 warns that the dashboard is reachable from other machines", async () => {
  const bad = await runCli(["serve", out, "--port", "99999"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--port: expected 0\.\.65535/);
  const child = startCli(["serve", out, "--port", "0", "--host", "0.0.0.0"]);
  let stderr = "";
  child.stderr!.on("data", (d) => { stderr += d; if (/warning/.test(stderr)) child.kill("SIGTERM"); });
  child.stdout!.on("data", (d: Buffer) => { if (/serving /.test(d.toString())) child.kill("SIGTERM"); });
  const done = waitCli(child);
  const r = await done;
  assert.match(r.stderr + stderr, /warning: serving on 0\.0\.0\.0 makes the dashboard .* reachable from other machines/);
});

test("item 14: folders that look like checkpoints but carry no recognised step are reported, not skipped", async () => {
  for (const odd of ["checkpoint-abc", "step-1", "checkpoint-4 copy", "checkpoint-\uff11\uff10"]) {
    const dir = join(root, `odd-${odd.length}-${odd.charCodeAt(odd.length - 1)}`);
    for (const name of ["checkpoint-0", odd]) {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, "model.safetensors"), "x");
    }
    await assert.rejects(discoverRun(dir), (e: unknown) => e instanceof RunDiscoveryError && e.message.includes(JSON.stringify(odd)) && e.message.includes("rename them"), odd);
  }
});
