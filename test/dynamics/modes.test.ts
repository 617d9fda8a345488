// Mode tracking and mode split / merge events: the exact gated assignment against exhaustive
// search, hand-made mode sequences with known answers (splits, merges, one-checkpoint blips,
// refused confirmation), and a Gaussian mixture whose means separate at a known checkpoint
// (modes from stats/shape's KDE, bimodality confirmed by its dip test).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assignmentCost,
  detectModeEvents,
  gatedAssignment,
  gatedAssignmentBruteForce,
  trackModes,
  type ConfirmBimodality,
  type ModeObservation,
  type ModeSnapshot,
} from "../../src/dynamics/modes/index.js";
import { dipTest, gaussianKde, kdeModes } from "../../src/stats/shape/index.js";
import { UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

test("gatedAssignment equals exhaustive search on 300 random cost matrices up to 6 x 6", () => {
  const rng = new Rng(2);
  for (let trial = 0; trial < 300; trial++) {
    const rows = rng.int(7), cols = rng.int(7), gate = 0.5 + rng.uniform();
    const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => 2 * rng.uniform()));
    const match = gatedAssignment(cost, cols, gate);
    const oracle = gatedAssignmentBruteForce(cost, cols, gate);
    assert.ok(Math.abs(assignmentCost(cost, cols, gate, match) - oracle.total) < 1e-12, `trial ${trial}`);
    const used = match.filter((j) => j >= 0);
    assert.equal(new Set(used).size, used.length);
    match.forEach((j, i) => assert.ok(j < 0 || cost[i]![j]! <= gate));
  }
  assert.throws(() => gatedAssignment(Array.from({ length: 9 }, () => [0]), 1, 1), UsageError);
});

// Hand-made modes: Gaussian-shaped bumps of width 0.3, fully prominent.
const WIDTH = 0.3;
function mode(location: number, mass = 0.5): ModeObservation {
  const height = mass / (WIDTH * Math.sqrt(2 * Math.PI));
  return { location, height, mass, prominence: 0.9 * height };
}
function snapshots(locations: number[][], masses?: number[][]): ModeSnapshot[] {
  return locations.map((locs, t) => ({ modes: locs.map((l, i) => mode(l, masses?.[t]?.[i] ?? (locs.length === 1 ? 1 : 0.5))), scale: 1 }));
}
const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];
const ALWAYS: ConfirmBimodality = () => ({ confirmed: true, method: "test double: always bimodal", statistic: null });
const ONE = [0], TWO = [-0.8, 0.8];

test("trackModes links by proximity; a new mode starts a track", () => {
  const tr = trackModes(snapshots([[0], [0.1], [-0.5, 0.6], [-0.7, 0.9]]));
  assert.equal(tr.tracks.length, 2);
  assert.deepEqual(tr.trackOf, [[0], [0], [1, 0], [1, 0]]);
  assert.deepEqual([tr.tracks[1]!.start, tr.tracks[1]!.end], [2, 3]);
});

test("split: one mode becomes two that persist -> one mode_split at the first two-mode checkpoint", () => {
  const seq = [ONE, ONE, ONE, ONE, TWO, TWO, TWO, TWO, TWO, TWO];
  const { events } = detectModeEvents("w", STEPS, snapshots(seq), { confirm: ALWAYS });
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.deepEqual([e.kind, e.step, e.step_low, e.step_high], ["mode_split", 8, 4, 8]);
  // separation 1.6 / pooled width 0.3
  assert.ok(Math.abs(e.strength - 1.6 / WIDTH) < 1e-9);
  const tracks = e.evidence.tracks as { steps: number[]; locations: number[] }[];
  assert.equal(tracks.length, 2);
  assert.deepEqual(tracks.map((t) => t.locations[t.steps.indexOf(8)]).sort(), [-0.8, 0.8]);
  assert.deepEqual(e.evidence.confirming_steps, [8, 16, 32]);
  assert.deepEqual(JSON.parse(JSON.stringify(e)), e, "the event survives JSON storage unchanged");
});

test("merge: two modes become one -> one mode_merge at the first one-mode checkpoint", () => {
  const seq = [TWO, TWO, TWO, TWO, TWO, ONE, ONE, ONE, ONE, ONE];
  const seen: number[] = [];
  const { events } = detectModeEvents("w", STEPS, snapshots(seq), { confirm: (t) => (seen.push(t), ALWAYS(t, [mode(0), mode(0)])) });
  assert.equal(events.length, 1);
  assert.deepEqual([events[0]!.kind, events[0]!.step, events[0]!.step_low], ["mode_merge", 16, 8]);
  // confirmation is asked on the two-mode checkpoints before the merge, in original indices
  assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), [2, 3, 4]);
});

test("one-checkpoint blips give no events: an extra mode for one checkpoint, a missing mode for one checkpoint", () => {
  const extra = [ONE, ONE, ONE, ONE, TWO, ONE, ONE, ONE, ONE, ONE];
  assert.deepEqual(detectModeEvents("w", STEPS, snapshots(extra), { confirm: ALWAYS }).events, []);
  const missing = [TWO, TWO, TWO, TWO, ONE, TWO, TWO, TWO, TWO, TWO];
  assert.deepEqual(detectModeEvents("w", STEPS, snapshots(missing), { confirm: ALWAYS }).events, []);
  const twoCheckpoints = [ONE, ONE, ONE, ONE, TWO, TWO, ONE, ONE, ONE, ONE];
  assert.deepEqual(detectModeEvents("w", STEPS, snapshots(twoCheckpoints), { confirm: ALWAYS }).events, []);
});

test("no event when bimodality is refused, or a branch is too light", () => {
  const seq = [ONE, ONE, ONE, ONE, TWO, TWO, TWO, TWO, TWO, TWO];
  const refuse: ConfirmBimodality = () => ({ confirmed: false, method: "test double: never", statistic: 0.01, pValue: 0.9 });
  assert.deepEqual(detectModeEvents("w", STEPS, snapshots(seq), { confirm: refuse }).events, []);
  const light = seq.map((l) => (l.length === 2 ? [0.97, 0.03] : [1]));
  assert.deepEqual(detectModeEvents("w", STEPS, snapshots(seq, light), { confirm: ALWAYS }).events, []);
  // late confirmation (from the 3rd two-mode checkpoint) is allowed up to maxConfirmationDelay = 2
  const late: ConfirmBimodality = (t) => ({ confirmed: t >= 6, method: "test double: from index 6", statistic: null });
  const { events } = detectModeEvents("w", STEPS, snapshots(seq), { confirm: late });
  assert.equal(events.length, 1);
  assert.equal(events[0]!.step, 8);
  assert.deepEqual(events[0]!.evidence.confirming_steps, [32, 64, 128]);
  assert.deepEqual(detectModeEvents("w", STEPS, snapshots(seq), { confirm: late, maxConfirmationDelay: 1 }).events, []);
});

// Mixture 0.5 N(-d, 1) + 0.5 N(d, 1): bimodal iff d > 1. d = 0 up to index 7, then 0.5, 1, 1.5, ... (cap 3).
const MIX_STEPS = Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : 2 ** i));
const halfGap = (i: number) => (i < 8 ? 0 : Math.min(3, 0.5 * (i - 7)));

function mixtureModes(seed: number, separate: boolean) {
  const rng = new Rng(seed);
  const data = MIX_STEPS.map((_, i) => Float64Array.from({ length: 500 }, () => (separate ? (rng.uniform() < 0.5 ? -1 : 1) * halfGap(i) : 0) + rng.normal()));
  const snaps = data.map((x) => {
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    return { modes: kdeModes(gaussianKde(x), { binned: true, gridSize: 512 }), scale: std };
  });
  const confirm: ConfirmBimodality = (t) => {
    const d = dipTest(data[t]!);
    return { confirmed: d.pValue < 0.05, method: "dip test p < 0.05", statistic: d.dip, pValue: d.pValue };
  };
  return { snaps, confirm };
}

test("mixture separating at a known checkpoint: one split at index 9 (d = 1, the bimodality threshold) or 10 on 8/8 seeds; reversed: one merge; null: none", () => {
  for (let seed = 1; seed <= 8; seed++) {
    const { snaps, confirm } = mixtureModes(seed, true);
    const { events } = detectModeEvents("w", MIX_STEPS, snaps, { confirm });
    assert.equal(events.length, 1, `seed ${seed}: ${events.map((e) => `${e.kind}@${e.step}`).join(", ")}`);
    const index = MIX_STEPS.indexOf(events[0]!.step);
    assert.ok(events[0]!.kind === "mode_split" && (index === 9 || index === 10), `seed ${seed}: split at index ${index}`);
    const confirmations = events[0]!.evidence.confirmations as { p_value: number }[];
    assert.ok(confirmations.every((c) => c.p_value < 0.05));
    const reversed = detectModeEvents("w", MIX_STEPS, [...snaps].reverse(), { confirm: (t, pair) => confirm(MIX_STEPS.length - 1 - t, pair) });
    assert.deepEqual(reversed.events.map((e) => e.kind), ["mode_merge"]);
    const nul = mixtureModes(seed + 100, false);
    assert.deepEqual(detectModeEvents("w", MIX_STEPS, nul.snaps, { confirm: nul.confirm }).events, []);
  }
});

test("bad input: step/snapshot mismatch, non-positive scale, non-finite mode", () => {
  assert.throws(() => detectModeEvents("w", [0, 1], snapshots([ONE]), { confirm: ALWAYS }), UsageError);
  assert.throws(() => trackModes([{ modes: [mode(0)], scale: 0 }]), /positive finite spread/);
  assert.throws(() => trackModes([{ modes: [{ ...mode(0), mass: Number.NaN }], scale: 1 }]), /non-finite/);
});
