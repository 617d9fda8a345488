// The Slurm and Kubernetes examples of docs/cluster.md, run as written: the array script with
// SLURM_ARRAY_TASK_ID = 0..N-1 then the merge script (bash), and the Indexed Job's command with
// JOB_COMPLETION_INDEX = 0..N-1 then the merge Job's (sh -c); both results equal one process.
// The BullMQ block's `cluster submit`, two `worker`s and `cluster status` lines (sh -c) against the
// test's own redis-server, with only the values of its `export` line replaced.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { SMALL_STEPS, assertSameStore, sharedSmallRun, storeContent, tempDir, type StoreContent } from "./helpers.js";
import { openFlowStatus, type FlowStatus } from "../../src/cluster/queue/status.js";
import { FLOW_POLL_MS, FLOW_TIMEOUT_MS } from "./queue-helpers.js";

const DOC = readFileSync(join(REPO_ROOT, "docs", "cluster.md"), "utf8");
const SHARDS = 3;
const ANALYZE_ARGS = "--no-shape --spectral-max-dim 0";

/** The fenced block right after `<!-- test: name -->`. */
function docBlock(name: string): string {
  const m = new RegExp(`<!-- test: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  assert.ok(m !== null, `docs/cluster.md has no block "${name}"`);
  return m[1]!;
}

/** The single `args:` line of a manifest's `sh -c` container. */
function manifestCommand(name: string): string {
  const m = /args:\s*\n\s*- (.+)\n/.exec(docBlock(name));
  assert.ok(m !== null, `no args line in block "${name}"`);
  return m[1]!;
}

function sh(shell: "bash" | "sh", args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

let dir = "", run = "", bin = "", expected: StoreContent;
let redis: TestRedis | null = null;
const background: ChildProcess[] = [];
after(async () => {
  await Promise.all(background.map(stopGroup));
  await redis?.stop();
});
before(async () => {
  dir = tempDir("docs");
  // The shared run and its single-process store (FAST_ANALYSIS = ANALYZE_ARGS), read only.
  ({ run, expected } = await sharedSmallRun());
  // `forking-paths` on PATH, as after `npm install -g`: the package's bin of this checkout (its bundled CLI).
  bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "forking-paths"), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, "bin", "forking-paths.js")}" "$@"\n`);
  chmodSync(join(bin, "forking-paths"), 0o755);
});

test("the Slurm array script for every SLURM_ARRAY_TASK_ID, then the merge script, equal one process", async () => {
  const shard = join(dir, "shard.sbatch"), merge = join(dir, "merge.sbatch");
  writeFileSync(shard, docBlock("slurm-shard"));
  writeFileSync(merge, docBlock("slurm-merge"));
  assert.match(docBlock("slurm-shard"), /#SBATCH --array=0-153%16/);
  const out = join(dir, "slurm");
  const env = { PATH: `${bin}:${process.env.PATH}`, RUN: run, OUT: out, SHARDS: String(SHARDS), ANALYZE_ARGS, SLURM_CPUS_PER_TASK: "1" };
  for (let k = 0; k < SHARDS; k++) {
    const r = await sh("bash", [shard], { ...env, SLURM_ARRAY_TASK_ID: String(k) });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`shard ${k}/${SHARDS} of run "run"`));
  }
  const unset = await sh("bash", [shard], env);
  assert.equal(unset.code, 2, "no array index: a usage error");
  assert.match(unset.out, /neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set/);
  const merged = await sh("bash", [merge], env);
  assert.equal(merged.code, 0, merged.out);
  assertSameStore(await storeContent(out), expected, "Slurm");
});

test("the Kubernetes Indexed Job's command for every JOB_COMPLETION_INDEX, then the merge Job's, equal one process", async () => {
  assert.match(docBlock("k8s-shard"), /completionMode: Indexed/);
  const out = join(dir, "k8s");
  const env = { PATH: `${bin}:${process.env.PATH}`, RUN: run, OUT: out, SHARDS: String(SHARDS), ANALYZE_ARGS };
  for (let k = 0; k < SHARDS; k++) {
    const r = await sh("sh", ["-c", manifestCommand("k8s-shard")], { ...env, JOB_COMPLETION_INDEX: String(k) });
    assert.equal(r.code, 0, r.out);
  }
  const outOfRange = await sh("sh", ["-c", manifestCommand("k8s-shard")], { ...env, JOB_COMPLETION_INDEX: String(SHARDS) });
  assert.equal(outOfRange.code, 2);
  assert.match(outOfRange.out, new RegExp(`JOB_COMPLETION_INDEX=${SHARDS} is out of range 0\\.\\.${SHARDS - 1}`));
  const merged = await sh("sh", ["-c", manifestCommand("k8s-merge")], env);
  assert.equal(merged.code, 0, merged.out);
  assertSameStore(await storeContent(out), expected, "Kubernetes");
});

/** The one line of a block that starts with `prefix`. */
function blockLine(block: string, prefix: string): string {
  const lines = block.split("\n").filter((l) => l.startsWith(prefix));
  assert.equal(lines.length, 1, `one line starting with "${prefix}" in the block`);
  return lines[0]!;
}

/** SIGTERM to a detached `sh -c` and everything it started, SIGKILL if it has not exited within 5 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (s: NodeJS.Signals) => { try { process.kill(-child.pid!, s); } catch { /* already gone */ } };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

test("the BullMQ block: cluster submit, two workers and cluster status as written, equal one process", async () => {
  const block = docBlock("bullmq");
  assert.match(block, /^redis-server --port 6379 --appendonly yes --dir \S+$/m);
  // The placeholders are exactly the export line's variables, and the commands use no others.
  const exported = blockLine(block, "export ");
  const names = [...exported.matchAll(/(?:^export|\s)([A-Z_]+)=/g)].map((m) => m[1]);
  assert.deepEqual(names, ["REDIS", "RUN", "OUT", "ANALYZE_ARGS"]);
  const submitLine = blockLine(block, "forking-paths cluster submit ");
  const workerLine = blockLine(block, "forking-paths worker ");
  const statusLine = blockLine(block, "forking-paths cluster status ");
  for (const line of [submitLine, workerLine, statusLine]) {
    for (const m of line.matchAll(/\$\{?([A-Za-z_]+)/g)) assert.ok(names.includes(m[1]!), `${line}: $${m[1]} is not on the export line`);
  }
  redis = await startRedis();
  const out = join(dir, "bullmq");
  const env = { PATH: `${bin}:${process.env.PATH}`, REDIS: redis.url, RUN: run, OUT: out, ANALYZE_ARGS };
  const submitted = await sh("sh", ["-c", submitLine], env);
  assert.equal(submitted.code, 0, submitted.out);
  const flowId = /^fp-[0-9a-f-]+$/m.exec(submitted.out)?.[0];
  assert.ok(flowId !== undefined, `cluster submit printed the flow id:\n${submitted.out}`);
  const logs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const child = spawn("sh", ["-c", workerLine], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    background.push(child);
    logs[i] = "";
    child.stdout!.on("data", (d) => (logs[i] += d));
    child.stderr!.on("data", (d) => (logs[i] += d));
  }
  // Polls as `cluster status` reads; a worker that exits (a bad flag in the docs) fails the test
  // at once rather than after the flow's timeout.
  const reader = await openFlowStatus(out, { redis: redis.url });
  let flow: FlowStatus | null = null;
  try {
    const deadline = Date.now() + FLOW_TIMEOUT_MS;
    for (;;) {
      flow = await reader.read();
      if (flow.merge.state === "done" || flow.merge.state === "failed") break;
      const exited = background.findIndex((c) => c.exitCode !== null || c.signalCode !== null);
      assert.equal(exited, -1, `worker ${exited} exited before the flow finished:\n${logs[exited]}`);
      assert.ok(Date.now() < deadline, `flow not finished after ${FLOW_TIMEOUT_MS} ms: ${JSON.stringify(flow)}\n${logs.join("\n")}`);
      await new Promise((r) => setTimeout(r, FLOW_POLL_MS));
    }
  } finally {
    await reader.close();
  }
  assert.equal(flow.flowId, flowId);
  assert.equal(flow.merge.state, "done", `${flow.merge.error}\n${logs.join("\n")}`);
  const done = logs.flatMap((l) => [...l.matchAll(/checkpoint (\S+) done/g)].map((m) => m[1]));
  assert.equal(done.length, SMALL_STEPS.length, `the two workers together analyzed each checkpoint once:\n${logs.join("\n")}`);
  assert.equal(new Set(done).size, SMALL_STEPS.length);
  const status = await sh("sh", ["-c", statusLine], env);
  assert.equal(status.code, 0, status.out);
  assert.match(status.out, new RegExp(`${SMALL_STEPS.length} checkpoint\\(s\\): ${SMALL_STEPS.length} done, 0 active, 0 failed, 0 waiting`));
  await Promise.all(background.map(stopGroup));
  assertSameStore(await storeContent(out), expected, "BullMQ");
});
