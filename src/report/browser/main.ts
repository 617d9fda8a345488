// The report page's entry point (bundled into the one script of the page): the test hooks
// (window.__fp), live updates over SSE in served mode, and the start-up that parses the embedded
// data and draws every section.
import type { ReportData } from "../data.js";
import { $, CFG, DATA, live, PAGE_SIZE, ready, registry, renderEntry, run, setData, showBanner, state, svgString } from "./app.js";
import type { LiveError } from "./globals.js";
import { renderPhase } from "./phase.js";
import { renderAll, renderBifurcation, renderMeta, renderOverview } from "./sections.js";

/** What `__fp.heatmaps()` reads of a series in a chart's option. */
interface SeriesSeen {
  type?: string;
  name?: string;
  id?: string;
  data: unknown[];
}

window.__fp = {
  registry: registry,
  svgString: svgString,
  heatmaps: function () {
    return Object.keys(registry).filter(function (k) { return k.indexOf("heat:") === 0 && registry[k]!.chart; }).map(function (k) {
      const series = registry[k]!.chart!.getOption().series as SeriesSeen[];
      const ids = function (prefix: string) { return series.filter(function (s) { return String(s.id || "").indexOf(prefix) === 0; }); };
      return { tensor: k.slice(5), densitySeries: series.filter(function (s) { return s.type === "custom" && s.name === "density"; }).length, series: series.length,
        modeTracks: ids("mode:").map(function (s) { return { name: s.name, points: s.data.length }; }), branchTracks: ids("branch:").length,
        modeMarks: ids("mode-marks").reduce(function (n, s) { return n + s.data.length; }, 0) };
    });
  },
  setFilter: function (text: string) { $<HTMLInputElement>("fp-search").value = text; state.filter = text; state.limit = PAGE_SIZE; renderBifurcation(); },
};

/** Live update: swap the data, rebuild lists whose membership changed, re-draw charts whose inputs changed. */
function applyUpdate(next: ReportData): void {
  const before = DATA.runs.length ? run().tensors.map(function (t) { return t.name; }).join("\n") : "";
  setData(next);
  if (state.run >= DATA.runs.length) state.run = 0;
  const after = DATA.runs.length ? run().tensors.map(function (t) { return t.name; }).join("\n") : "";
  if (before !== after || !DATA.runs.length) { renderAll(); }
  else {
    renderMeta(); renderOverview();
    if (document.getElementById("fp-phase") && !registry.phase !== !run().phase) renderPhase();
    Object.keys(registry).forEach(function (k) {
      const e = registry[k]!, sig = e.spec.sig();
      if (sig === e.sig) return;
      e.sig = sig;
      if (e.chart) renderEntry(e);
    });
  }
  live.updates++;
  const st = document.getElementById("fp-live-state");
  if (st) st.textContent = "live: updated " + new Date().toLocaleTimeString() + " (" + (DATA.runs.length ? run().steps.length : 0) + " checkpoints)";
}
function connectLive(): void {
  const es = new EventSource(CFG.eventsPath);
  es.addEventListener("open", function () { live.connected = true; const st = document.getElementById("fp-live-state"); if (st) st.textContent = "live: connected"; });
  function refresh(ev: MessageEvent<string>): void {
    const version: number = JSON.parse(ev.data).version;
    if (version === CFG.version) return;
    fetch(CFG.dataPath, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("GET " + CFG.dataPath + " answered " + r.status);
      return r.json() as Promise<ReportData>;
    }).then(function (next) { CFG.version = version; applyUpdate(next); })
      .catch(function (err: Error) { showBanner("Live update failed: " + err.message); });
  }
  es.addEventListener("hello", refresh);
  es.addEventListener("update", refresh);
  // the server's own `error` events carry data; the browser's connection errors do not
  es.addEventListener("error", function (ev: Event) {
    const data = (ev as MessageEvent<string>).data;
    if (data === undefined) { live.connected = false; const st = document.getElementById("fp-live-state"); if (st) st.textContent = "live: reconnecting…"; return; }
    const msg: LiveError = JSON.parse(data);
    live.errors.push(msg);
    showBanner("Analysis error" + (msg.file ? " in " + msg.file : "") + ": " + msg.message + " (the dashboard keeps the last good data)");
  });
}

try {
  setData(JSON.parse($("fp-data").textContent!));
  ready.parsed = performance.now();
  if (DATA.version !== 1) throw new Error("report data version " + DATA.version + " is not supported by this page (expected 1)");
  renderAll();
  if (CFG.live) connectLive();
} catch (err) {
  showBanner("The report could not be drawn: " + (err as Error).message);
  throw err;
}
