// Issue 11 (154 checkpoints): event detection (beyond EVENT_HISTOGRAM_STREAM_MAX_BUCKETS, forced
// here) and the report read the stored histograms one checkpoint at a time, so what one read hands
// out does not grow with the number of checkpoints.
// Counted at the store, not by RSS: the most histogram records a single read produced. A read
// per tensor over the run (or per range of tensor names, or per group) hands out a multiple of
// the checkpoint count, and its native and JS memory grew with it (911 MB for `events`, 839 MB
// for `report` at 154 Pythia-70m checkpoints).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { DEFAULT_EVENT_READ_LIMITS, detectRunEvents } from "../../src/pipeline/events.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { fakeCheckpoint } from "../store/fake-results.js";

const TENSORS = 6;

/** Wraps the store's histogram reads to count the records each one hands out. */
function countHistogramReads(store: Store): { largest: () => number; total: () => number; reset: () => void } {
  let largest = 0, total = 0;
  const seen = (n: number) => {
    largest = Math.max(largest, n);
    total += n;
  };
  const forEach = store.forEachHistogram.bind(store), forEachGroup = store.forEachGroupHistogram.bind(store);
  const all = store.histograms.bind(store), allGroups = store.groupHistograms.bind(store);
  store.forEachHistogram = async (f, onRecord) => {
    let n = 0;
    await forEach(f, (r) => { n++; onRecord(r); });
    seen(n);
  };
  store.forEachGroupHistogram = async (f, onRecord) => {
    let n = 0;
    await forEachGroup(f, (r) => { n++; onRecord(r); });
    seen(n);
  };
  store.histograms = async (f) => {
    const records = await all(f);
    seen(records.length);
    return records;
  };
  store.groupHistograms = async (f) => {
    const records = await allGroups(f);
    seen(records.length);
    return records;
  };
  return { largest: () => largest, total: () => total, reset: () => { largest = 0; total = 0; } };
}

async function histogramReads(checkpoints: number): Promise<{ events: number; report: number; eventsTotal: number; densities: number }> {
  const dir = mkdtempSync(join(tmpdir(), "fp-histogram-reads-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    for (let i = 0; i < checkpoints; i++) await store.writeCheckpoint("r", fakeCheckpoint(10 * i, 1, { tensors: TENSORS, histogramKeys: 16, trajectoryLength: 8 }));
    const reads = countHistogramReads(store);
    // beyond EVENT_HISTOGRAM_STREAM_MAX_BUCKETS (here: any bucket) the masses are summed by DuckDB and buckets read step by step
    await detectRunEvents(store, "r", { kinds: ["mode_split", "mode_merge"] }, { ...DEFAULT_EVENT_READ_LIMITS, histogramBuckets: 0 });
    const events = reads.largest(), eventsTotal = reads.total();
    reads.reset();
    const run = (await reportDataFromStore(store, { bins: 40 })).runs[0]!;
    return { events, report: reads.largest(), eventsTotal, densities: run.tensors.filter((t) => t.density !== undefined).length };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("events and report: the histograms one store read hands out do not grow with the number of checkpoints", async () => {
  const few = await histogramReads(4), many = await histogramReads(16);
  // every tensor's and the role group's histograms were read, at every checkpoint
  assert.equal(few.eventsTotal, 4 * (TENSORS + 1));
  assert.equal(many.eventsTotal, 16 * (TENSORS + 1));
  assert.equal(many.densities, TENSORS + 1, "each tensor and the role group has a density grid");
  for (const r of [few, many]) {
    assert.ok(r.events <= TENSORS, `events: one read handed out ${r.events} histograms (one checkpoint holds ${TENSORS})`);
    assert.ok(r.report <= TENSORS, `report: one read handed out ${r.report} histograms (one checkpoint holds ${TENSORS})`);
  }
  assert.equal(many.events, few.events);
  assert.equal(many.report, few.report);
});

/** Extra of a histogram row whose shape analyze stored (what snapshotFromHistogramMasses reuses). */
function storedHistogramShape(step: number, i: number): Record<string, unknown> {
  return {
    shape_method: { method: "histogram" },
    shape: { dip: { pValue: 0.5 }, mixtures: { fits: [{ components: 1, bic: 1 }, { components: 2, bic: 2 }] }, kde: [{ rule: "silverman", modes: [{ location: 0.01 * (i + 1) + 1e-4 * step, height: 1, mass: 1, prominence: 1 }] }], weibull: { k: 1.2 } },
  };
}

async function bucketReads(checkpoints: number): Promise<{ tensorRecords: number; groupRecords: number; snapshots: number }> {
  const dir = mkdtempSync(join(tmpdir(), "fp-histogram-reads-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    for (let i = 0; i < checkpoints; i++) {
      const cp = fakeCheckpoint(10 * i, 1, { tensors: TENSORS, histogramKeys: 16, trajectoryLength: 8 });
      cp.tensors.forEach((t, j) => { t.extra = storedHistogramShape(10 * i, j); });
      await store.writeCheckpoint("r", cp);
    }
    let tensorRecords = 0, groupRecords = 0;
    const forEach = store.forEachHistogram.bind(store), forEachGroup = store.forEachGroupHistogram.bind(store);
    store.forEachHistogram = async (f, onRecord) => forEach(f, (r) => { tensorRecords++; onRecord(r); });
    store.forEachGroupHistogram = async (f, onRecord) => forEachGroup(f, (r) => { groupRecords++; onRecord(r); });
    const events = await detectRunEvents(store, "r", { kinds: ["mode_split", "mode_merge"], tensors: ["gpt_neox.*"] }, { ...DEFAULT_EVENT_READ_LIMITS, histogramBuckets: 0 });
    // what the snapshots were built from instead: one summed record per tensor and checkpoint
    let snapshots = 0;
    await store.forEachHistogramMasses({ run: "r", groups: false, maxFiniteKey: 0x7f7f }, () => { snapshots++; });
    assert.deepEqual(events, []);
    return { tensorRecords, groupRecords, snapshots };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("events: rows whose shape analyze stored hand no histogram bucket to JS, at 4 and 16 checkpoints alike", async () => {
  for (const checkpoints of [4, 16]) {
    const r = await bucketReads(checkpoints);
    assert.equal(r.snapshots, checkpoints * TENSORS);
    assert.equal(r.tensorRecords, 0, `${checkpoints} checkpoints: ${r.tensorRecords} tensor histograms read into JS`);
    assert.equal(r.groupRecords, 0, "the tensor globs select no group");
  }
});
