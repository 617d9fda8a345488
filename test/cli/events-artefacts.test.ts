// `events` through the CLI on a store written through the Store API: optimizer-artefact events
// are hidden from the table with a count line (--artefacts shows them, with their label), --json
// lists them all with `artefact` and ends with the run's transition (kind "transition"); an
// event stored unlabelled (an older store) is labelled on read; --transition-metric stores the
// named metric's transition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/index.js";
import type { StatValues } from "../../src/store/types.js";
import { recomputeRunTransition } from "../../src/quality/run-transition.js";
import { runCli } from "../helpers/cli.js";

const STEPS = [0, 1, 2, 4, 8, 100, 200, 300, 400, 500, 600, 700];

function stats(values: number[]): StatValues {
  const n = values.length, mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { numel: n, nan_count: 0, posinf_count: 0, neginf_count: 0, zero_count: 0, mean, std, variance: std * std, skewness: 0, excess_kurtosis: 0,
    min: Math.min(...values), max: Math.max(...values), l1: null, l2: null, linf: null, quantiles: {}, frac_abs_le: {}, frac_abs_le_rel_std: {} };
}

async function writeStore(out: string): Promise<void> {
  const store = await Store.openDir(out);
  try {
    await store.putRun({ run_id: "r", source: "/runs/r" });
    for (const step of STEPS) {
      const bias = Array.from({ length: 8 }, (_, i) => (step === 0 ? 0 : (i % 2 ? 1 : -1) * 0.001 * Math.min(step, 10)));
      const w = Array.from({ length: 8 }, (_, i) => (i - 3.5) * 0.01);
      const checkpoint = { step, label: `step${step}`, path: `/runs/r/step${step}`, format: "safetensors", n_tensors: 2, total_bytes: 1 };
      await store.writeCheckpoint("r", { checkpoint, tensors: [
        { tensor: "layers.0.bias", layer: 0, role: "attn.out", kind: "bias", dtype: "F32", shape: [8], ...stats(bias) },
        { tensor: "layers.0.w", layer: 0, role: "attn.out", kind: "weight", dtype: "F32", shape: [8], ...stats(w) },
      ] });
    }
    const centres = { steps: STEPS, lower: STEPS.map((s) => (s === 0 ? 0 : -0.001)), upper: STEPS.map((s) => (s === 0 ? 0 : 0.001)) };
    await store.replaceEvents("r", [
      { kind: "population_fork", tensor: "layers.0.bias", step: 1, step_low: 0, step_high: 1, strength: 50, evidence: { variable: "value", branch_centres: centres }, detector: {}, artefact: "first_update_sign_split" },
      // as stored before the label existed: the same rule labels it on read
      { kind: "mode_split", tensor: "layers.0.bias", step: 1, step_low: 0, step_high: 1, strength: 3, evidence: { two_modes_at: { step: 1, locations: [-0.001, 0.001] } }, detector: {} },
      { kind: "change_point", tensor: "layers.0.w", step: 300, step_low: 200, step_high: 300, strength: 2, evidence: { statistic: "std", mean_before: 1, mean_after: 2 }, detector: {} },
    ]);
    await store.putMetrics("r", "task", [
      ...STEPS.map((step) => ({ step, name: "eval/test_accuracy", value: step < 400 ? 0.01 : 1 })),
      ...STEPS.map((step) => ({ step, name: "eval/test_loss", value: step < 200 ? 5 : 0.1 })),
    ]);
    await recomputeRunTransition(store, "r");
  } finally {
    await store.close();
  }
}

test("events hides optimizer artefacts from the table, --artefacts shows them, --json has them and the transition", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-cli-artefacts-"));
  try {
    const out = join(dir, "out");
    await writeStore(out);
    const table = await runCli(["events", out]);
    assert.equal(table.code, 0, table.stderr);
    assert.doesNotMatch(table.stdout, /layers\.0\.bias/);
    assert.match(table.stdout, /change_point\s+layers\.0\.w\s+300/);
    assert.match(table.stdout, /^1 event\(s\): 0 population_fork, 0 mode_split, 0 mode_merge, 0 layer_fork, 1 change_point$/m);
    assert.match(table.stdout, /^2 optimizer-artefact event\(s\) hidden: .*\(--artefacts to show\)$/m);
    assert.match(table.stdout, /^transition: eval\/test_accuracy \(task\) 0\.0100 -> 1\.0000 at step 350 in \(300, 400\] \(noise 0\.0000, 12 checkpoints\)$/m);

    const all = await runCli(["events", out, "--artefacts"]);
    assert.match(all.stdout, /population_fork\s+layers\.0\.bias\s+1\s+\(0, 1\].*first_update_sign_split/);
    assert.match(all.stdout, /mode_split\s+layers\.0\.bias\s+1\s+\(0, 1\].*first_update_sign_split/);
    assert.doesNotMatch(all.stdout, /hidden/);

    const json = JSON.parse((await runCli(["events", out, "--json"])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(json.map((e) => [e.kind, e.step, e.artefact ?? null]), [
      ["mode_split", 1, "first_update_sign_split"], ["population_fork", 1, "first_update_sign_split"], ["change_point", 300, null], ["transition", 350, null],
    ]);
    assert.deepEqual([json[3]!.metric, json[3]!.found, json[3]!.step_low, json[3]!.step_high, json[3]!.chosen_by], ["eval/test_accuracy", true, 300, 400, "default order"]);
    const filtered = JSON.parse((await runCli(["events", out, "--json", "--kind", "change_point"])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(filtered.map((e) => e.kind), ["change_point"]);

    const chosen = await runCli(["events", out, "--transition-metric", "test_loss"]);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.match(chosen.stdout, /^transition: eval\/test_loss \(task, chosen\) 5\.0000 -> 0\.1000 at step 150 in \(100, 200\]/m);
    const unknown = await runCli(["events", out, "--transition-metric", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /transition metric "nope" has no finite values in this run/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
