// `forking-paths analyze hf://... --revisions ...` as a user runs it (HF_ENDPOINT = the fake Hub):
// `stats --json` identical to the same files analyzed from a local folder, in safetensors and
// PyTorch formats; a file changing during the analysis exits non-zero with one line, and the
// store holds no row of the checkpoint being read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { formatBytes } from "../../src/cli/progress.js";
import { register as registerStats } from "../../src/cli/commands/stats.js";
import { runCli, runInProcess } from "../helpers/cli.js";
import { startFakeHub } from "../helpers/fake-hub.js";
import { listBranches } from "../../src/runs/hub-api.js";
import { reposOf, safetensorsCheckpoint, tmp, torchRunFile, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";
import { FILE_KINDS } from "../runs/hub-pythia-fixtures.js";

/** The child must not find our fixtures in a real Hugging Face cache, nor use a real token. */
function hubEnv(endpoint: string, dir: string): NodeJS.ProcessEnv {
  return { HF_ENDPOINT: endpoint, HF_HOME: join(dir, "hf-home"), HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HF_HUB_OFFLINE: "" };
}

/** `stats --json` of a store, listed in this process: the analyses are the CLI runs under test, the listing only reads them. */
async function statsJson(out: string): Promise<unknown[]> {
  return JSON.parse(await runInProcess([registerStats], ["stats", out, "--json"])) as unknown[];
}

test("analyze hf://org/run --revisions step0,step1,step2 gives stats --json identical to the local folder, safetensors and .bin", async () => {
  const dir = tmp("cli-hub");
  const runs = {
    "org/st": writeFixtureRun(join(dir, "st"), "model.safetensors", safetensorsCheckpoint),
    "org/pt": writeFixtureRun(join(dir, "pt"), "pytorch_model.bin", torchRunFile),
  };
  const hub = await startFakeHub({ repos: reposOf(runs) });
  try {
    for (const [repo, run] of Object.entries(runs)) {
      const localOut = join(dir, `${repo.slice(4)}-local`);
      const hubOut = join(dir, `${repo.slice(4)}-hub`);
      // Shape statistics (slow) on the safetensors run only: the .bin run's kept tensors are many.
      const common = ["--run", "r", "--workers", "0", "--json", ...(repo === "org/pt" ? ["--no-shape"] : [])];
      const local = await runCli(["analyze", run.localDir, "--out", localOut, ...common]);
      assert.equal(local.code, 0, local.stderr);
      const remote = await runCli(["analyze", `hf://${repo}`, "--revisions", "step0,step1,step2", "--out", hubOut, ...common], { env: hubEnv(hub.url, dir) });
      assert.equal(remote.code, 0, remote.stderr);
      const summary = JSON.parse(remote.stdout) as { steps: number[]; analyzed: number; remote: { bytesTransferred: number; filesBytes: number } };
      assert.deepEqual(summary.steps, [0, 1, 2]);
      assert.equal(summary.remote.filesBytes, [0, 1, 2].reduce((s, i) => s + run.repo[`step${i}`]!.files[repo === "org/st" ? "model.safetensors" : "pytorch_model.bin"]!.byteLength, 0));
      assert.ok(summary.remote.bytesTransferred > 0);
      const localRows = await statsJson(localOut);
      assert.ok(localRows.length >= 3 * 8, `${repo}: rows for every step`);
      if (repo === "org/st") assert.ok(localRows.some((r) => (r as { extra?: { shape?: unknown } }).extra?.shape !== undefined), "shape statistics are compared too");
      assert.deepEqual(await statsJson(hubOut), localRows, `${repo}: hub and local statistics are identical`);
    }
  } finally {
    await hub.close();
  }
});

test("a changed ETag during step1: exit 1, one line naming the change, step0 kept, nothing of step1", async () => {
  const dir = tmp("cli-hub-etag");
  const run = writeFixtureRun(join(dir, "st"), "model.safetensors", safetensorsCheckpoint);
  const hub = await startFakeHub({ repos: reposOf({ "org/run": run }) });
  try {
    // The change hits the second content GET of step1's file (two checkpoints are in flight, so the
    // fault names step1's commit instead of counting requests across checkpoints).
    const step1 = (await listBranches("org/run", { endpoint: hub.url })).find((b) => b.name === "step1")!.commit;
    hub.faults.push({ kind: "change-content", route: "cdn", method: "GET", urlIncludes: `/${step1}/`, after: 1 });
    const out = join(dir, "out");
    const res = await runCli(["analyze", "hf://org/run", "--revisions", "step0,step1,step2", "--out", out, "--run", "r", "--workers", "0", "--no-shape"], { env: hubEnv(hub.url, dir) });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split("\n");
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /^forking-paths: hf:\/\/org\/run@[0-9a-f]{40}\/model\.safetensors: .*the remote file changed during the analysis/);
    const store = await Store.openDir(out, { readOnly: true });
    try {
      assert.deepEqual((await store.listCheckpoints("r")).map((c) => [c.step, c.complete]), [[0, true]]);
      assert.equal((await store.tensorStats({ run: "r", step: 1 })).length, 0);
      assert.equal((await store.tensorStats({ run: "r", step: 0 })).length, 8);
    } finally {
      await store.close();
    }
  } finally {
    await hub.close();
  }
});

test("the flagship case: analyze hf:// over fp16 pytorch_model.bin revisions (Pythia's buffers), and bf16 safetensors with --include, 2 workers: exit 0, stats equal the local folder", async () => {
  const dir = tmp("cli-hub-pythia");
  const cases = [
    { repo: "org/pythia-bin", kind: FILE_KINDS.find((k) => k.name === "fp16 pytorch_model.bin")!, extra: [] as string[] },
    { repo: "org/pythia-bf16", kind: FILE_KINDS.find((k) => k.name === "bf16 model.safetensors")!, extra: ["--include", "*query_key_value.weight"] },
  ];
  const repos: Record<string, Record<string, { files: Record<string, Uint8Array> }>> = {};
  for (const c of cases) {
    repos[c.repo] = {};
    for (const step of [0, 1]) {
      const files = c.kind.files(step);
      mkdirSync(join(dir, c.repo, `step${step}`), { recursive: true });
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, c.repo, `step${step}`, name), bytes);
      repos[c.repo]![`step${step}`] = { files };
    }
  }
  const hub = await startFakeHub({ repos });
  try {
    for (const c of cases) {
      // Kept and spectral tensors decode their values (the crash's path); shape statistics are compared in test/runs/hub-file-kinds.
      const common = ["--run", "r", "--no-shape", "--no-events", ...c.extra];
      const local = await runCli(["analyze", join(dir, c.repo), "--out", join(dir, c.repo, "local-out"), ...common]);
      assert.equal(local.code, 0, local.stderr);
      const remote = await runCli(["analyze", `hf://${c.repo}`, "--revisions", "step*", "--out", join(dir, c.repo, "hub-out"), ...common], { env: hubEnv(hub.url, dir) });
      assert.equal(remote.code, 0, `${c.repo}: ${remote.stderr}`);
      assert.doesNotMatch(remote.stderr, /internal error/);
      const rows = await statsJson(join(dir, c.repo, "local-out"));
      assert.equal(rows.length, c.extra.length > 0 ? 4 : 56, c.repo);
      assert.deepEqual(await statsJson(join(dir, c.repo, "hub-out")), rows, `${c.repo}: hub and local statistics are identical`);
    }
  } finally {
    await hub.close();
  }
});

test("analyze hf:// --progress: stderr lines show checkpoints done and bytes fetched (not a terminal)", async () => {
  const dir = tmp("cli-hub-progress");
  const run = writeFixtureRun(join(dir, "st"), "model.safetensors", safetensorsCheckpoint);
  const hub = await startFakeHub({ repos: reposOf({ "org/run": run }) });
  try {
    const res = await runCli(["analyze", "hf://org/run", "--revisions", "step0,step1,step2", "--out", join(dir, "out"), "--workers", "0", "--no-shape", "--no-events", "--json", "--progress"], { env: hubEnv(hub.url, dir) });
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout) as { remote: { bytesTransferred: number } };
    const lines = res.stderr.trim().split("\n");
    assert.ok(lines.every((l) => /^analyze: \d+% checkpoint \d\/3 done \(step \d\), [\d.]+ (B|KiB|MiB) analyzed, [\d.]+ (B|KiB|MiB) fetched$/.test(l)), res.stderr);
    const last = lines.at(-1)!;
    assert.match(last, /^analyze: 100% checkpoint 3\/3 done \(step 2\)/);
    assert.ok(last.endsWith(`, ${formatBytes(summary.remote.bytesTransferred)} fetched`), `${last} vs ${summary.remote.bytesTransferred} B transferred`);
  } finally {
    await hub.close();
  }
});
