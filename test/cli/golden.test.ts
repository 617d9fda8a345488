// Behaviour unchanged: the demo's pipeline, run through the CLI as a user runs it (analyze with
// the default settings, the training log added as metrics, report) on a small committed run,
// gives the same `stats --json`, `events --json` and report data as test/fixtures/golden/golden.json.
//
// A change that moves these numbers on purpose (a faster shape statistic within its tolerance, a
// new evidence field) regenerates the golden file with one command:
//   npm run build:ts && UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/cli/golden.test.ts
// and its commit message must say why the numbers moved (which change, by how much). A golden
// regenerated without a stated reason hides exactly the change this test is here to show.
// The run itself (test/fixtures/golden/golden-run) is written by scripts/write-golden-run.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const GOLDEN_DIR = join(REPO_ROOT, "test", "fixtures", "golden");
const RUN = join(GOLDEN_DIR, "golden-run");
const GOLDEN_FILE = join(GOLDEN_DIR, "golden.json");
/** Numbers match when within this relative distance (the golden file keeps 10 significant digits). */
const REL_TOL = 1e-9;
/** Differences listed in a failure message. */
const MAX_LISTED = 25;

interface Golden {
  stats: unknown;
  events: unknown;
  report: unknown;
}

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args);
  assert.equal(r.code, 0, `forking-paths ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** The report data embedded in report.html, without the two fields that name the machine and the hour. */
function reportData(html: string): unknown {
  const match = /<script type="application\/json" id="fp-data">(.*?)<\/script>/s.exec(html);
  assert.ok(match, "report.html embeds its data in <script id=\"fp-data\">");
  const data = JSON.parse(match[1]!) as { generatedAt?: unknown; runs: { source: unknown }[] };
  delete data.generatedAt;
  for (const run of data.runs) run.source = "<golden-run>";
  return data;
}

async function currentOutputs(): Promise<Golden> {
  const out = join(tempDir("fp-golden-"), "analysis");
  await cli(["analyze", RUN, "--out", out, "--json"]);
  await cli(["metrics", out, "--add", join(RUN, "checkpoint-2000", "trainer_state.json"), "--source", "trainer_state"]);
  await cli(["report", out, "--title", "golden"]);
  return {
    stats: JSON.parse(await cli(["stats", out, "--json"])),
    events: JSON.parse(await cli(["events", out, "--json"])),
    report: reportData(readFileSync(join(out, "report.html"), "utf8")),
  };
}

/** Numbers kept to 10 significant digits, so the file stays readable and diffs show real changes. */
function rounded(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(10)) : value;
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

/** Pretty at the top three levels (one stats row, event or report tensor per line), compact below. */
function goldenText(value: unknown, depth = 0): string {
  if (depth >= 3 || value === null || typeof value !== "object") return JSON.stringify(value);
  const pad = " ".repeat(depth + 1);
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[\n${value.map((v) => pad + goldenText(v, depth + 1)).join(",\n")}\n${" ".repeat(depth)}]`;
  const entries = Object.entries(value);
  return entries.length === 0 ? "{}" : `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${goldenText(v, depth + 1)}`).join(",\n")}\n${" ".repeat(depth)}}`;
}

/** Every place where `actual` differs from `expected`, as "path: expected -> actual". */
function differences(expected: unknown, actual: unknown, path: string, out: string[]): void {
  if (out.length >= MAX_LISTED) return;
  if (typeof expected === "number" && typeof actual === "number") {
    const close = expected === actual || Math.abs(expected - actual) <= REL_TOL * Math.max(Math.abs(expected), Math.abs(actual));
    if (!close) out.push(`${path}: ${expected} -> ${actual}`);
    return;
  }
  if (expected === null || actual === null || typeof expected !== "object" || typeof actual !== "object") {
    if (expected !== actual) out.push(`${path}: ${JSON.stringify(expected)} -> ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) {
    out.push(`${path}: ${Array.isArray(expected) ? "array" : "object"} -> ${Array.isArray(actual) ? "array" : "object"}`);
    return;
  }
  const e = expected as Record<string, unknown>, a = actual as Record<string, unknown>;
  if (Array.isArray(expected) && expected.length !== (actual as unknown[]).length) out.push(`${path}: length ${expected.length} -> ${(actual as unknown[]).length}`);
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (!(key in a)) out.push(`${path}.${key}: missing now`);
    else if (!(key in e)) out.push(`${path}.${key}: new (not in the golden file)`);
    else differences(e[key], a[key], `${path}.${key}`, out);
  }
}

test("the demo pipeline on the committed golden run gives the golden stats --json, events --json and report data", async () => {
  const actual = rounded(await currentOutputs()) as Golden;
  if (process.env.UPDATE_GOLDEN === "1") {
    writeFileSync(GOLDEN_FILE, goldenText(actual) + "\n");
    console.log(`UPDATE_GOLDEN=1: wrote ${GOLDEN_FILE}; say in the commit message why the numbers moved`);
  }
  const expected = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Golden;
  // The golden file is not trivial: it holds what the detectors are known to find on this run.
  assert.ok(Array.isArray(expected.stats) && expected.stats.length === 10 * 28, "golden stats: 28 tensors at 10 checkpoints");
  const kinds = new Set((expected.events as { kind: string }[]).map((e) => e.kind));
  for (const kind of ["population_fork", "layer_fork", "mode_split", "change_point"]) assert.ok(kinds.has(kind), `golden events include ${kind}`);
  const diffs: string[] = [];
  for (const part of ["stats", "events", "report"] as const) differences(expected[part], actual[part], part, diffs);
  assert.deepEqual(diffs, [], `the outputs moved from ${GOLDEN_FILE} (first ${MAX_LISTED} differences listed). If the change is intended, ` +
    "regenerate with `UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/cli/golden.test.ts` and say why in the commit message");
});

test("the golden comparison fails on a moved number, a missing key and a new event", () => {
  const golden = { stats: [{ mean: 0.125, quantiles: { "0.5": 1 } }], events: [{ kind: "layer_fork" }], report: {} };
  const same: string[] = [];
  differences(golden, rounded(structuredClone(golden)), "", same);
  assert.deepEqual(same, []);
  const moved: string[] = [];
  differences(golden, { stats: [{ mean: 0.125 * (1 + 1e-6), quantiles: {} }], events: [{ kind: "layer_fork" }, { kind: "mode_split" }], report: {} }, "", moved);
  assert.deepEqual(moved, [".stats.0.mean: 0.125 -> 0.125000125", ".stats.0.quantiles.0.5: missing now", ".events: length 1 -> 2", ".events.1: new (not in the golden file)"]);
});
