// `forking-paths serve` over plain HTTP through the CLI: binds 127.0.0.1 by default and prints
// the URL, traversal and unknown routes -> 404, read-only, explicit --host, analyzes a run folder
// into the default sibling folder, refuses --watch on an analysis folder, stops cleanly on SIGTERM.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/index.js";
import { startReportServer } from "../../src/report/server.js";
import { syntheticReportData } from "../../src/report/synthetic.js";
import { UsageError } from "../../src/util/errors.js";
import { runCli, startCli } from "../helpers/cli.js";

const STEPS = [0, 1, 2, 4, 8, 16];
let dir: string;
let out: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-serve-cli-"));
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 2, steps: STEPS });
  out = join(dir, "out");
  await analyzeRun(join(dir, "run"), { out, workers: 0, events: false });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  url: URL;
  stdout: () => string;
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const SERVE_START_TIMEOUT_MS = 90_000;

/** Starts `serve`, waits for the printed URL; stop() sends SIGTERM and waits for the exit. */
async function serve(args: string[]): Promise<Served> {
  const child = startCli(["serve", ...args]);
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    // Generous: `serve <run-dir>` analyzes the run first, which takes long on a loaded machine.
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`no URL printed in ${SERVE_START_TIMEOUT_MS / 1000} s; stdout: ${stdout} stderr: ${stderr}`)); }, SERVE_START_TIMEOUT_MS);
    const check = (): void => {
      const m = /serving (http:\/\/\S+\/) /.exec(stdout);
      if (m) { clearTimeout(timer); resolve(new URL(m[1]!)); }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited (${code}) before serving: ${stderr}`)); });
  });
  return {
    child, url, stdout: () => stdout,
    async stop() {
      child.kill("SIGTERM");
      const code = await exited;
      return { code, stdout, stderr };
    },
  };
}

/** A raw GET (no client-side normalisation of the path). */
function get(url: URL, path: string, method = "GET"): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Resolves "refused"/"connected"/the error code of a TCP connect to host:port. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 2000 });
    s.on("connect", () => { s.destroy(); resolve("connected"); });
    s.on("timeout", () => { s.destroy(); resolve("timeout"); });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}

test("serve <out-dir>: 127.0.0.1 by default, the URL printed, read-only routes, traversal -> 404, clean stop on SIGTERM", async () => {
  const s = await serve([out, "--port", "0"]);
  let stopped = false;
  try {
    assert.equal(s.url.hostname, "127.0.0.1");
    assert.ok(Number(s.url.port) > 0);
    assert.match(s.stdout(), /read-only store .*analysis\.duckdb/);
    const page = await get(s.url, "/");
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
    assert.match(page.body, /<title>forking-paths: run · forking-paths<\/title>/);
    const data = JSON.parse((await get(s.url, "/data.json")).body) as { runs: Array<{ id: string; steps: number[] }> };
    assert.deepEqual(data.runs.map((r) => r.id), ["run"]);
    assert.deepEqual(data.runs[0]!.steps, STEPS);
    for (const path of ["/../analysis.duckdb", "/..%2fanalysis.duckdb", "/%2e%2e%2fanalysis.duckdb", "/%2E%2E/%2E%2E/etc/passwd", "/data.json/..", "/analysis.duckdb", "/report.html", "/nope"]) {
      assert.equal((await get(s.url, path)).status, 404, path);
    }
    assert.equal((await get(s.url, "/data.json", "POST")).status, 405);
    // Not reachable on the machine's other addresses (only asserted where such an address exists).
    const others = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === "IPv4").map((a) => a!.address);
    for (const address of others) assert.notEqual(await tryConnect(address, Number(s.url.port)), "connected", address);
    const result = await s.stop();
    stopped = true;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /stopped \(SIGTERM\)/);
    // The store was closed: a writer can open it now.
    const store = await Store.openDir(out);
    await store.close();
  } finally {
    if (!stopped) await s.stop();
  }
});

test("serve --host: the explicit host is used (allowPublicHost); the library refuses a public host without it", async () => {
  const s = await serve([out, "--port", "0", "--host", "127.0.0.1"]);
  try {
    assert.equal(s.url.hostname, "127.0.0.1");
    assert.equal((await get(s.url, "/data.json")).status, 200);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
  let called = false;
  await assert.rejects(
    startReportServer({ host: "0.0.0.0", port: 0, getData: async () => { called = true; return syntheticReportData({ checkpoints: 2 }); } }),
    (e: unknown) => e instanceof UsageError && /refusing to serve the dashboard on 0\.0\.0\.0/.test(e.message),
  );
  assert.equal(called, false, "refused before loading data or binding");
});

test("serve <run-dir>: analyzes into <run-dir>/../<name>-analysis first, then serves it; --watch on an analysis folder is refused", async () => {
  const s = await serve([join(dir, "run"), "--port", "0", "--workers", "0"]);
  try {
    const expected = join(dir, "run-analysis");
    assert.ok(existsSync(join(expected, "analysis.duckdb")), "default analysis folder");
    assert.match(s.stdout(), /analyzed 6, already stored 0/);
    const data = JSON.parse((await get(s.url, "/data.json")).body) as { runs: Array<{ steps: number[]; tensors: unknown[] }> };
    assert.deepEqual(data.runs[0]!.steps, STEPS);
    assert.ok(data.runs[0]!.tensors.length > 20);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
  const refused = await runCli(["serve", out, "--watch", "--port", "0"]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^forking-paths: .* is an analysis folder; --watch needs the run folder/);
  const missing = await runCli(["serve", join(dir, "nowhere"), "--port", "0"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such folder/);
});
