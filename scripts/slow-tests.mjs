// `run-tests.mjs --report-slow [N]`: a node:test reporter that records the duration of every test
// file and every test as JSON lines, and the summary that lists the N slowest of each.
// Durations are node:test's own: a file's is its whole subprocess (imports, hooks and tests).
import { readFileSync } from "node:fs";
import { relative } from "node:path";

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

/** Lines listing the `n` slowest test files and top-level tests recorded in `recordFile`. */
export function slowestSummary(recordFile, n, root) {
  const rows = readFileSync(recordFile, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  const files = rows.filter((r) => r.kind === "file").sort((a, b) => b.ms - a.ms);
  const tests = rows.filter((r) => r.kind === "test" && r.nesting === 0).sort((a, b) => b.ms - a.ms);
  const total = files.reduce((s, r) => s + r.ms, 0);
  const out = [`run-tests: the ${Math.min(n, files.length)} slowest of ${files.length} test files (sum of file times ${seconds(total).trim()}):`];
  for (const r of files.slice(0, n)) out.push(`${seconds(r.ms)}  ${relative(root, r.file)}`);
  out.push(`run-tests: the ${Math.min(n, tests.length)} slowest of ${tests.length} tests:`);
  for (const r of tests.slice(0, n)) out.push(`${seconds(r.ms)}  ${relative(root, r.file)}: ${r.name}`);
  return out;
}
