// CLI `train --task modular-addition|induction` on very small configs: the task's metrics are in
// trainer_state.json at every checkpoint of the dense schedule, `analyze` stores them in the
// `metrics` table under their names, the induction model is attention-only by default (no MLP
// tensors in model.safetensors), and options of the wrong task are refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { runCli, runInProcess } from "../helpers/cli.js";
import { register as registerTrain } from "../../src/cli/commands/train.js";
import { UsageError } from "../../src/util/errors.js";
import { Store } from "../../src/store/index.js";
import { readSafetensorsHeader } from "../../src/formats/safetensors/index.js";
import { FileSource } from "../../src/io/file-source.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-cli-tasks-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Entry = Record<string, number>;

async function evalEntries(run: string, last: number): Promise<Entry[]> {
  const state = JSON.parse(await readFile(join(run, `checkpoint-${last}`, "trainer_state.json"), "utf8")) as { log_history: Entry[] };
  return state.log_history.filter((e) => "eval_loss" in e);
}

/** Trains, checks the log, analyzes, and returns the stored metrics by name -> steps. */
async function trainAndAnalyze(name: string, trainArgs: string[], names: readonly string[], steps: number): Promise<Map<string, Map<number, number | null>>> {
  const run = join(dir, name), out = join(dir, `${name}-out`);
  const trained = await runCli(["train", ...trainArgs, "--steps", String(steps), "--workers", "1", "--out", run, "--json"]);
  assert.equal(trained.code, 0, trained.stderr);
  const result = JSON.parse(trained.stdout);
  assert.deepEqual(Object.keys(result.lastMetrics).sort(), [...names].sort());
  const entries = await evalEntries(run, steps);
  assert.deepEqual(entries.map((e) => e["step"]), Array.from({ length: steps + 1 }, (_, i) => i), "dense schedule: every step of a short run");
  for (const e of entries) for (const n of names) assert.ok(Number.isFinite(e[n]), `${n} at step ${e["step"]}`);
  const analyzed = await runCli(["analyze", run, "--out", out, "--workers", "0", "--no-events", "--no-shape", "--spectral-max-dim", "0", "--json"]);
  assert.equal(analyzed.code, 0, analyzed.stderr);
  assert.equal(JSON.parse(analyzed.stdout).metrics.file, join(run, `checkpoint-${steps}`, "trainer_state.json"));
  const store = await Store.openDir(out, { readOnly: true });
  try {
    const stored = new Map<string, Map<number, number | null>>();
    for (const m of await store.metrics({ run: name, source: "trainer_state" })) {
      if (!stored.has(m.name)) stored.set(m.name, new Map());
      stored.get(m.name)!.set(m.step, m.value);
    }
    for (const n of names) {
      const series = stored.get(n);
      assert.ok(series !== undefined, `metric ${n} stored`);
      for (const e of entries) assert.equal(series.get(e["step"]!), e[n], `${n} at step ${e["step"]}`);
    }
    return stored;
  } finally {
    await store.close();
  }
}

test("train --task modular-addition: train/test loss and accuracy at every checkpoint, stored by analyze; --no-layer-norm, --no-parallel-residual and --init-scale", async () => {
  const names = ["train_loss", "train_accuracy", "test_loss", "test_accuracy"];
  const stored = await trainAndAnalyze("ma", ["--task", "modular-addition", "--modulus", "7", "--train-fraction", "0.5", "--width", "16", "--lr", "0.01", "--rotary-pct", "0.5", "--no-layer-norm", "--no-parallel-residual", "--init-scale", "2"], names, 4);
  for (const [step, acc] of stored.get("test_accuracy")!) assert.ok(acc !== null && acc >= 0 && acc <= 1, `accuracy ${acc} at ${step}`);
  assert.deepEqual([...stored.get("eval/loss")!.values()], [...stored.get("test_loss")!.values()]);
  const config = JSON.parse(await readFile(join(dir, "ma", "checkpoint-4", "config.json"), "utf8"));
  assert.equal(config.max_position_embeddings, 3);
  assert.equal(config.vocab_size, 8);
  assert.equal(config.rotary_pct, 0.5, "--rotary-pct reaches config.json");
  assert.equal(config.layer_norm, false);
  assert.equal(config.use_parallel_residual, false, "--no-parallel-residual reaches config.json");
  const source = await FileSource.open(join(dir, "ma", "checkpoint-4", "model.safetensors"));
  try {
    const tensors = (await readSafetensorsHeader(source)).tensors.map((t) => t.name);
    assert.ok(tensors.some((t) => t.endsWith("mlp.dense_h_to_4h.weight")));
    assert.ok(!tensors.some((t) => /layernorm|layer_norm/.test(t)), tensors.join(", "));
  } finally {
    await source.close();
  }
});

test("train --task induction: first/repeated-half losses and the in-context score, attention-only by default", async () => {
  const names = ["loss_first_half", "loss_repeated_half", "in_context_score"];
  await trainAndAnalyze("ind", ["--task", "induction", "--vocab", "16", "--segment-length", "6", "--offset-max", "3", "--width", "16", "--batch", "4", "--eval-sequences", "8"], names, 3);
  const source = await FileSource.open(join(dir, "ind", "checkpoint-3", "model.safetensors"));
  try {
    const tensors = (await readSafetensorsHeader(source)).tensors.map((t) => t.name);
    assert.ok(tensors.some((t) => t.endsWith("attention.query_key_value.weight")));
    assert.ok(!tensors.some((t) => /mlp\.|post_attention_layernorm/.test(t)), tensors.join(", "));
  } finally {
    await source.close();
  }
  const config = JSON.parse(await readFile(join(dir, "ind", "checkpoint-3", "config.json"), "utf8"));
  assert.equal(config.attention_only, true);
  assert.equal(config.num_hidden_layers, 2);
  assert.equal(config.max_position_embeddings, 15); // 2L + R
  assert.equal(config.rotary_pct, 1, "induction's default: rotary on the whole head");
});

test("train: a task's options on another task, an unknown task or schedule are one-line usage errors", async () => {
  // one through the real CLI (exit code, one line on stderr), the others in-process (faster)
  const r = await runCli(["train", "--task", "induction", "--modulus", "7", "--out", join(dir, "bad")]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--modulus do not apply to --task induction/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  for (const [args, message] of [
    [["--modulus", "7"], /--modulus do not apply to --task lm/],
    [["--task", "sorting"], /--task must be one of lm, modular-addition, induction/],
    [["--task", "modular-addition", "--save-schedule", "sparse"], /--save-schedule must be default or dense/],
    [["--task", "modular-addition", "--pairs", "both"], /--pairs must be ordered or unordered/],
    [["--task", "modular-addition", "--preset", "small"], /--preset applies to the language-model task/],
    [["--task", "modular-addition", "--offset-max", "4"], /--offset-max do not apply to --task modular-addition/],
    [["--task", "modular-addition", "--init-scale", "0"], /--init-scale must be a finite number > 0/],
  ] as const) {
    await assert.rejects(runInProcess([registerTrain], ["train", ...args, "--out", join(dir, "bad")]), (e: unknown) => e instanceof UsageError && message.test(e.message));
  }
  assert.ok(!existsSync(join(dir, "bad")), "nothing written for a refused run");
});
