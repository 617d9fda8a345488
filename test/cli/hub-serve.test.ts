// `forking-paths serve hf://owner/repo --revisions ...` (HF_ENDPOINT = the fake Hub): the revisions
// are analyzed into --out, then served; the page's data holds the run; SIGTERM stops it cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { STORE_FILE_NAME } from "../../src/store/index.js";
import { runCli, startCli } from "../helpers/cli.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { reposOf, safetensorsCheckpoint, tmp, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";

const START_TIMEOUT_MS = 60_000;

function hubEnv(endpoint: string, dir: string): NodeJS.ProcessEnv {
  return { HF_ENDPOINT: endpoint, HF_HOME: join(dir, "hf-home"), HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HF_HUB_OFFLINE: "" };
}

test("serve hf://org/run --revisions step0,step1,step2 analyzes into --out and serves the run", async () => {
  const dir = tmp("cli-hub-serve");
  const run = writeFixtureRun(join(dir, "st"), "model.safetensors", safetensorsCheckpoint);
  const hub = await startFakeHub({ repos: reposOf({ "org/run": run }) });
  const out = join(dir, "served");
  let child: ReturnType<typeof startCli>;
  try {
    child = startCli(["serve", "hf://org/run", "--revisions", "step0,step1,step2", "--out", out, "--port", "0", "--workers", "0"], { env: hubEnv(hub.url, dir) });
  } catch (err) {
    await hub.close(); // e.g. a stale dist/: fail, do not hang on the open fake Hub
    throw err;
  }
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed in ${START_TIMEOUT_MS / 1000} s; stdout: ${stdout} stderr: ${stderr}`)), START_TIMEOUT_MS);
      child.stdout!.on("data", () => {
        const m = /serving (http:\/\/\S+\/) /.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]!));
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${code}) before serving: ${stderr}`));
      });
    });
    assert.equal(url.hostname, "127.0.0.1");
    assert.match(stdout, /run "run": 3 checkpoint\(s\), steps 0\.\.2; analyzed 3/);
    assert.match(stdout, /transferred .* of checkpoint files/);
    assert.ok(existsSync(join(out, STORE_FILE_NAME)));
    const data = (await (await fetch(new URL("data.json", url))).json()) as { runs: Array<{ id: string; steps: number[] }> };
    assert.deepEqual(data.runs.map((r) => [r.id, r.steps]), [["run", [0, 1, 2]]]);
    assert.equal((await fetch(url)).status, 200);
  } finally {
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
    await hub.close();
  }
  assert.match(stdout, /stopped \(SIGTERM\)/);
});

test("serve hf://... refuses --watch, and --revisions on a folder, with one line", async () => {
  const dir = tmp("cli-hub-serve-usage");
  const watch = await runCli(["serve", "hf://org/run", "--watch", "--out", join(dir, "o")]);
  assert.equal(watch.code, 2, watch.stderr);
  assert.match(watch.stderr.trim(), /^forking-paths: --watch follows a run folder on disk; for hf:\/\/org\/run, re-run serve/);
  const revisions = await runCli(["serve", dir, "--revisions", "step*"]);
  assert.equal(revisions.code, 2, revisions.stderr);
  assert.match(revisions.stderr.trim(), /--revisions applies to hf:\/\/ runs only/);
});
