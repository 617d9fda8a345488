// The "Phase transition" view and the artefact marking in headless Chromium, from a store: three
// panels on one linear step axis (metric, weight norms, events per checkpoint), the transition
// interval shaded in each and its step a dashed line at the stored value; the overview counts the
// optimizer artefacts apart and leads with the events that matter; no request leaves the page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { renderReport } from "../../src/report/render.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import type { ReportData } from "../../src/report/data.js";
import { openReportPage, type ReportPage } from "../helpers/report-page.js";
import { fmtInt, fmtStep } from "../../src/report/browser/core.js";
import { PHASE_INTERVAL, PHASE_METRIC, phaseFixtureStore } from "./helpers/phase-fixture.js";

const SHOTS = fileURLToPath(new URL("../../test-output/report/", import.meta.url));
let opened: ReportPage;
let dir: string;
let page: Page;
let rec: { urls: string[]; errors: string[] };
let data: ReportData;

type MarkArea = { data: Array<[{ xAxis: number }, { xAxis: number }]> };
type Series = { id: string; type: string; name: string; xAxisIndex: number; markArea?: MarkArea; markLine?: { data: Array<{ xAxis?: number; yAxis?: number }> }; data: unknown[] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-phase-browser-"));
  await mkdir(SHOTS, { recursive: true });
  const store = await phaseFixtureStore(dir);
  try {
    data = await reportDataFromStore(store, { bins: 64 });
  } finally {
    await store.close();
  }
  // one optimizer artefact, strongest of all: the overview must still lead with the others
  data.runs[0]!.events.push({ kind: "population_fork", tensor: "gpt_neox.layers.0.attention.dense.bias", step: 1, step_low: 0, step_high: 1, strength: 1e6, evidence: {}, artefact: "first_update_sign_split" });
  // online events as `events --online` stores them: the strongest real event known 2 checkpoints later, one online-only layer fork, one artefact
  const strongest = data.runs[0]!.events.filter((e) => e.artefact === undefined).sort((a, b) => b.strength - a.strength || a.step - b.step)[0]!;
  data.runs[0]!.onlineEvents = [
    { kind: "layer_fork", tensor: "mlp.in.weight", step: 2, step_low: 1, knownAt: 8, strength: 5 },
    { kind: strongest.kind, tensor: strongest.tensor, step: strongest.step, step_low: strongest.step_low, knownAt: strongest.step + 500, strength: strongest.strength },
    { kind: "population_fork", tensor: "gpt_neox.layers.0.attention.dense.bias", step: 1, step_low: 0, knownAt: 4, strength: 1e6, artefact: "first_update_sign_split" },
  ];
  opened = await openReportPage(renderReport(data), { viewport: { width: 1280, height: 1000 } });
  ({ page, rec } = opened);
});
after(async () => {
  await opened?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the phase view draws metric, weight norms and events on one step axis with the transition interval shaded", async () => {
  const section = page.locator("#fp-phase");
  await section.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => { const e = (window as any).__fp.registry.phase; return e && e.chart; }, null, { timeout: 10_000 });
  const option = await page.evaluate(() => {
    const o = (window as any).__fp.registry.phase.chart.getOption();
    return { series: o.series, grids: o.grid.length, xAxes: o.xAxis.map((x: { type: string; min: number; max: number }) => [x.type, x.min, x.max]) };
  }) as { series: Series[]; grids: number; xAxes: Array<[string, number, number]> };
  const tr = data.runs[0]!.phase!.transition;
  assert.equal(option.grids, 3);
  assert.deepEqual(option.xAxes, [["value", 0, 4000], ["value", 0, 4000], ["value", 0, 4000]], "one linear step axis for the three panels");
  const metric = option.series.find((s) => s.id === "phase:metric")!;
  assert.equal(metric.name, PHASE_METRIC);
  assert.equal(metric.data.length, data.runs[0]!.phase!.metric.steps.length);
  assert.deepEqual(metric.markArea!.data.map((d) => [d[0].xAxis, d[1].xAxis]), [PHASE_INTERVAL]);
  assert.deepEqual(metric.markLine!.data.map((d) => d.xAxis ?? d.yAxis), [tr.step, tr.halfway]);
  const norms = option.series.filter((s) => s.xAxisIndex === 1);
  assert.deepEqual(norms.map((s) => s.name), ["total weight norm (L2, all parameters)", "weight norm, layer.0", "weight norm, layer.1"]);
  assert.deepEqual(norms[0]!.markArea!.data.map((d) => [d[0].xAxis, d[1].xAxis]), [PHASE_INTERVAL]);
  const events = option.series.filter((s) => s.xAxisIndex === 2);
  assert.deepEqual(events.map((s) => [s.type, s.markArea!.data.length]), [["bar", 1]]);
  // the shaded band is inside the plot, between the pixels of the interval's steps
  const px = await page.evaluate(([lo, hi]) => {
    const c = (window as any).__fp.registry.phase.chart;
    return [c.convertToPixel({ xAxisIndex: 0 }, lo), c.convertToPixel({ xAxisIndex: 0 }, hi), c.getWidth()];
  }, PHASE_INTERVAL) as [number, number, number];
  assert.ok(px[0] > 0 && px[0] < px[1] && px[1] < px[2], `interval pixels ${px.join(", ")}`);
  assert.match(await page.locator("#fp-phase-summary").innerText(), /crosses halfway .* at step 1,?5\d\d, between the checkpoints at steps 1,?000 and 2,?000/);
  await page.mouse.move(0, 0);
  await section.screenshot({ path: join(SHOTS, "phase.png") });
});

test("the overview counts optimizer artefacts apart and leads with the events that matter", async () => {
  await page.locator("#fp-overview").scrollIntoViewIfNeeded();
  const run = data.runs[0]!;
  const real = run.events.filter((e) => e.artefact === undefined);
  const cards = await page.locator("#fp-overview .fp-stat").evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.replace(/\n/g, " ")));
  assert.ok(cards.includes(`${real.length} events`), cards.join(" | "));
  assert.ok(cards.includes("1 optimizer artefacts"), cards.join(" | "));
  assert.match(await page.locator("#fp-artefact-note").innerText(), /1 optimizer-artefact event \(splits of constant-initialised tensors/);
  const leading = await page.locator("#fp-leading tbody tr td:nth-child(3)").allInnerTexts();
  assert.ok(leading.length >= 1 && !leading.includes("gpt_neox.layers.0.attention.dense.bias"), "the artefact is not among the leading events");
  // hindsight and online side by side: the strongest event's known-at step; events never known online say so
  const strongest = run.onlineEvents![1]!;
  const rows = await page.locator("#fp-leading tbody tr").evaluateAll((trs) => trs.map((r) => Array.from(r.querySelectorAll("td")).map((td) => (td as HTMLElement).innerText)));
  const twin = (r: string[]): boolean => r[0]!.startsWith(strongest.kind.replace(/_/g, " ")) && r[1] === fmtStep(strongest.step) && r[2] === strongest.tensor;
  assert.ok(twin(rows[0]!), `the strongest event leads: ${JSON.stringify(rows[0])}`);
  for (const r of rows) assert.equal(r[4], twin(r) ? fmtStep(strongest.knownAt) : "not known online", JSON.stringify(r));
  const online = await page.locator("#fp-online tbody tr").evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll("td")).map((td) => (td as HTMLElement).innerText)));
  assert.deepEqual(online.map((r) => [r[2], r[3], r[4]]), [["mlp.in.weight", "8", "6"], [strongest.tensor, fmtStep(strongest.knownAt), fmtInt(strongest.knownAt - strongest.step)]], "sorted by known-at step, the artefact left out");
  assert.match(await page.locator("#fp-online-note").innerText(), /Known online: 2 events/);
  await page.waitForFunction(() => { const e = (window as any).__fp.registry.timeline; return e && e.chart; }, null, { timeout: 10_000 });
  const hollow = await page.evaluate(() => (window as any).__fp.registry.timeline.chart.getOption().series[0].data
    .filter((d: { ev: { artefact?: string } }) => d.ev.artefact).map((d: { itemStyle: { color: string } }) => d.itemStyle.color));
  assert.deepEqual(hollow, ["rgba(255,255,255,0)"]);
  await page.mouse.move(0, 0);
  await page.locator("#fp-overview").screenshot({ path: join(SHOTS, "overview-artefacts.png") });
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(rec.urls.filter((u) => !u.startsWith("file://")), [], "no request leaves the page");
});
