// scripts/run-tests.mjs --report-slow [N]: the option is parsed out of the path filters, and a
// real run lists the N slowest test files and tests with their times after the usual summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain .mjs script without type declarations
import { LONGEST_FILES_FIRST, longestFirst, takeReportSlowOption } from "../../scripts/slow-tests.mjs";
import { existsSync } from "node:fs";
import { join } from "node:path";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("--report-slow takes an optional count and leaves the path filters", () => {
  const take = takeReportSlowOption as (a: string[]) => { reportSlow: number; rest: string[] };
  assert.deepEqual(take(["test/stats"]), { reportSlow: 0, rest: ["test/stats"] });
  assert.deepEqual(take(["--report-slow"]), { reportSlow: 10, rest: [] });
  assert.deepEqual(take(["--report-slow", "5", "test/util"]), { reportSlow: 5, rest: ["test/util"] });
  assert.deepEqual(take(["test/util", "--report-slow", "test/io"]), { reportSlow: 10, rest: ["test/util", "test/io"] });
});

test("the runner starts the listed longest files first, in the list's order, then the others in path order; every listed file exists", () => {
  const order = longestFirst as (files: string[], longest?: string[]) => string[];
  assert.deepEqual(order(["test/a.test.ts", "test/z.test.ts", "test/m.test.ts", "test/b.test.ts"], ["test/m.test.ts", "test/z.test.ts", "test/gone.test.ts"]),
    ["test/m.test.ts", "test/z.test.ts", "test/a.test.ts", "test/b.test.ts"]);
  const listed = LONGEST_FILES_FIRST as string[];
  assert.equal(new Set(listed).size, listed.length, "no file listed twice");
  for (const f of listed) assert.ok(existsSync(join(REPO_ROOT, f)), `${f} is listed but does not exist`);
});

test("a run with --report-slow 2 lists the 2 slowest files and tests, slowest first", async () => {
  const env = { ...process.env };
  delete env["NODE_TEST_CONTEXT"]; // the child runner would otherwise skip its files as a recursive run
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, ["scripts/run-tests.mjs", "--report-slow", "2", "test/util/"], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { out += c.toString(); });
    child.on("close", (c) => resolve({ code: c, out }));
  });
  assert.equal(code, 0, out.slice(-2000));
  const lines = out.split("\n");
  // Files are listed by CPU seconds (the file's process, its threads and its children), wall beside them.
  const fileHead = lines.findIndex((l) => /^run-tests: the 2 slowest of \d+ test files \(sum of file times [\d.]+ s, sum of file CPU [\d.]+ s; by CPU\):$/.test(l));
  const testHead = lines.findIndex((l) => /^run-tests: the 2 slowest of \d+ tests:$/.test(l));
  assert.ok(fileHead >= 0 && testHead === fileHead + 3, out.slice(-1500));
  const fileCpu = (l: string): number => Number(/^\s*[\d.]+ s\s+([\d.]+) s CPU {2}test\/util\/\S+\.test\.ts/.exec(l)?.[1] ?? NaN);
  const secs = (l: string): number => Number(/^\s*([\d.]+) s {2}test\/util\/\S+\.test\.ts/.exec(l)?.[1] ?? NaN);
  const files = lines.slice(fileHead + 1, fileHead + 3).map(fileCpu);
  const tests = lines.slice(testHead + 1, testHead + 3).map(secs);
  for (const s of [...files, ...tests]) assert.ok(Number.isFinite(s), out.slice(-1500));
  assert.ok(files[0]! > 0, "a file's process uses some CPU");
  assert.ok(files[0]! >= files[1]! && tests[0]! >= tests[1]!);
  assert.match(lines[testHead + 1]!, /\.test\.ts: \S/);
  assert.match(out, /^run-tests: \d+ passed, 0 failed$/m);
});
