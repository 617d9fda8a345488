// `forking-paths metrics`: adding lm-eval, trainer_state and CSV metrics to a store through
// the CLI, idempotent per (run, source), run defaulting and the errors for ambiguous runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../../src/store/index.js";
import { runCli, REPO_ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const PYTHIA_70M = join(REPO_ROOT, "data", "pythia", "evals", "pythia-70m", "zero-shot");

async function withStore(dir: string, runs: string[]): Promise<void> {
  const store = await Store.openDir(dir);
  try {
    for (const r of runs) await store.putRun({ run_id: r, source: `/runs/${r}` });
  } finally {
    await store.close();
  }
}

test("metrics --add stores Pythia's evals under the only run, idempotently, and lists them", async () => {
  const out = tempDir("fp-metrics-cli-");
  await withStore(out, ["pythia-70m"]);
  const add = await runCli(["metrics", out, "--add", PYTHIA_70M, "--json"]);
  assert.equal(add.code, 0, add.stderr);
  const summary = JSON.parse(add.stdout) as Record<string, unknown>;
  assert.equal(summary["run"], "pythia-70m");
  assert.equal(summary["source"], "zero-shot");
  assert.equal(summary["files"], 27);
  assert.equal(summary["steps"], 27);
  assert.equal(summary["last_step"], 143000);
  const again = await runCli(["metrics", out, "--add", PYTHIA_70M, "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as Record<string, unknown>)["metrics"], summary["metrics"]);
  const list = await runCli(["metrics", out, "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const series = JSON.parse(list.stdout) as { name: string; points: number; source: string }[];
  const ppl = series.find((s) => s.name === "lambada_openai/ppl")!;
  assert.equal(ppl.points, 27, "re-adding the same source replaced instead of duplicating");
  assert.equal(series.reduce((s, x) => s + x.points, 0), summary["metrics"]);
  const text = await runCli(["metrics", out]);
  assert.match(text.stdout, /lambada_openai\/ppl\s+27\s+0\s+0\.\.143000/);
});

test("metrics --add with several runs needs --run; trainer_state and CSV sources coexist", async () => {
  const out = tempDir("fp-metrics-cli-");
  await withStore(out, ["a", "b"]);
  const files = tempDir("fp-metrics-files-");
  writeFileSync(join(files, "trainer_state.json"), JSON.stringify({ global_step: 2, log_history: [{ step: 1, loss: 3 }, { step: 2, loss: 2.5 }, { step: 2, eval_loss: 2.7 }] }));
  writeFileSync(join(files, "heldout.csv"), "step,heldout_loss\n1,3.1\n2,2.6\n");
  const ambiguous = await runCli(["metrics", out, "--add", join(files, "trainer_state.json")]);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /the store has 2 runs \(a, b\); say which one with --run/);
  const unknown = await runCli(["metrics", out, "--add", join(files, "heldout.csv"), "--run", "zzz"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /run "zzz" is not in the store \(runs: a, b\)/);
  assert.equal((await runCli(["metrics", out, "--add", join(files, "trainer_state.json"), "--run", "b"])).code, 0);
  assert.equal((await runCli(["metrics", out, "--add", join(files, "heldout.csv"), "--run", "b", "--source", "eval"])).code, 0);
  const store = await Store.openDir(out, { readOnly: true });
  try {
    const rows = await store.metrics({ run: "b" });
    assert.deepEqual(rows.map((r) => [r.source, r.name, r.step, r.value]).sort(), [
      ["eval", "heldout_loss", 1, 3.1], ["eval", "heldout_loss", 2, 2.6],
      ["trainer_state", "eval/loss", 2, 2.7], ["trainer_state", "train/loss", 1, 3], ["trainer_state", "train/loss", 2, 2.5],
    ].sort());
    assert.equal((await store.metrics({ run: "a" })).length, 0);
  } finally {
    await store.close();
  }
  const bad = await runCli(["metrics", out, "--add", join(files, "nope.csv"), "--run", "a"]);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
});

test("metrics --create-run registers a run for published evaluations", async () => {
  const out = tempDir("fp-metrics-cli-");
  const r = await runCli(["metrics", out, "--add", PYTHIA_70M, "--run", "pythia-70m", "--create-run", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const none = await runCli(["metrics", tempDir("fp-metrics-cli-"), "--add", PYTHIA_70M]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /the store has no runs/);
});
