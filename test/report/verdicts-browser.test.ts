// The "Study verdicts" section and the store's pruning curves in headless Chromium: the verdict
// table (claim, measure, ours [CI], baseline [CI], coloured badge, reason), the runs table, the
// wall times, the before / after fork tolerance chart and the pruning chart (magnitude solid,
// random dashed, near-zero mass in the legend); no request leaves the page; screenshots.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { renderReport } from "../../src/report/render.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { syntheticReportData } from "../../src/report/synthetic.js";
import { openReportPage, type ReportPage } from "../helpers/report-page.js";
import { storeWithPruning } from "./helpers/pruning-fixture.js";
import { fixtureVerdicts } from "./helpers/verdicts-fixture.js";

const SHOTS = fileURLToPath(new URL("../../test-output/report/", import.meta.url));
let opened: ReportPage;
let dir: string;
let page: Page;
let rec: { urls: string[]; errors: string[] };

type SeriesOption = { name: string; lineStyle: { type: string }; data: unknown[] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-verdicts-browser-"));
  await mkdir(SHOTS, { recursive: true });
  const store = await storeWithPruning(join(dir, "out"));
  const data = syntheticReportData({ checkpoints: 8, layers: 1, bins: 64 });
  try {
    data.runs[0]!.pruning = (await reportDataFromStore(store)).runs[0]!.pruning;
  } finally {
    await store.close();
  }
  data.verdicts = fixtureVerdicts();
  opened = await openReportPage(renderReport(data), { viewport: { width: 1280, height: 1100 } });
  ({ page, rec } = opened);
});
after(async () => {
  await opened?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function rows(selector: string): Promise<string[][]> {
  return page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => (td as HTMLElement).innerText.trim())));
}

async function chartSeries(key: string): Promise<SeriesOption[]> {
  await page.waitForFunction((k) => { const e = (window as any).__fp.registry[k]; return e && e.chart; }, key, { timeout: 10_000 });
  return page.evaluate((k) => (window as any).__fp.registry[k].chart.getOption().series, key);
}

test("the verdict table lists each claim with measure, estimates with intervals, a coloured badge and the reason", async () => {
  const section = page.locator("#fp-verdicts");
  await section.scrollIntoViewIfNeeded();
  const table = await rows("#fp-verdict-table");
  const v = fixtureVerdicts().verdicts;
  assert.equal(table.length, v.length);
  assert.deepEqual(table[0], [
    "events precede quality changes\nDo distribution events come before changes in held-out loss?",
    v[0]!.measure, "2.5 [1, 4]", "shuffled event times\n0.2 [-0.5, 1.1]", "supported", v[0]!.reason,
  ]);
  assert.deepEqual(table[1]!.slice(2), ["0.31 [0.12, 0.55]", "patience-5 early stopping\n0.04 [0.01, 0.08]", "not supported", v[1]!.reason]);
  assert.deepEqual(table[2]!.slice(2, 5), ["-0.02 [no CI]", "none", "inconclusive"]);
  const badges = await page.locator("#fp-verdict-table .fp-badge").evaluateAll((els) => els.map((e) => [e.getAttribute("data-verdict"), getComputedStyle(e).backgroundColor]));
  assert.deepEqual(badges, [["supported", "rgb(43, 138, 62)"], ["not supported", "rgb(201, 42, 42)"], ["inconclusive", "rgb(230, 119, 0)"]]);
  assert.equal(await page.locator('#fp-verdict-table tr[data-claim="early_stopping"] .fp-est').first().getAttribute("title"), "95% percentile bootstrap over runs, 1000 resamples, seed 7; n = 8");
  await page.mouse.move(0, 0);
  await section.screenshot({ path: join(SHOTS, "verdicts.png") });
});

test("the runs table and the wall times", async () => {
  assert.deepEqual(await rows("#fp-study-runs"), [
    ["lr3e-3-w64-s1", "0.003", "64", "0.1", "1", "3.412", "mode split 2, population fork 1"],
    ["lr1e-3-w32-s2", "0.001", "32", "0", "2", "n/a", "none"],
  ]);
  const cards = await page.locator("#fp-verdicts .fp-stat").evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.replace(/\n/g, " ")));
  assert.match(await page.locator("#fp-verdicts .fp-body .fp-sub").first().innerText(), /plan fixed before the data, sha256 3f5a0c9e1b2d, verdicts from the held-out seeds/);
  assert.deepEqual(cards, ["13 min 32 s train (wall time)", "1 min 35 s analyze (wall time)", "41.7 s pruning (wall time)", "12.9 s experiments (wall time)", "16 min 2 s total (wall time)"]);
});

test("the tolerance chart draws the before / after fork curves, random dashed", async () => {
  await page.locator('#fp-verdicts figure[data-chart="tolerance"]').scrollIntoViewIfNeeded();
  const series = await chartSeries("tolerance");
  assert.deepEqual(series.map((s) => [s.name, s.lineStyle.type, s.data.length]), [
    ["lr3e-3-w64-s1 · step 256 (before fork) · magnitude", "solid", 5],
    ["lr3e-3-w64-s1 · step 256 (before fork) · random", "dashed", 5],
    ["lr3e-3-w64-s1 · step 2k (after fork) · magnitude", "solid", 5],
    ["lr3e-3-w64-s1 · step 2k (after fork) · random", "dashed", 5],
  ]);
  await page.mouse.move(0, 0);
  await page.locator('#fp-verdicts figure[data-chart="tolerance"]').screenshot({ path: join(SHOTS, "verdicts-tolerance.png") });
});

test("the pruning chart from the store: one line per step and method, random dashed, near-zero mass in the legend", async () => {
  await page.locator("#fp-pruning").scrollIntoViewIfNeeded();
  const series = await chartSeries("pruning");
  assert.deepEqual(series.map((s) => [s.name, s.lineStyle.type, s.data.length]), [
    ["step 100 · magnitude · near-zero 5%", "solid", 4],
    ["step 100 · random · near-zero 5%", "dashed", 4],
    ["step 2k · magnitude · near-zero 18%", "solid", 4],
    ["step 2k · random · near-zero 18%", "dashed", 4],
  ]);
  await page.mouse.move(0, 0);
  await page.locator("#fp-pruning").screenshot({ path: join(SHOTS, "pruning-store.png") });
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(rec.urls.filter((u) => !u.startsWith("file://")), [], "no request leaves the page");
});
