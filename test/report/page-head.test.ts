// The report and the queue's progress page share one head (pageHead): charset, viewport, the
// Content-Security-Policy, generator, the escaped title and the inlined stylesheet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { REPORT_CSP, pageHead, renderReport } from "../../src/report/render.js";
import { renderProgressPage } from "../../src/report/progress-page.js";
import { syntheticReportData } from "../../src/report/synthetic.js";

function headOf(html: string): string {
  const match = /<head>\n([\s\S]*?)\n<\/head>/.exec(html);
  assert.ok(match, "the page has a <head>");
  return match[1]!;
}

test("pageHead: the shared lines in order, the title escaped, the CSP of the report", () => {
  assert.equal(pageHead("a <b> & c", "p{}"), [
    "<meta charset=\"utf-8\">",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    "<meta name=\"generator\" content=\"forking-paths\">",
    "<title>a &lt;b&gt; &amp; c · forking-paths</title>",
    "<style>p{}</style>",
  ].join("\n"));
});

test("the report and the progress page both start their head with pageHead", () => {
  const data = syntheticReportData({ checkpoints: 3, layers: 1, bins: 16 });
  data.title = "run <1>";
  const report = headOf(renderReport(data));
  const progress = headOf(renderProgressPage({ title: "queue <2>", progressPath: "/progress.json", eventsPath: "/events", initial: null }));
  const reportHead = pageHead("run <1>", "");
  assert.ok(report.startsWith(reportHead.slice(0, reportHead.indexOf("<style>"))), report.slice(0, 400));
  assert.ok(progress.startsWith(pageHead("queue <2> · progress", "").slice(0, -"<style></style>".length)), progress.slice(0, 400));
  for (const head of [report, progress]) assert.equal(head.split(`content="${REPORT_CSP}"`).length, 2, "one CSP meta");
});
