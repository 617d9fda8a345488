// Report size and speed: synthetic ReportData with 150 checkpoints x 80 tensors x 2,000 value
// bins, rendered to one HTML file; prints its size and, in headless Chromium (playwright-core;
// a system Chromium or the npm-shipped one, see test/report/helpers/find-browser.ts), the time
// from navigation to the first full draw of the visible charts (window.__reportReady).
// Budget from the issue: under 3 s.
// Usage: npx tsx bench/report-size.ts [--checkpoints 150] [--layers 16] [--bins 2000] [--runs 3]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { renderReport } from "../src/report/render.js";
import { syntheticReportData } from "../src/report/synthetic.js";
import { launchBrowser } from "../test/report/helpers/browser.js";
import { openReportUrl } from "../test/helpers/report-page.js";

const BUDGET_MS = 3000;
const { values: args } = parseArgs({
  options: { checkpoints: { type: "string", default: "150" }, layers: { type: "string", default: "16" }, bins: { type: "string", default: "2000" }, runs: { type: "string", default: "3" } },
});

const t0 = performance.now();
const data = syntheticReportData({ checkpoints: Number(args.checkpoints), layers: Number(args.layers), bins: Number(args.bins) });
const t1 = performance.now();
const html = renderReport(data);
const t2 = performance.now();
const dir = await mkdtemp(join(tmpdir(), "fp-report-bench-"));
const file = join(dir, "report.html");
await writeFile(file, html);
const run = data.runs[0]!;
console.log(`report: ${run.steps.length} checkpoints x ${run.tensors.length} tensors x ${Number(args.bins)} bins`);
console.log(`data built in ${(t1 - t0).toFixed(0)} ms, HTML rendered in ${(t2 - t1).toFixed(0)} ms`);
console.log(`file size: ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB (${Buffer.byteLength(html)} bytes)`);

const browser = await launchBrowser();
try {
  const times: number[] = [];
  for (let i = 0; i < Number(args.runs); i++) {
    const { page, rec } = await openReportUrl(pathToFileURL(file).href, { browser, timeoutMs: 30_000 });
    const ready = await page.evaluate(() => (window as unknown as { __reportReady: Record<string, number> }).__reportReady);
    const foreign = rec.urls.filter((u) => !u.startsWith("file://"));
    console.log(`load ${i + 1}: head ${ready.headParsed!.toFixed(0)} ms, library ${ready.libraryLoaded!.toFixed(0)} ms, data in page ${ready.dataInPage!.toFixed(0)} ms, data parsed ${ready.parsed!.toFixed(0)} ms, first chart ${ready.firstChart!.toFixed(0)} ms, ` +
      `visible charts drawn ${ready.visibleDrawn!.toFixed(0)} ms (${ready.charts} charts) after navigation; non-file requests: ${foreign.length}; page errors: ${rec.errors.length}`);
    times.push(ready.visibleDrawn!);
    await page.close();
  }
  const best = Math.min(...times), median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  console.log(`time to first full draw: median ${median.toFixed(0)} ms, best ${best.toFixed(0)} ms; budget ${BUDGET_MS} ms -> ${median < BUDGET_MS ? "OK" : "OVER BUDGET"}`);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
