// Event detection over analyzed synthetic runs with known answers: the fork run's LayerNorm
// gains give population forks in the documented window with the designed membership; null runs
// give no population fork and no mode split on them; recomputation replaces, in scope only.
// Histogram reconstruction checked against the true values it was built from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticRun, type SyntheticRunInfo } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { countEventsByKind, detectRunEvents, recomputeRunEvents, storeRunEvents, type DynamicsEvent } from "../../src/pipeline/events.js";
import { snapshotFromHistogram } from "../../src/dynamics/modes/snapshots.js";
import { sampleFromHistogram } from "../../src/stats/histogram-sample.js";
import { decodeMembership, type EncodedMembership } from "../../src/dynamics/forks/index.js";
import { histKeyOf } from "../../src/stats/histogram.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/temp.js";
import { withStore } from "../helpers/store.js";

/** Pythia-like steps, cut at 4000 to keep the test fast (the fork is designed at step 128). */
const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 3000, 4000];
/** Only the LayerNorm tensors: the designed fork lives there, and analysis stays quick. */
const INCLUDE = ["*layernorm*", "*layer_norm*"];

async function analyzedRun(kind: "fork" | "null", seed: number, shape = true): Promise<{ out: string; info: SyntheticRunInfo; summaryEvents: Record<string, number> | null }> {
  const dir = tempDir(`fp-events-${kind}-`);
  const info = await writeSyntheticRun(join(dir, "run"), { kind, seed, steps: STEPS });
  const summary = await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, include: INCLUDE, shape });
  return { out: join(dir, "out"), info, summaryEvents: summary.events };
}

/** Fraction of elements whose branch (0 lower, 1 upper) matches the ground truth. */
function membershipAgreement(event: DynamicsEvent, truth: readonly number[]): number {
  const labels = decodeMembership(event.evidence.members as unknown as EncodedMembership);
  assert.equal(labels.length, truth.length);
  let same = 0;
  truth.forEach((b, j) => (same += labels[j] === b ? 1 : 0));
  return same / truth.length;
}

test("fork run: a population_fork on every fork tensor, in the window [forkStep, one checkpoint after separationStep], membership >= 95% right", async () => {
  const { out, info, summaryEvents } = await analyzedRun("fork", 1);
  assert.ok(info.forkStep !== null && info.separationStep !== null);
  const after = STEPS[STEPS.indexOf(info.separationStep) + 1] ?? info.separationStep;
  const stored = await withStore(out, (store) => store.events({ run: "run" }));
  assert.deepEqual(summaryEvents, countEventsByKind(stored), "analyze's summary counts what it stored");
  for (const tensor of info.forkTensors) {
    const forks = stored.filter((e) => e.kind === "population_fork" && e.tensor === tensor) as unknown as DynamicsEvent[];
    const byValue = forks.find((e) => e.evidence.variable === "value");
    assert.ok(byValue, `population_fork by value on ${tensor}`);
    assert.ok(byValue.step >= info.forkStep && byValue.step <= after, `${tensor}: fork step ${byValue.step} outside [${info.forkStep}, ${after}]`);
    assert.ok(byValue.step_low < byValue.step && byValue.step_low >= 0);
    assert.ok(membershipAgreement(byValue, info.branchOf[tensor]!) >= 0.95, `${tensor}: membership`);
    assert.ok(forks.some((e) => e.evidence.variable === "displacement"), `${tensor}: LayerNorm gains are also followed by displacement`);
    assert.ok(byValue.evidence.early_warning !== undefined, "early-warning verdict attached");
  }
  for (const e of stored) assert.ok(!/bias$/.test(e.tensor ?? "") || e.kind !== "population_fork", `no fork on the unimodal biases: ${e.tensor}`);
  // mode splits on the fork tensors (exact values) in the same window
  const splits = stored.filter((e) => e.kind === "mode_split" && info.forkTensors.includes(e.tensor ?? ""));
  assert.ok(splits.length >= info.forkTensors.length - 1, `mode splits on the fork tensors: ${splits.length}`);
  for (const e of splits) assert.ok(e.step! >= info.forkStep && e.step! <= after, `mode split at ${e.step}`);
});

test("null runs (2 seeds): no population_fork and no mode_split on the LayerNorm gains", async () => {
  for (const seed of [1, 2]) {
    const { out, info } = await analyzedRun("null", seed, false); // no stored shape: modes computed here
    const gains = info.keptTensors.filter((t) => t.endsWith("layernorm.weight") || t.endsWith("layer_norm.weight"));
    assert.equal(gains.length, 5);
    const events = await withStore(out, (store) => store.events({ run: "run" }));
    const alarms = events.filter((e) => (e.kind === "population_fork" || e.kind === "mode_split") && gains.includes(e.tensor ?? ""));
    assert.deepEqual(alarms.map((e) => `${e.kind} ${e.tensor} ${e.step}`), [], `seed ${seed}`);
    assert.ok(events.every((e) => e.kind !== "population_fork"), `seed ${seed}: no population fork anywhere`);
  }
});

test("recomputation replaces the events idempotently; a scoped recompute leaves the other kinds and tensors alone", async () => {
  const { out, info } = await analyzedRun("fork", 2, false);
  await withStore(out, async (store) => {
    const before = await store.events({ run: "run" });
    const again = await recomputeRunEvents(store, "run");
    const after = await store.events({ run: "run" });
    assert.equal(after.length, before.length);
    assert.deepEqual(after.map((e) => [e.kind, e.tensor, e.step, e.strength]), before.map((e) => [e.kind, e.tensor, e.step, e.strength]));
    assert.equal(again.length, after.length);

    const tensor = info.forkTensors[0]!;
    const scoped = await detectRunEvents(store, "run", { kinds: ["population_fork"], tensors: [tensor], persistence: 5 });
    assert.ok(scoped.every((e) => e.kind === "population_fork" && e.tensor === tensor));
    await storeRunEvents(store, "run", scoped, { kinds: ["population_fork"], tensors: [tensor], persistence: 5 });
    const mixed = await store.events({ run: "run" });
    const outside = (e: { kind: string; tensor: string | null }) => !(e.kind === "population_fork" && e.tensor === tensor);
    assert.deepEqual(mixed.filter(outside).map((e) => [e.kind, e.tensor, e.step]), before.filter(outside).map((e) => [e.kind, e.tensor, e.step]));
    const inside = mixed.filter((e) => !outside(e));
    assert.equal(inside.length, scoped.length);
    for (const e of inside) assert.equal((e.detector as { persistence: number }).persistence, 5);
  });
});

test("histogram reconstruction: every value within one bf16 bucket of a true value; small tensors keep their n", () => {
  const rng = new Rng(5);
  const values = Array.from({ length: 300 }, () => (rng.uniform() < 0.5 ? -1 : 1) * 0.02 * (1 + rng.normal() * 0.2));
  values.push(0, 0, -0);
  const counts = new Map<number, number>();
  for (const v of values) counts.set(histKeyOf(v), (counts.get(histKeyOf(v)) ?? 0) + 1);
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const histogram = { keys, counts: keys.map((k) => counts.get(k)!) };
  const all = sampleFromHistogram(histogram, 4096, 1);
  assert.equal(all.length, values.length, "n kept when smaller than the sample size");
  const truth = [...values].sort((a, b) => a - b);
  all.forEach((x, i) => assert.ok(Math.abs(x - truth[i]!) <= 2 ** -7 * Math.abs(truth[i]!) + 1e-300, `value ${i}: ${x} vs ${truth[i]}`));
  const sample = sampleFromHistogram(histogram, 100, 7);
  assert.equal(sample.length, 100);
  assert.deepEqual(sample, sampleFromHistogram(histogram, 100, 7), "same seed, same sample");
  for (let i = 1; i < sample.length; i++) assert.ok(sample[i]! >= sample[i - 1]!, "value order");
  const snapshot = snapshotFromHistogram(histogram, 0.02, 1);
  assert.equal(snapshot.modes.length, 2, "two clusters at -0.02 and +0.02 give two KDE modes");
  assert.match(snapshot.method, /all 303 values through the bf16-bucket histogram/);
});
