// test/helpers/node-child.ts: a child runs a TypeScript module of the repository as the test file
// itself runs, its compiled .js with plain node from the compiled tree, its .ts under tsx from the
// sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { COMPILED, loaderArgs, nodeArgsFor, runnable } from "./node-child.js";

const PROBE = fileURLToPath(new URL("./fixtures/node-child-probe.ts", import.meta.url));
/** How this file runs: compiled by scripts/run-tests.mjs (a .js module) or from its source under tsx. */
const THIS_COMPILED = import.meta.url.endsWith(".js");

test("compiled: plain node (source maps on) on the module's .js; sources: --import tsx on the .ts", () => {
  assert.deepEqual(nodeArgsFor("/repo/test/store/crash-writer.ts", true), ["--enable-source-maps", "/repo/test/store/crash-writer.js"]);
  assert.deepEqual(nodeArgsFor("/repo/test/store/crash-writer.ts", false), ["--import", "tsx", "/repo/test/store/crash-writer.ts"]);
  assert.deepEqual(loaderArgs(true), ["--enable-source-maps"]);
  assert.deepEqual(loaderArgs(false), ["--import", "tsx"]);
  assert.equal(runnable("file:///repo/src/store/store.ts", true), "file:///repo/src/store/store.js");
  assert.equal(runnable("test/report/report-browser.test.ts", true), "test/report/report-browser.test.js");
  assert.equal(runnable("test/report/report-browser.test.ts", false), "test/report/report-browser.test.ts");
  assert.throws(() => runnable("scripts/run-test-file.mjs"), /not a TypeScript module .*HINT/);
  assert.throws(() => runnable("src/types.d.ts"), /not a TypeScript module/);
});

test("the default follows how the tests run: compiled iff this test file is compiled", () => {
  assert.equal(COMPILED, THIS_COMPILED);
  assert.deepEqual(nodeArgsFor("/r/x.ts"), nodeArgsFor("/r/x.ts", THIS_COMPILED));
});

test("a child started with the default arguments runs the probe: its .js without tsx when compiled, its .ts under tsx from the sources", () => {
  const out = execFileSync(process.execPath, [...nodeArgsFor(PROBE), "a", "b"], { encoding: "utf8" });
  const { url, execArgv, args } = JSON.parse(out) as { url: string; execArgv: string[]; args: string[] };
  assert.deepEqual(args, ["a", "b"]);
  assert.ok(url.endsWith(THIS_COMPILED ? "/test/helpers/fixtures/node-child-probe.js" : "/test/helpers/fixtures/node-child-probe.ts"), url);
  assert.equal(execArgv.includes("tsx"), !THIS_COMPILED, execArgv.join(" "));
});
