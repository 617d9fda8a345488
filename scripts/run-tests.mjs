// Runs the test suite: finds every test/**/*.test.ts, compiles the repository's TypeScript once into
// a mirror tree (scripts/compile-tests.mjs: esbuild, file by file; a module that does not compile
// fails the run, named) and runs each test file's compiled module with plain `node` and node:test's
// spec reporter (scripts/run-test-file.mjs), one process per file, and fails when no
// test ran, when any test failed, when any test was skipped or left as todo, or when a test file
// left anything in the temp dir the runner gave it (TMPDIR/TEMP/TMP; see run-test-file.mjs).
// Usage: node scripts/run-tests.mjs [--report-slow [N]] [path-prefix ...]   (e.g. test/stats)
// --report-slow lists the N (default 10) slowest test files and tests at the end.
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { longestFirst, slowestSummary, takeReportSlowOption } from "./slow-tests.mjs";
import { ensureRedis } from "./ensure-redis.mjs";
import { compiledPath, runTestFile } from "./run-test-file.mjs";
import { CompileError, compileTree } from "./compile-tests.mjs";

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
let files = walk(join(root, "test")).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((p) => f.startsWith(p) || f.includes(p)));
files = longestFirst(files);
if (files.length === 0) {
  console.error(`run-tests: no test files found${filters.length ? ` matching ${filters.join(", ")}` : ""} under test/`);
  process.exit(1);
}
console.log(`run-tests: ${files.length} test file(s)`);
if (files.some((f) => f.startsWith("test/cluster/"))) ensureRedis();

// Each file runs alone in a fresh temp root (scripts/run-test-file.mjs) and fails if it leaves
// anything there. Two files at a time: most files spend their time in one thread (a CLI child,
// DuckDB, the main thread of a detector), so a second file keeps the second core busy.
// TEST_CONCURRENCY=1 runs them one by one. A file's output is printed whole when it ends.
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? 2) || 1);
const tempParent = mkdtempSync(join(tmpdir(), "run-tests-"));
// Set-ups several files share, built once per run by the first file that needs them (test/helpers/shared-fixture.ts).
process.env.FP_TEST_SHARED_DIR = join(tempParent, "shared");
mkdirSync(process.env.FP_TEST_SHARED_DIR);
const running = new Set();
const stop = (signal) => {
  for (const c of running) c.kill(signal);
  for (const dir of [tempParent, slowRecordDir]) if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  process.exit(signal === "SIGINT" ? 130 : 143);
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));

const started = performance.now();
// The compiled tree (scripts/compile-tests.mjs), in the run's temp parent. A run started by a test
// of this run (test/scripts/report-slow.test.ts) uses its parent's tree (COMPILED_TREE_ENV) when that
// tree mirrors this repository: compiled minutes ago from the same sources.
const COMPILED_TREE_ENV = "RUN_TESTS_COMPILED_TREE";
function inheritedTree() {
  const tree = process.env[COMPILED_TREE_ENV];
  try {
    return tree && realpathSync(join(tree, "package.json")) === realpathSync(join(root, "package.json")) ? tree : null;
  } catch {
    return null;
  }
}
let compiledRoot = inheritedTree();
if (!compiledRoot) {
  compiledRoot = join(tempParent, "compiled");
  // Readable by every user, as the repository is: a test runs a script of the tree as nobody
  // (test/cluster/ensure-redis.test.ts). Each file's temp root stays its own (mkdtemp: 0700).
  chmodSync(tempParent, 0o755);
  try {
    const n = await compileTree(root, compiledRoot);
    console.log(`run-tests: compiled ${n} modules in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(err instanceof CompileError ? err.message : `run-tests: compiling the tests failed: ${err instanceof Error ? err.stack : String(err)}`);
    rmSync(tempParent, { recursive: true, force: true, maxRetries: 3 });
    if (slowRecordDir) rmSync(slowRecordDir, { recursive: true, force: true });
    process.exit(1);
  }
}
process.env[COMPILED_TREE_ENV] = compiledRoot;
const totals = new Map();
const failedFiles = [];
const leaks = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const index = next++;
    const file = files[index];
    const slowReporter = slowRecordDir ? ["--test-reporter=./scripts/slow-tests.mjs", `--test-reporter-destination=${join(slowRecordDir, `${index}.jsonl`)}`] : [];
    const r = await runTestFile({ file, root, tempParent, compiledRoot, extraArgs: slowReporter, onSpawn: (c) => { running.add(c); c.once("close", () => running.delete(c)); } });
    // A file's time for --report-slow: its whole process (imports, hooks and tests), as node --test gave it.
    if (slowRecordDir) {
      const record = join(slowRecordDir, `${index}.jsonl`);
      // The tests' rows name the compiled module node ran: name the source instead.
      if (existsSync(record)) writeFileSync(record, readFileSync(record, "utf8").replaceAll(JSON.stringify(compiledPath(file, compiledRoot)), JSON.stringify(join(root, file))));
      // The file's CPU: the reporter's last line, written in the file's process when its tests were over.
      const cpu = existsSync(record) ? readFileSync(record, "utf8").split("\n").filter((l) => l.startsWith('{"kind":"cpu"')).map((l) => JSON.parse(l).cpu).pop() : undefined;
      appendFileSync(record, `${JSON.stringify({ kind: "file", file: join(root, file), name: join(root, file), nesting: 0, ms: r.ms })}\n`);
      if (cpu !== undefined) appendFileSync(record, `${JSON.stringify({ kind: "file-cpu", file: join(root, file), cpu })}\n`);
    }
    // The per-file closing counts are summed and printed once at the end, as one run printed them.
    process.stdout.write(r.output.replace(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+\n/gm, ""));
    for (const [key, n] of r.counts) totals.set(key, (totals.get(key) ?? 0) + n);
    const ran = (r.counts.get("tests") ?? 0) > 0;
    if (r.code !== 0 || !ran) failedFiles.push(`${file} (${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}${ran ? "" : ", no tests ran"})`);
    if (r.leak) {
      console.error(r.leak);
      leaks.push(file);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
rmSync(tempParent, { recursive: true, force: true, maxRetries: 3 });

if (slowRecordDir) {
  const record = join(slowRecordDir, "times.jsonl");
  writeFileSync(record, files.map((_, i) => join(slowRecordDir, `${i}.jsonl`)).filter((f) => existsSync(f)).map((f) => readFileSync(f, "utf8")).join(""));
  console.log(slowestSummary(record, reportSlow, root).join("\n"));
  // RUN_TESTS_TIMES=<file>: keep the raw per-file and per-test record (JSON lines) for before/after comparisons.
  if (process.env.RUN_TESTS_TIMES) writeFileSync(process.env.RUN_TESTS_TIMES, readFileSync(record, "utf8"));
  rmSync(slowRecordDir, { recursive: true, force: true });
}
for (const key of ["tests", "suites", "pass", "fail", "cancelled", "skipped", "todo"]) console.log(`ℹ ${key} ${totals.get(key) ?? 0}`);
console.log(`ℹ duration_ms ${(performance.now() - started).toFixed(0)}`);
const count = (key) => totals.get(key) ?? NaN;
const tests = count("tests"), pass = count("pass"), fail = count("fail");
const skipped = count("skipped"), todo = count("todo"), cancelled = count("cancelled");
const problems = [];
if (!(tests > 0)) problems.push(`no tests ran (tests=${tests})`);
if (fail > 0) problems.push(`${fail} failed`);
if (cancelled > 0) problems.push(`${cancelled} cancelled`);
if (skipped > 0) problems.push(`${skipped} skipped (a skipped test is not a pass)`);
if (todo > 0) problems.push(`${todo} todo`);
if (failedFiles.length > 0) problems.push(`failing file(s): ${failedFiles.join(", ")}`);
if (leaks.length > 0) problems.push(`${leaks.length} file(s) left files in their temp dir: ${leaks.join(", ")}`);
if (problems.length > 0) {
  console.error(`run-tests: FAILED: ${problems.join("; ")}`);
  if (tests > 0) console.log(`run-tests: ${pass} passed, ${fail} failed`);
  process.exit(1);
}
console.log(`run-tests: leak check passed: none of the ${files.length} test file(s) left anything in its temp dir`);
console.log(`run-tests: ${pass} passed, ${fail} failed`);
