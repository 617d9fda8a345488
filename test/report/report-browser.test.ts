// The report page in headless Chromium (playwright-core; see helpers/find-browser.ts): every section draws
// from file://, the bifurcation heatmap shows the known fork, one density trace per tensor shown,
// hover read-outs, SVG export, no request leaves the page, screenshots under test-output/report/,
// and live updates from the dashboard server without a reload.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { renderReport } from "../../src/report/render.js";
import { startReportServer } from "../../src/report/server.js";
import { launchBrowser, type Browser } from "./helpers/browser.js";
import { openReportUrl, type ReportPage } from "../helpers/report-page.js";
import { fixtureReportData, FORK_OFFSET, FORK_STEP, FORK_TENSOR } from "./helpers/fixture.js";

const SHOTS = fileURLToPath(new URL("../../test-output/report/", import.meta.url));
const SECTIONS = ["overview", "bifurcation", "stats", "trajectories", "quality", "pruning"];
let browser: Browser;
let dir: string;
let fileUrl: string;

before(async () => {
  browser = await launchBrowser();
  dir = await mkdtemp(join(tmpdir(), "fp-report-test-"));
  await mkdir(SHOTS, { recursive: true });
  const file = join(dir, "report.html");
  await writeFile(file, renderReport(fixtureReportData()));
  fileUrl = pathToFileURL(file).href;
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type W = { __fp: any; __fpLive: { connected: boolean; updates: number } };

/** A tab of the shared browser on the report at `url`, its visible charts drawn. */
function openReport(url: string): Promise<ReportPage> {
  return openReportUrl(url, { browser });
}

/** Pixel (page coordinates) of (step, value) in a rendered heatmap. */
async function heatPixel(page: Page, tensor: string, step: number, value: number): Promise<{ x: number; y: number }> {
  return page.evaluate(([tensor, step, value]) => {
    const e = (window as unknown as W).__fp.registry["heat:" + tensor];
    const p = e.chart.convertToPixel({ gridIndex: 0 }, [Math.log10(1 + (step as number)), value]);
    const box = e.el.getBoundingClientRect();
    return { x: box.left + p[0], y: box.top + p[1] };
  }, [tensor, step, value] as const);
}

test("from file:// every section draws, with one density trace per tensor shown and no request leaving the page", async () => {
  const { page, rec } = await openReport(fileUrl);
  for (const s of SECTIONS) {
    const section = page.locator(`section[data-section="${s}"]`);
    await section.scrollIntoViewIfNeeded();
    const charts = section.locator(".fp-chart");
    const n = await charts.count();
    assert.ok(n >= 1, `section ${s} has charts`);
    await page.waitForFunction((s) => {
      const el = document.querySelector(`section[data-section="${s}"] .fp-chart`);
      return el !== null && el.hasAttribute("data-rendered");
    }, s, { timeout: 10_000 });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(SHOTS, `${s}.png`) });
  }
  await page.locator("#fp-heatmaps").scrollIntoViewIfNeeded();
  const cards = await page.locator("#fp-heatmaps figure[data-tensor]").count();
  assert.equal(cards, 6, "2 layers x 3 roles, all on the first page of 12");
  // Render them all, then count density traces per tensor.
  for (let i = 0; i < cards; i++) await page.locator("#fp-heatmaps figure[data-tensor]").nth(i).scrollIntoViewIfNeeded();
  await page.waitForFunction((n) => (window as unknown as W).__fp.heatmaps().length === n, cards, { timeout: 10_000 });
  const heat = await page.evaluate(() => (window as unknown as W).__fp.heatmaps()) as Array<{ tensor: string; densitySeries: number }>;
  assert.equal(new Set(heat.map((h) => h.tensor)).size, cards);
  for (const h of heat) assert.equal(h.densitySeries, 1, h.tensor);
  // The picker narrows the list: exactly the matching tensors get a card and a trace.
  await page.fill("#fp-search", "mlp.dense_4h_to_h");
  await page.waitForFunction(() => document.querySelectorAll("#fp-heatmaps figure[data-tensor]").length === 2, null, { timeout: 5000 });
  await page.waitForFunction(() => (window as unknown as W).__fp.heatmaps().length === 2, null, { timeout: 5000 });
  assert.deepEqual(rec.errors, []);
  const foreign = rec.urls.filter((u) => !u.startsWith("file://"));
  assert.deepEqual(foreign, [], "only the file itself is requested");
  assert.ok(rec.urls.length >= 1);
  await page.close();
});

test("the heatmap shows the known fork, hovering reads out step and value, and the chart exports as SVG", async () => {
  const { page, rec } = await openReport(fileUrl);
  await page.evaluate((t) => (window as unknown as W).__fp.setFilter("=" + t), FORK_TENSOR);
  const card = page.locator(`#fp-heatmaps figure[data-tensor="${FORK_TENSOR}"]`);
  await card.scrollIntoViewIfNeeded();
  await page.waitForFunction((t) => (window as unknown as W).__fp.heatmaps().some((h: { tensor: string }) => h.tensor === t), FORK_TENSOR);
  await page.mouse.move(0, 0);
  await card.screenshot({ path: join(SHOTS, "bifurcation-fork.png") });
  // Read back pixels of the chart canvas: not all background; bright at the modes, dark between.
  const lum = async (step: number, value: number): Promise<number> => {
    const p = await heatPixel(page, FORK_TENSOR, step, value);
    return page.evaluate(([x, y]) => {
      const canvas = document.elementFromPoint(x!, y!) as HTMLCanvasElement;
      const r = canvas.getBoundingClientRect(), k = canvas.width / r.width;
      const d = canvas.getContext("2d")!.getImageData(Math.round((x! - r.left) * k), Math.round((y! - r.top) * k), 1, 1).data;
      return 0.2126 * d[0]! + 0.7152 * d[1]! + 0.0722 * d[2]!;
    }, [p.x, p.y]);
  };
  const early = 64, late = 10_000;
  assert.ok(await lum(early, 0) > (await lum(early, FORK_OFFSET)) + 60, "before the fork: one mode at 0");
  assert.ok(await lum(late, FORK_OFFSET) > (await lum(late, 0)) + 60, "after the fork: upper branch bright, centre dark");
  assert.ok(await lum(late, -FORK_OFFSET) > (await lum(late, 0)) + 60, "after the fork: lower branch bright");
  const distinct = await page.evaluate((t) => {
    const e = (window as unknown as W).__fp.registry["heat:" + t];
    const c = e.el.querySelector("canvas") as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    for (let i = 0; i < d.length; i += 4 * 7) set.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    return set.size;
  }, FORK_TENSOR);
  assert.ok(distinct > 50, `heatmap canvas has ${distinct} distinct colours`);
  // Hover a computed cell.
  const p = await heatPixel(page, FORK_TENSOR, 8000, FORK_OFFSET);
  await page.mouse.move(p.x, p.y);
  const tip = card.locator(".fp-tooltip");
  await tip.waitFor({ state: "visible", timeout: 3000 });
  const text = await tip.innerText();
  assert.match(text, /step 8,000/);
  assert.match(text, /count ≈/);
  const value = Number(await tip.getAttribute("data-value"));
  assert.ok(Math.abs(value - FORK_OFFSET) <= 0.2 / 240, `read-out value ${value}`);
  assert.equal(Number(await tip.getAttribute("data-step")), 8000);
  assert.ok(8000 > FORK_STEP);
  await card.screenshot({ path: join(SHOTS, "bifurcation-hover.png") });
  const svg = await page.evaluate((t) => (window as unknown as W).__fp.svgString("heat:" + t), FORK_TENSOR) as string;
  assert.match(svg, /^<svg/);
  assert.ok((svg.match(/<image /g) ?? []).length >= 24, "one image per checkpoint column");
  assert.match(svg, /parameter value/);
  assert.deepEqual(rec.urls.filter((u) => !u.startsWith("file://")), []);
  assert.deepEqual(rec.errors, []);
  await page.close();
});

test("served mode: a published update adds checkpoint columns live without a reload; a watcher error shows a banner", async () => {
  let data = fixtureReportData(20);
  const server = await startReportServer({ port: 0, getData: async () => data });
  try {
    const { page, rec } = await openReport(server.url);
    await page.waitForFunction(() => (window as unknown as W).__fpLive.connected, null, { timeout: 5000 });
    const card = page.locator(`#fp-heatmaps figure[data-tensor]`).first();
    await card.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector("#fp-heatmaps figure[data-tensor]")?.getAttribute("data-columns") === "20");
    await page.evaluate(() => { (window as unknown as { __marker: number }).__marker = 42; });
    data = fixtureReportData(23);
    await server.publish({ kind: "data" });
    await page.waitForFunction(() => (window as unknown as W).__fpLive.updates === 1, null, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector("#fp-heatmaps figure[data-tensor]")?.getAttribute("data-columns") === "23", null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 42, "no reload");
    assert.match(await page.locator(".fp-stat").nth(1).innerText(), /^23/);
    await server.publish({ kind: "error", message: "step9000/model.safetensors: truncated file", file: "step9000/model.safetensors" });
    const banner = page.locator("#fp-banner");
    await banner.waitFor({ state: "visible", timeout: 5000 });
    assert.match(await banner.innerText(), /truncated file/);
    await page.screenshot({ path: join(SHOTS, "served-error-banner.png") });
    const origin = server.url.replace(/\/$/, "");
    assert.deepEqual(rec.urls.filter((u) => !u.startsWith(origin + "/")), [], "only the local server is contacted");
    assert.ok(rec.urls.some((u) => u.endsWith("/data.json")));
    assert.deepEqual(rec.errors, []);
    await page.close();
  } finally {
    await server.close();
  }
});
