// `analyze` ends its process with process.exit once the store is closed and the workers stopped
// (cli/exit.ts), instead of letting Node tear the main thread's heap down; its output and store
// are complete all the same. A preloaded module reports whether process.reallyExit (what
// process.exit calls; a process left to end on its own never calls it) ran, and with what code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

function exitProbe(dir: string): NodeJS.ProcessEnv {
  const file = join(dir, "exit-probe.mjs");
  writeFileSync(file, [
    'import { writeSync } from "node:fs";',
    'import { isMainThread } from "node:worker_threads";',
    "if (isMainThread) {",
    "  const reallyExit = process.reallyExit;",
    '  process.reallyExit = (code) => { writeSync(2, `exit-probe: reallyExit ${code}\\n`); return reallyExit.call(process, code); };',
    "}",
  ].join("\n"));
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(file).href}`.trim() };
}

test("analyze exits with process.exit once done; its summary and store are complete (no log left), stats reads it", async () => {
  const dir = tempDir("fp-exit-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: [0, 1, 2] });
  const env = exitProbe(dir);
  const r = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "out"), "--workers", "2"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^exit-probe: reallyExit 0$/m, "ended by process.exit(0)");
  assert.match(r.stdout, /3 checkpoint\(s\), steps 0\.\.2; analyzed 3/);
  assert.match(r.stdout, /store: .*analysis\.duckdb/);
  assert.ok(existsSync(join(dir, "out", "analysis.duckdb")) && !existsSync(join(dir, "out", "analysis.duckdb.wal")), "the store was closed: no write-ahead log left");
  const stats = await runCli(["stats", join(dir, "out"), "--json"]);
  assert.equal(stats.code, 0, stats.stderr);
  assert.ok(new Set((JSON.parse(stats.stdout) as Array<{ step: number }>).map((row) => row.step)).size === 3, "every checkpoint's rows");
});

test("a failed analyze ends on its own (exit code 1, no process.exit)", async () => {
  const dir = tempDir("fp-exit-fail-");
  const r = await runCli(["analyze", join(dir, "missing"), "--out", join(dir, "out")], { env: exitProbe(dir) });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /exit-probe: reallyExit/);
});
