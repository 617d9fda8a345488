// Metric readers: lm-eval-harness JSON (step from model_args or file name), trainer_state.json,
// CSV long and wide, folder reading with duplicate detection, typed errors, and alignment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alignToCheckpoints, MetricsFormatError, parseLmEval, parseMetricsCsv, parseTrainerState, readMetricsPath, TASK_METRIC_NAMES } from "../../src/quality/index.js";
import { tempDir } from "../helpers/temp.js";

const lmEval = (modelArgs: string | null, results: unknown) => JSON.stringify({ results, config: modelArgs === null ? {} : { model_args: modelArgs, num_fewshot: 0 } });

test("lm-eval JSON: task/metric names, stderr kept as its own metric, step from revision", () => {
  const m = parseLmEval(lmEval("pretrained=EleutherAI/pythia-70m,revision=step3000", { lambada_openai: { ppl: 61.2, ppl_stderr: 2.1, acc: 0.3, acc_stderr: 0.01 }, wsc: { acc: 0.4, acc_stderr: "N/A" } }), "x.json");
  assert.deepEqual(m, [
    { step: 3000, name: "lambada_openai/ppl", value: 61.2 },
    { step: 3000, name: "lambada_openai/ppl_stderr", value: 2.1 },
    { step: 3000, name: "lambada_openai/acc", value: 0.3 },
    { step: 3000, name: "lambada_openai/acc_stderr", value: 0.01 },
    { step: 3000, name: "wsc/acc", value: 0.4 },
  ]);
  assert.equal(parseLmEval(lmEval("pretrained=x", { t: { acc: 1 } }), "dir/160m_step512.json")[0]!.step, 512);
  assert.equal(parseLmEval(lmEval(null, { t: { acc: 1 } }), "a/b_step7.json")[0]!.step, 7);
});

test("lm-eval JSON: typed errors name the file and the field", () => {
  assert.throws(() => parseLmEval(lmEval("pretrained=x", { t: { acc: 1 } }), "results.json"), (e: unknown) => e instanceof MetricsFormatError && /results\.json \(config\.model_args\): cannot tell the checkpoint step/.test(e.message));
  assert.throws(() => parseLmEval("{", "bad.json"), /bad\.json: not valid JSON/);
  assert.throws(() => parseLmEval(JSON.stringify({ foo: 1 }), "f_step1.json"), /f_step1\.json \(results\)/);
  assert.throws(() => parseLmEval(lmEval(null, { t: 3 }), "f_step1.json"), /\(results\.t\): expected an object/);
});

test("trainer_state.json: train/loss, train/learning_rate, eval/loss by step; duplicates rejected", () => {
  const state = { global_step: 20, log_history: [
    { epoch: 0.1, step: 10, loss: 3.2, learning_rate: 1e-3, grad_norm: 1.5 },
    { epoch: 0.1, step: 10, eval_loss: 3.4, eval_runtime: 0.5 },
    { epoch: 0.2, step: 20, loss: 2.9, learning_rate: 5e-4 },
    { step: 20, train_runtime: 12, train_loss: 3.0 },
  ] };
  const m = parseTrainerState(JSON.stringify(state), "trainer_state.json");
  const get = (name: string, step: number) => m.find((x) => x.name === name && x.step === step)?.value;
  assert.equal(get("train/loss", 10), 3.2);
  assert.equal(get("train/learning_rate", 20), 5e-4);
  assert.equal(get("eval/loss", 10), 3.4);
  assert.equal(get("summary/train_loss", 20), 3.0);
  assert.ok(!m.some((x) => x.name.includes("epoch")));
  const dup = { log_history: [{ step: 1, loss: 1 }, { step: 1, loss: 2 }] };
  assert.throws(() => parseTrainerState(JSON.stringify(dup), "ts.json"), /ts\.json \(log_history\[1\]\.loss\): metric "train\/loss" at step 1 already given by log_history\[0\]/);
  assert.throws(() => parseTrainerState(JSON.stringify({ log_history: [{ step: -1, loss: 1 }] }), "ts.json"), /log_history\[0\]\.step/);
});

test("CSV long and wide formats; errors name the line", () => {
  assert.deepEqual(parseMetricsCsv("step,name,value\n0,loss,5\n10,loss,4.5\n10,acc,\n", "a.csv"), [
    { step: 0, name: "loss", value: 5 }, { step: 10, name: "loss", value: 4.5 }, { step: 10, name: "acc", value: null },
  ]);
  assert.deepEqual(parseMetricsCsv("step,loss,acc\r\n0,5,0.1\r\n10,4,NaN\r\n", "w.csv"), [
    { step: 0, name: "loss", value: 5 }, { step: 0, name: "acc", value: 0.1 }, { step: 10, name: "loss", value: 4 }, { step: 10, name: "acc", value: null },
  ]);
  assert.throws(() => parseMetricsCsv("step,loss\n0,5\n1,abc\n", "w.csv"), /w\.csv \(line 3, column "loss"\): "abc" is not a number/);
  assert.throws(() => parseMetricsCsv("step,loss\n0,5,6\n", "w.csv"), /\(line 2\): 3 cells but the header has 2/);
  assert.throws(() => parseMetricsCsv("epoch,loss\n0,5\n", "w.csv"), /\(line 1\): header must have a "step" column/);
  assert.throws(() => parseMetricsCsv("step,loss\n1.5,5\n", "w.csv"), /line 2\): step "1.5"/);
});

test("readMetricsPath reads a folder recursively and refuses the same (step, name) twice", async () => {
  const dir = tempDir("fp-metrics-");
  mkdirSync(join(dir, "zero"));
  writeFileSync(join(dir, "zero", "m_step1.json"), lmEval(null, { t: { acc: 0.1 } }));
  writeFileSync(join(dir, "zero", "m_step2.json"), lmEval(null, { t: { acc: 0.2 } }));
  writeFileSync(join(dir, "notes.txt"), "ignored");
  const r = await readMetricsPath(dir);
  assert.equal(r.files.length, 2);
  assert.deepEqual(r.metrics.map((m) => [m.step, m.value]), [[1, 0.1], [2, 0.2]]);
  writeFileSync(join(dir, "zero", "copy_step2.json"), lmEval(null, { t: { acc: 0.3 } }));
  await assert.rejects(readMetricsPath(dir), /step 2 of "t\/acc" is also given by/);
  await assert.rejects(readMetricsPath(join(dir, "notes.txt")), /unknown metrics file type "\.txt"/);
});

test("alignToCheckpoints: exact by default, nearest within a tolerance", () => {
  const metrics = [{ step: 0, name: "loss", value: 5 }, { step: 98, name: "loss", value: 4 }, { step: 205, name: "loss", value: 3 }];
  const [exact] = alignToCheckpoints(metrics, [0, 100, 200]);
  assert.deepEqual(exact!.values, [5, null, null]);
  const [near] = alignToCheckpoints(metrics, [0, 100, 200], { tolerance: 5 });
  assert.deepEqual(near!.values, [5, 4, 3]);
  assert.deepEqual(near!.sourceSteps, [0, 98, 205]);
  assert.throws(() => alignToCheckpoints(metrics, [0], { tolerance: -1 }), /tolerance/);
});

test("trainer_state.json: the synthetic tasks' metrics are stored under their own names; HF's summary train_loss stays summary/", () => {
  const state = { log_history: [
    { epoch: 0, step: 0, eval_loss: 4.1, train_loss: 4.0, train_accuracy: 0.02, test_loss: 4.1, test_accuracy: 0.01 },
    { epoch: 1, step: 10, loss: 3.9, learning_rate: 1e-3 },
    { epoch: 1, step: 10, eval_loss: 2.0, loss_first_half: 4.2, loss_repeated_half: 1.1, in_context_score: -3.0 },
    { step: 10, train_runtime: 12, train_loss: 3.5 },
  ] };
  const m = parseTrainerState(JSON.stringify(state), "trainer_state.json");
  const get = (name: string, step: number) => m.find((x) => x.name === name && x.step === step)?.value;
  assert.equal(get("train_loss", 0), 4.0);
  assert.equal(get("train_accuracy", 0), 0.02);
  assert.equal(get("test_loss", 0), 4.1);
  assert.equal(get("test_accuracy", 0), 0.01);
  assert.equal(get("eval/loss", 0), 4.1);
  assert.equal(get("loss_first_half", 10), 4.2);
  assert.equal(get("loss_repeated_half", 10), 1.1);
  assert.equal(get("in_context_score", 10), -3.0);
  assert.equal(get("summary/train_loss", 10), 3.5);
  assert.equal(get("train_loss", 10), undefined);
  assert.equal(get("train/loss", 10), 3.9);
  for (const name of TASK_METRIC_NAMES) assert.ok(m.some((x) => x.name === name), `${name} stored verbatim`);
});
