// analyze detects a fresh run's events from the rows it holds of what it wrote (pipeline/event-held.ts)
// instead of reading them back: the held inputs must equal the store's (steps, tensor targets and
// their rows, kept values, group targets, histogram masses, the histograms a snapshot needs) and
// give the same events; a run extended by a second analyze, a run resumed after a kill and
// `events --recompute` read the store and store the same events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { discoverRun } from "../../src/runs/discovery.js";
import { StatsPool } from "../../src/kernels/stats-pool.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { analyzeCheckpoint, EventRowBudget, EVENT_ROWS_HELD_MAX, EVENT_VALUES_HELD_MAX_BYTES } from "../../src/pipeline/checkpoint-batch.js";
import { BatchWriter, withStage } from "../../src/pipeline/batch-writer.js";
import { HeldEventRows } from "../../src/pipeline/event-held.js";
import { EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES, histogramNameOf, histogramRowKey, storeEventInputs, type EventInputReader, type EventTarget } from "../../src/pipeline/event-inputs.js";
import { detectEventsFrom, detectRunEvents, recomputeRunEvents } from "../../src/pipeline/events.js";
import { histogramMasses, snapshotFromHistogramMasses, storedHistogramShapeOf } from "../../src/dynamics/modes/snapshots.js";
import { claimRun } from "../../src/store/identity.js";
import { Store } from "../../src/store/store.js";
import type { HistogramRecord } from "../../src/store/types.js";
import { analyzeKilledOnceStoreExists, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";
import { withStore } from "../helpers/store.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];
const LIMITS = { rows: 16_384, trajectoryBytes: 64 * 1024 * 1024 };

/** Every histogram of `targets` at their steps, by histogramRowKey, through the reader's forEachTargetHistogram. */
async function histogramsOf(reader: EventInputReader, targets: readonly EventTarget[], groups: boolean, wanted: (t: EventTarget, i: number) => boolean): Promise<Map<string, HistogramRecord>> {
  const out = new Map<string, HistogramRecord>();
  await reader.forEachTargetHistogram(targets, { groups, wanted }, (t, i, h) => out.set(histogramRowKey(histogramNameOf(t), t.steps[i]!), { keys: Int32Array.from(h.keys), counts: Float64Array.from(h.counts) }));
  return out;
}

/** What detection reads through `reader`, in full (masses summed in JS for the store's streamed histograms). */
async function inputsOf(reader: EventInputReader, massesFromStore: boolean) {
  const steps = await reader.completeSteps();
  const { batches, maxTrajectories } = await reader.tensorBatches(LIMITS);
  assert.equal(batches.length, 1, "one batch");
  const batch = await reader.readTensorBatch(batches[0]!.range, steps, { trajectories: true });
  const groups = await reader.groupTargets(steps);
  const masses = async (targets: readonly EventTarget[], isGroups: boolean) => {
    if (!massesFromStore) return (await reader.massesOf({ groups: isGroups, buckets: 0 }, 0))!;
    const all = await histogramsOf(reader, targets, isGroups, () => true);
    return new Map([...all].map(([k, h]) => [k, histogramMasses(h)]));
  };
  return { steps, maxTrajectories, targets: batch.targets, trajectories: batch.trajectories, groups, tensorMasses: await masses(batch.targets, false), groupMasses: await masses(groups, true) };
}

test("held event inputs: equal to the store's for the same checkpoints (rows, kept values, groups, masses, the histograms snapshots need), and the same events", async () => {
  const dir = tempDir("fp-event-held-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: STEPS });
  const checkpoints = await discoverRun(join(dir, "run"));
  const pool = await StatsPool.create(2);
  const store = await Store.openDir(join(dir, "out"));
  try {
    const claim = await claimRun(store, { run_id: "run", source: join(dir, "run") });
    const writer = new BatchWriter(claim);
    const held = new HeldEventRows();
    const budget = new EventRowBudget();
    for (const cp of [...checkpoints].reverse()) { // any order
      const batch = await withStage(claim, cp.step, (stage) => analyzeCheckpoint(cp, {}, { eventRows: budget }, pool, undefined, {}, stage));
      assert.equal(batch.tensors.length, 0, "rows staged: the held ones come from the workers' encoded rows");
      await writer.write(batch);
      held.add(cp.step, batch);
    }
    await writer.flush();
    const fromHeld = held.reader("run")!;
    const fromStore = storeEventInputs(store, "run");
    const a = await inputsOf(fromHeld, false), b = await inputsOf(fromStore, true);
    assert.deepStrictEqual(a.steps, STEPS);
    assert.deepStrictEqual(a.steps, b.steps);
    assert.equal(a.maxTrajectories, b.maxTrajectories);
    assert.ok(a.targets.length > 20 && a.targets.some((t) => t.kept) && a.targets.some((t) => !t.kept), "kept and other tensors");
    assert.deepStrictEqual(a.targets, b.targets, "tensor targets: names, steps, rows in order");
    assert.deepStrictEqual(a.trajectories, b.trajectories, "kept values");
    assert.deepStrictEqual(a.groups, b.groups, "group targets in the store's order");
    assert.deepStrictEqual(a.tensorMasses, b.tensorMasses, "tensor histogram masses");
    assert.deepStrictEqual(a.groupMasses, b.groupMasses, "group histogram masses");
    // the histograms whose snapshots need their buckets (as events.ts decides) are held, equal to the stored ones
    for (const [targets, groups, masses] of [[a.targets, false, a.tensorMasses], [a.groups, true, a.groupMasses]] as const) {
      const needs = (t: EventTarget, i: number) => snapshotFromHistogramMasses(masses.get(histogramRowKey(histogramNameOf(t), t.steps[i]!))!, t.rows[i]!.std, storedHistogramShapeOf(t.rows[i]!.extra)) === null;
      const heldHistograms = await histogramsOf(fromHeld, targets, groups, needs);
      if (!groups) assert.ok(heldHistograms.size > 0, "some tensor snapshots need their buckets");
      assert.deepStrictEqual(heldHistograms, await histogramsOf(fromStore, groups ? b.groups : b.targets, groups, needs), groups ? "groups" : "tensors");
    }
    // the same events, whether detected from the held rows or read back
    const events = await detectEventsFrom(fromHeld);
    assert.ok(events.length > 0, "events found");
    assert.deepStrictEqual(events, await detectRunEvents(store, "run"));
    // a budget passed while a checkpoint is analyzed: none of its rows collected (nor any later checkpoint's), nothing held
    assert.deepEqual([EVENT_ROWS_HELD_MAX, EVENT_VALUES_HELD_MAX_BYTES], [EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES], "one detection batch is held");
    const tight = new EventRowBudget(5, EVENT_VALUES_HELD_MAX_BYTES);
    const cut = await analyzeCheckpoint(checkpoints[0]!, {}, { eventRows: tight }, pool);
    assert.equal(cut.eventRows, null);
    assert.ok(tight.exhausted);
    assert.equal((await analyzeCheckpoint(checkpoints[1]!, {}, { eventRows: tight }, pool)).eventRows, null, "none after the budget is passed");
    assert.equal((await analyzeCheckpoint(checkpoints[1]!, {}, {}, pool)).eventRows, null, "none without a budget");
    const partly = new HeldEventRows();
    partly.add(0, cut);
    assert.equal(partly.reader("run"), null);
    // a limit passed: nothing held, no reader
    const small = new HeldEventRows({ rows: 10, trajectoryBytes: LIMITS.trajectoryBytes });
    small.add(0, { eventRows: Array.from({ length: 11 }, (_, i) => ({ tensor: `t${i}`, layer: null, role: "other", kind: "weight", values: { std: 1, mean: 0, excess_kurtosis: 0, frac_abs_le: {}, frac_abs_le_rel_std: {}, extra: {} }, histogram: undefined })), eventTrajectories: [], groups: [] });
    assert.equal(small.reader("run"), null);
    assert.match(small.dropped ?? "", /more than 10 tensor rows/);
  } finally {
    await pool.close();
    await store.close();
  }
});

/** The events of a stored run as `events --json` prints them (ids and nothing else left out). */
async function storedEvents(out: string): Promise<string> {
  const r = await runCli(["events", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test("analyze: a fresh run's events come from the held rows; extended and resumed runs and events --recompute read the store; all store the same events", async () => {
  const dir = tempDir("fp-event-held-runs-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 4, steps: STEPS });
  const fresh = join(dir, "fresh"), extended = join(dir, "extended"), resumed = join(dir, "resumed");
  const summary = await analyzeRun(join(dir, "run"), { out: fresh, workers: 0 });
  assert.equal(summary.eventInputs, "held");
  const expected = await storedEvents(fresh);
  assert.ok(JSON.parse(expected).length > 0, "events stored");
  // events --recompute (from the store) stores the same events
  const recomputed = await runCli(["events", fresh, "--recompute", "--json"]);
  assert.equal(recomputed.code, 0, recomputed.stderr);
  assert.equal(await storedEvents(fresh), expected, "events --recompute");
  await withStore(fresh, async (store) => {
    await recomputeRunEvents(store, "run");
  });
  assert.equal(await storedEvents(fresh), expected, "recomputeRunEvents from the store");

  // a run extended by a second analyze: its first checkpoints were stored by the first
  const first = await analyzeRun(join(dir, "run"), { out: extended, workers: 0, checkpointFilter: (cp) => cp.step <= 64 });
  assert.equal(first.eventInputs, "held");
  const second = await analyzeRun(join(dir, "run"), { out: extended, workers: 0 });
  assert.deepEqual([second.skipped, second.eventInputs], [8, "store"]);
  assert.equal(await storedEvents(extended), expected, "extended run");

  // a run resumed after a kill (the kill may come before or after some checkpoints are committed)
  await analyzeKilledOnceStoreExists([join(dir, "run"), "--workers", "0"], resumed);
  const again = await runCli(["analyze", join(dir, "run"), "--out", resumed, "--workers", "0", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await storedEvents(resumed), expected, "resumed run");
});
