// The report's sections: overview, bifurcation diagrams with the tensor picker, statistics by
// layer, element trajectories, quality and pruning; renderAll draws them all for the current run.
import type { ReportEvent, ReportOnlineEvent, ReportTensor } from "../data.js";
import { $, body, card, CFG, DATA, disposeUnder, mount, PAGE_SIZE, run, showBanner, stat, state, attachReadout, type ChartSpec } from "./app.js";
import { pruningOption, qualityOption, statOption, timelineOption, trajectoryOption, heatmapOption, type HeatPrep } from "./charts.js";
import { decodeArray, densityAtlas, esc, fmtInt, fmtNum, fmtStep, type DecodedArray } from "./core.js";
import { renderPhase } from "./phase.js";
import { renderVerdicts } from "./verdicts.js";

const STAT_ORDER = ["std", "excess_kurtosis", "skewness", "mean", "weibull_k", "dip_p", "bimodality_coefficient"];

function tensorSig(t: ReportTensor): string {
  const d = t.density;
  return run().steps.length + "|" + (d ? d.columns + ":" + d.cells.data.length + ":" + d.cells.data.slice(-24) : "-") + "|" +
    JSON.stringify(t.modes || []).length + "|" + JSON.stringify(t.modeMarks || []).length + "|" + run().events.filter(function (e) { return e.tensor === t.name; }).length;
}
function findTensor(name: string): ReportTensor | undefined { return run().tensors.filter(function (t) { return t.name === name; })[0]; }

export function renderOverview(): void {
  const r = run(), kinds: Record<string, number> = {};
  const real = r.events.filter(function (e) { return !e.artefact; }), nArtefacts = r.events.length - real.length;
  real.forEach(function (e) { kinds[e.kind] = (kinds[e.kind] || 0) + 1; });
  const nT = r.tensors.filter(function (t) { return t.kind === "tensor"; }).length;
  const steps = r.steps;
  let html = "<div class=fp-cards>" +
    stat(DATA.runs.length, DATA.runs.length === 1 ? "run" : "runs") + stat(steps.length, "checkpoints") +
    stat(nT, "tensors") + stat(r.tensors.length - nT, "groups") + stat(real.length, "events") +
    (nArtefacts ? stat(nArtefacts, "optimizer artefacts") : "") +
    (r.phase && r.phase.transition.found ? stat(fmtStep(r.phase.transition.step!), "transition step") : "") +
    stat(steps.length ? fmtStep(steps[0]!) + " – " + fmtStep(steps[steps.length - 1]!) : "–", "step range") + "</div>";
  html += "<p class=fp-sub>Run <b>" + esc(r.id) + "</b> from " + esc(r.source) + ". Events by kind: " +
    (Object.keys(kinds).map(function (k) { return esc(k.replace(/_/g, " ")) + " " + kinds[k]; }).join(", ") || "none detected") + "." +
    (nArtefacts ? " <span id=fp-artefact-note>Set apart: " + nArtefacts + " optimizer-artefact event" + (nArtefacts === 1 ? "" : "s") +
      " (splits of constant-initialised tensors at their first updates, e.g. Adam's sign split of zero biases at step 1), drawn hollow in the timeline.</span>" : "") + "</p>";
  html += leadingEvents(real, r.onlineEvents);
  if (r.onlineEvents) html += onlineEventsTable(r.onlineEvents);
  html += r.events.length ? "<div class=\"fp-grid fp-wide\">" + card("timeline", "Timeline of detected events",
    "x: training step (log scale) · y: event kind · size: strength · hollow grey: optimizer artefacts · hover for details, click to open the tensor") + "</div>" : "";
  const el = body("fp-overview");
  disposeUnder(el);
  el.innerHTML = html;
  mount(el, { timeline: { sig: function () { return JSON.stringify(run().events).length + "|" + run().steps.length; },
    build: function () { return timelineOption(run()); },
    after: function (e) { e.chart!.on("click", function (p) { const ev = (p.data as { ev?: ReportEvent } | null)?.ev; if (ev) openTensor(ev.tensor); }); } } });
}
/**
 * The strongest events that are not optimizer artefacts, first in the overview; with the run's
 * online events, the checkpoint at which an online detector knows each one (hindsight and online side by side).
 */
function leadingEvents(real: ReportEvent[], online: ReportOnlineEvent[] | undefined): string {
  if (!real.length) return "";
  const top = real.slice().sort(function (a, b) { return b.strength - a.strength || a.step - b.step; }).slice(0, 8);
  const knownAt = function (e: ReportEvent): string {
    const o = (online || []).filter(function (x) { return x.kind === e.kind && x.tensor === e.tensor && x.step === e.step; })[0];
    return "<td>" + (o ? esc(fmtStep(o.knownAt)) : "not known online") + "</td>";
  };
  return "<table class=fp-leading id=fp-leading><thead><tr><th>strongest events</th><th>step</th><th>tensor</th><th>strength</th>" + (online ? "<th>known online at</th>" : "") + "</tr></thead><tbody>" +
    top.map(function (e) { const by = e.evidence && e.evidence.variable === "displacement" ? " (by displacement)" : "";
      return "<tr><td>" + esc(e.kind.replace(/_/g, " ") + by) + "</td><td>" + esc(fmtStep(e.step)) + "</td><td>" + esc(e.tensor) + "</td><td>" + esc(fmtNum(e.strength)) + "</td>" + (online ? knownAt(e) : "") + "</tr>"; }).join("") +
    "</tbody></table>";
}

/** The first events an online detector knows (from checkpoints up to the step shown only), optimizer artefacts left out. */
function onlineEventsTable(online: ReportOnlineEvent[]): string {
  const real = online.filter(function (e) { return !e.artefact; });
  const first = real.slice().sort(function (a, b) { return a.knownAt - b.knownAt || a.step - b.step; }).slice(0, 12);
  return "<p class=fp-sub id=fp-online-note>Known online: " + real.length + " event" + (real.length === 1 ? "" : "s") +
    " as a detector using only the checkpoints up to each step finds them (the first " + first.length + " below; layer forks re-detected on every prefix).</p>" +
    "<table class=fp-leading id=fp-online><thead><tr><th>known online</th><th>step</th><th>tensor</th><th>known at</th><th>lag (steps)</th></tr></thead><tbody>" +
    first.map(function (e) {
      return "<tr><td>" + esc(e.kind.replace(/_/g, " ")) + "</td><td>" + esc(fmtStep(e.step)) + "</td><td>" + esc(e.tensor) + "</td><td>" + esc(fmtStep(e.knownAt)) + "</td><td>" + esc(fmtInt(e.knownAt - e.step)) + "</td></tr>";
    }).join("") + "</tbody></table>";
}

function openTensor(name: string): void {
  if (!findTensor(name)) return;
  window.__fp.setFilter("=" + name);
  $("fp-bifurcation").scrollIntoView();
}
function pickedTensors(): ReportTensor[] {
  const f = state.filter.trim(), exact = f.charAt(0) === "=" ? f.slice(1) : null;
  const evNames: Record<string, number> = {};
  run().events.forEach(function (e) { if (!e.artefact) evNames[e.tensor] = Math.max(evNames[e.tensor] || 0, e.strength || 0) + 1e-9; });
  return run().tensors.filter(function (t) {
    if (!t.density) return false;
    if (state.kind === "tensor" || state.kind === "group") { if (t.kind !== state.kind) return false; }
    if (state.kind === "events" && !evNames[t.name]) return false;
    if (exact !== null) return t.name === exact;
    return !f || t.name.toLowerCase().indexOf(f.toLowerCase()) >= 0;
  }).map(function (t, i) { return { t: t, i: i }; }).sort(function (a, b) {
    return (evNames[b.t.name] || 0) - (evNames[a.t.name] || 0) || a.i - b.i;
  }).map(function (x) { return x.t; });
}
function renderPicker(): void {
  const el = $("fp-picker"), names = run().tensors.filter(function (t) { return t.density; }).map(function (t) { return t.name; });
  el.innerHTML = "<input type=search id=fp-search placeholder=\"filter tensors by name, e.g. layers.3 or query_key_value\" list=fp-names aria-label=\"filter tensors\">" +
    "<datalist id=fp-names>" + names.map(function (n) { return "<option value=\"=" + esc(n) + "\">"; }).join("") + "</datalist>" +
    "<select id=fp-kind aria-label=\"which tensors\"><option value=all>tensors and groups</option><option value=tensor>tensors only</option>" +
    "<option value=group>groups only</option><option value=events>with events</option></select><span class=fp-count id=fp-count></span>";
  const search = $<HTMLInputElement>("fp-search"), kind = $<HTMLSelectElement>("fp-kind");
  search.value = state.filter;
  kind.value = state.kind;
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.filter = $<HTMLInputElement>("fp-search").value; state.limit = PAGE_SIZE; renderBifurcation(); }, 150);
  });
  kind.addEventListener("change", function () { state.kind = $<HTMLSelectElement>("fp-kind").value; state.limit = PAGE_SIZE; renderBifurcation(); });
}
export function renderBifurcation(): void {
  const list = pickedTensors(), shown = list.slice(0, state.limit), el = $("fp-heatmaps");
  $("fp-count").textContent = "showing " + shown.length + " of " + list.length + " (of " + run().tensors.length + " tensors and groups)";
  disposeUnder(el);
  const specs: Record<string, ChartSpec<HeatPrep>> = {};
  let html = "";
  shown.forEach(function (t) {
    const key = "heat:" + t.name;
    const nEv = run().events.filter(function (e) { return e.tensor === t.name; }).length;
    html += card(key, t.name, (t.kind === "group" ? "group (" + (t.groupKind || "") + ") · " : t.role + " · ") + fmtInt(t.numel) + " values · " + nEv + (nEv === 1 ? " event" : " events"),
      { "data-tensor": t.name, "data-columns": "0" });
    specs[key] = heatSpec(t.name);
  });
  el.innerHTML = html || "<p class=fp-empty>No tensor matches.</p>";
  if (list.length > shown.length) {
    el.insertAdjacentHTML("beforeend", "<div><button type=button class=fp-more id=fp-more>show " + Math.min(PAGE_SIZE, list.length - shown.length) + " more</button></div>");
    $("fp-more").onclick = function () { state.limit += PAGE_SIZE; renderBifurcation(); };
  }
  mount(el, specs);
}
function heatSpec(name: string): ChartSpec<HeatPrep> {
  return {
    sig: function () { const t = findTensor(name); return t ? tensorSig(t) : "gone"; },
    columns: function () { const t = findTensor(name); return t && t.density ? t.density.columns : 0; },
    prepare: function () {
      const t = findTensor(name)!;
      return decodeArray(t.density!.cells).then(function (q) { return { q: q, atlas: densityAtlas(t.density!, q) }; });
    },
    build: function (prep, opts) { return heatmapOption(run(), findTensor(name)!, prep, opts); },
    after: function (e) { attachReadout(e, { get density() { return findTensor(name)!.density!; } }); },
  };
}

function renderStats(): void {
  const r = run(), roles: string[] = [];
  r.tensors.forEach(function (t) { if (t.kind === "tensor" && t.layer !== null && roles.indexOf(t.role) < 0) roles.push(t.role); });
  const el = body("fp-stats");
  disposeUnder(el);
  if (!roles.length) { el.innerHTML = "<p class=fp-empty>No per-layer tensors.</p>"; return; }
  if (state.role === null || roles.indexOf(state.role) < 0) state.role = roles[0]!;
  const tensors = r.tensors.filter(function (t) { return t.kind === "tensor" && t.role === state.role; });
  const names: string[] = [];
  tensors.forEach(function (t) { Object.keys(t.stats).forEach(function (s) { if (names.indexOf(s) < 0) names.push(s); }); });
  names.sort(function (a, b) { return rank(a) - rank(b) || (a < b ? -1 : 1); });
  const role = state.role;
  const forks = r.events.filter(function (e) { return e.kind === "layer_fork" && (e.tensor === role || e.tensor.indexOf(role) >= 0); });
  let html = "<div class=fp-picker><label>role <select id=fp-role>" + roles.map(function (ro) {
    return "<option" + (ro === state.role ? " selected" : "") + ">" + esc(ro) + "</option>"; }).join("") + "</select></label>" +
    "<span class=fp-count>" + tensors.length + " layers · one line per layer, coloured from layer 0 (dark) to the last (yellow)" +
    (forks.length ? " · vertical lines: layer forks" : "") + "</span></div><div class=\"fp-grid fp-small\">";
  const specs: Record<string, ChartSpec<null>> = {};
  names.slice(0, 16).forEach(function (s) {
    html += card("stat:" + s, s.replace(/_/g, " "), "per layer over training", { "data-stat": s });
    specs["stat:" + s] = { sig: function () { return run().steps.length + "|" + state.role + "|" + JSON.stringify(tensors.map(function (t) { return t.stats[s]; })).length; },
      build: function () { return statOption(run(), s, tensors, forks); } };
  });
  el.innerHTML = html + "</div>";
  $("fp-role").onchange = function () { state.role = $<HTMLSelectElement>("fp-role").value; renderStats(); };
  mount(el, specs);
}
function rank(s: string): number { const i = STAT_ORDER.indexOf(s); return i >= 0 ? i : s.indexOf("frac") === 0 ? 4.5 : 99; }

function renderTrajectories(): void {
  const el = body("fp-trajectories"), specs: Record<string, ChartSpec<DecodedArray>> = {};
  let html = "";
  disposeUnder(el);
  run().trajectories.forEach(function (tr) {
    const key = "traj:" + tr.tensor;
    html += card(key, tr.tensor, tr.elements.length + " elements · colour: branch after the population fork" +
      (tr.forkStep !== undefined ? " (step " + fmtStep(tr.forkStep) + ")" : ""), { "data-tensor": tr.tensor });
    specs[key] = { sig: function () { return run().steps.length + "|" + tr.values.data.length; },
      prepare: function () { return decodeArray(tr.values); },
      build: function (values) { return trajectoryOption(run(), tr, values); } };
  });
  el.innerHTML = html ? "<div class=fp-grid>" + html + "</div>" : "<p class=fp-empty>No kept tensors in this run.</p>";
  mount(el, specs);
}
function renderQuality(): void {
  const el = body("fp-quality"), specs: Record<string, ChartSpec<null>> = {};
  let html = "";
  disposeUnder(el);
  run().metrics.forEach(function (m) {
    const key = "quality:" + m.name;
    html += card(key, m.name, "over training steps · vertical lines: the strongest detected events");
    specs[key] = { sig: function () { return JSON.stringify(m).length + "|" + run().events.length; }, build: function () { return qualityOption(run(), m); } };
  });
  el.innerHTML = html ? "<div class=fp-grid>" + html + "</div>" : "<p class=fp-empty>No quality metrics in this run.</p>";
  mount(el, specs);
}
function renderPruning(): void {
  const el = body("fp-pruning");
  disposeUnder(el);
  if (!run().pruning.length) { el.innerHTML = "<p class=fp-empty>No pruning experiments in this run.</p>"; return; }
  el.innerHTML = "<div class=fp-grid>" + card("pruning", "Pruning tolerance", "one line per checkpoint and method · solid: magnitude pruning, dashed: random-pruning control · near-zero: share of weights with |w| ≤ 0.1 std before pruning") + "</div>";
  mount(el, { pruning: { sig: function () { return String(JSON.stringify(run().pruning).length); }, build: function () { return pruningOption(run()); } } });
}

export function renderMeta(): void {
  const m = $("fp-meta"), runs = DATA.runs;
  m.innerHTML = (runs.length > 1 ? "<label>run <select id=fp-run>" + runs.map(function (r, i) {
    return "<option value=" + i + (i === state.run ? " selected" : "") + ">" + esc(r.id) + "</option>"; }).join("") + "</select></label>" : "") +
    "<span>generated " + esc(DATA.generatedAt) + "</span>" + (CFG.live ? "<span id=fp-live-state>live: connecting…</span>" : "<span>static report</span>");
  const picker = document.getElementById("fp-run") as HTMLSelectElement | null;
  if (picker) picker.onchange = function () { state.run = Number(picker.value); renderAll(); };
}
export function renderAll(): void {
  if (state.run >= DATA.runs.length) state.run = 0;
  $("fp-title").textContent = DATA.title;
  renderMeta();
  renderVerdicts();
  if (!DATA.runs.length) { showBanner("This report holds no runs yet."); return; }
  renderOverview(); if (document.getElementById("fp-phase")) renderPhase(); renderPicker(); renderBifurcation(); renderStats(); renderTrajectories(); renderQuality(); renderPruning();
}
