// Run discovery over real folder layouts built in a temporary directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverRun, naturalCompare } from "../../src/runs/discovery.js";
import { RunDiscoveryError } from "../../src/util/errors.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "fp-discovery-"));
}
function touch(path: string, content = "x"): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
}
function steps(cs: { step: number }[]): number[] {
  return cs.map((c) => c.step);
}

test("HF Trainer checkpoint-<N>/ ordered numerically; trainer_state.json global_step wins", async () => {
  const root = tempDir();
  try {
    for (const n of [10, 2, 100]) touch(join(root, `checkpoint-${n}`, "model.safetensors"));
    touch(join(root, "checkpoint-100", "trainer_state.json"), JSON.stringify({ global_step: 99, log_history: [] }));
    touch(join(root, "checkpoint-7", "optimizer.pt")); // optimizer state only: not a checkpoint
    touch(join(root, "runs", "events.out"));
    const run = await discoverRun(root);
    assert.deepEqual(steps(run), [2, 10, 99]);
    assert.equal(run[2]!.label, "checkpoint-100");
    assert.equal(run[0]!.path, join(root, "checkpoint-2"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("step<N>/, step_<N>/, global_step<N>/ and step-named files", async () => {
  const root = tempDir();
  try {
    touch(join(root, "step0", "pytorch_model.bin"));
    touch(join(root, "step_512", "model-00001-of-00002.safetensors"));
    touch(join(root, "global_step1000", "mp_rank_00_model_states.pt"));
    touch(join(root, "model_step_3.pt"));
    touch(join(root, "run-step20.safetensors"));
    touch(join(root, "weights_step7.bin"));
    touch(join(root, "notes.txt"));
    const run = await discoverRun(root);
    assert.deepEqual(steps(run), [0, 3, 7, 20, 512, 1000]);
    assert.deepEqual(run.map((c) => c.label), ["step0", "model_step_3.pt", "weights_step7.bin", "run-step20.safetensors", "step_512", "global_step1000"]);
    const picked = await discoverRun(root, { steps: [1000, 3] });
    assert.deepEqual(steps(picked), [3, 1000]);
    await assert.rejects(discoverRun(root, { steps: [3, 4] }), (e: unknown) => e instanceof RunDiscoveryError && /step\(s\) 4 not found/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a step folder with no checkpoint file inside does not count", async () => {
  const root = tempDir();
  try {
    touch(join(root, "step1", "model.safetensors.index.json"), "{}");
    touch(join(root, "step2", "README.md"));
    assert.deepEqual(steps(await discoverRun(root)), [1]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a single checkpoint folder is a run of one, step from trainer_state.json or 0", async () => {
  const root = tempDir();
  try {
    touch(join(root, "model.safetensors"));
    let run = await discoverRun(root);
    assert.deepEqual(run.map(({ step, path, label }) => ({ step, path, label })), [{ step: 0, path: root, label: run[0]!.label }]);
    assert.equal(typeof run[0]!.open, "function", "a discovered checkpoint opens itself");
    touch(join(root, "trainer_state.json"), JSON.stringify({ global_step: 4200 }));
    run = await discoverRun(root);
    assert.deepEqual(steps(run), [4200]);
    const file = await discoverRun(join(root, "model.safetensors"));
    assert.deepEqual(steps(file), [0]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("unnamed folders: explicit steps mapped in natural order; count mismatch is an error", async () => {
  const root = tempDir();
  try {
    for (const name of ["ckA10", "ckA2", "ckA1"]) touch(join(root, name, "model.safetensors"));
    const run = await discoverRun(root, { steps: [5, 50, 500] });
    assert.deepEqual(run.map((c) => [c.label, c.step]), [["ckA1", 5], ["ckA2", 50], ["ckA10", 500]]);
    await assert.rejects(discoverRun(root, { steps: [1, 2] }), (e: unknown) => e instanceof RunDiscoveryError && /2 steps were given for 3/.test(e.message));
    await assert.rejects(discoverRun(root), (e: unknown) => e instanceof RunDiscoveryError && /pass the steps explicitly/.test(e.message));
    for (const [name, s] of [["ckA10", 30], ["ckA2", 20], ["ckA1", 10]] as const) {
      touch(join(root, name, "trainer_state.json"), JSON.stringify({ global_step: s }));
    }
    assert.deepEqual(steps(await discoverRun(root)), [10, 20, 30]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("loose unnamed checkpoint files take an explicit steps list", async () => {
  const root = tempDir();
  try {
    for (const name of ["b.pt", "a.pt", "c.pt"]) touch(join(root, name));
    const run = await discoverRun(root, { steps: [1, 2, 3] });
    assert.deepEqual(run.map((c) => [c.label, c.step]), [["a.pt", 1], ["b.pt", 2], ["c.pt", 3]]);
    // Without steps the folder is one checkpoint made of several files.
    assert.deepEqual(steps(await discoverRun(root)), [0]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("duplicate steps name both paths", async () => {
  const root = tempDir();
  try {
    touch(join(root, "step100", "model.safetensors"));
    touch(join(root, "checkpoint-100", "model.safetensors"));
    await assert.rejects(discoverRun(root), (e: unknown) => {
      assert.ok(e instanceof RunDiscoveryError);
      assert.match(e.message, /two checkpoints have step 100/);
      assert.ok(e.message.includes(join(root, "step100")) && e.message.includes(join(root, "checkpoint-100")));
      return true;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("nothing found: the error names the folder and the layouts looked for", async () => {
  const root = tempDir();
  try {
    touch(join(root, "notes.txt"));
    await assert.rejects(discoverRun(root), (e: unknown) => {
      assert.ok(e instanceof RunDiscoveryError);
      assert.ok(e.message.startsWith(root));
      assert.match(e.message, /checkpoint-<N>/);
      assert.match(e.message, /global_step<N>/);
      return true;
    });
    await assert.rejects(discoverRun(join(root, "missing")), (e: unknown) => e instanceof RunDiscoveryError && /does not exist/.test(e.message));
    touch(join(root, "checkpoint-1", "model.safetensors"));
    touch(join(root, "checkpoint-1", "trainer_state.json"), "{not json");
    await assert.rejects(discoverRun(root), (e: unknown) => e instanceof RunDiscoveryError && /trainer_state\.json/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("naturalCompare orders digit runs as numbers", () => {
  const names = ["step10", "step9", "step100", "a", "step09"];
  assert.deepEqual([...names].sort(naturalCompare), ["a", "step9", "step09", "step10", "step100"]);
});
