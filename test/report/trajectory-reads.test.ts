// Issue 11 (154 checkpoints): the report draws at most maxTrajectoryElements elements of each kept
// tensor per checkpoint, and reads the stored values streamed, one trajectory at a time: no read
// hands out the run's trajectories at once (they grow with checkpoints x kept elements; at 154
// Pythia-70m checkpoints, 144 MB of RSS). Counted at the store: trajectory bytes handed out per
// read, and the drawn values checked against the stored ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { decodeArrayBytes } from "../../src/report/density.js";
import { fakeCheckpoint } from "../store/fake-results.js";

const ELEMENTS = 1000, DRAWN = 50;

async function trajectoryReads(checkpoints: number): Promise<{ largestRead: number; streamedRecords: number }> {
  const dir = mkdtempSync(join(tmpdir(), "fp-trajectory-reads-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    for (let i = 0; i < checkpoints; i++) await store.writeCheckpoint("r", fakeCheckpoint(10 * i, 1, { tensors: 2, histogramKeys: 8, trajectoryLength: ELEMENTS }));
    const stored = await store.trajectories({ run: "r" });
    let largestRead = 0, streamedRecords = 0;
    const all = store.trajectories.bind(store), forEach = store.forEachTrajectory.bind(store);
    store.trajectories = async (f) => {
      const records = await all(f);
      largestRead = Math.max(largestRead, records.reduce((bytes, r) => bytes + r.values.byteLength, 0));
      return records;
    };
    store.forEachTrajectory = async (f, onRecord) => forEach(f, (r) => {
      streamedRecords++;
      largestRead = Math.max(largestRead, r.bytes.byteLength);
      onRecord(r);
    });
    const run = (await reportDataFromStore(store, { bins: 20, maxTrajectoryElements: DRAWN })).runs[0]!;
    const [drawn] = run.trajectories;
    assert.equal(run.trajectories.length, 1);
    assert.equal(drawn!.elements.length, DRAWN);
    const bytes = decodeArrayBytes(drawn!.values).slice(), values = new Float32Array(bytes.buffer, 0, drawn!.values.length);
    for (const r of stored) {
      const s = run.steps.indexOf(r.step);
      drawn!.elements.forEach((e, j) => assert.equal(values[s * DRAWN + j], r.values[e], `step ${r.step} element ${e}`));
    }
    return { largestRead, streamedRecords };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("report: the trajectory values one read hands out do not grow with the number of checkpoints", async () => {
  const few = await trajectoryReads(4), many = await trajectoryReads(16);
  assert.equal(few.streamedRecords, 4);
  assert.equal(many.streamedRecords, 16);
  assert.equal(few.largestRead, ELEMENTS * 4, "one trajectory at a time");
  assert.equal(many.largestRead, few.largestRead);
});
