// The metric side on Pythia's published lm-eval-harness evaluations (data/pythia):
// 27 zero-shot checkpoints of pythia-70m from step 0 to 143000, and change points of LAMBADA.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { alignToCheckpoints, leadLag, readMetricsPath } from "../../src/quality/index.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PYTHIA = join(REPO_ROOT, "data", "pythia");

test("pythia-70m zero-shot: 27 steps 0..143000 with lambada_openai ppl and acc", async () => {
  const { files, metrics } = await readMetricsPath(join(PYTHIA, "evals", "pythia-70m", "zero-shot"));
  assert.equal(files.length, 27);
  assert.ok(files.every((f) => f.format === "lm-eval"));
  const steps = [...new Set(metrics.map((m) => m.step))].sort((a, b) => a - b);
  assert.equal(steps.length, 27);
  assert.equal(steps[0], 0);
  assert.equal(steps[26], 143000);
  for (const name of ["lambada_openai/ppl", "lambada_openai/acc", "lambada_openai/ppl_stderr"]) {
    assert.equal(metrics.filter((m) => m.name === name).length, 27, name);
  }
  const [ppl] = alignToCheckpoints(metrics.filter((m) => m.name === "lambada_openai/ppl"), steps);
  const [acc] = alignToCheckpoints(metrics.filter((m) => m.name === "lambada_openai/acc"), steps);
  assert.ok(ppl!.values.every((v) => v !== null && v > 1));
  // Training works: final perplexity far below the initial one, accuracy up.
  assert.ok(ppl!.values[26]! < ppl!.values[0]! / 100, `ppl ${ppl!.values[0]} -> ${ppl!.values[26]}`);
  assert.ok(acc!.values[26]! > acc!.values[0]! + 0.1, `acc ${acc!.values[0]} -> ${acc!.values[26]}`);
  // Change points of log-perplexity: the drop happens early (steps are log-spaced up to 512).
  const logPpl = ppl!.values.map((v) => Math.log(v!));
  const r = leadLag(steps, logPpl, [{ kind: "change_point", tensor: null, step: 256 }], { resamples: 200 });
  console.log(`lambada log-ppl change points at steps ${r.changes.map((c) => `(${c.stepLow}, ${c.step}]`).join(", ")}`);
  assert.ok(r.changes.length >= 1);
  assert.ok(r.changes.some((c) => c.step > 0 && c.step <= 13000), "a change in the early, fast-learning phase");
  assert.equal(r.summary.nChanges, r.changes.length);
});
