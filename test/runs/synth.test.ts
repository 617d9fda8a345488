// Synthetic runs: deterministic files, readable by discovery and the safetensors reader, and
// the designed distributions really are there (fork vs null, drifting std, heavier tails).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticRun, type SyntheticRunInfo } from "../../src/runs/synth.js";
import { pythiaSchedule } from "../../src/runs/revisions.js";
import { simulatePitchfork } from "../../src/runs/synth-process.js";
import { discoverRun } from "../../src/runs/discovery.js";
import { readSafetensorsHeader } from "../../src/formats/safetensors/index.js";
import { FileSource } from "../../src/io/index.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { decodeToFloat64 } from "../../src/formats/dtype.js";
import { classifyTensor, isNonParameterBuffer } from "../../src/tensor/names.js";
import { UsageError } from "../../src/util/errors.js";

const STEPS = [0, 4, 32, 128, 512, 1000, 4000, 8000];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "fp-synth-"));
}

async function readCheckpoint(dir: string): Promise<Map<string, { dtype: string; shape: readonly number[]; values: Float64Array }>> {
  const source = await FileSource.open(join(dir, "model.safetensors"));
  try {
    const file = await readSafetensorsHeader(source);
    const out = new Map<string, { dtype: string; shape: readonly number[]; values: Float64Array }>();
    for (const ref of file.tensors) {
      const bytes = await readTensorBytes(ref);
      const values = ref.dtype === "BOOL" ? Float64Array.from(bytes) : decodeToFloat64(ref.dtype, bytes);
      out.set(ref.name, { dtype: ref.dtype, shape: ref.shape, values });
    }
    return out;
  } finally {
    await source.close();
  }
}

function moments(values: ArrayLike<number>): { mean: number; std: number; kurt: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= values.length;
  m4 /= values.length;
  return { mean, std: Math.sqrt(m2), kurt: m4 / (m2 * m2) - 3 };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length))
    .sort();
}

test("pythiaSchedule: log-spaced to 512, then every 1000", () => {
  assert.deepEqual(pythiaSchedule(3000), [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000]);
  assert.deepEqual(pythiaSchedule(100), [0, 1, 2, 4, 8, 16, 32, 64]);
  assert.equal(pythiaSchedule(8000).length, 19);
});

test("the pitchfork path at a step does not depend on which other steps are sampled", () => {
  const a = simulatePitchfork({ n: 8, seed: 3, fork: true, forkStep: 128, steps: [0, 64, 1000] });
  const b = simulatePitchfork({ n: 8, seed: 3, fork: true, forkStep: 128, steps: [1000, 5] });
  assert.deepEqual(Array.from(a[2]!), Array.from(b[0]!));
});

test("same seed gives byte-identical runs; another seed differs; a non-empty folder is refused", async () => {
  const root = tempDir();
  try {
    const options = { kind: "fork" as const, seed: 11, steps: [0, 128, 1000], layers: 1, hidden: 16, vocab: 32 };
    await writeSyntheticRun(join(root, "a"), options);
    await writeSyntheticRun(join(root, "b"), options);
    await writeSyntheticRun(join(root, "c"), { ...options, seed: 12 });
    const files = listFiles(join(root, "a"));
    assert.deepEqual(files, listFiles(join(root, "b")));
    assert.ok(files.includes("/checkpoint-1000/model.safetensors") && files.includes("/synth.json"));
    for (const f of files) {
      const a = readFileSync(join(root, "a", f));
      const b = readFileSync(join(root, "b", f));
      if (f === "/synth.json") {
        const strip = (s: Buffer): unknown => ({ ...(JSON.parse(s.toString()) as SyntheticRunInfo), checkpoints: null });
        assert.deepEqual(strip(a), strip(b));
      } else {
        assert.ok(a.equals(b), f);
      }
    }
    const other = readFileSync(join(root, "c", "checkpoint-1000", "model.safetensors"));
    assert.ok(!other.equals(readFileSync(join(root, "a", "checkpoint-1000", "model.safetensors"))));
    writeFileSync(join(root, "d.txt"), "x");
    await assert.rejects(writeSyntheticRun(root, options), (e: unknown) => e instanceof UsageError && /not empty/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("fork run: discoverable, Pythia names and buffers, gains split into the recorded branches", async () => {
  const root = tempDir();
  try {
    const info = await writeSyntheticRun(root, { kind: "fork", seed: 5, steps: STEPS });
    const truth = JSON.parse(readFileSync(join(root, "synth.json"), "utf8")) as SyntheticRunInfo;
    assert.deepEqual(truth.branchOf, info.branchOf);
    assert.equal(info.forkStep, 128);
    assert.equal(info.forkTensors.length, 5);
    assert.ok(info.separationStep !== null && info.separationStep > info.forkStep! && info.separationStep <= 4000, `separation at ${info.separationStep}`);

    const run = await discoverRun(root);
    assert.deepEqual(run.map((c) => c.step), STEPS);

    const first = await readCheckpoint(run[0]!.path);
    const last = await readCheckpoint(run[run.length - 1]!.path);
    assert.equal(first.size, 4 + 2 * 15);
    for (const [name, t] of first) {
      const c = classifyTensor(name);
      assert.equal(c.family, "gpt-neox", name);
      assert.notEqual(c.role, "other", name);
      assert.equal(isNonParameterBuffer(name, t.dtype), info.bufferTensors.includes(name), name);
    }
    const mask = first.get("gpt_neox.layers.0.attention.bias")!;
    assert.equal(mask.dtype, "BOOL");
    assert.deepEqual(mask.shape, [1, 1, 32, 32]);
    assert.equal(mask.values.reduce((a, b) => a + b, 0), (32 * 33) / 2);
    assert.deepEqual(first.get("gpt_neox.layers.1.attention.masked_bias")!.shape, []);

    for (const name of info.forkTensors) {
      // Step 0: every gain is exactly 1 (LayerNorm initialisation).
      assert.ok(first.get(name)!.values.every((v) => v === 1), name);
      const branch = info.branchOf[name]!;
      assert.equal(branch.length, 32);
      assert.ok(branch.includes(0) && branch.includes(1));
      for (const c of run.filter((r) => r.step >= info.separationStep!)) {
        const values = (await readCheckpoint(c.path)).get(name)!.values;
        values.forEach((v, i) => assert.equal(v > 1 ? 1 : 0, branch[i], `${name} element ${i} at step ${c.step}`));
      }
      const before = (await readCheckpoint(run[2]!.path)).get(name)!.values; // step 32, before the fork
      assert.ok(before.every((v) => Math.abs(v - 1) < 0.05), name);
      assert.ok(moments(last.get(name)!.values).kurt < -1.5, `${name} is bimodal at the end`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("null run: gains widen like the fork's but stay unimodal; weights drift; MLP tails grow heavier", async () => {
  const root = tempDir();
  try {
    const info = await writeSyntheticRun(root, { kind: "null", seed: 5, steps: STEPS });
    assert.equal(info.forkStep, null);
    assert.equal(info.separationStep, null);
    assert.deepEqual(info.forkTensors, []);
    assert.deepEqual(info.branchOf, {});
    const first = await readCheckpoint(info.checkpoints[0]!.path);
    const last = await readCheckpoint(info.checkpoints[info.checkpoints.length - 1]!.path);
    const gains = info.keptTensors.filter((n) => n.endsWith("weight"));
    const pooled = gains.flatMap((n) => Array.from(last.get(n)!.values));
    const m = moments(pooled);
    assert.ok(m.std > 0.1, `null gains widen (std ${m.std})`);
    assert.ok(m.kurt > -1, `null gains stay unimodal (excess kurtosis ${m.kurt})`);

    for (const name of info.driftTensors) {
      assert.ok(moments(last.get(name)!.values).std > 1.3 * moments(first.get(name)!.values).std, name);
    }
    for (const name of info.heavyTailTensors) {
      const k0 = moments(first.get(name)!.values).kurt;
      const k1 = moments(last.get(name)!.values).kurt;
      assert.ok(Math.abs(k0) < 0.5 && k1 > 5, `${name}: kurtosis ${k0} -> ${k1}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
