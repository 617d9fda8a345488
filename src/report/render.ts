// renderReport: ReportData -> one self-contained HTML page (styles, ECharts, data and page code
// inlined; a Content-Security-Policy forbids every network request). Pure apart from reading
// the ECharts bundle and the page script (built from src/report/browser/) once through assets.ts.

import { UsageError } from "../util/errors.js";
import { echartsSource, reportClientSource } from "./assets.js";
import { REPORT_DATA_VERSION, type ReportData } from "./data.js";
import { PAGE_CSS } from "./page-style.js";

export interface RenderReportOptions {
  /** Served mode: the page subscribes to `eventsPath` (SSE) and re-fetches `dataPath`. */
  live?: boolean;
  eventsPath?: string;
  dataPath?: string;
  /** Data version the page starts with (served mode: compared with the server's on connect). */
  version?: number;
}

/** Page-level CSP: inline code only, images from data:/blob:, fetches only to the serving origin. */
export const REPORT_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'";

const SECTIONS: ReadonlyArray<{ id: string; title: string; intro: string }> = [
  { id: "fp-overview", title: "Overview", intro: "What was analysed and when the detectors fired. Optimizer artefacts (splits of constant-initialised tensors at their first updates, such as Adam's sign split of zero biases at step 1) are counted apart and drawn hollow." },
  {
    id: "fp-phase",
    title: "Phase transition",
    intro: "The run's transition, defined once from its quality metric alone (the step where the metric crosses halfway between its two plateaus, with the checkpoints that bracket it), against the parameter side on the same step axis: weight norms and the events detected at each checkpoint.",
  },
  {
    id: "fp-verdicts",
    title: "Study verdicts",
    intro: "For each claim: what was measured, our value with its confidence interval, the baseline's, and the verdict with its reason; then the study's runs, its wall times and the pruning-tolerance curves before and after the fork.",
  },
  {
    id: "fp-bifurcation",
    title: "Bifurcation diagrams",
    intro:
      "Each panel is one tensor or group: training step on a log axis (log10(1 + step), so step 0 sits at the left edge), " +
      "parameter value upwards, colour the share of the checkpoint's values in each value cell. Each checkpoint column is as " +
      "wide as its step interval. Solid lines with dots: the mode tracker's KDE mode tracks; red diamonds (split) and triangles (merge): " +
      "where one mode became two or two became one; dashed lines: population-fork branch centres. Hover for step, value and count; ctrl + wheel zooms.",
  },
  { id: "fp-stats", title: "Statistics by layer", intro: "Small multiples: one panel per statistic, one line per layer of the chosen role. Layers that separate are a layer fork." },
  { id: "fp-trajectories", title: "Element trajectories", intro: "Kept tensors: every element's value over training, coloured by the branch it joins after a population fork." },
  { id: "fp-quality", title: "Quality", intro: "Quality metrics over training, with the detected events beside them." },
  { id: "fp-pruning", title: "Pruning", intro: "Loss increase after pruning a fraction of the weights, per checkpoint; magnitude pruning (solid) against the random control (dashed), with each checkpoint's near-zero mass." },
];

/** Renders the whole report page as one HTML string. */
export function renderReport(data: ReportData, options: RenderReportOptions = {}): string {
  return renderReportParts(data, options).join("");
}

/**
 * The report page as consecutive pieces (renderReport joins them): a file writer encodes each on
 * its own. Joined, the page's one two-byte piece (non-Latin-1 characters in the inlined scripts)
 * made the whole 23 MB string two-byte, and its UTF-8 encoding cost ~0.3 s at 154 checkpoints.
 */
export function renderReportParts(data: ReportData, options: RenderReportOptions = {}): string[] {
  if (data.version !== REPORT_DATA_VERSION) {
    throw new UsageError(`renderReport: ReportData version ${String(data.version)} is not ${REPORT_DATA_VERSION}; rebuild it with this version of forking-paths`);
  }
  const config = {
    live: options.live ?? false,
    eventsPath: options.eventsPath ?? "/events",
    dataPath: options.dataPath ?? "/data.json",
    version: options.version ?? 0,
  };
  // the verdicts section only for a study's out dir (the CLI passes its verdicts.json); the phase
  // view only when a run has a transition metric (always when live: metrics may arrive later)
  const phase = config.live || data.runs.some((r) => r.phase !== undefined);
  const shown = SECTIONS.filter((s) => (s.id !== "fp-verdicts" || data.verdicts !== undefined) && (s.id !== "fp-phase" || phase));
  const sections = shown.map((s) => sectionHtml(s.id, s.title, s.intro)).join("\n");
  const nav = shown.map((s) => `<a href="#${s.id}">${s.title}</a>`).join("");
  return [`<!doctype html>
<html lang="en">
<head>
${pageHead(data.title, PAGE_CSS)}
<script>window.__reportReady = { headParsed: performance.now() };</script>
</head>
<body>
<header class="fp-header"><div class="fp-brand">forking-paths report</div><h1 id="fp-title">${escapeHtml(data.title)}</h1>
<div class="fp-meta" id="fp-meta"></div><nav class="fp-nav">${nav}</nav>
<div id="fp-banner" class="fp-banner" role="alert" hidden></div></header>
<main>
${sections}
</main>
<footer>Self-contained report written by forking-paths: everything on this page is inside this file, and it makes no network requests.</footer>
<script>`, echartsSource(), `</script>
<script>window.__reportReady.libraryLoaded = performance.now();</script>
<script type="application/json" id="fp-config">${jsonForScript(config)}</script>
<script type="application/json" id="fp-data">`, jsonForScript(data), `</script>
<script>window.__reportReady.dataInPage = performance.now();</script>
<script>`, reportClientSource(), `</script>
</body>
</html>
`];
}

/**
 * The head lines every page of forking-paths shares (the report, the queue's progress page):
 * charset, viewport, the Content-Security-Policy, generator, title and the inlined stylesheet.
 */
export function pageHead(title: string, css: string): string {
  return `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="generator" content="forking-paths">
<title>${escapeHtml(title)} · forking-paths</title>
<style>${css}</style>`;
}

function sectionHtml(id: string, title: string, intro: string): string {
  const picker = id === "fp-bifurcation" ? `<div class="fp-picker" id="fp-picker"></div><div class="fp-grid" id="fp-heatmaps"></div>` : "";
  return `<section class="fp-section" id="${id}" data-section="${id.slice(3)}"><h2>${title}</h2><p class="fp-sub">${escapeHtml(intro)}</p>` +
    `${picker}<div class="fp-body"></div></section>`;
}

/** JSON that is safe inside a <script> element (no "</script", no "<!--"). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
