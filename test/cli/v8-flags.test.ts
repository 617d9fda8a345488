// The V8 flags the CLI sets for its process (src/cli/v8-flags.ts): a larger interrupt budget, so
// that each thread hands fewer briefly-hot functions to V8's compiler threads (issue 11: start-up
// and compiler CPU on 2 cores), applied once start-up is over (a changed flag makes V8 reject Node's
// code cache for every internal module loaded afterwards).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { applyCliV8Flags, CLI_INTERRUPT_BUDGET, CLI_V8_FLAGS, V8_DEFAULT_INTERRUPT_BUDGET } from "../../src/cli/v8-flags.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const FLAGS_MODULE = new URL(`../../src/cli/v8-flags${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url).href;
const LOADER = import.meta.url.endsWith(".ts") ? ["--import", "tsx"] : [];

/**
 * Calls of a small loop function: under V8's default budget it is marked for TurboFan after ~130
 * (Node 20), under the CLI's after ~370: in between, one is optimised and the other not.
 */
const CALLS = 250;

/**
 * Whether `f` is optimised or on its way (marked, queued, compiling) after CALLS calls, in a fresh
 * node that imports the flags' module and applies them ("apply"), only imports it ("import"), or
 * neither ("none").
 */
async function tieredUp(cliFlags: "apply" | "import" | "none"): Promise<boolean> {
  const dir = tempDir("fp-v8-flags-");
  writeFileSync(join(dir, "hot.mjs"), "export function f(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * 2; return s; }\n");
  // OptimizationStatus bits (V8 runtime-test.cc): optimized 16, marked 256, marked concurrent 512, optimizing concurrently 1024
  writeFileSync(join(dir, "child.mjs"), [
    cliFlags === "none" ? "" : `const flags = await import(${JSON.stringify(FLAGS_MODULE)});`,
    cliFlags === "apply" ? "flags.applyCliV8Flags([]);" : "",
    'const { f } = await import("./hot.mjs");',
    "const a = new Float64Array(16).fill(1);",
    `for (let i = 0; i < ${CALLS}; i++) f(a);`,
    "console.log((%GetOptimizationStatus(f) & (16 | 256 | 512 | 1024)) !== 0);",
  ].join("\n"));
  const { stdout } = await promisify(execFile)(process.execPath, [...LOADER, "--allow-natives-syntax", join(dir, "child.mjs")]);
  return JSON.parse(stdout) as boolean;
}

test("with the CLI's flags a function is handed to TurboFan later than under V8's default budget", async () => {
  assert.equal(CLI_INTERRUPT_BUDGET, 3 * V8_DEFAULT_INTERRUPT_BUDGET);
  const [plain, imported, cli] = await Promise.all([tieredUp("none"), tieredUp("import"), tieredUp("apply")]);
  assert.equal(plain, true, `under V8's default budget, ${CALLS} calls tier the function up (else this test shows nothing)`);
  assert.equal(imported, true, "importing the flags' module changes no flag (the CLI applies them when its start-up is over)");
  assert.equal(cli, false, `under the CLI's budget, ${CALLS} calls leave it in baseline code`);
});

/** Node's debug lines on its internal modules' code cache (NODE_DEBUG_NATIVE=CODE_CACHE): "Code cache of <id> (...) is accepted|rejected". */
function codeCacheUse(stderr: string): { accepted: number; rejected: string[] } {
  const lines = stderr.split("\n");
  return { accepted: lines.filter((l) => /^Code cache of \S+ .* is accepted$/.test(l)).length, rejected: lines.filter((l) => /^Code cache of \S+ .* is rejected$/.test(l)) };
}

/** When a timeline stamp was made (FP_TIMELINE=1 stderr), in ms since the start; undefined: not stamped. */
function stampedAt(stderr: string, phase: string): number | undefined {
  const line = stderr.split("\n").find((l) => l.startsWith("timeline ") && l.replace(/ \(x\d+\)$/, "").endsWith(`  ${phase}`));
  return line === undefined ? undefined : Number(/^timeline\s+([\d.]+) ms/.exec(line)![1]);
}

test("analyze applies the flags once its workers have started: every thread's start-up takes Node's internal modules from its code cache", async () => {
  const dir = tempDir("fp-v8-flags-cli-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: [0, 1, 2] });
  const r = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "out"), "--workers", "2"], { env: { FP_TIMELINE: "1", NODE_DEBUG_NATIVE: "CODE_CACHE" } });
  assert.equal(r.code, 0, r.stderr);
  const applied = stampedAt(r.stderr, "cli: V8 flags applied"), ready = stampedAt(r.stderr, "pool: workers ready");
  assert.ok(applied !== undefined && ready !== undefined, `stamps "cli: V8 flags applied" and "pool: workers ready" in:\n${r.stderr}`);
  assert.ok(applied >= ready, `the flags are applied after the last worker is ready (${applied} ms, ready ${ready} ms)`);
  const cache = codeCacheUse(r.stderr);
  // with the flags applied first thing (session 14), ~150 internal modules of the three threads were compiled from source
  assert.ok(cache.accepted >= 100, `Node's debug lines on its code cache (${cache.accepted} accepted): else this test shows nothing`);
  assert.deepEqual(cache.rejected, [], "no internal module compiled from source because a flag changed before it was loaded");
});

test("any other command applies the flags before it runs", async () => {
  const dir = tempDir("fp-v8-flags-synth-");
  const r = await runCli(["synth", join(dir, "run")], { env: { FP_TIMELINE: "1" } });
  assert.equal(r.code, 0, r.stderr);
  const applied = stampedAt(r.stderr, "cli: V8 flags applied"), loaded = stampedAt(r.stderr, "cli: modules loaded");
  assert.ok(applied !== undefined && loaded !== undefined && applied >= loaded, `"cli: V8 flags applied" after the CLI's modules loaded in:\n${r.stderr}`);
});

test("a flag node was started with is left as it is; the others are applied", () => {
  assert.deepEqual(applyCliV8Flags(["--interrupt-budget=1000"]), []);
  assert.deepEqual(applyCliV8Flags(["--interrupt_budget=1000"]), []);
  assert.deepEqual(applyCliV8Flags(["--max-old-space-size=100"]), [...CLI_V8_FLAGS]);
});
