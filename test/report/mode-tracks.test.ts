// Mode tracks over the heatmaps: modeTracks reads the tracks and split points from mode events'
// evidence; a synthetic run with a designed fork, analyzed for real, gives the fork tensor (and
// its role group) mode tracks that end at the two branches' own centres (computed here from the
// stored element values and the run's ground truth), and the page draws them (screenshot).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSyntheticRun, type SyntheticRunInfo } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { modeTracks } from "../../src/report/mode-tracks.js";
import { renderReport } from "../../src/report/render.js";
import type { ReportData, ReportEvent } from "../../src/report/data.js";
import { openReportPage } from "../helpers/report-page.js";

const SHOTS = fileURLToPath(new URL("../../test-output/report/", import.meta.url));
let dir: string;
let info: SyntheticRunInfo;
let data: ReportData;
let finalValues: Float32Array;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-mode-tracks-"));
  info = await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 2 });
  await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, include: ["*layernorm*"], shape: false });
  const store = await Store.openDir(join(dir, "out"), { readOnly: true });
  try {
    data = await reportDataFromStore(store);
    const last = info.steps[info.steps.length - 1]!;
    finalValues = (await store.trajectories({ run: data.runs[0]!.id })).find((r) => r.tensor === info.forkTensors[0] && r.step === last)!.values;
  } finally {
    await store.close();
  }
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("modeTracks: one line per track id (longest history), split and merge marks, malformed evidence skipped", () => {
  const track = (id: number, steps: number[], base: number) => ({ id, steps, locations: steps.map((s) => base + s / 100), masses: steps.map(() => 0.5) });
  const ev = (kind: string, step: number, tracks: unknown[], extra: Record<string, unknown> = {}): ReportEvent =>
    ({ kind, tensor: "w", step, step_low: step - 1, step_high: step, strength: 3, evidence: { target: "tensor", tracks, ...extra } });
  const events = [
    ev("mode_split", 2, [track(0, [0, 1, 2], 0), track(1, [2], 1)], { single_mode: { step: 1, location: 0.01, track: 0 }, two_modes_at: { step: 2, locations: [0.02, 1.02] } }),
    ev("mode_merge", 4, [track(1, [2, 3], 1), { id: 5, steps: [1, 2], locations: [1] }], { single_mode: { step: 4, location: 0.5, track: 0 }, two_modes_at: { step: 3, locations: [0.03, 1.03] } }),
    ev("mode_split", 9, [track(7, [9], 3)], { target: "group" }),
    { ...ev("population_fork", 2, [track(9, [1], 0)]) },
  ];
  const { tracks, marks } = modeTracks("w", events);
  assert.deepEqual(tracks.map((t) => [t.id, t.kind, t.points.map((p) => p.step)]), [["mode-0", "mode", [0, 1, 2]], ["mode-1", "mode", [2, 3]]]);
  assert.deepEqual(tracks[1]!.points.map((p) => p.value), [1.02, 1.03]);
  assert.deepEqual(marks, [
    { kind: "split", step: 2, strength: 3, single: { step: 1, value: 0.01 }, pair: { step: 2, values: [0.02, 1.02] } },
    { kind: "merge", step: 4, strength: 3, single: { step: 4, value: 0.5 }, pair: { step: 3, values: [0.03, 1.03] } },
  ]);
  assert.deepEqual(modeTracks("w", events, "group").tracks.map((t) => t.id), ["mode-7"]);
  assert.deepEqual(modeTracks("other", events), { tracks: [], marks: [] });
});

test("a designed fork gives mode tracks ending at the two branches' centres, and a split mark at the event", () => {
  const run = data.runs[0]!;
  const name = info.forkTensors[0]!;
  const t = run.tensors.find((x) => x.name === name)!;
  const split = run.events.find((e) => e.kind === "mode_split" && e.tensor === name);
  assert.ok(split, "the detector found the split");
  const tracks = (t.modes ?? []).filter((m) => m.kind === "mode");
  assert.ok(tracks.length >= 2, `${tracks.length} mode tracks`);
  assert.deepEqual(t.modeMarks!.map((m) => [m.kind, m.step]), [["split", split!.step]]);
  // independent centres: mean of each ground-truth branch's stored values at the last step
  const last = info.steps[info.steps.length - 1]!;
  const centre = (b: number): number => {
    const v = info.branchOf[name]!.flatMap((br, i) => (br === b ? [finalValues[i]!] : []));
    return v.reduce((a, x) => a + x, 0) / v.length;
  };
  const ends = tracks.filter((m) => m.points[m.points.length - 1]!.step === last).map((m) => m.points[m.points.length - 1]!.value).sort((a, b) => a - b);
  assert.equal(ends.length, 2, "two tracks alive at the last checkpoint");
  const [lower, upper] = [centre(0), centre(1)];
  assert.ok(upper - lower > 0.2, `designed branches apart: ${lower}, ${upper}`);
  assert.ok(Math.abs(ends[0]! - lower) < 0.05 * (upper - lower) + 0.01, `lower track ends at ${ends[0]}, branch centre ${lower}`);
  assert.ok(Math.abs(ends[1]! - upper) < 0.05 * (upper - lower) + 0.01, `upper track ends at ${ends[1]}, branch centre ${upper}`);
  // before the split the tracked mode sits near the unforked gain (1)
  const early = tracks.flatMap((m) => m.points).filter((p) => p.step < split!.step_low);
  assert.ok(early.length > 0 && early.every((p) => Math.abs(p.value - 1) < 0.05), "one mode near 1 before the split");
  // the role group of the gains gets its own tracks from its own (group) events
  const groupEvent = run.events.find((e) => e.kind === "mode_split" && (e.evidence as { target?: string }).target === "group");
  if (groupEvent) assert.ok(run.tensors.some((x) => x.kind === "group" && x.name.endsWith(":" + groupEvent.tensor) && (x.modes ?? []).some((m) => m.kind === "mode")));
});

test("the page draws the mode tracks and the split mark over the fork tensor's heatmap (screenshot)", async () => {
  await mkdir(SHOTS, { recursive: true });
  const opened = await openReportPage(renderReport(data));
  try {
    const { page, rec } = opened;
    const name = info.forkTensors[0]!;
    await page.evaluate((t) => (window as any).__fp.setFilter("=" + t), name);
    const card = page.locator(`#fp-heatmaps figure[data-tensor="${name}"]`);
    await card.scrollIntoViewIfNeeded();
    await page.waitForFunction((t) => (window as any).__fp.heatmaps().some((h: { tensor: string }) => h.tensor === t), name, { timeout: 10_000 });
    const heat = (await page.evaluate(() => (window as any).__fp.heatmaps()) as Array<{ tensor: string; modeTracks: { name: string; points: number }[]; branchTracks: number; modeMarks: number }>)
      .find((h) => h.tensor === name)!;
    const expected = data.runs[0]!.tensors.find((x) => x.name === name)!;
    assert.deepEqual(heat.modeTracks, expected.modes!.filter((m) => m.kind === "mode").map((m) => ({ name: m.label, points: m.points.length })));
    assert.equal(heat.branchTracks, 2, "population-fork branches still drawn");
    assert.equal(heat.modeMarks, expected.modeMarks!.length);
    await page.mouse.move(0, 0);
    await card.screenshot({ path: join(SHOTS, "mode-tracks.png") });
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(rec.urls.filter((u) => !u.startsWith("file://")), []);
  } finally {
    await opened.close();
  }
});
