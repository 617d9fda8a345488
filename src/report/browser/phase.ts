// The "Phase transition" view. One chart, three panels on one linear step axis: the quality metric
// that defines the transition (with its plateaus' halfway level), the weight norms (total and per
// layer), and the events per checkpoint; the transition interval shaded in every panel, its step a
// dashed line, the strongest events (optimizer artefacts left out) as vertical lines on the metric.
import type { ReportPhase, ReportRun, ReportTransition } from "../data.js";
import { body, card, disposeUnder, mount, run } from "./app.js";
import type { BarSeriesOption, LineSeriesOption, MarkAreaComponentOption, MarkLineComponentOption, SeriesOption, XAXisComponentOption } from "echarts";
import { baseOption, eventMarkSeries, tooltipFormatter, type BaseOption, type TooltipPoint } from "./charts.js";
import { esc, fmtInt, fmtNum, fmtStep, valueAxis } from "./core.js";

const PHASE_SHADE = "rgba(250, 176, 5, 0.22)";
const NORM_COLORS = ["#1d2330", "#1c7ed6", "#2b8a3e", "#ae3ec9", "#e8590c", "#0b7285", "#f08c00", "#5c940d"];

/** The marks of one panel: the shaded interval and the dashed transition step. */
interface PhaseMarks {
  markArea?: MarkAreaComponentOption;
  markLine?: Omit<MarkLineComponentOption, "data"> & { data: PhaseLine[] };
}
/** A line of a panel's marks: the transition step (vertical) or the halfway level (horizontal). */
type PhaseLine = { xAxis: number } | { yAxis: number; lineStyle: { color: string; type: "dotted"; width: number } };

/** Shaded transition interval and dashed transition step for one panel (on an invisible or real series). */
function phaseMarks(tr: ReportTransition, withLabel: boolean): PhaseMarks {
  const m: PhaseMarks = {};
  if (tr.interval) m.markArea = { silent: true, itemStyle: { color: PHASE_SHADE }, label: { show: withLabel, position: "insideTop", color: "#8a5a00", fontSize: 10 },
    data: [[{ xAxis: tr.interval[0], name: withLabel ? "transition" : "" }, { xAxis: tr.interval[1] }]] };
  if (tr.found && tr.step !== null) m.markLine = { symbol: ["none", "none"], silent: true, animation: false, label: { show: false },
    lineStyle: { color: "#b07d00", type: "dashed", width: 1.5 }, data: [{ xAxis: tr.step }] };
  return m;
}
function phaseSummary(ph: ReportPhase): string {
  const tr = ph.transition;
  if (!tr.found) return "no transition in " + tr.metric + ": " + (tr.reason || "not found");
  return tr.metric + " goes from " + fmtNum(tr.before) + " to " + fmtNum(tr.after) + "; it crosses halfway (" + fmtNum(tr.halfway) + ") at step " +
    fmtInt(tr.step!) + ", between the checkpoints at steps " + fmtInt(tr.interval![0]) + " and " + fmtInt(tr.interval![1]) + " (shaded)";
}

function phaseOption(run: ReportRun): BaseOption {
  const ph = run.phase!, tr = ph.transition, o = baseOption("phase", {});
  const steps = run.steps.length ? run.steps : ph.metric.steps, lo = steps[0], hi = steps[steps.length - 1];
  const grids = [{ top: 34, height: "26%" }, { top: "41%", height: "26%" }, { top: "75%", height: "14%" }];
  o.grid = grids.map(function (g) { return { left: 78, right: 24, top: g.top, height: g.height }; });
  o.xAxis = grids.map(function (_, i): XAXisComponentOption {
    return { type: "value", gridIndex: i, ...(lo !== undefined && { min: lo }), ...(hi !== undefined && { max: hi }), name: i === 2 ? "training step" : "", nameLocation: "middle", nameGap: 26,
      axisLabel: { show: i === 2, color: "#3d4656", formatter: function (v: number) { return fmtStep(v); } }, splitLine: { show: false },
      axisLine: { onZero: false, lineStyle: { color: "#8a93a3" } } };
  });
  o.yAxis = [valueAxis(ph.metric.name, { gridIndex: 0, nameGap: 56 }), valueAxis("weight norm", { gridIndex: 1, nameGap: 56 }),
    valueAxis("events", { gridIndex: 2, nameGap: 56, scale: false, minInterval: 1 })];
  o.axisPointer = { link: [{ xAxisIndex: "all" }] };
  o.dataZoom = [{ type: "inside", xAxisIndex: [0, 1, 2], filterMode: "none", zoomOnMouseWheel: "ctrl", moveOnMouseMove: "ctrl" }];
  o.legend = { top: 0, left: 78, right: 120, type: "scroll", textStyle: { fontSize: 11 } };
  o.tooltip.trigger = "axis";
  o.tooltip.formatter = tooltipFormatter(function (ps: Array<TooltipPoint<[number, number | null | undefined]>>) {
    if (!ps.length) return "";
    const lines = ps.filter(function (p) { return p.data && p.data[1] !== null && p.data[1] !== undefined; })
      .map(function (p) { return p.marker + esc(p.seriesName) + ": " + fmtNum(p.data[1]); });
    return "step " + fmtStep(ps[0]!.data[0]) + "<br>" + lines.join("<br>");
  });
  const metricSeries: LineSeriesOption = { type: "line", id: "phase:metric", name: ph.metric.name, xAxisIndex: 0, yAxisIndex: 0, showSymbol: true, symbolSize: 3, z: 3,
    lineStyle: { width: 1.8, color: "#c92a2a" }, itemStyle: { color: "#c92a2a" },
    data: ph.metric.steps.map(function (s, i) { return [s, ph.metric.values[i]]; }) };
  const marks = phaseMarks(tr, true);
  if (marks.markArea) metricSeries.markArea = marks.markArea;
  if (marks.markLine) metricSeries.markLine = marks.markLine;
  if (marks.markLine && tr.halfway !== null) marks.markLine.data.push({ yAxis: tr.halfway, lineStyle: { color: "#868e96", type: "dotted", width: 1.2 } });
  const series: SeriesOption[] = [metricSeries];
  const strongest = run.events.filter(function (e) { return !e.artefact; }).slice().sort(function (a, b) { return b.strength - a.strength; }).slice(0, 12);
  if (strongest.length) {
    const ev = eventMarkSeries(strongest, false);
    ev.id = "phase:events"; ev.xAxisIndex = 0; ev.yAxisIndex = 0;
    ev.markLine.data.forEach(function (d) { d.xAxis = d.ev.step; d.lineStyle.width = 1; d.lineStyle.opacity = 0.7; });
    series.push(ev);
  }
  let nNorm = 0;
  ph.features.forEach(function (f) {
    const onNorm = f.panel === "norm", color = onNorm ? NORM_COLORS[nNorm++ % NORM_COLORS.length]! : "#5c7cfa";
    const common = { id: "phase:" + f.name, name: f.name, xAxisIndex: onNorm ? 1 : 2, yAxisIndex: onNorm ? 1 : 2, itemStyle: { color: color },
      data: f.steps.map(function (st, i) { return [st, f.values[i]]; }) };
    const s: LineSeriesOption | BarSeriesOption = onNorm
      ? { type: "line", ...common, showSymbol: false, lineStyle: { width: nNorm === 1 ? 2 : 1.2, color: color } }
      : { type: "bar", ...common, barMaxWidth: 6 };
    if ((onNorm && nNorm === 1) || !onNorm) {
      const m = phaseMarks(tr, false);
      if (m.markArea) s.markArea = m.markArea;
      if (m.markLine) s.markLine = m.markLine;
    }
    series.push(s);
  });
  o.series = series;
  return o;
}

export function renderPhase(): void {
  const el = body("fp-phase");
  disposeUnder(el);
  const ph = run().phase;
  if (!ph) { el.innerHTML = "<p class=fp-empty>This run has no transition metric (test_accuracy, in_context_score or loss_repeated_half; or one named with events --transition-metric).</p>"; return; }
  el.innerHTML = "<p class=fp-sub id=fp-phase-summary data-found=\"" + (ph.transition.found ? "1" : "0") + "\">" + esc(phaseSummary(ph)) + ".</p>" +
    "<div class=\"fp-grid fp-wide\">" + card("phase", "Phase transition: " + ph.metric.name,
      "top: the quality metric, dashed level its halfway · middle: weight norms · bottom: events per checkpoint, optimizer artefacts left out · shaded: the transition interval · vertical lines: the strongest events") + "</div>";
  mount(el, { phase: { sig: function () { return JSON.stringify(run().phase || null).length + "|" + run().events.length; },
    build: function () { return phaseOption(run()); } } });
}
