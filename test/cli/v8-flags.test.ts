// The V8 flags the CLI sets for its process (src/cli/v8-flags.ts): a larger interrupt budget, so
// that each thread hands fewer briefly-hot functions to V8's compiler threads (issue 11: start-up
// and compiler CPU on 2 cores).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { applyCliV8Flags, CLI_INTERRUPT_BUDGET, CLI_V8_FLAGS, V8_DEFAULT_INTERRUPT_BUDGET } from "../../src/cli/v8-flags.js";
import { tempDir } from "../helpers/temp.js";

const FLAGS_MODULE = new URL(`../../src/cli/v8-flags${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url).href;
const LOADER = import.meta.url.endsWith(".ts") ? ["--import", "tsx"] : [];

/**
 * Calls of a small loop function: under V8's default budget it is marked for TurboFan after ~130
 * (Node 20), under the CLI's after ~370: in between, one is optimised and the other not.
 */
const CALLS = 250;

/** Whether `f` is optimised or on its way (marked, queued, compiling) after CALLS calls, in a fresh node with or without the CLI's flags. */
async function tieredUp(cliFlags: boolean): Promise<boolean> {
  const dir = tempDir("fp-v8-flags-");
  writeFileSync(join(dir, "hot.mjs"), "export function f(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * 2; return s; }\n");
  // OptimizationStatus bits (V8 runtime-test.cc): optimized 16, marked 256, marked concurrent 512, optimizing concurrently 1024
  writeFileSync(join(dir, "child.mjs"), [
    cliFlags ? `(await import(${JSON.stringify(FLAGS_MODULE)})).applyCliV8Flags([]);` : "",
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
  const [plain, cli] = await Promise.all([tieredUp(false), tieredUp(true)]);
  assert.equal(plain, true, `under V8's default budget, ${CALLS} calls tier the function up (else this test shows nothing)`);
  assert.equal(cli, false, `under the CLI's budget, ${CALLS} calls leave it in baseline code`);
});

test("a flag node was started with is left as it is; the others are applied", () => {
  assert.deepEqual(applyCliV8Flags(["--interrupt-budget=1000"]), []);
  assert.deepEqual(applyCliV8Flags(["--interrupt_budget=1000"]), []);
  assert.deepEqual(applyCliV8Flags(["--max-old-space-size=100"]), [...CLI_V8_FLAGS]);
});
