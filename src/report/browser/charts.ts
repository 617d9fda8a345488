// ECharts option builders for each chart kind of the report (bifurcation heatmap, statistic small
// multiples, element trajectories, quality, pruning, event timeline) and the toolbox with PNG and
// SVG export. The options are typed with ECharts' own option types (type-only imports: nothing of
// echarts enters the bundle; the page loads the library itself).
import type {
  CustomSeriesOption, CustomSeriesRenderItemAPI, CustomSeriesRenderItemReturn, DefaultLabelFormatterCallbackParams, EChartsOption, GridComponentOption,
  LabelFormatterCallback, LineSeriesOption, MarkLineComponentOption, ScatterSeriesOption, SeriesOption, ToolboxComponentOption,
  TooltipComponentFormatterCallback, TooltipComponentFormatterCallbackParams, TooltipComponentOption,
} from "echarts";
import type { ModeMark, ReportEvent, ReportMetric, ReportRun, ReportTensor, ReportTrajectories } from "../data.js";
import { downloadSvg, type BuildOptions } from "./app.js";
import {
  BRANCH_COLORS, MARK_COLOR, MODE_COLORS, TRACK_COLORS, VIRIDIS, atlasColumnUrls, columnEdges, esc, fmtNum, fmtPct, fmtStep,
  kindColor, stepAxis, stepOf, valueAxis, viridisCss, xOf, type DecodedArray,
} from "./core.js";

/** The option every chart starts from (ECharts' own option type): its tooltip and series are filled in by each builder. */
export interface BaseOption extends EChartsOption {
  tooltip: TooltipComponentOption;
  series?: SeriesOption[];
}
/** One point of a tooltip (ECharts' formatter parameter), with the data the series was given. */
export interface TooltipPoint<D> {
  seriesName: string;
  marker: string;
  data: D;
}
/** A vertical line of an event series: where, which event, how it is drawn. */
export interface EventLine {
  xAxis: number;
  ev: ReportEvent;
  lineStyle: { color: string; width: number; type: "solid" | "dashed"; opacity?: number };
}
/** The invisible series that carries event lines (eventMarkSeries). */
export type EventMarkSeries = Omit<LineSeriesOption, "markLine"> & { markLine: Omit<MarkLineComponentOption, "data"> & { data: EventLine[] } };

/**
 * A tooltip formatter over the data its series were given. ECharts types a formatter's points as
 * CallbackDataParams whose `data` is any option value; each chart knows what its own series hold,
 * and this is the one place that says so (`points` is an array for trigger "axis", one point for "item").
 */
export function tooltipFormatter<P, T = TooltipComponentFormatterCallbackParams>(f: (points: P) => string): TooltipComponentFormatterCallback<T> {
  return function (params) { return f(params as unknown as P); };
}
/** A label formatter over the data of its mark or series (as tooltipFormatter). */
function labelFormatter<D>(f: (point: { data: D }) => string): LabelFormatterCallback<DefaultLabelFormatterCallbackParams> {
  return function (params) { return f(params as unknown as { data: D }); };
}
/** A heatmap's prepared inputs: the decoded cells and their image atlas. */
export interface HeatPrep {
  q: DecodedArray;
  atlas: HTMLCanvasElement;
}

const SVG_ICON = "path://M4 2h11l5 5v15H4z M7 12h10 M7 16h10";

function toolbox(key: string): ToolboxComponentOption {
  const file = key.replace(/[^A-Za-z0-9._-]+/g, "_");
  return { right: 6, top: 0, itemSize: 13, feature: {
    dataZoom: { title: { zoom: "zoom", back: "undo zoom" } },
    restore: { title: "reset" },
    saveAsImage: { type: "png", pixelRatio: 2, name: file, title: "PNG", backgroundColor: "#ffffff" },
    myExportSvg: { show: true, title: "SVG", icon: SVG_ICON, onclick: function () { downloadSvg(key); } },
  } };
}
export function baseOption(key: string, gridExtra?: GridComponentOption): BaseOption {
  const grid: GridComponentOption = { left: 66, right: 20, top: 34, bottom: 46, ...gridExtra };
  return { animation: false, backgroundColor: "#ffffff", textStyle: { fontFamily: "system-ui, sans-serif" }, grid: grid, toolbox: toolbox(key),
    tooltip: { confine: true, backgroundColor: "rgba(29,35,48,.92)", borderWidth: 0, textStyle: { color: "#fff", fontSize: 12 } } };
}
export function eventTooltip(e: ReportEvent): string {
  return "<b>" + esc(e.kind.replace(/_/g, " ")) + "</b> at step " + fmtStep(e.step) + "<br>" + esc(e.tensor) +
    "<br>interval (" + fmtStep(e.step_low) + ", " + fmtStep(e.step_high) + "] · strength " + fmtNum(e.strength) +
    (e.artefact ? "<br><i>optimizer artefact (" + esc(e.artefact.replace(/_/g, " ")) + ")</i>" : "");
}
/** An invisible line series whose markLines are the events (vertical lines with tooltips). */
export function eventMarkSeries(events: ReportEvent[], showLabels: boolean): EventMarkSeries {
  return { type: "line", name: "events", data: [], silent: false, z: 4,
    markLine: { symbol: ["none", "none"], animation: false, silent: false,
      label: { show: showLabels, position: "end", formatter: labelFormatter(function (p: { data: EventLine }) { return p.data.ev.kind.replace(/_/g, " "); }), fontSize: 10, color: "#1d2330" },
      tooltip: { trigger: "item", formatter: tooltipFormatter(function (p: { data: EventLine }) { return eventTooltip(p.data.ev); }) },
      data: events.map(function (e): EventLine { return { xAxis: xOf(e.step), ev: e, lineStyle: e.artefact ? { color: "#adb5bd", width: 1, type: "dashed" } : { color: kindColor(e.kind), width: 1.5, type: "solid" } }; }) } };
}

export function heatmapOption(run: ReportRun, t: ReportTensor, dens: HeatPrep, opts: BuildOptions): BaseOption {
  const d = t.density!, edges = columnEdges(run.steps), key = "heat:" + t.name;
  const o = baseOption(key, { right: 78, top: 48 });
  o.xAxis = stepAxis(run.steps);
  o.yAxis = valueAxis("parameter value", { min: d.lo, max: d.hi, scale: false });
  o.visualMap = { type: "continuous", min: 0, max: 1, seriesIndex: [], calculable: false, right: 4, top: 40, itemWidth: 10, itemHeight: 150,
    text: ["col. max", "0"], textStyle: { fontSize: 10, color: "#5b6473" }, inRange: { color: VIRIDIS } };
  o.dataZoom = [{ type: "inside", xAxisIndex: 0, filterMode: "none", zoomOnMouseWheel: "ctrl", moveOnMouseMove: "ctrl" },
    { type: "inside", yAxisIndex: 0, filterMode: "none", zoomOnMouseWheel: "ctrl", moveOnMouseMove: "ctrl" }];
  const cols: number[][] = [];
  for (let c = 0; c < d.columns; c++) cols.push([edges[c]!, edges[c + 1]!, c]);
  const urls = opts.svg ? atlasColumnUrls(dens.atlas) : null;
  const density: CustomSeriesOption = { type: "custom", name: "density", id: "density", silent: true, clip: true, z: 1, data: cols,
    encode: { x: [0, 1] }, tooltip: { show: false },
    renderItem: function (_params, api: CustomSeriesRenderItemAPI): CustomSeriesRenderItemReturn {
      // the data items are [x0, x1, column] numbers (cols above)
      const c = api.value(2) as number, p0 = api.coord([api.value(0), d.hi]), p1 = api.coord([api.value(1), d.lo]);
      const box = { x: p0[0]!, y: p0[1]!, width: p1[0]! - p0[0]!, height: p1[1]! - p0[1]! };
      const style = urls ? { ...box, image: urls[c]! } : { ...box, image: dens.atlas, sx: c, sy: 0, sWidth: 1, sHeight: d.bins };
      return { type: "image", style: style, silent: true };
    } };
  const series: SeriesOption[] = [density];
  let nBranch = 0, nMode = 0;
  (t.modes || []).forEach(function (m) {
    const isMode = m.kind === "mode", color = isMode ? TRACK_COLORS[nMode++ % TRACK_COLORS.length]! : MODE_COLORS[nBranch++ % MODE_COLORS.length]!;
    series.push({ type: "line", id: (isMode ? "mode:" : "branch:") + m.id, name: m.label, z: 3, showSymbol: isMode, symbol: "circle", symbolSize: 3, clip: true,
      lineStyle: { color: color, width: isMode ? 1.4 : 1.6, type: isMode ? "solid" : "dashed" }, itemStyle: { color: color },
      tooltip: { trigger: "item", formatter: tooltipFormatter(function (p: { data: Array<number | undefined> }) { return esc(m.label) + ": step " + fmtStep(p.data[2]!) + ", value " + fmtNum(p.data[1]) + (p.data[3] !== undefined ? ", mass " + fmtNum(p.data[3]) : ""); }) },
      data: m.points.map(function (pt) { return [xOf(pt.step), pt.value, pt.step, pt.mass]; }) });
  });
  if ((t.modeMarks || []).length) series.push(...modeMarkSeries(t.modeMarks!));
  const evs = run.events.filter(function (e) { return e.tensor === t.name; });
  if (evs.length) series.push(eventMarkSeries(evs, true));
  o.series = series;
  return o;
}

/** A split / merge marker: where, which mark (for the tooltip), its symbol. */
interface ModeMarkPoint {
  value: Array<number | undefined>;
  mark: ModeMark;
  symbol: "diamond" | "triangle";
}

/** Split / merge points: a "V" from the single mode to the two modes beside it, and a marker on the single mode. */
function modeMarkSeries(marks: ModeMark[]): [LineSeriesOption, ScatterSeriesOption] {
  const links: Array<Array<number | null | undefined>> = [], points: ModeMarkPoint[] = [];
  marks.forEach(function (k) {
    const a = [xOf(k.pair.step), k.pair.values[0]], s = [xOf(k.single.step), k.single.value], b = [xOf(k.pair.step), k.pair.values[1]];
    links.push(a, s, b, [null, null]);
    points.push({ value: [s[0], s[1], k.step], mark: k, symbol: k.kind === "split" ? "diamond" : "triangle" });
  });
  const tip = function (k: ModeMark) {
    return "<b>mode " + k.kind + "</b> at step " + fmtStep(k.step) + "<br>single mode " + fmtNum(k.single.value) + " (step " + fmtStep(k.single.step) + ")" +
      "<br>two modes " + fmtNum(k.pair.values[0]) + ", " + fmtNum(k.pair.values[1]) + " (step " + fmtStep(k.pair.step) + ") · strength " + fmtNum(k.strength);
  };
  return [
    { type: "line", id: "mode-links", name: "mode split / merge", z: 4, silent: true, showSymbol: false, connectNulls: false, clip: true,
      lineStyle: { color: MARK_COLOR, width: 1.2, type: "dotted" }, data: links },
    { type: "scatter", id: "mode-marks", name: "mode split / merge", z: 5, symbolSize: 11, clip: true,
      itemStyle: { color: MARK_COLOR, borderColor: "#1d2330", borderWidth: 1 },
      tooltip: { trigger: "item", formatter: tooltipFormatter(function (p: { data: { mark: ModeMark } }) { return tip(p.data.mark); }) }, data: points },
  ];
}

/** An (x, value) point of a line over the step axis; null where the value is missing. */
type XY = [number, number | null];

export function statOption(run: ReportRun, stat: string, tensors: ReportTensor[], events: ReportEvent[]): BaseOption {
  const key = "stat:" + stat, o = baseOption(key, { top: 30, bottom: 42, left: 58 });
  o.xAxis = stepAxis(run.steps);
  o.yAxis = valueAxis(stat.replace(/_/g, " "), { nameGap: 44 });
  const maxLayer = Math.max(1, Math.max.apply(null, tensors.map(function (t) { return t.layer || 0; })));
  o.tooltip.trigger = "axis";
  o.tooltip.formatter = tooltipFormatter(function (ps: Array<TooltipPoint<XY>>) {
    if (!ps.length) return "";
    const lines = ps.filter(function (p) { return p.seriesName !== "events" && p.data && p.data[1] !== null; })
      .sort(function (a, b) { return b.data[1]! - a.data[1]!; });
    const shown = lines.slice(0, 8).map(function (p) { return p.marker + esc(p.seriesName) + ": " + fmtNum(p.data[1]); });
    if (lines.length > 8) shown.push("... " + (lines.length - 8) + " more");
    return "step " + fmtStep(stepOf(ps[0]!.data[0])) + "<br>" + shown.join("<br>");
  });
  const series: SeriesOption[] = tensors.map(function (t) {
    const vals = t.stats[stat] || [], color = viridisCss(0.9 * (t.layer || 0) / maxLayer);
    return { type: "line", name: t.layer !== null ? "layer " + t.layer : t.name, showSymbol: false, connectNulls: false,
      lineStyle: { width: 1.3, color: color }, itemStyle: { color: color }, emphasis: { focus: "series" },
      data: run.steps.map(function (s, i): XY { return [xOf(s), vals[i] === undefined ? null : vals[i]!]; }) };
  });
  if (events.length) series.push(eventMarkSeries(events, false));
  o.series = series;
  return o;
}

export function trajectoryOption(run: ReportRun, tr: ReportTrajectories, values: DecodedArray): BaseOption {
  const key = "traj:" + tr.tensor, o = baseOption(key, { right: 20, top: 48, bottom: 66 });
  const n = tr.elements.length, branches = tr.branch || [];
  o.xAxis = stepAxis(run.steps);
  o.yAxis = valueAxis("parameter value");
  o.legend = { bottom: 0, left: 70, right: 20, itemWidth: 14, textStyle: { fontSize: 11 }, data: ["no branch"].concat(BRANCH_COLORS.map(function (_, i) { return "branch " + i; })) };
  o.tooltip.trigger = "axis";
  o.tooltip.formatter = tooltipFormatter(function (ps: Array<TooltipPoint<XY>>) {
    if (!ps.length) return "";
    const s = Math.round(stepOf(ps[0]!.data[0])), groups: Record<string, number[]> = {};
    ps.forEach(function (p) { if (!p.data || p.data[1] === null) return; (groups[p.seriesName] = groups[p.seriesName] || []).push(p.data[1]); });
    const out = ["step " + fmtStep(s)];
    Object.keys(groups).sort().forEach(function (g) {
      const v = groups[g]!, mean = v.reduce(function (a, b) { return a + b; }, 0) / v.length;
      out.push(esc(g) + ": " + v.length + " elements, mean " + fmtNum(mean) + ", range [" + fmtNum(Math.min.apply(null, v)) + ", " + fmtNum(Math.max.apply(null, v)) + "]");
    });
    return out.join("<br>");
  });
  const series: SeriesOption[] = [];
  for (let e = 0; e < n; e++) {
    const b = branches[e] === undefined ? -1 : branches[e]!;
    const color = b < 0 ? "#868e96" : BRANCH_COLORS[b % BRANCH_COLORS.length]!;
    const data = run.steps.map(function (s, i): XY { const v = i * n + e < values.length ? values[i * n + e]! : NaN; return [xOf(s), v === v ? v : null]; });
    series.push({ type: "line", name: b < 0 ? "no branch" : "branch " + b, showSymbol: false, data: data,
      lineStyle: { width: 0.8, color: color, opacity: 0.55 }, itemStyle: { color: color } });
  }
  if (tr.forkStep !== undefined) {
    series.push(eventMarkSeries([{ kind: "population_fork", tensor: tr.tensor, step: tr.forkStep, step_low: tr.forkStep, step_high: tr.forkStep, strength: NaN }], true));
  }
  o.series = series;
  return o;
}

export function qualityOption(run: ReportRun, metric: ReportMetric): BaseOption {
  const key = "quality:" + metric.name, o = baseOption(key, { top: 48 });
  o.xAxis = stepAxis(run.steps);
  o.yAxis = valueAxis(metric.name + (metric.unit ? " (" + metric.unit + ")" : ""));
  o.tooltip.trigger = "axis";
  o.tooltip.formatter = tooltipFormatter(function (ps: Array<TooltipPoint<[number, number | null, number]>>) {
    const p = ps.filter(function (q) { return q.seriesName === metric.name; })[0];
    return p ? "step " + fmtStep(p.data[2]) + "<br>" + esc(metric.name) + ": " + fmtNum(p.data[1]) : "";
  });
  const series: SeriesOption[] = [{ type: "line", name: metric.name, showSymbol: true, symbolSize: 3, lineStyle: { width: 1.8, color: "#1d2330" }, itemStyle: { color: "#1d2330" },
    data: metric.steps.map(function (s, i) { return [xOf(s), metric.values[i], s]; }) }];
  const strongest: Record<string, ReportEvent> = {}, evs: ReportEvent[] = [];
  run.events.forEach(function (e) { if (!e.artefact && (!strongest[e.step] || strongest[e.step]!.strength < e.strength)) strongest[e.step] = e; });
  Object.keys(strongest).forEach(function (s) { evs.push(strongest[s]!); });
  evs.sort(function (a, b) { return b.strength - a.strength; });
  if (evs.length) series.push(eventMarkSeries(evs.slice(0, 20), true));
  o.series = series;
  return o;
}

/** Loss (increase) against sparsity: one line per checkpoint, method and scope; random dashed; near-zero mass in the legend. */
export function pruningOption(run: ReportRun): BaseOption {
  const o = baseOption("pruning", { right: 20, top: 34, bottom: 86 });
  o.xAxis = { type: "value", min: 0, max: 1, name: "sparsity (fraction of weights removed)", nameLocation: "middle", nameGap: 28,
    axisLabel: { formatter: function (v: number) { return Math.round(v * 100) + "%"; } }, splitLine: { show: false } };
  const metric = run.pruning.length ? run.pruning[0]!.metric : "metric";
  o.yAxis = valueAxis(metric);
  o.legend = { bottom: 0, left: 70, right: 20, type: "scroll", textStyle: { fontSize: 11 } };
  o.tooltip.trigger = "item";
  o.tooltip.formatter = tooltipFormatter(function (p: TooltipPoint<{ curve: number; value: [number, number | null] }>) {
    const c = run.pruning[p.data.curve]!, v = p.data.value;
    return esc(p.seriesName) + "<br>sparsity " + Math.round(v[0] * 100) + "%: " + esc(metric) + " " + fmtNum(v[1]) +
      (c.baseLoss !== undefined ? "<br>unpruned loss " + fmtNum(c.baseLoss) : "") +
      (c.nearZeroMass !== undefined && c.nearZeroMass !== null ? "<br>near-zero mass (|w| ≤ 0.1 std) " + fmtPct(c.nearZeroMass) : "") +
      (c.seeds && c.seeds.length > 1 ? "<br>mean over " + c.seeds.length + " seeds" : "");
  });
  const steps = run.pruning.map(function (c) { return c.step; }).filter(function (s, i, a) { return a.indexOf(s) === i; });
  const scopes = run.pruning.map(function (c) { return c.scope; }).filter(function (s, i, a) { return s !== undefined && a.indexOf(s) === i; });
  o.series = run.pruning.map(function (c, ci) {
    const color = viridisCss(0.85 * steps.indexOf(c.step) / Math.max(1, steps.length - 1));
    const name = (c.step === null ? "" : "step " + fmtStep(c.step) + " · ") + c.method + (scopes.length > 1 ? " (" + c.scope + ")" : "") +
      (c.nearZeroMass !== undefined && c.nearZeroMass !== null ? " · near-zero " + fmtPct(c.nearZeroMass) : "");
    return { type: "line", name: name, symbolSize: 5,
      lineStyle: { color: color, width: 1.8, type: c.method === "random" ? "dashed" : "solid" }, itemStyle: { color: color },
      data: c.sparsity.map(function (s, i) { return { value: [s, c.values[i]], curve: ci }; }) };
  });
  return o;
}

export function timelineOption(run: ReportRun): BaseOption {
  const o = baseOption("timeline", { top: 30, left: 120, bottom: 44 });
  const kinds = run.events.map(function (e) { return e.kind; }).filter(function (k, i, a) { return a.indexOf(k) === i; }).sort();
  o.xAxis = stepAxis(run.steps);
  o.yAxis = { type: "category", data: kinds.map(function (k) { return k.replace(/_/g, " "); }), axisLine: { onZero: false }, axisLabel: { color: "#3d4656" }, splitLine: { show: true, lineStyle: { color: "#eef0f3" } } };
  o.tooltip.trigger = "item";
  o.tooltip.formatter = tooltipFormatter(function (p: TooltipPoint<{ ev: ReportEvent }>) { return eventTooltip(p.data.ev) + "<br><i>click to open the tensor</i>"; });
  o.series = [{ type: "scatter", name: "events", data: run.events.map(function (e, i) {
    return { value: [xOf(e.step) + jitter(i), kinds.indexOf(e.kind)], ev: e,
      itemStyle: e.artefact ? { color: "rgba(255,255,255,0)", borderColor: "#868e96", borderWidth: 1.2, opacity: 0.8 } : { color: kindColor(e.kind), opacity: 0.75 },
      symbolSize: 7 + 3 * Math.min(4, Math.max(0, e.strength || 0)) };
  }) }];
  return o;
}
function jitter(i: number): number { return ((i * 0.618034) % 1 - 0.5) * 0.04; }
