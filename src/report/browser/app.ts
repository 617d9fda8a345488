// The report page's state and chart machinery: configuration and data, lazy chart rendering
// (IntersectionObserver), chart cards, hover read-outs, SVG export, and the readiness timestamps
// (window.__reportReady) that the benchmark and tests read.
import type { EChartsOption, EChartsType } from "echarts";
import type { EncodedDensity, ReportData, ReportRun } from "../data.js";
import { columnAt, columnEdges, esc, fmtInt, fmtNum, QMAX, type DecodedArray } from "./core.js";
import type { LiveState, ReportReady } from "./globals.js";

/** The page's configuration (#fp-config), written by render.ts. */
export interface PageConfig {
  live: boolean;
  eventsPath: string;
  dataPath: string;
  version: number;
}

/** Options of one option build: `svg` when building for the SVG export. */
export interface BuildOptions {
  svg?: boolean;
}

/** How one chart is drawn: its data signature (re-drawn when it changes), async preparation, option and hooks. */
export interface ChartSpec<P = unknown> {
  sig(): string;
  build(prep: P, opts: BuildOptions): EChartsOption;
  prepare?(): Promise<P>;
  after?(e: ChartEntry): void;
  columns?(): number;
}

/** A chart card on the page and its (lazily created) ECharts instance. */
export interface ChartEntry {
  key: string;
  fig: HTMLElement;
  el: HTMLElement;
  spec: ChartSpec;
  chart: EChartsType | null;
  sig: string;
  pending?: Promise<void> | null;
  prep?: unknown;
  hooked?: boolean;
}

/** The element with this id (the page's fixed skeleton: present by construction). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T { return document.getElementById(id) as T; }

export const CFG: PageConfig = JSON.parse($("fp-config").textContent!);
/** The report data shown (replaced as a whole by live updates). */
export let DATA: ReportData = null as unknown as ReportData;
export function setData(next: ReportData): void { DATA = next; }
export const PAGE_SIZE = 12;
export const state = { run: 0, filter: "", kind: "all", limit: PAGE_SIZE, role: null as string | null };
export const registry: Record<string, ChartEntry> = {};
export const ready: ReportReady = window.__reportReady = window.__reportReady || ({} as ReportReady);
ready.parsed = null; ready.firstChart = null; ready.visibleDrawn = null; ready.charts = 0;
export const live: LiveState = window.__fpLive = { enabled: !!CFG.live, connected: false, updates: 0, errors: [] };
const observer = new IntersectionObserver(onIntersect, { rootMargin: "200px 0px" });
let firstBatch: Promise<unknown> | null = null;

export function run(): ReportRun { return DATA.runs[state.run]!; }
export function showBanner(msg: string, info?: boolean): void {
  const b = $("fp-banner");
  b.className = "fp-banner" + (info ? " fp-info" : "");
  b.innerHTML = "<span>" + esc(msg) + "</span><button type=button aria-label=dismiss>dismiss</button>";
  b.hidden = false;
  b.querySelector("button")!.onclick = function () { b.hidden = true; };
}
/** The .fp-body of a section. */
export function body(id: string): HTMLElement { return $(id).querySelector<HTMLElement>(".fp-body")!; }

/** A chart card: figure[data-chart] holding a lazily rendered .fp-chart and a read-out box. */
export function card(key: string, title: string, legend: string, attrs?: Record<string, string>): string {
  let extra = "";
  for (const a in attrs || {}) extra += " " + a + "=\"" + esc(attrs![a]) + "\"";
  return "<figure class=fp-card data-chart=\"" + esc(key) + "\"" + extra + "><figcaption><b>" + esc(title) + "</b><span class=fp-legend>" +
    esc(legend) + "</span></figcaption><div class=fp-chart></div><div class=fp-tooltip hidden></div></figure>";
}
/** Registers chart builders for the cards just inserted under root and observes them. */
export function mount<P>(root: HTMLElement, specs: Record<string, ChartSpec<P>>): void {
  root.querySelectorAll<HTMLElement>("figure[data-chart]").forEach(function (fig) {
    const key = fig.getAttribute("data-chart")!, spec: ChartSpec | undefined = specs[key];
    if (!spec) return;
    disposeEntry(key);
    registry[key] = { key: key, fig: fig, el: fig.querySelector<HTMLElement>(".fp-chart")!, spec: spec, chart: null, sig: spec.sig() };
    observer.observe(registry[key]!.el);
  });
}
function disposeEntry(key: string): void {
  const e = registry[key];
  if (!e) return;
  observer.unobserve(e.el);
  if (e.chart) e.chart.dispose();
  delete registry[key];
}
export function disposeUnder(root: HTMLElement): void {
  Object.keys(registry).forEach(function (k) { if (root.contains(registry[k]!.fig)) disposeEntry(k); });
}
function entryOf(el: Element): ChartEntry | null {
  for (const k in registry) if (registry[k]!.el === el) return registry[k]!;
  return null;
}
function onIntersect(entries: IntersectionObserverEntry[]): void {
  const batch: Array<Promise<void>> = [];
  entries.forEach(function (en) {
    if (!en.isIntersecting) return;
    const e = entryOf(en.target);
    if (e && !e.chart && !e.pending) batch.push(renderEntry(e));
  });
  if (firstBatch === null) {
    firstBatch = Promise.all(batch).then(function () {
      requestAnimationFrame(function () { requestAnimationFrame(function () {
        ready.visibleDrawn = performance.now();
        document.body.setAttribute("data-ready", "1");
      }); });
    });
  }
}
export function renderEntry(e: ChartEntry): Promise<void> {
  const pending = (e.spec.prepare ? e.spec.prepare() : Promise.resolve(null)).then(function (prep) {
    e.pending = null;
    if (!registry[e.key] || registry[e.key] !== e) return;
    e.prep = prep;
    if (!e.chart) e.chart = echarts.init(e.el, null, { renderer: "canvas" });
    e.chart.setOption(e.spec.build(prep, {}), true);
    if (e.spec.after && !e.hooked) { e.spec.after(e); e.hooked = true; }
    e.el.setAttribute("data-rendered", "1");
    if (e.spec.columns) e.fig.setAttribute("data-columns", String(e.spec.columns()));
    ready.charts++;
    if (ready.firstChart === null) ready.firstChart = performance.now();
  }).catch(function (err: Error) { e.pending = null; showBanner("Chart " + e.key + " failed: " + err.message); });
  e.pending = pending;
  return pending;
}

export function downloadSvg(key: string): void {
  const svg = svgString(key), a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  a.download = key.replace(/[^A-Za-z0-9._-]+/g, "_") + ".svg";
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(function () { URL.revokeObjectURL(a.href); }, 5000);
}
/** Renders a chart once more with the SVG renderer and returns the SVG text. */
export function svgString(key: string): string {
  const e = registry[key];
  if (!e || !e.chart) throw new Error("chart " + key + " is not rendered");
  const w = e.el.clientWidth, h = e.el.clientHeight, div = document.createElement("div");
  div.style.cssText = "position:absolute;left:-20000px;top:0;width:" + w + "px;height:" + h + "px";
  document.body.appendChild(div);
  const c = echarts.init(div, null, { renderer: "svg", width: w, height: h });
  const opt = e.spec.build(e.prep, { svg: true });
  delete opt.toolbox;
  c.setOption(opt);
  const s = c.renderToSVGString();
  c.dispose(); div.remove();
  return s;
}

/** What a heatmap's read-out needs: its density, looked up when the mouse moves (live data may replace it). */
export interface ReadoutSource {
  readonly density: EncodedDensity;
}
/** Hover read-out of a bifurcation heatmap: step, value and count of the cell under the mouse. */
export function attachReadout(e: ChartEntry, t: ReadoutSource): void {
  const tip = e.fig.querySelector<HTMLElement>(".fp-tooltip")!, chart = e.chart!;
  chart.getZr().on("mousemove", function (ev) {
    const d = t.density, p = [ev.offsetX, ev.offsetY], q = (e.prep as { q?: DecodedArray } | null | undefined)?.q;
    if (!q || !chart.containPixel({ gridIndex: 0 }, p)) { tip.hidden = true; return; }
    const v = chart.convertFromPixel({ gridIndex: 0 }, p) as number[], steps = run().steps;
    const c = columnAt(columnEdges(steps), v[0]!), w = (d.hi - d.lo) / d.bins, k = Math.floor((v[1]! - d.lo) / w);
    if (c < 0 || c >= d.columns || k < 0 || k >= d.bins) { tip.hidden = true; return; }
    const count = q[c * d.bins + k]! / QMAX[d.cells.dtype]! * d.colMax[c]!, total = d.colTotal[c]! + d.colOutside[c]!;
    const centre = d.lo + (k + 0.5) * w;
    tip.innerHTML = "<b>step " + fmtInt(steps[c]!) + "</b> · value " + fmtNum(centre) + "<br>count ≈ " + fmtNum(count) +
      " · density " + (total > 0 ? fmtNum(count / total / w) : "n/a") + " per unit";
    tip.setAttribute("data-step", String(steps[c]));
    tip.setAttribute("data-value", String(centre));
    tip.hidden = false;
    const box = e.el.getBoundingClientRect(), top = p[1]! + 14;
    let left = p[0]! + 14;
    if (left + tip.offsetWidth > box.width) left = p[0]! - tip.offsetWidth - 10;
    tip.style.left = (left + e.el.offsetLeft) + "px";
    tip.style.top = (top + e.el.offsetTop) + "px";
  });
  chart.getZr().on("globalout", function () { tip.hidden = true; });
}

window.addEventListener("resize", function () {
  for (const k in registry) if (registry[k]!.chart) registry[k]!.chart!.resize();
});

/** A figure card of the overview (a number and what it counts). */
export function stat(v: unknown, label: string): string { return "<div class=fp-stat><b>" + esc(v) + "</b><span>" + esc(label) + "</span></div>"; }
