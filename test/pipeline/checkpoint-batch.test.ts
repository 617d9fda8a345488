// The unit of work: analyzeCheckpoint gives the same batch of rows whatever holds the files (a
// local folder, in-memory sources) and however many workers run it; runCheckpointJob does the
// same from a serializable job; nothing touches a store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openCheckpointFromSources, type CheckpointFile } from "../../src/formats/checkpoint-files.js";
import { MemorySource } from "../../src/io/memory-source.js";
import { StatsPool } from "../../src/kernels/stats-pool.js";
import { analyzeCheckpoint, mapInOrder, type CheckpointBatch } from "../../src/pipeline/checkpoint-batch.js";
import { runCheckpointJob, type CheckpointJob } from "../../src/pipeline/checkpoint-job.js";
import { discoverRun, type RunCheckpoint } from "../../src/runs/discovery.js";
import type { TensorRole } from "../../src/store/vocabulary.js";
import { RunDiscoveryError } from "../../src/util/errors.js";
import { safetensorsCheckpoint, tmp, writeFixtureRun } from "../runs/hub-analyze-fixtures.js";

const OPTIONS = { spectralMaxDim: 256, shapeSampleSize: 512 } as const;

function inMemoryCheckpoint(step: number, bytes: Uint8Array): RunCheckpoint {
  const files: CheckpointFile[] = [
    { name: "model.safetensors", size: bytes.byteLength, open: async () => new MemorySource(bytes, `mem://step${step}/model.safetensors`) },
    { name: "config.json", open: async () => new MemorySource(new TextEncoder().encode("{}"), "mem://config.json") },
  ];
  return { step, label: `step${step}`, path: `mem://step${step}`, open: (o) => openCheckpointFromSources(`mem://step${step}`, files, o) };
}

/** The batch without what names where the bytes came from. */
function rowsOf(b: CheckpointBatch): unknown {
  return { tensors: b.tensors, groups: b.groups, buffers: b.buffers, trajectories: b.trajectories, nonFinite: b.nonFinite, n: b.checkpoint.n_tensors, bytes: b.checkpoint.total_bytes, format: b.checkpoint.format };
}

test("analyzeCheckpoint: a local folder in-thread and in-memory files on 2 workers give the same rows; a job does the same", async () => {
  const dir = tmp("batch");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  const [local] = (await discoverRun(run.localDir)).filter((c) => c.step === 1);
  const inThread = await StatsPool.create(0);
  const workers = await StatsPool.create(2);
  try {
    const selection = { exclude: ["embed_out.*"] };
    const fromFolder = await analyzeCheckpoint(local!, selection, OPTIONS, inThread);
    const fromMemory = await analyzeCheckpoint(inMemoryCheckpoint(1, safetensorsCheckpoint(1)), selection, OPTIONS, workers);
    assert.ok(fromFolder.tensors.length >= 5 && fromFolder.trajectories.length >= 2 && fromFolder.groups.length >= 3, "tensors, kept tensors and groups");
    assert.ok(fromFolder.tensors.every((t) => t.tensor !== "embed_out.weight"), "the selection applies");
    assert.ok(fromFolder.tensors.some((t) => t.extra?.spectral != null) && fromFolder.groups.every((g) => g.extra?.shape != null), "spectra and group shapes");
    assert.deepEqual(rowsOf(fromMemory), rowsOf(fromFolder));
    assert.equal(fromFolder.bytesTransferred, 0);
    const job: CheckpointJob = JSON.parse(JSON.stringify({ source: run.localDir, step: 1, selection, options: OPTIONS } satisfies CheckpointJob));
    assert.deepEqual(rowsOf(await runCheckpointJob(job, workers)), rowsOf(fromFolder));
    await assert.rejects(runCheckpointJob({ ...job, step: 7 }, workers), (e: unknown) => e instanceof RunDiscoveryError && /no checkpoint at step 7 \(steps: 0, 1, 2\)/.test(e.message));
  } finally {
    await inThread.close();
    await workers.close();
  }
});

test("mapInOrder keeps order, bounds concurrency, and after a failure starts nothing new and waits for what runs", async () => {
  let running = 0, peak = 0;
  const out = await mapInOrder([5, 1, 4, 2, 3], 2, async (x) => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, x));
    running--;
    return x * 10;
  });
  assert.deepEqual([out, peak], [[50, 10, 40, 20, 30], 2]);
  const started: number[] = [];
  let settled = 0;
  await assert.rejects(mapInOrder([1, 2, 3, 4, 5, 6], 2, async (x) => {
    started.push(x);
    await new Promise((r) => setTimeout(r, x === 2 ? 1 : 20));
    settled++;
    if (x === 2) throw new Error("boom");
    return x;
  }), /boom/);
  assert.deepEqual(started, [1, 2], "no item starts after the failure");
  assert.equal(settled, 2, "the running item settled before the error was thrown");
  const seen: string[] = [];
  await mapInOrder([3, 1, 2], 2, async (x) => {
    seen.push(`start ${x}`);
    await new Promise((r) => setTimeout(r, x));
    return x;
  }, () => seen.push("all started"));
  assert.deepEqual(seen, ["start 3", "start 1", "start 2", "all started"], "allStarted once, right after the last item started");
});

test("mapInOrder with a reorder window: item i starts only once every item before i - window finished (a slow item holds the others back)", async () => {
  const finished = new Set<number>();
  const violations: string[] = [];
  let running = 0, peak = 0;
  const out = await mapInOrder(Array.from({ length: 12 }, (_, i) => i), 3, async (i) => {
    for (let j = 0; j < i - 4; j++) if (!finished.has(j)) violations.push(`${i} started before ${j} finished`);
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, i === 0 || i === 6 ? 60 : 2)); // slow items 0 and 6
    running--;
    finished.add(i);
    return i;
  }, undefined, 4);
  assert.deepEqual(out, Array.from({ length: 12 }, (_, i) => i));
  assert.deepEqual(violations, []);
  assert.equal(peak, 3, "the window (4) leaves the limit (3) under way");
  // a failure wakes the lanes waiting on the window: nothing new starts and the error is thrown
  const started: number[] = [];
  await assert.rejects(mapInOrder([0, 1, 2, 3, 4, 5], 3, async (i) => {
    started.push(i);
    await new Promise((r) => setTimeout(r, i === 0 ? 30 : 1));
    if (i === 0) throw new Error("slow and failed");
    return i;
  }, undefined, 2), /slow and failed/);
  assert.deepEqual(started, [0, 1]);
});

test("checkpointGroups merges group sketches exactly as groupSketches does (dense histogram sums)", async () => {
  const { sketchChunkScalar } = await import("../../src/kernels/stats-scalar.js");
  const { encodeFloats } = await import("../../src/formats/dtype.js");
  const { groupSketches } = await import("../../src/stats/group.js");
  const { checkpointGroups, roleGroupName } = await import("../../src/pipeline/groups.js");
  const { Rng } = await import("../../src/util/rng.js");
  const rng = new Rng(5);
  const roles: readonly TensorRole[] = ["attn.qkv", "mlp.in", "ln.attn"];
  const tensors = [0, 1, 2].flatMap((layer) => roles.map((role, r) => {
    const values = Array.from({ length: 3000 + 100 * r }, () => (r === 2 ? 1 : 0) + 0.02 * (layer + 1) * rng.normal());
    return { row: { tensor: `l${layer}.${role}`, layer, role, kind: "weight" as const }, sketch: sketchChunkScalar("F32", encodeFloats("F32", values)) };
  }));
  tensors.push({ row: { tensor: "embed", layer: null as unknown as number, role: "embed", kind: "weight" }, sketch: sketchChunkScalar("BF16", encodeFloats("BF16", [1, -2, 0, 3.5])) });
  const fast = checkpointGroups(tensors);
  const reference = groupSketches(tensors.map(({ row, sketch }) => ({ name: row.tensor, layer: row.layer, role: roleGroupName(row), sketch })));
  assert.deepEqual(fast.map((g) => [g.kind, g.name, g.nTensors]), [
    ["model", "model", 10], ["role", "attn.qkv.weight", 3], ["role", "embed.weight", 1], ["role", "ln.attn.weight", 3], ["role", "mlp.in.weight", 3],
    ["layer", "layer.0", 3], ["layer", "layer.1", 3], ["layer", "layer.2", 3],
  ]);
  assert.deepEqual(fast[0]!.sketch, reference.model);
  for (const g of fast.filter((x) => x.kind === "role")) assert.deepEqual(g.sketch, reference.byRole.get(g.name), g.name);
  for (const g of fast.filter((x) => x.kind === "layer")) assert.deepEqual(g.sketch, reference.byLayer.get(Number(g.name.slice(6))), g.name);
});

test("analyzeCheckpoint with a stage: the rows go to the store as they come, not into the batch; written, the store holds what the unstaged batch writes; a failure leaves nothing", async () => {
  const { Store } = await import("../../src/store/store.js");
  const { BatchWriter, withStage } = await import("../../src/pipeline/batch-writer.js");
  const { claimRun } = await import("../../src/store/identity.js");
  const { rmSync } = await import("node:fs");
  const dir = tmp("staged");
  const run = writeFixtureRun(join(dir, "run"), "model.safetensors", safetensorsCheckpoint);
  const checkpoints = await discoverRun(run.localDir);
  const pool = await StatsPool.create(2);
  const staged = await Store.openDir(join(dir, "staged"));
  const plain = await Store.openDir(join(dir, "plain"));
  try {
    for (const [store, useStage] of [[staged, true], [plain, false]] as const) {
      const claim = await claimRun(store, { run_id: "r", source: run.localDir });
      const writer = new BatchWriter(claim);
      for (const cp of checkpoints) {
        const batch = useStage
          ? await withStage(claim, cp.step, (stage) => analyzeCheckpoint(cp, {}, OPTIONS, pool, undefined, {}, stage))
          : await analyzeCheckpoint(cp, {}, OPTIONS, pool);
        if (useStage) {
          assert.deepEqual([batch.tensors.length, batch.trajectories.length], [0, 0], "staged rows are not in the batch");
          assert.ok(batch.tensorCount >= 5 && batch.stage !== undefined);
        } else {
          assert.equal(batch.tensorCount, batch.tensors.length);
        }
        await writer.write(batch);
      }
      await writer.flush();
    }
    for (const table of ["tensor_stats", "histograms", "trajectories", "group_stats", "group_histograms", "checkpoints"] as const) {
      const rows = await staged.dumpTable(table);
      assert.ok(rows.length > 0, table);
      assert.deepEqual(rows, await plain.dumpTable(table), table);
    }
    // a checkpoint that fails once its stage exists (its file truncated by 1 KB) leaves the stored rows and no stage behind
    const before = await staged.dumpTable("tensor_stats");
    const bad = checkpoints[2]!;
    const file = join(run.localDir, "step2", "model.safetensors");
    const { readFileSync, writeFileSync } = await import("node:fs");
    writeFileSync(file, readFileSync(file).subarray(0, readFileSync(file).length - 1024));
    const claim = await claimRun(staged, { run_id: "r", source: run.localDir });
    await assert.rejects(withStage(claim, bad.step, (stage) => analyzeCheckpoint(bad, {}, OPTIONS, pool, undefined, {}, stage)));
    assert.deepEqual(await staged.dumpTable("tensor_stats"), before);
    const temp = await (staged as unknown as { read<T>(fn: (c: { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): unknown[] }> }) => Promise<T>): Promise<T> })
      .read(async (c) => (await c.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'temp'")).getRowObjectsJS());
    assert.deepEqual(temp, [], "the failed checkpoint's stage was dropped");
  } finally {
    await pool.close();
    await staged.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
