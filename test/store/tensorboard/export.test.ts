// exportTensorBoard on a real analysis (synthetic run -> analyzeRun -> store), read back with
// our decoder: every tensor and group histogram at every checkpoint with the store's exact
// buckets and counts summing to the finite count, statistics as float32 scalars under their
// documented tags, events as text at their step, steps ascending; re-export replaces the file;
// --run selection and bad runs refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeRun } from "../../../src/pipeline/analyze.js";
import { writeSyntheticRun } from "../../../src/runs/synth.js";
import { Store } from "../../../src/store/store.js";
import { eventStep, finiteCountOf, statScalars, TENSORBOARD_TAGS as TAGS } from "../../../src/store/tensorboard/content.js";
import { exportTensorBoard } from "../../../src/store/tensorboard/export.js";
import { histogramBuckets } from "../../../src/store/tensorboard/summaries.js";
import { UsageError } from "../../../src/util/errors.js";
import { FIXTURE_RUNS, writeFixtureStore } from "./fixture-store.js";
import { readExport, type ReadRun } from "./read-export.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];

function valueAt<T>(series: [number, T][] | undefined, step: number): T | undefined {
  return series?.find(([s]) => s === step)?.[1];
}

function checkRow(run: ReadRun, histTag: string, statTag: (s: string) => string, row: Parameters<typeof statScalars>[0] & { step: number }, hist: { keys: Int32Array; counts: Float64Array } | undefined): void {
  const h = run.histograms[histTag]?.find((x) => x.step === row.step);
  assert.ok(h && hist, `${histTag} at step ${row.step}`);
  assert.deepEqual(h.rows.flat(), [...histogramBuckets(hist.keys, hist.counts)], `${histTag} step ${row.step}: the store's exact buckets`);
  assert.equal(h.rows.reduce((n, r) => n + r[2]!, 0), finiteCountOf(row), `${histTag} step ${row.step}: counts sum to the finite count`);
  const scalars = statScalars(row);
  assert.ok(scalars.some((s) => s.stat === "quantile/0.5") && scalars.some((s) => s.stat === "std"));
  for (const { stat, value } of scalars) {
    assert.equal(valueAt(run.scalars[statTag(stat)], row.step), Math.fround(value), `${statTag(stat)} step ${row.step}`);
  }
}

test("export of a real analysis: every histogram, statistic and event, as the store holds them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-tb-export-"));
  try {
    await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 5, steps: STEPS, layers: 1, hidden: 8, vocab: 16 });
    // Small shape samples and change points only (few surrogates): the export, not the detectors, is under test.
    await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, shapeSampleSize: 256, events: { kinds: ["change_point"], earlyWarning: { surrogates: 19 } } });
    const store = await Store.openDir(join(dir, "out"), { readOnly: true });
    try {
      const [written] = await exportTensorBoard(store, { to: join(dir, "tb") });
      const run = readExport(join(dir, "tb"))["run"]!;
      assert.equal(run.file_version, "brain.Event:2");
      assert.equal(written!.file, join(dir, "tb", "run", run.file));
      assert.deepEqual(run.steps, STEPS);
      const tensors = await store.tensorStats({ run: "run" });
      const histograms = new Map((await store.histograms({ run: "run" })).map((h) => [`${h.name}@${h.step}`, h]));
      assert.equal(Object.keys(run.histograms).filter((t) => t.startsWith("hist/")).length, new Set(tensors.map((t) => t.tensor)).size);
      for (const t of tensors) checkRow(run, TAGS.tensorHistogram(t.tensor), (s) => TAGS.tensorStat(t.tensor, s), t, histograms.get(`${t.tensor}@${t.step}`));
      const groups = await store.groupStats({ run: "run" });
      const groupHistograms = new Map((await store.groupHistograms({ run: "run" })).map((h) => [`${h.name}@${h.step}`, h]));
      assert.ok(groups.some((g) => g.group_kind === "model") && groups.some((g) => g.group_kind === "role") && groups.some((g) => g.group_kind === "layer"));
      for (const g of groups) {
        checkRow(run, TAGS.groupHistogram(g.group_kind, g.group_name), (s) => TAGS.groupStat(g.group_kind, g.group_name, s), g, groupHistograms.get(`${g.group_kind}:${g.group_name}@${g.step}`));
      }
      assert.ok(Object.keys(run.scalars).some((tag) => tag.endsWith("/shape/dip")), "shape statistics exported");
      assert.ok(Object.keys(run.scalars).some((tag) => tag.endsWith("/spectral/alpha")), "spectral alpha exported");
      const events = await store.events({ run: "run" });
      assert.ok(events.length > 0, "the synthetic fork run has events");
      for (const e of events) {
        const text = valueAt(run.texts[TAGS.events(e.kind)], eventStep(e)!);
        assert.ok(text?.includes(`**${e.kind}**`) && text.includes(String(e.tensor)), `${e.kind} on ${e.tensor} at step ${eventStep(e)}`);
      }
      for (const [tag, meta] of Object.entries(run.metadata)) {
        assert.equal(meta.data_class, "DATA_CLASS_TENSOR", tag);
        assert.equal(meta.content_version, 0, tag);
        assert.equal(meta.plugin_name, tag.startsWith("events/") ? "text" : "histograms", tag);
      }
      assert.equal(written!.histograms, Object.values(run.histograms).reduce((n, s) => n + s.length, 0));
      assert.equal(written!.scalars, Object.values(run.scalars).reduce((n, s) => n + s.length, 0));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("export: run folders, --run selection, re-export replaces the file, unknown runs refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-tb-runs-"));
  const store = await Store.openDir(join(dir, "out"));
  try {
    await writeFixtureStore(store);
    const to = join(dir, "tb");
    const first = await exportTensorBoard(store, { to, runs: ["hub/org-model"], wallTime: 1000 });
    assert.deepEqual(readdirSync(to), ["hub_org-model"], "only the selected run; '/' made safe");
    assert.equal(first[0]!.unplaced_events, 0);
    const all = await exportTensorBoard(store, { to });
    assert.deepEqual(all.map((r) => r.run_id), [...FIXTURE_RUNS].sort());
    assert.equal(all.find((r) => r.run_id === "tiny")!.unplaced_events, 1, "the event without any step is counted, not placed");
    for (const folder of ["tiny", "hub_org-model"]) {
      assert.deepEqual(readdirSync(join(to, folder)).length, 1, `${folder}: the new file replaced the old one`);
    }
    assert.ok(!existsSync(join(to, "hub_org-model", first[0]!.file.split("/").pop()!)), "old file removed");
    await assert.rejects(exportTensorBoard(store, { to, runs: ["nope"] }), (e: unknown) => e instanceof UsageError && /no run "nope"; stored runs: .*tiny/.test(e.message));
    await store.putRun({ run_id: "hub:org-model", source: "x" });
    await assert.rejects(exportTensorBoard(store, { to }), (e: unknown) => e instanceof UsageError && /would share the folder "hub_org-model"/.test(e.message));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
