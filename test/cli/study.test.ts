// `study` end to end, in process: a plan with one development and two held-out seeds of the base
// configuration (8 steps) is fixed, trained, analyzed, pruned around its forks and judged;
// verdicts.json is checked for structure, against the plan and against the store (one claim's
// value and the pruning base loss recomputed independently); a re-run resumes without redoing
// work; a changed plan is refused unless --new-plan is given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInProcess } from "../helpers/cli.js";
import { register } from "../../src/cli/commands/study.js";
import { Store, budgetedEvaluation, DEFAULT_BUDGETS, evaluateLoss, sotuTokenStreams, ByteTokenizer, UsageError } from "../../src/index.js";
import { buildPlan, planHash, sweepFromPlan, PlanChangedError, type StudyPlan, type VerdictsFile } from "../../src/experiments/index.js";
import { tempDir } from "../helpers/temp.js";

const PYTHIA = fileURLToPath(new URL("../fixtures/experiments/pythia", import.meta.url));
const CLAIMS = ["events_precede_quality_changes", "predict_loss_from_parameters", "budgeted_evaluation", "early_stopping", "sparsification"];

/**
 * Claim 3's primary baseline recomputed from the store alone: mean over the held-out runs of the
 * mean log-uniform placement error over k (the events' own error depends on the online events,
 * which are recomputed from the statistics; the baseline does not).
 */
async function budgetBaselineFromStore(store: Store, runs: readonly string[]): Promise<number> {
  const perRun: number[] = [];
  for (const run of runs) {
    const loss = (await store.metrics({ run, name: "eval/loss" })).filter((m) => m.value !== null).sort((a, b) => a.step - b.step);
    const rows = budgetedEvaluation(loss.map((m) => m.step), loss.map((m) => m.value!), [], { budgets: DEFAULT_BUDGETS.filter((k) => k <= loss.length) })
      .filter((r) => r.strategy === "log-uniform");
    perRun.push(rows.reduce((s, r) => s + r.meanAbsError, 0) / rows.length);
  }
  return perRun.reduce((s, v) => s + v, 0) / perRun.length;
}

test("study: plan.json then verdicts.json for 1 development + 2 held-out seeds, consistent with the plan and the store; a re-run resumes; a changed plan is refused", async () => {
  const out = join(tempDir("fp-study-"), "study");
  const args = ["study", "--seeds", "2", "--dev-seeds", "1", "--configs", "base", "--random-masks", "2", "--steps", "8", "--out", out, "--prune-tokens", "1024", "--eval-tokens", "1024", "--sparsities", "0.5,0.9", "--pythia", PYTHIA, "--threads", "1"];
  const printed = JSON.parse(await runInProcess([register], [...args, "--json"])) as VerdictsFile;
  const file = JSON.parse(readFileSync(join(out, "verdicts.json"), "utf8")) as VerdictsFile;
  assert.deepEqual(printed, file);
  assert.deepEqual(file.verdicts.map((v) => v.claim), CLAIMS);
  for (const v of file.verdicts) {
    assert.ok(["supported", "not supported", "inconclusive"].includes(v.verdict), v.claim);
    assert.ok(v.reason.length > 20 && v.measure.length > 10, `${v.claim} states its measure and reason`);
  }
  const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as StudyPlan;
  const expected = buildPlan({ heldoutSeeds: 2, developmentSeeds: 1, configurations: ["base"], steps: 8, evalTokens: 1024, randomMasks: 2, sparsities: [0.5, 0.9], pruneTokens: 1024 });
  assert.ok(plan.configurations.every((c) => c.eval_tokens === 1024), "the evaluation size is part of the plan");
  assert.deepEqual(plan, expected);
  assert.equal(file.plan_sha256, planHash(plan));
  assert.deepEqual(file.runs.map((r) => r.name), sweepFromPlan(plan).map((r) => r.name));
  assert.deepEqual(file.runs.map((r) => r.role), ["development", "heldout", "heldout"]);
  assert.ok(file.verdicts.every((v) => v.verdict === "inconclusive"), "2 held-out seeds never give a label");
  const dev = JSON.parse(readFileSync(join(out, "development.json"), "utf8")) as { plan_sha256: string; verdicts: unknown[] };
  assert.equal(dev.plan_sha256, file.plan_sha256);
  assert.ok(file.runs.every((r) => r.steps === 8 && r.checkpoints === 5), "checkpoints 0, 1, 2, 4, 8");
  assert.deepEqual(file.tolerance_curves.map((c) => c.run).filter((r, i, a) => a.indexOf(r) === i).sort(), ["base-s100", "base-s101"], "curves of held-out runs only");
  assert.deepEqual(Object.keys(file.wall_seconds).sort(), ["analyze", "experiments", "pruning", "total", "train"]);
  assert.ok(file.pythia !== null && (file.pythia["usable_series"] as number) > 0);

  const store = await Store.openDir(out, { readOnly: true });
  try {
    const budget = file.verdicts.find((v) => v.claim === "budgeted_evaluation")!;
    const baseline = await budgetBaselineFromStore(store, file.runs.filter((r) => r.role === "heldout").map((r) => r.name));
    assert.ok(Math.abs(budget.baseline!.estimate.value! - baseline) < 1e-12, `budget log-uniform ${budget.baseline!.estimate.value} vs store ${baseline}`);
    assert.ok(budget.tests!.length === 3 && budget.tests!.every((c) => c.difference.n === 2), "3 comparisons over the 2 held-out seeds");
    // the online events the timing claims used are stored, each known at or after its step
    const online = await store.onlineEvents({});
    assert.ok(online.length > 0 && online.every((e) => e.known_at >= e.step), `online events stored: ${online.length}`);
    assert.deepEqual([...new Set(online.map((e) => e.run_id))].sort(), file.runs.map((r) => r.name).sort());
    for (const r of file.runs) {
      const last = (await store.metrics({ run: r.name, name: "eval/loss" })).find((m) => m.step === 8)!;
      assert.equal(r.final_val_loss, last.value);
    }
    const rows = (await store.pruning({})).filter((r) => r.run_id !== "base-dev-s0");
    // per checkpoint: magnitude (mask 0) and random masks 0 and 1, 2 sparsities each; curves list magnitude and random once
    assert.equal(rows.length, (file.tolerance_curves.length / 2) * 3 * 2);
    const final = file.tolerance_curves.find((c) => c.step === 8 && c.method === "magnitude")!; // "final" or "after_fork": a step keeps its first position
    const tokens = sotuTokenStreams(new ByteTokenizer()).validation.subarray(0, 1024);
    const base = await evaluateLoss(join(out, "runs", final.run, `checkpoint-${final.step}`), tokens, { threads: 1 });
    assert.ok(Math.abs(final.base_loss - base.loss) < 1e-5, `stored base loss ${final.base_loss} vs re-evaluated ${base.loss}`);
  } finally {
    await store.close();
  }

  const analyzedAt = async (): Promise<string[]> => {
    const s = await Store.openDir(out, { readOnly: true });
    try { return (await s.listCheckpoints(file.runs[0]!.name)).map((c) => `${c.step}@${c.analyzed_at}`); } finally { await s.close(); }
  };
  const before = await analyzedAt();
  const again = JSON.parse(await runInProcess([register], [...args, "--json"])) as VerdictsFile;
  assert.deepEqual(await analyzedAt(), before, "no checkpoint re-analyzed");
  assert.deepEqual(again.verdicts.map((v) => [v.claim, v.verdict, v.ours.value]), file.verdicts.map((v) => [v.claim, v.verdict, v.ours.value]));
  assert.deepEqual(again.tolerance_curves, file.tolerance_curves);

  // the plan is fixed: another minimum of seeds is a different plan, refused before any training
  const threeSeeds = args.map((x, i) => (args[i - 1] === "--seeds" ? "3" : x));
  await assert.rejects(runInProcess([register], threeSeeds), (e: unknown) => e instanceof PlanChangedError && /differs at seeds\.heldout/.test((e as Error).message));
  assert.equal(planHash(JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as StudyPlan), file.plan_sha256, "plan.json untouched");
});

test("study: fewer than 2 held-out seeds is a usage error", async () => {
  await assert.rejects(runInProcess([register], ["study", "--seeds", "1", "--out", join(tmpdir(), "fp-study-never")]), UsageError);
});

test("study: an unknown preset, or a configuration the preset does not have, is a usage error before any training", async () => {
  await assert.rejects(runInProcess([register], ["study", "--preset", "bogus", "--out", join(tmpdir(), "fp-study-never")]), (e: unknown) => e instanceof UsageError && /tiny, grokking, induction/.test((e as Error).message));
  const out = join(tempDir("fp-study-"), "grok");
  await assert.rejects(runInProcess([register], ["study", "--preset", "grokking", "--configs", "overtrain", "--out", out]), (e: unknown) => e instanceof UsageError && /base, varied/.test((e as Error).message));
  await assert.rejects(runInProcess([register], ["study", "--preset", "grokking", "--task-options", "modulus", "--out", out]), (e: unknown) => e instanceof UsageError && /not key=value/.test((e as Error).message));
  await assert.rejects(runInProcess([register], ["study", "--preset", "grokking", "--task-options", "offsetMax=3", "--out", out]), (e: unknown) => e instanceof UsageError && /offsetMax is not an option of the modular-addition task/.test((e as Error).message));
});
