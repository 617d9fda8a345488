// Optimizer-artefact labels on real runs: a few steps of the tiny trainer give the step-1 sign
// splits of zero biases and unit LayerNorm gains (the demo's "population forks"), every one
// labelled when stored; the synthetic pitchfork run's designed fork of LayerNorm gains (constant
// at step 0 too, forking at step ~128) is not. Stored events of an older store are labelled on read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { train } from "../../src/model/index.js";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { labelOptimizerArtefacts } from "../../src/pipeline/event-artefacts.js";
import { FIRST_UPDATE_SPLIT_RULE, withoutOptimizerArtefacts } from "../../src/dynamics/artefacts.js";
import { Store } from "../../src/store/store.js";

/** Zero-initialised biases and unit-initialised LayerNorm parameters: what splits at step 1. */
const INCLUDE = ["*bias*", "*layernorm*", "*layer_norm*"];

test("a few steps of the tiny trainer: every step-1 split of a constant-initialised tensor is labelled first_update_sign_split", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-artefacts-tiny-"));
  try {
    await train({ out: join(dir, "run"), preset: "tiny", steps: 8, width: 64, layers: 1, batchSize: 2, evalTokens: 128, threads: 1, saveSchedule: { logSpacedUpTo: 8, saveEvery: 8 } });
    await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, include: INCLUDE });
    const store = await Store.openDir(join(dir, "out"), { readOnly: true });
    try {
      const events = await store.events({ run: "run" });
      const splits = events.filter((e) => e.kind === "population_fork" || e.kind === "mode_split");
      assert.ok(splits.filter((e) => e.kind === "population_fork" && e.step === 1).length >= 2, `step-1 population forks: ${JSON.stringify(splits.map((e) => [e.kind, e.tensor, e.step]))}`);
      const initial = new Map((await store.tensorStats({ run: "run", step: 0 })).map((r) => [r.tensor, r]));
      for (const e of splits) {
        const s0 = initial.get(e.tensor!)!;
        assert.equal(s0.min, s0.max, `${e.tensor} is constant at step 0`);
        assert.equal(e.step_low, 0);
        assert.equal(e.artefact, FIRST_UPDATE_SPLIT_RULE, `${e.kind} of ${e.tensor} at step ${e.step}`);
      }
      assert.deepEqual(withoutOptimizerArtefacts(events).filter((e) => e.kind === "population_fork"), []);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the synthetic pitchfork run: the designed fork of constant-initialised gains (step ~128) is not an artefact; old unlabelled rows get the same answer on read", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-artefacts-synth-"));
  try {
    const info = await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 1, steps: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000, 4000] });
    await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, include: ["*layernorm*"], shape: false });
    const store = await Store.openDir(join(dir, "out"));
    try {
      const initial = new Map((await store.tensorStats({ run: "run", step: 0 })).map((r) => [r.tensor, r]));
      const forks = (await store.events({ run: "run", kind: "population_fork" })).filter((e) => info.forkTensors.includes(e.tensor!));
      assert.ok(forks.length >= info.forkTensors.length);
      for (const e of forks) {
        assert.equal(initial.get(e.tensor!)!.min, initial.get(e.tensor!)!.max, `${e.tensor}: constant at step 0, as for the artefacts`);
        assert.ok(e.step! > 10, `designed fork at step ${e.step}`);
        assert.equal(e.artefact, null);
      }
      // the same fork moved to step 1 (last together at step 0) would be labelled: the step is what tells them apart
      const moved = forks.map((e) => {
        const around = (e.evidence as { variable: string }).variable === "displacement" ? 0 : initial.get(e.tensor!)!.min!;
        return { ...e, artefact: null, step: 1, step_low: 0, evidence: { ...(e.evidence as object), branch_centres: { steps: [1], lower: [around - 0.1], upper: [around + 0.1] } } };
      });
      assert.ok((await labelOptimizerArtefacts(store, "run", moved)).every((e) => e.artefact === FIRST_UPDATE_SPLIT_RULE));
      assert.deepEqual((await labelOptimizerArtefacts(store, "run", forks)).map((e) => e.artefact), forks.map(() => null));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
