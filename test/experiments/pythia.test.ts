// The Pythia metric side on synthetic series with known answers, and on the bundled lm-eval data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { pythiaMetricSide, type PythiaSeries } from "../../src/experiments/pythia.js";
import { readPythiaSeries } from "../../src/experiments/pythia-io.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 143000];

test("pythia side: a perplexity whose log is an exact power law is extrapolated (in nats) without error; short and constant series are skipped", () => {
  const law = (t: number): number => 2 + 30 * Math.pow(t, -0.4);
  const series: PythiaSeries[] = [
    { model: "m", setting: "zero-shot", name: "lambada_openai/ppl", steps: STEPS.slice(1), values: STEPS.slice(1).map((t) => Math.exp(law(t))) },
    { model: "m", setting: "zero-shot", name: "flat/acc", steps: STEPS, values: STEPS.map(() => 0.25) },
    { model: "m", setting: "zero-shot", name: "short/acc", steps: [0, 1, 2], values: [0.1, 0.2, 0.3] },
  ];
  const out = pythiaMetricSide(series, [3, 5]);
  assert.equal(out["series"], 3);
  assert.equal(out["usable_series"], 1);
  assert.match(String(out["note"]), /no parameter events/);
  const [h] = out["headline"] as { metric: string; extrapolation: { mae: number }; budget: { strategy: string }[] }[];
  assert.equal(h!.metric, "lambada_openai/ppl");
  assert.ok(h!.extrapolation.mae < 1e-6, `mae ${h!.extrapolation.mae}`);
  assert.ok(h!.budget.every((b) => b.strategy !== "events"), "no event placement without weights");
  const byK = out["by_k"] as { k: number; series: number; log_uniform_better_share: number }[];
  assert.deepEqual(byK.map((r) => [r.k, r.series]), [[3, 1], [5, 1]]);
  // On a log-spaced, power-law curve, log-uniform placement reconstructs better than uniform.
  assert.equal(byK[1]!.log_uniform_better_share, 1);
});

/** A 12-step subset of Pythia's published evaluations (see the fixture's README). */
const PYTHIA = fileURLToPath(new URL("../fixtures/experiments/pythia", import.meta.url));

test("pythia side on published evals: lambada ppl falls over training and is among the headline metrics", async () => {
  const series = (await readPythiaSeries(PYTHIA))!;
  const ppl = series.find((s) => s.model === "pythia-70m" && s.setting === "zero-shot" && s.name === "lambada_openai/ppl")!;
  assert.equal(ppl.steps.length, 12);
  assert.ok(ppl.steps[0] === 0 && ppl.steps.at(-1) === 143000);
  assert.ok(ppl.values.at(-1)! < ppl.values[0]! / 10, "perplexity falls by more than 10x");
  assert.ok(series.every((s) => !s.name.endsWith("_stderr")));
  assert.deepEqual(series.map((s) => s.name), ["lambada_openai/acc", "lambada_openai/ppl", "piqa/acc", "piqa/acc_norm"]);
  const out = pythiaMetricSide(series);
  assert.deepEqual((out["headline"] as { metric: string }[]).map((h) => h.metric), ["lambada_openai/acc", "lambada_openai/ppl", "piqa/acc"]);
  assert.deepEqual(out["models"], ["pythia-70m/zero-shot"]);
});

test("readPythiaSeries: an absent folder gives null", async () => {
  assert.equal(await readPythiaSeries("/nonexistent/pythia"), null);
});
