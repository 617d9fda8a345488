// `run-tests.mjs --report-slow [N]`: a node:test reporter that records the duration of every test
// file and every test as JSON lines, and the summary that lists the N slowest of each.
// Durations are node:test's own: a file's is its whole subprocess (imports, hooks and tests).
// CPU: when the file's tests are over, the reporter (it runs in the file's process) records the
// process's CPU seconds, its threads' and its waited-for children's (CLI runs, Chromium) together,
// so files can be compared on a loaded machine where wall times mean little.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every Linux ABI Node runs on). */
const USER_HZ = 100;

/** CPU seconds of this process (all threads) and of its children it has waited for; null where /proc is missing. */
export function processTreeCpuSeconds() {
  let stat;
  try {
    stat = readFileSync("/proc/self/stat", "utf8");
  } catch {
    const u = process.cpuUsage();
    return { self: (u.user + u.system) / 1e6, children: null };
  }
  // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15, cutime 16, cstime 17.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = (i) => Number(f[i - 3]) / USER_HZ;
  return { self: tick(14) + tick(15), children: tick(16) + tick(17) };
}

/** The reporter (`--test-reporter=./scripts/slow-tests.mjs --test-reporter-destination=<file>`). */
export default async function* slowTestsReporter(source) {
  for await (const event of source) {
    if (event.type !== "test:complete") continue;
    const { name, file, nesting, details } = event.data;
    const ms = details?.duration_ms;
    if (typeof ms !== "number" || file === undefined) continue;
    // node:test reports each file as a top-level test named by its path.
    const kind = name === file ? "file" : "test";
    yield `${JSON.stringify({ kind, file, name, nesting, ms })}\n`;
  }
  const cpu = processTreeCpuSeconds();
  yield `${JSON.stringify({ kind: "cpu", cpu: cpu.self + (cpu.children ?? 0), self: cpu.self, children: cpu.children })}\n`;
}

/** Removes `--report-slow [N]` from the arguments: N (10 when not given; 0 when absent) and the rest. */
export function takeReportSlowOption(args) {
  const at = args.indexOf("--report-slow");
  if (at < 0) return { reportSlow: 0, rest: args };
  const hasN = /^\d+$/.test(args[at + 1] ?? "");
  const rest = [...args.slice(0, at), ...args.slice(at + (hasN ? 2 : 1))];
  return { reportSlow: hasN ? Math.max(1, Number(args[at + 1])) : 10, rest };
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1).padStart(7)} s`;
}

/** Lines listing the `n` slowest test files (by CPU where recorded) and top-level tests recorded in `recordFile`. */
export function slowestSummary(recordFile, n, root) {
  const rows = readFileSync(recordFile, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  const files = rows.filter((r) => r.kind === "file");
  const cpuOf = new Map(rows.filter((r) => r.kind === "file-cpu").map((r) => [r.file, r.cpu]));
  const byCpu = files.every((r) => cpuOf.has(r.file));
  const key = (r) => (byCpu ? cpuOf.get(r.file) * 1000 : r.ms);
  files.sort((a, b) => key(b) - key(a));
  const tests = rows.filter((r) => r.kind === "test" && r.nesting === 0).sort((a, b) => b.ms - a.ms);
  const total = files.reduce((s, r) => s + r.ms, 0);
  const cpuTotal = files.reduce((s, r) => s + (cpuOf.get(r.file) ?? 0), 0);
  const cpuNote = byCpu ? `, sum of file CPU ${cpuTotal.toFixed(1)} s; by CPU` : "";
  const out = [`run-tests: the ${Math.min(n, files.length)} slowest of ${files.length} test files (sum of file times ${seconds(total).trim()}${cpuNote}):`];
  for (const r of files.slice(0, n)) out.push(`${seconds(r.ms)}${cpuOf.has(r.file) ? ` ${seconds(cpuOf.get(r.file) * 1000)} CPU` : ""}  ${relative(root, r.file)}`);
  out.push(`run-tests: the ${Math.min(n, tests.length)} slowest of ${tests.length} tests:`);
  for (const r of tests.slice(0, n)) out.push(`${seconds(r.ms)}  ${relative(root, r.file)}: ${r.name}`);
  return out;
}

// run-tests.mjs's order: the longest files (by their wall seconds in a whole run, 2 files at a time,
// base12 at 87d4e69, --report-slow), started
// first so that no long file starts near the end while the other core has nothing left to run
// (longest-processing-time-first scheduling). Files not listed follow in path order; a stale
// entry only changes the order.
export const LONGEST_FILES_FIRST = [
  "test/cluster/queue.test.ts",
  "test/cli/study.test.ts",
  "test/cluster/shard-merge.test.ts",
  "test/runs/hub-file-kinds.test.ts",
  "test/package/pack-install.test.ts",
  "test/cluster/docs-commands.test.ts",
  "test/pipeline/analyze-many-tensors.test.ts",
  "test/cluster/hub-shard.test.ts",
  "test/cli/hub-analyze.test.ts",
  "test/cluster/serve-progress.test.ts",
  "test/report/find-browser.test.ts",
  "test/cli/analyze.test.ts",
  "test/cluster/queue-hub.test.ts",
  "test/experiments/study-pruning-kernels.test.ts",
  "test/cli/demo.test.ts",
  "test/pipeline/events-many-tensors.test.ts",
  "test/cli/report.test.ts",
  "test/cli/metrics.test.ts",
  "test/experiments/study-table.test.ts",
  "test/experiments/study-tasks.test.ts",
  "test/runs/hub-analyze.test.ts",
  "test/store/crash.test.ts",
  "test/pipeline/events.test.ts",
  "test/cli/serve-live.test.ts",
  "test/runs/hub-offline.test.ts",
  "test/cli/serve.test.ts",
];

/** `files` with the listed longest ones first (in the list's order), then the others in path order. */
export function longestFirst(files, longest = LONGEST_FILES_FIRST) {
  const rank = new Map(longest.map((f, i) => [f, i]));
  return [...files].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
}

