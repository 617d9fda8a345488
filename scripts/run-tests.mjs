// Runs the test suite: finds every test/**/*.test.ts, hands the explicit list to
// `node --import tsx --test` (Node 20 does not expand globs), and fails when no test ran,
// when any test failed, or when any test was skipped or left as todo.
// Usage: node scripts/run-tests.mjs [--report-slow [N]] [path-prefix ...]   (e.g. test/stats)
// --report-slow lists the N (default 10) slowest test files and tests at the end.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { slowestSummary, takeReportSlowOption } from "./slow-tests.mjs";
import { ensureRedis } from "./ensure-redis.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "fixtures" || entry === "node_modules") continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (entry.endsWith(".test.ts")) out.push(relative(root, full));
  }
  return out;
}

const { reportSlow, rest: filters } = takeReportSlowOption(process.argv.slice(2));
const slowRecordDir = reportSlow > 0 ? mkdtempSync(join(tmpdir(), "run-tests-slow-")) : null;
const slowReporter = slowRecordDir ? ["--test-reporter=./scripts/slow-tests.mjs", `--test-reporter-destination=${join(slowRecordDir, "times.jsonl")}`] : [];
let files = walk(join(root, "test")).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((p) => f.startsWith(p) || f.includes(p)));
if (files.length === 0) {
  console.error(`run-tests: no test files found${filters.length ? ` matching ${filters.join(", ")}` : ""} under test/`);
  process.exit(1);
}
console.log(`run-tests: ${files.length} test file(s)`);
if (files.some((f) => f.startsWith("test/cluster/"))) ensureRedis();

// Two test files at a time: most files spend their time in one thread (a CLI child, DuckDB, the
// main thread of a detector), so a second file keeps the second core busy. TEST_CONCURRENCY=1
// runs them one by one.
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? 2) || 1);
const child = spawn(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", "--test-reporter-destination=stdout", ...slowReporter, ...files], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, FORCE_COLOR: "0" },
});
// The reporter's closing counts ("ℹ tests 639", "ℹ fail 0", ...), read line by line from the whole
// stream: with failures, the spec reporter's "failing tests" section comes after them.
const counts = new Map();
let partial = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const lines = (partial + chunk.toString()).split("\n");
  partial = lines.pop() ?? "";
  for (const line of lines) {
    const m = line.match(/^\S*\s*(tests|pass|fail|skipped|todo|cancelled) (\d+)$/);
    if (m) counts.set(m[1], Number(m[2]));
  }
});
child.on("close", (code) => {
  if (slowRecordDir) {
    console.log(slowestSummary(join(slowRecordDir, "times.jsonl"), reportSlow, root).join("\n"));
    rmSync(slowRecordDir, { recursive: true, force: true });
  }
  const count = (key) => counts.get(key) ?? NaN;
  const tests = count("tests"), pass = count("pass"), fail = count("fail");
  const skipped = count("skipped"), todo = count("todo"), cancelled = count("cancelled");
  const problems = [];
  if (!(tests > 0)) problems.push(`no tests ran (tests=${tests})`);
  if (fail > 0) problems.push(`${fail} failed`);
  if (cancelled > 0) problems.push(`${cancelled} cancelled`);
  if (skipped > 0) problems.push(`${skipped} skipped (a skipped test is not a pass)`);
  if (todo > 0) problems.push(`${todo} todo`);
  if (code !== 0 && problems.length === 0) problems.push(`test runner exited with code ${code}`);
  if (problems.length > 0) {
    console.error(`run-tests: FAILED: ${problems.join("; ")}`);
    if (tests > 0) console.log(`run-tests: ${pass} passed, ${fail} failed`);
    process.exit(1);
  }
  console.log(`run-tests: ${pass} passed, ${fail} failed`);
});
