// The trainer on a very small config: HF-format trainer_state.json on the save schedule,
// bitwise-identical checkpoints for the same seed, and a resumed run (interrupted after a
// checkpoint, with a half-written .tmp folder left behind) ending bitwise identical to an
// uninterrupted one, for f32 and for bf16 weights (resumed from the f32 master copy).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile, readdir, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { train } from "../../src/model/trainer.js";
import type { TrainOptions } from "../../src/model/trainer-options.js";
import { ResumeError } from "../../src/model/train-state.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-trainer-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// 1 layer of width 32 (one head), batch 2 of 128 bytes, 6 steps, saves at 0, 1, 2, 3, 6
const small = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  out: join(dir, out), preset: "tiny", width: 32, layers: 1, batchSize: 2, steps: 6, lr: 3e-3, warmupSteps: 2,
  saveSchedule: { logSpacedUpTo: 2, saveEvery: 3 }, logSteps: 4, evalTokens: 384, threads: 2, ...extra,
});

const bytes = (run: string, step: number, file: string): Promise<Buffer> => readFile(join(dir, run, `checkpoint-${step}`, file));

test("a run writes HF-style checkpoints on the schedule with training and validation logs", async () => {
  const seen: number[] = [];
  const r = await train(small("a"), { onCheckpoint: (step) => seen.push(step) });
  assert.deepEqual(seen, [0, 1, 2, 3, 6]);
  assert.equal(r.completed, true);
  assert.equal(r.step, 6);
  assert.equal(r.evalPredictions, 3 * 127);
  assert.deepEqual((await readdir(join(dir, "a"))).sort(), ["checkpoint-0", "checkpoint-1", "checkpoint-2", "checkpoint-3", "checkpoint-6"]);
  const state = JSON.parse((await bytes("a", 6, "trainer_state.json")).toString());
  assert.equal(state.global_step, 6);
  const evals = state.log_history.filter((e: { eval_loss?: number }) => e.eval_loss !== undefined);
  assert.deepEqual(evals.map((e: { step: number }) => e.step), [0, 1, 2, 3, 6]);
  const trains = state.log_history.filter((e: { loss?: number }) => e.loss !== undefined);
  assert.deepEqual(trains.map((e: { step: number }) => e.step), [4, 6]); // every logSteps=4, and the last step
  for (const e of trains) assert.ok(Number.isFinite(e.loss) && e.learning_rate > 0, JSON.stringify(e));
  assert.ok(evals[4].eval_loss < evals[0].eval_loss, "validation loss decreased");
  assert.equal(r.lastEvalLoss, evals[4].eval_loss);
});

test("same seed and threads: bitwise-identical checkpoints; another seed differs", async () => {
  await train(small("a2"));
  await train(small("seed1", { seed: 1 }));
  for (const step of [0, 3, 6]) {
    assert.ok((await bytes("a", step, "model.safetensors")).equals(await bytes("a2", step, "model.safetensors")), `checkpoint ${step}`);
    assert.ok((await bytes("a", step, "trainer_state.json")).equals(await bytes("a2", step, "trainer_state.json")));
  }
  assert.ok(!(await bytes("a", 6, "model.safetensors")).equals(await bytes("seed1", 6, "model.safetensors")));
});

for (const dtype of ["f32", "bf16"] as const) {
  test(`${dtype}: interrupted after checkpoint 3 and resumed == uninterrupted, bitwise`, async () => {
    const full = `full-${dtype}`, cut = `cut-${dtype}`;
    await train(small(full, { dtype }));
    const stop = new AbortController();
    const first = await train(small(cut, { dtype, signal: stop.signal }), { onCheckpoint: (step) => step === 3 && stop.abort() });
    assert.equal(first.completed, false);
    assert.equal(first.step, 3);
    // a crash while writing checkpoint 6 leaves a partial .tmp folder: it must be ignored
    await mkdir(join(dir, cut, "checkpoint-6.tmp"));
    await writeFile(join(dir, cut, "checkpoint-6.tmp", "model.safetensors"), "partial");
    const resumed = await train(small(cut, { dtype }));
    assert.equal(resumed.resumedFrom, 3);
    assert.equal(resumed.completed, true);
    for (const file of ["model.safetensors", "optimizer.safetensors", "trainer_state.json"]) {
      assert.ok((await bytes(full, 6, file)).equals(await bytes(cut, 6, file)), `${file} differs after resume`);
    }
    assert.ok(!(await readdir(join(dir, cut))).includes("checkpoint-6.tmp"));
  });
}

test("resuming with other settings is refused; a finished run returns without training", async () => {
  await assert.rejects(train(small("a", { lr: 1e-3 })), ResumeError);
  const again = await train(small("a"));
  assert.equal(again.resumedFrom, 6);
  assert.deepEqual(again.checkpoints, []);
  assert.equal(again.completed, true);
});
