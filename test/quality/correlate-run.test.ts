// correlateRun on an analysed synthetic run: a metric that is a monotone function of one stored
// feature gives that feature Spearman 1 and the top rank; a run without metrics is a UsageError.
// The `correlate` command (in process) prints the same report. Tests run in order on one store.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { TRAINER_STATE_FILE } from "../../src/formats/hf-files.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { featuresFromStore } from "../../src/quality/store-features.js";
import { correlateRun, leadLagEventsOf, LEAD_LAG_EVENT_KINDS } from "../../src/quality/correlate-run.js";
import { NotEnoughPointsError, UsageError } from "../../src/util/errors.js";
import { register as registerCorrelate } from "../../src/cli/commands/correlate.js";
import { runInProcess } from "../helpers/cli.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];
const FEATURE = "model:model:std";
let dir = "";
let store: Store;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "fp-corr-run-"));
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: STEPS });
  // analyze stores a run's training log as metrics: this run is to start without any
  for (const step of STEPS) rmSync(join(dir, "run", `checkpoint-${step}`, TRAINER_STATE_FILE), { force: true });
  await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, include: ["*layernorm*", "*layer_norm*"] });
  store = await Store.openDir(join(dir, "out"));
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a run without metrics is a UsageError that says how to add them", async () => {
  await assert.rejects(correlateRun(store, "run"), (e: unknown) => e instanceof UsageError && /no metrics/.test(e.message) && /metrics <out> --add <file>/.test(e.message));
});

test("metric = 2 * model std: that feature has Spearman 1 (and Kendall 1) and is ranked first", async () => {
  const f = await featuresFromStore(store, "run");
  const j = f.featureNames.indexOf(FEATURE);
  assert.ok(j >= 0, `feature ${FEATURE} stored`);
  const values = f.rows.map((r) => r[j]!);
  await store.putMetrics("run", "synthetic", f.steps.map((step, i) => ({ step, name: "twice_std", value: 2 * values[i]! })));
  const report = await correlateRun(store, "run", { resamples: 50, seed: 1 });
  assert.deepEqual(report.steps, STEPS);
  assert.equal(report.metrics.length, 1);
  const m = report.metrics[0]!;
  assert.equal(m.metric, "twice_std");
  assert.equal(m.source, "synthetic");
  assert.equal(m.n_checkpoints, STEPS.length);
  const isOne = (x: number) => Math.abs(Math.abs(x) - 1) < 1e-12; // rho is a Pearson of ranks: 1 up to rounding
  const top = m.correlations.filter((c) => isOne(c.spearman.estimate));
  const row = m.correlations.find((c) => c.feature === FEATURE)!;
  assert.ok(isOne(row.spearman.estimate) && row.spearman.estimate > 0, `rho ${row.spearman.estimate}`);
  assert.ok(isOne(row.kendall.estimate) && row.kendall.estimate > 0, `tau ${row.kendall.estimate}`);
  assert.equal(row.n, STEPS.length);
  // ranked first: every row with |rho| = 1 (if several features share the order) comes before all others, and ours is among them
  assert.ok(top.includes(row));
  assert.deepEqual(m.correlations.slice(0, top.length), top);
  for (let i = 1; i < m.correlations.length; i++) {
    const a = Math.abs(m.correlations[i - 1]!.spearman.estimate), b = Math.abs(m.correlations[i]!.spearman.estimate);
    assert.ok(Number.isNaN(b) || a >= b - 1e-12, `sorted by |rho| at ${i}: ${a} then ${b}`);
  }
  assert.equal(m.correlations.length + m.skipped_features.length, report.n_features);
  // lead/lag uses only the allowed event kinds, none starting at step 0
  for (const e of report.events) assert.ok(LEAD_LAG_EVENT_KINDS.includes(e.kind) && e.step > 0);
  assert.equal(m.lead_lag.summary.nChanges, m.lead_lag.changes.length);
  // optimizer artefacts are left out unless asked for (correlate --artefacts)
  assert.deepEqual(report.events, leadLagEventsOf(await store.events({ run: "run" })));
  assert.equal(report.settings.include_artefacts, false);
  const withArtefacts = await correlateRun(store, "run", { resamples: 10, includeArtefacts: true });
  assert.equal(withArtefacts.settings.include_artefacts, true);
  assert.equal(withArtefacts.artefacts_excluded, 0);
  assert.equal(withArtefacts.events.length, report.events.length + report.artefacts_excluded);
});

test("--metric selects one series; an unknown one, or one with too few aligned points, is refused", async () => {
  const f = await featuresFromStore(store, "run");
  await store.putMetrics("run", "sparse", [{ step: f.steps[1]!, name: "few", value: 1 }, { step: f.steps[2]!, name: "few", value: 2 }, { step: 7777, name: "few", value: 3 }]);
  const one = await correlateRun(store, "run", { metric: "twice_std", resamples: 10 });
  assert.deepEqual(one.metrics.map((m) => m.metric), ["twice_std"]);
  await assert.rejects(correlateRun(store, "run", { metric: "nope" }), (e: unknown) => e instanceof UsageError && /synthetic:twice_std/.test(e.message));
  await assert.rejects(correlateRun(store, "run", { metric: "few" }), NotEnoughPointsError);
  const all = await correlateRun(store, "run", { resamples: 10 });
  assert.deepEqual(all.skipped_metrics, [{ metric: "few", source: "sparse", n: 2 }]);
});

test("leadLagEventsOf keeps fork/mode/layer events after step 0, drops change points", () => {
  const base = { run_id: "r", tensor: "t", step_high: null, strength: 1, evidence: null, detector: null };
  const kept = leadLagEventsOf([
    { ...base, kind: "population_fork", step: 8, step_low: 4 },
    { ...base, kind: "mode_split", step: 1, step_low: 0 },
    { ...base, kind: "change_point", step: 16, step_low: 8 },
    { ...base, kind: "layer_fork", step: 32, step_low: 16 },
    { ...base, kind: "mode_merge", step: null, step_low: null },
  ]);
  assert.deepEqual(kept.map((e) => [e.kind, e.step]), [["population_fork", 8], ["layer_fork", 32]]);
});

test("leadLagEventsOf leaves optimizer artefacts out unless asked for (correlate --artefacts)", () => {
  const base = { run_id: "r", tensor: "gpt_neox.layers.0.attention.dense.bias", step_high: null, strength: 1, evidence: null, detector: null };
  const events = [
    { ...base, kind: "population_fork" as const, step: 2, step_low: 1, artefact: "first_update_sign_split" },
    { ...base, kind: "layer_fork" as const, step: 32, step_low: 16, artefact: null },
  ];
  assert.deepEqual(leadLagEventsOf(events).map((e) => e.step), [32]);
  assert.deepEqual(leadLagEventsOf(events, { includeArtefacts: true }).map((e) => e.step), [2, 32]);
});

test("`correlate` prints the table and lead/lag line, and --json equals correlateRun", async () => {
  const options = { metric: "twice_std", resamples: 20, seed: 5 };
  const expected = JSON.parse(JSON.stringify([await correlateRun(store, "run", options)]));
  await store.close(); // the command opens the store itself
  const out = join(dir, "out");
  const json = await runInProcess([registerCorrelate], ["correlate", out, "--metric", "twice_std", "--resamples", "20", "--seed", "5", "--json"]);
  assert.deepEqual(JSON.parse(json), expected);
  const text = await runInProcess([registerCorrelate], ["correlate", out, "--run", "run", "--metric", "twice_std", "--resamples", "20", "--top", "3"]);
  const lines = text.split("\n");
  assert.match(lines[0]!, /^run run, metric synthetic:twice_std: 12 checkpoints, \d+ features \(top 3 by \|Spearman\|\)$/);
  assert.match(lines[1]!, /^feature\s+Spearman \[95% CI\]\s+Kendall \[95% CI\]\s+n$/);
  assert.match(lines[2]!, /^\S+\s+1\.000 \[1\.000, 1\.000\]\s+1\.000 \[1\.000, 1\.000\]\s+12$/);
  assert.equal(lines[5]!.startsWith("lead/lag: "), true, lines[5]);
  await assert.rejects(runInProcess([registerCorrelate], ["correlate", out, "--run", "nope"]), UsageError);
});
