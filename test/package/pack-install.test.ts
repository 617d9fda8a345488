// The published package works on its own: `npm pack`, then in an empty folder outside the
// repository `npm install <tarball>`, `npx forking-paths --help` and `npx forking-paths demo
// --synthetic`. No dev dependency (tsx, typescript, assemblyscript, playwright-core) is installed
// or reachable there, so the compiled dist/ and the shipped WASM kernels must be enough.
// Dependencies come from the npm cache (--prefer-offline) or the registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

/** Generous ceilings for a loaded machine; they stop a hung step, they are not the expected times. */
const INSTALL_TIMEOUT_MS = 6 * 60_000;
const DEMO_TIMEOUT_MS = 5 * 60_000;
const DEV_ONLY = ["tsx", "typescript", "assemblyscript", "playwright-core", "@sparticuz/chromium", "@types/node"];

interface Run { code: number | null; out: string; ms: number }

/** The environment of a user's shell: none of the npm lifecycle or node test runner variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === "NODE_OPTIONS" || k === "NODE_TEST_CONTEXT" || k === "INIT_CWD") continue;
    env[k] = v;
  }
  // Never let npx fetch a package called forking-paths from the registry: only the installed one counts.
  return { ...env, npm_config_yes: "false", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { out += c.toString(); });
    const timer = setTimeout(() => { child.kill("SIGKILL"); }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, out, ms: Date.now() - t0 }); });
  });
}

test("npm pack, npm install <tarball> in an empty folder, then npx forking-paths --help and demo --synthetic", async () => {
  // dist/ must be current (npm test builds it); the same check the CLI tests make.
  assert.equal((await runCli(["--help"])).code, 0);
  for (const k of ["model", "stats"]) assert.ok(existsSync(join(REPO_ROOT, "build", "kernels", `${k}.wasm`)), `build/kernels/${k}.wasm: run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), "fp-pack-install-"));
  try {
    // The tarball `npm pack` makes, without re-running prepare: rebuilding dist/ here would race
    // the other test files that run the CLI from it.
    const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], REPO_ROOT, INSTALL_TIMEOUT_MS);
    assert.equal(pack.code, 0, pack.out.slice(-2000));
    const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
    const manifest = JSON.parse(pack.out.slice(pack.out.indexOf("["))) as { files: { path: string }[] }[];
    const packed = manifest[0]!.files.map((f) => f.path);
    for (const f of ["bin/forking-paths.js", "dist/cli/main.js", "dist/bundle/cli.js", "dist/bundle/stats-worker.js", "dist/bundle/duckdb-client.cjs", "dist/index.js", "build/kernels/stats.wasm", "build/kernels/model.wasm", "data/pythia/LICENSE"]) {
      assert.ok(packed.includes(f), `${f} missing from the tarball`);
    }
    assert.ok(!packed.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".ts") && !f.endsWith(".d.ts")), "sources shipped");

    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "fp-pack-check", private: true }));
    const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], app, INSTALL_TIMEOUT_MS);
    assert.equal(install.code, 0, install.out.slice(-2000));
    const installed = join(app, "node_modules");
    assert.ok(statSync(join(installed, "forking-paths", "dist", "cli", "main.js")).isFile());
    const fromApp = createRequire(join(app, "package.json"));
    for (const dev of DEV_ONLY) {
      assert.ok(!existsSync(join(installed, dev)), `dev dependency ${dev} was installed`);
      assert.throws(() => fromApp.resolve(`${dev}/package.json`), `${dev} is reachable from ${app}`);
    }

    const help = await run("npx", ["forking-paths", "--help"], app, DEMO_TIMEOUT_MS);
    assert.equal(help.code, 0, help.out.slice(-2000));
    assert.match(help.out, /^Usage: forking-paths \[options\] \[command\]/m);
    for (const cmd of ["demo", "analyze", "report", "train"]) assert.match(help.out, new RegExp(`^\\s+${cmd}\\b`, "m"), cmd);

    const demo = await run("npx", ["forking-paths", "demo", "--synthetic", "--out", "demo-output"], app, DEMO_TIMEOUT_MS);
    assert.equal(demo.code, 0, demo.out.slice(-3000));
    assert.match(demo.out, /^summary: \d+ checkpoints analyzed; events: .*population_fork/m);
    const report = join(app, "demo-output", "report.html");
    assert.ok(statSync(report).size > 100_000, "report.html too small");
    assert.match(readFileSync(report, "utf8").slice(0, 2000), /<!doctype html>/i);
    assert.ok(statSync(join(app, "demo-output", "analysis", "analysis.duckdb")).size > 0);
    console.log(`# pack ${pack.ms} ms, install ${install.ms} ms, --help ${help.ms} ms, demo --synthetic ${demo.ms} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
