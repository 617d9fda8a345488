// The README's main job: `demo` trains (here briefly), analyzes, detects events and writes a
// self-contained report, and re-running it reuses everything already done.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

test("demo: train -> analyze -> events -> report.html with a summary; a re-run resumes", async () => {
  const out = join(tempDir("fp-demo-"), "demo");
  const first = await runCli(["demo", "--out", out, "--steps", "8"]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /trained tiny .* to step 8/);
  assert.match(first.stdout, /summary: \d+ checkpoints analyzed; events: /);
  assert.match(first.stdout, /final validation loss: \d+\.\d+ nats per byte/);
  const report = join(out, "report.html");
  assert.ok(existsSync(report) && statSync(report).size > 100_000, "report.html written");
  assert.ok(!/<script[^>]+src=["']https?:/i.test(readFileSync(report, "utf8")), "no external scripts");
  assert.ok(existsSync(join(out, "run", "checkpoint-8", "model.safetensors")));
  const again = await runCli(["demo", "--out", out, "--steps", "8"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /analyzed 0, already stored \d+/, "the analysis resumes instead of recomputing");
});
