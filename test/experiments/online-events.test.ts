// The study's online events from stored ones (defect 7 of issue 17: events must not use the
// future). Checked against an independent path: the mode detector itself run on every prefix of
// the checkpoints. A merge is known only once a later checkpoint tells it from a mode that
// vanishes for one checkpoint and comes back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectModeEvents, type ModeSnapshot } from "../../src/dynamics/modes/index.js";
import { onlineEvents } from "../../src/dynamics/online.js";
import { mergeConfirmedAt, onlineFromStored } from "../../src/experiments/online-events.js";

const STEPS = Array.from({ length: 12 }, (_, i) => 10 * i);
const TWO: ModeSnapshot = { modes: [{ location: -1, height: 1, mass: 0.5, prominence: 0.5 }, { location: 1, height: 1, mass: 0.5, prominence: 0.5 }], scale: 1 };
const ONE: ModeSnapshot = { modes: [{ location: 0, height: 1, mass: 1, prominence: 1 }], scale: 1 };
const confirm = () => ({ confirmed: true, method: "always", statistic: null });
const detect = (snaps: readonly ModeSnapshot[], len = snaps.length) => detectModeEvents("t", STEPS.slice(0, len), snaps.slice(0, len), { confirm }).events;
const asStored = (snaps: readonly ModeSnapshot[]) => detect(snaps).map((e) => ({ kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low, strength: e.strength, evidence: e.evidence }));
const label = (es: readonly { kind: string; step: number }[]) => es.map((e) => `${e.kind}@${e.step}`);

test("defect 7: a mode merge is known at the checkpoint after it, where it first differs from a one-checkpoint dip", () => {
  const merge = STEPS.map((_, i) => (i < 6 ? TWO : ONE));
  const dip = STEPS.map((_, i) => (i === 6 ? ONE : TWO));
  assert.deepEqual(label(detect(merge)), ["mode_merge@60"]);
  assert.deepEqual(label(detect(dip)), [], "the whole-series detector rejects the dip with checkpoint 70");
  // up to checkpoint 60 the two series are the same: a prefix detector cannot tell them apart there
  assert.deepEqual(label(detect(merge, 7)), label(detect(dip, 7)));
  assert.deepEqual(label(detect(dip, 7)), ["mode_merge@60"], "on the prefix the dip looks like a merge");
  assert.deepEqual(label(detect(dip, 8)), []);
  const [online] = onlineFromStored(STEPS, asStored(merge), 3);
  assert.equal(online!.knownAt, 70);
  assert.equal(online!.step, 60);
  // a merge at the last checkpoint: the whole series has nothing after it either, known there
  assert.equal(mergeConfirmedAt(STEPS, 110), 110);
  assert.equal(mergeConfirmedAt(STEPS, 100), 110);
});

test("mode splits are known at their last confirming checkpoint, as the prefix detector first reports them", () => {
  const split = STEPS.map((_, i) => (i < 4 ? ONE : TWO));
  const stored = asStored(split);
  assert.deepEqual(label(stored), ["mode_split@40"]);
  const prefix = onlineEvents(STEPS, (len) => detect(split, len));
  const [online] = onlineFromStored(STEPS, stored, 3);
  assert.equal(online!.knownAt, prefix[0]!.evidence["known_at_step"]);
  assert.equal(online!.knownAt, 60, "split at index 4, 3 confirming checkpoints: known at index 6");
});
