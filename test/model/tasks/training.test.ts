// The trainer's tasks and their settings: modular-addition batches (full split, or distinct seeded
// samples of the training split), evaluation on the full splits equal to the metrics computed
// directly, the fixed induction evaluation set, the metric names, the language model's settings
// left as before (so older runs still resume), and a task run interrupted and resumed bitwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modularAdditionTask, inductionTask, INDUCTION_EVAL_SEED } from "../../../src/model/tasks/training.js";
import { modularAdditionBatch, modularAdditionMetrics, inductionSequences, inductionMetrics, inductionBatch } from "../../../src/model/tasks/index.js";
import { GPTNeoX } from "../../../src/model/gpt-neox.js";
import { parseNeoXConfig } from "../../../src/model/config.js";
import { resolveTrainSettings, resolveTaskSettings, resolveSyntheticSettings, settingsFingerprint } from "../../../src/model/trainer-options.js";
import type { TrainOptions } from "../../../src/model/trainer-options.js";
import { train } from "../../../src/model/trainer.js";
import { loadModel } from "../../../src/model/checkpoint-io.js";
import { BYTE_VOCAB_SIZE } from "../../../src/model/config.js";
import { UsageError } from "../../../src/util/errors.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-tasks-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ma = { name: "modular-addition" as const, modulus: 11, trainFraction: 0.4, pairing: "ordered" as const, splitSeed: 5 };

test("modular addition: B >= split is the whole split; smaller B draws distinct training pairs, seeded", () => {
  const task = modularAdditionTask(ma);
  const n = task.data.train.length;
  assert.equal(n, Math.round(0.4 * 121));
  assert.deepEqual(task.batch(n + 10, 0, 3).inputs, modularAdditionBatch(task.data, task.data.train).inputs);
  const b = task.batch(16, 7, 3);
  assert.equal(b.inputs.length, 16 * 3);
  const pairs = new Set<number>();
  for (let r = 0; r < 16; r++) pairs.add(b.inputs[r * 3]! * 11 + b.inputs[r * 3 + 1]!);
  assert.equal(pairs.size, 16, "distinct pairs");
  const train = new Set(task.data.train);
  for (const i of pairs) assert.ok(train.has(i), `pair ${i} is a training pair`);
  assert.deepEqual(task.batch(16, 7, 3), b, "same seed and step, same batch");
  assert.notDeepEqual(task.batch(16, 7, 4).inputs, b.inputs, "another step, another batch");
});

test("modular addition evaluation = the metrics on the full splits; eval loss = test loss", () => {
  const task = modularAdditionTask(ma);
  const cfg = parseNeoXConfig({ vocab_size: 16, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 1, max_position_embeddings: 3, rotary_pct: 0.25 }, "t");
  const model = new GPTNeoX(cfg, { B: 10, T: 3, init: { scheme: "hf", seed: 1 } }); // B = 10: evaluated in chunks
  const ev = task.evaluate(model);
  const whole = new GPTNeoX(cfg, { B: 200, T: 3, init: { scheme: "hf", seed: 1 } });
  for (const [split, prefix] of [[task.data.train, "train"], [task.data.test, "test"]] as const) {
    const batch = modularAdditionBatch(task.data, split);
    const m = modularAdditionMetrics(whole.forward(batch.inputs, split.length, 3, batch.targets).logits, batch.targets, 16);
    assert.ok(Math.abs(ev.metrics[`${prefix}_loss`]! - m.loss) < 1e-6, `${prefix} loss ${ev.metrics[`${prefix}_loss`]} vs ${m.loss}`);
    assert.equal(ev.metrics[`${prefix}_accuracy`], m.accuracy);
  }
  assert.deepEqual(Object.keys(ev.metrics).sort(), ["test_accuracy", "test_loss", "train_accuracy", "train_loss"]);
  assert.equal(ev.loss, ev.metrics["test_loss"]);
  assert.equal(ev.predictions, task.data.test.length);
});

test("induction: the evaluation set is fixed (not the run's seed), metrics named as stored, chunked = whole", () => {
  const s = { name: "induction" as const, vocabSize: 12, segmentLength: 6, offsetMax: 3, evalSequences: 9, evalSeed: INDUCTION_EVAL_SEED };
  const task = inductionTask(s), T = 15;
  assert.equal(task.sequenceLength, T);
  assert.deepEqual(resolveTaskSettings({ name: "induction" }, 3), resolveTaskSettings({ name: "induction" }, 4));
  assert.deepEqual(resolveTaskSettings({ name: "induction" }, 3), { name: "induction", vocabSize: 64, segmentLength: 32, offsetMax: 32, evalSequences: 256, evalSeed: INDUCTION_EVAL_SEED });
  assert.equal(inductionTask({ ...s, offsetMax: 0 }).sequenceLength, 12);
  // the training batch is the task module's (layouts vary, so a one-layer positional copy cannot solve it)
  assert.deepEqual(task.batch(5, 1, 2).inputs, inductionBatch(s, 5, 1, 2).inputs);
  const cfg = parseNeoXConfig({ vocab_size: 16, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 1, max_position_embeddings: T, rotary_pct: 0.25, attention_only: true }, "t");
  const ev = task.evaluate(new GPTNeoX(cfg, { B: 4, T, init: { scheme: "pythia", seed: 2 } }));
  const whole = new GPTNeoX(cfg, { B: 9, T, init: { scheme: "pythia", seed: 2 } });
  const seqs = inductionSequences(s, 9, INDUCTION_EVAL_SEED), inputs = seqs.tokens;
  assert.ok(new Set(seqs.repeatStart).size > 1, "the evaluation set's repeats start at different positions");
  const targets = Int32Array.from(inputs, (_, i) => ((i + 1) % T === 0 ? -100 : inputs[i + 1]!));
  const out = whole.forward(inputs, 9, T, targets);
  const m = inductionMetrics(out.logits, { targets, segmentStart: seqs.segmentStart, repeatStart: seqs.repeatStart }, s, 16);
  assert.deepEqual(Object.keys(ev.metrics).sort(), ["in_context_score", "loss_first_half", "loss_repeated_half"]);
  assert.ok(Math.abs(ev.metrics["loss_first_half"]! - m.firstHalfLoss) < 1e-6);
  assert.ok(Math.abs(ev.metrics["loss_repeated_half"]! - m.repeatedHalfLoss) < 1e-6);
  assert.ok(Math.abs(ev.metrics["in_context_score"]! - m.inContextScore) < 1e-6);
  assert.ok(Math.abs(ev.loss - out.loss) < 1e-6);
  assert.equal(ev.predictions, 9 * (T - 1));
});

test("language-model settings carry no task or attention_only field (fingerprints of older runs unchanged)", () => {
  const s = resolveTrainSettings({ out: "x" }, BYTE_VOCAB_SIZE);
  assert.ok(!("task" in s));
  assert.ok(!("attention_only" in s.config));
  assert.ok(!settingsFingerprint(s).includes("attention_only"));
  assert.equal(resolveTrainSettings({ out: "x", attentionOnly: true }, BYTE_VOCAB_SIZE).config.attention_only, true);
  assert.deepEqual(resolveTrainSettings({ out: "x", steps: 1000, denseSaves: true }, BYTE_VOCAB_SIZE).saveSchedule, { logSpacedUpTo: 64, saveEvery: 10 });
});

test("task settings: the recipe's defaults, full batch, dense saves, and misplaced options refused", () => {
  const task = resolveTaskSettings({ name: "modular-addition" }, 4);
  assert.deepEqual(task, { name: "modular-addition", modulus: 47, trainFraction: 0.4, pairing: "ordered", splitSeed: 4 });
  const s = resolveSyntheticSettings({ out: "x", seed: 4 }, task, 60, 3, 1392);
  assert.equal(s.batchSize, 1392);
  assert.equal(s.config.vocab_size, 64);
  assert.equal(s.config.max_position_embeddings, 3);
  assert.equal(s.config.num_hidden_layers, 1);
  assert.equal(s.config.hidden_size, 64);
  // The recipe that groks (docs/results/grokking-probes.md, "The recipe that groks"): Nanda et al.'s block
  // (no LayerNorm, sequential residual, init std 1/sqrt(64)), lr 1e-3 after 10 warmup steps, wd 3, 2,500 steps.
  assert.deepEqual([s.steps, s.lr, s.warmupSteps, s.weightDecay, s.init, s.initScale], [2500, 1e-3, 10, 3, "hf", 6.25]);
  assert.equal(s.config.layer_norm, false);
  assert.equal(s.config.use_parallel_residual, false);
  assert.equal(resolveSyntheticSettings({ out: "x", parallelResidual: true, layerNorm: true }, task, 60, 3, 1392).config.use_parallel_residual, true);
  assert.equal(resolveTrainSettings({ out: "x" }, BYTE_VOCAB_SIZE).config.use_parallel_residual, true, "the language model keeps GPT-NeoX's parallel block");
  assert.equal(resolveTrainSettings({ out: "x", parallelResidual: false }, BYTE_VOCAB_SIZE).config.use_parallel_residual, false);
  assert.equal(s.beta2, 0.98);
  assert.equal(s.minLr, s.lr);
  assert.equal(s.gradClip, 0);
  assert.deepEqual(s.saveSchedule, { logSpacedUpTo: 256, saveEvery: 25 }, "dense: 1% of 2,500 steps");
  assert.equal(resolveSyntheticSettings({ out: "x", batchSize: 5000 }, task, 60, 3, 1392).batchSize, 1392);
  const ind = resolveSyntheticSettings({ out: "x" }, resolveTaskSettings({ name: "induction" }, 0), 64, 64, null);
  assert.equal(ind.config.attention_only, true);
  assert.equal(ind.config.num_hidden_layers, 2);
  assert.equal(ind.batchSize, 32);
  // The recipe of probes I6-I7 (docs/results/grokking-probes.md): lr 3e-3 constant after 50 warmup steps, no weight decay.
  assert.deepEqual([ind.steps, ind.lr, ind.minLr, ind.warmupSteps, ind.weightDecay, ind.beta2, ind.gradClip, ind.init, ind.config.rotary_pct], [2500, 3e-3, 3e-3, 50, 0, 0.98, 1, "pythia", 1]);
  assert.equal(resolveSyntheticSettings({ out: "x", attentionOnly: false }, resolveTaskSettings({ name: "induction" }, 0), 64, 64, null).config.attention_only, undefined);
  assert.throws(() => resolveSyntheticSettings({ out: "x", preset: "small" }, task, 60, 3, 1392), UsageError);
  assert.throws(() => resolveSyntheticSettings({ out: "x", tokenizer: "t.json" }, task, 60, 3, 1392), UsageError);
  assert.throws(() => resolveSyntheticSettings({ out: "x", width: 40 }, task, 60, 3, 1392), /multiple of the head size 16/);
});

test("rotary fraction: induction's default covers the whole head, the others keep the preset's 0.25; --rotary-pct overrides and is checked", () => {
  const induction = resolveTaskSettings({ name: "induction" }, 0), ma = resolveTaskSettings({ name: "modular-addition" }, 0);
  assert.equal(resolveSyntheticSettings({ out: "x" }, induction, 64, 96, null).config.rotary_pct, 1);
  assert.equal(resolveSyntheticSettings({ out: "x", rotaryPct: 0.25 }, induction, 64, 96, null).config.rotary_pct, 0.25);
  assert.equal(resolveSyntheticSettings({ out: "x" }, ma, 60, 3, 1392).config.rotary_pct, 0.25);
  assert.equal(resolveTrainSettings({ out: "x" }, BYTE_VOCAB_SIZE).config.rotary_pct, 0.25);
  const lm = resolveTrainSettings({ out: "x", rotaryPct: 0.5 }, BYTE_VOCAB_SIZE);
  assert.equal(lm.config.rotary_pct, 0.5);
  assert.notEqual(settingsFingerprint(lm), settingsFingerprint(resolveTrainSettings({ out: "x" }, BYTE_VOCAB_SIZE)), "the rotary fraction is part of a run's settings");
  for (const bad of [0, -0.5, 1.5, Number.NaN]) assert.throws(() => resolveSyntheticSettings({ out: "x", rotaryPct: bad }, induction, 64, 96, null), /--rotary-pct must be in \(0, 1\]/);
  // 0.1875 of a 16-dimensional head = 3 rotary dimensions: rotate-half needs an even number.
  assert.throws(() => resolveSyntheticSettings({ out: "x", rotaryPct: 0.1875 }, induction, 64, 96, null), /gives 3 rotary dimensions of a head of 16/);
  assert.throws(() => resolveSyntheticSettings({ out: "x", rotaryPct: 0.05 }, induction, 64, 96, null), /gives 0 rotary dimensions/);
});

test("modular addition run (sampled batches, no clipping): interrupted and resumed == uninterrupted, bitwise; metrics at every checkpoint", async () => {
  const opts = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    out: join(dir, out), task: { name: "modular-addition", modulus: 7, trainFraction: 0.5 }, width: 16, batchSize: 8, steps: 6, lr: 3e-3, threads: 1, logSteps: 2, ...extra,
  });
  await train(opts("full"));
  const stop = new AbortController();
  const first = await train(opts("cut", { signal: stop.signal }), { onCheckpoint: (step) => step === 3 && stop.abort() });
  assert.equal(first.step, 3);
  const resumed = await train(opts("cut"));
  assert.equal(resumed.resumedFrom, 3);
  for (const file of ["model.safetensors", "optimizer.safetensors", "trainer_state.json"]) {
    assert.ok((await readFile(join(dir, "full", "checkpoint-6", file))).equals(await readFile(join(dir, "cut", "checkpoint-6", file))), `${file} differs after resume`);
  }
  const state = JSON.parse(await readFile(join(dir, "full", "checkpoint-6", "trainer_state.json"), "utf8"));
  const evals = state.log_history.filter((e: Record<string, number>) => "eval_loss" in e);
  assert.deepEqual(evals.map((e: Record<string, number>) => e["step"]), [0, 1, 2, 3, 4, 5, 6]); // dense: every step of a 6-step run
  for (const e of evals) {
    for (const k of ["train_loss", "train_accuracy", "test_loss", "test_accuracy"]) assert.ok(Number.isFinite(e[k]), `${k} at step ${e.step}`);
    assert.equal(e.eval_loss, e.test_loss);
  }
  // a finished run returns without training, reporting the last checkpoint's metrics from its log
  const again = await train(opts("full"));
  assert.deepEqual(again.checkpoints, []);
  const { epoch: _e, step: _s, eval_loss: _l, ...lastMetrics } = evals.at(-1);
  assert.deepEqual(again.lastMetrics, lastMetrics);
  assert.equal(again.lastEvalLoss, evals.at(-1).eval_loss);
});

test("layerNorm false and initScale: absent from language-model settings unless set; a task run without LayerNorm at a larger init", async () => {
  const lm = resolveTrainSettings({ out: "x" }, BYTE_VOCAB_SIZE);
  assert.ok(!("initScale" in lm) && !("layer_norm" in lm.config));
  assert.ok(!/initScale|"layer_norm"/.test(settingsFingerprint(lm)), "no initScale or layer_norm key");
  assert.equal(settingsFingerprint(resolveTrainSettings({ out: "x", initScale: 1, layerNorm: true }, BYTE_VOCAB_SIZE)), settingsFingerprint(lm));
  const lmNoLn = resolveTrainSettings({ out: "x", layerNorm: false, initScale: 2 }, BYTE_VOCAB_SIZE);
  assert.equal(lmNoLn.config.layer_norm, false);
  assert.equal(lmNoLn.initScale, 2);
  assert.throws(() => resolveTrainSettings({ out: "x", initScale: -1 }, BYTE_VOCAB_SIZE), /--init-scale/);
  const opts = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    out: join(dir, out), task: { name: "modular-addition", modulus: 7, trainFraction: 0.5 }, width: 16, steps: 2, threads: 1, layerNorm: false, ...extra,
  });
  const r1 = await train(opts("noln-1", { initScale: 1 })), r3 = await train(opts("noln-3", { initScale: 3 }));
  assert.equal(r1.settings.config.layer_norm, false);
  assert.equal(r3.settings.initScale, 3);
  const config = JSON.parse(await readFile(join(dir, "noln-3", "checkpoint-0", "config.json"), "utf8"));
  assert.equal(config.layer_norm, false);
  const m1 = await loadModel(join(dir, "noln-1", "checkpoint-0"), { B: 1, T: 3 }), m3 = await loadModel(join(dir, "noln-3", "checkpoint-0"), { B: 1, T: 3 });
  assert.ok(m3.model.layout.every((s) => !/layernorm|layer_norm/.test(s.name)));
  const a = m1.model.params.wte, b = m3.model.params.wte;
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(b[i]! - 3 * a[i]!) <= 1e-6 * Math.abs(3 * a[i]!), `embed_in[${i}]: ${b[i]} vs 3 x ${a[i]}`);
  await assert.rejects(train(opts("noln-3", { initScale: 2, steps: 2 })), /other settings/);
});
