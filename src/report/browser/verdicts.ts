// The "Study verdicts" section from DATA.verdicts (a study's verdicts.json): wall times, the
// verdict table with coloured badges, the runs table and the before / after fork tolerance curves.
import type { Estimate, StudyRunSummary, ToleranceCurveSummary, Verdict } from "../../experiments/verdict-types.js";
import { card, DATA, disposeUnder, mount, stat } from "./app.js";
import { baseOption, tooltipFormatter, type BaseOption, type TooltipPoint } from "./charts.js";
import { esc, fmtInt, fmtNum, fmtPct, fmtStep, valueAxis, VERDICT_COLORS } from "./core.js";

const WALL_PHASES = ["train", "analyze", "pruning", "experiments", "total"] as const;
const POSITION_COLORS: Record<string, string> = { before_fork: "#1c7ed6", after_fork: "#e8590c", final: "#2b8a3e" };

function fmtSeconds(s: number): string {
  if (!isFinite(s)) return "n/a";
  if (s < 60) return String(Number(s.toPrecision(3))) + " s";
  const m = Math.floor(s / 60);
  return m + " min " + Math.round(s - 60 * m) + " s";
}
/** "value [ci_low, ci_high]" with the sample size. */
function fmtEstimate(e: Estimate): string {
  const ci = e.ci_low !== null && e.ci_high !== null ? " [" + fmtNum(e.ci_low) + ", " + fmtNum(e.ci_high) + "]" : " [no CI]";
  return "<span class=fp-est title=\"" + esc((e.ci_method || "no interval") + "; n = " + e.n) + "\">" + fmtNum(e.value) + ci + "</span>";
}
function verdictBadge(label: string): string {
  return "<span class=fp-badge data-verdict=\"" + esc(label) + "\" style=\"background:" + (VERDICT_COLORS[label] || "#495057") + "\">" + esc(label) + "</span>";
}
function verdictRows(verdicts: Verdict[]): string {
  return verdicts.map(function (v) {
    const base = v.baseline ? esc(v.baseline.name) + "<br>" + fmtEstimate(v.baseline.estimate) : "<span class=fp-empty>none</span>";
    return "<tr data-claim=\"" + esc(v.claim) + "\"><td><b>" + esc(v.claim.replace(/_/g, " ")) + "</b><div class=fp-q>" + esc(v.question) + "</div></td><td>" +
      esc(v.measure) + "</td><td>" + fmtEstimate(v.ours) + "</td><td>" + base + "</td><td>" + verdictBadge(v.verdict) + "</td><td>" + esc(v.reason) + "</td></tr>";
  }).join("");
}
function studyRunRows(runs: StudyRunSummary[]): string {
  return runs.map(function (r) {
    const evs = Object.keys(r.events).filter(function (k) { return r.events[k]! > 0; }).map(function (k) { return esc(k.replace(/_/g, " ")) + " " + r.events[k]; }).join(", ");
    return "<tr data-run=\"" + esc(r.name) + "\"><td>" + esc(r.name) + "</td><td>" + fmtNum(r.lr) + "</td><td>" + fmtInt(r.width) + "</td><td>" + fmtNum(r.weight_decay) +
      "</td><td>" + esc(r.seed) + "</td><td>" + fmtNum(r.final_val_loss) + "</td><td>" + (evs || "none") + "</td></tr>";
  }).join("");
}
export function renderVerdicts(): void {
  const sec = document.getElementById("fp-verdicts");
  if (!sec) return;
  const el = sec.querySelector<HTMLElement>(".fp-body")!, v = DATA.verdicts;
  disposeUnder(el);
  if (!v) { el.innerHTML = "<p class=fp-empty>No study verdicts.</p>"; return; }
  let html = "<div class=fp-cards>" + WALL_PHASES.map(function (k) { return stat(fmtSeconds(v.wall_seconds[k]), k + " (wall time)"); }).join("") + "</div>" +
    "<p class=fp-sub>Preset <b>" + esc(v.preset) + "</b>, written " + esc(v.created_at) +
    (v.plan_sha256 ? "; plan fixed before the data, sha256 <code>" + esc(v.plan_sha256.slice(0, 12)) + "</code>, verdicts from the held-out seeds" : "") +
    ". Hover a value for its interval method and sample size.</p>" +
    "<table class=fp-table id=fp-verdict-table><thead><tr><th>claim</th><th>measure</th><th>ours [CI]</th><th>baseline [CI]</th><th>verdict</th><th>reason</th></tr></thead><tbody>" +
    verdictRows(v.verdicts) + "</tbody></table>" +
    "<h3>Runs</h3><table class=fp-table id=fp-study-runs><thead><tr><th>run</th><th>lr</th><th>width</th><th>weight decay</th><th>seed</th><th>final val loss</th><th>events</th></tr></thead><tbody>" +
    studyRunRows(v.runs) + "</tbody></table>";
  if (v.tolerance_curves.length) html += "<h3>Pruning tolerance before and after the fork</h3><div class=fp-grid>" +
    card("tolerance", "Loss increase against sparsity", "blue: before the fork · orange: after · solid: magnitude, dashed: random") + "</div>";
  el.innerHTML = html;
  mount(el, { tolerance: { sig: function () { return String(JSON.stringify(DATA.verdicts ? DATA.verdicts.tolerance_curves : []).length); },
    build: function () { return toleranceOption(DATA.verdicts!.tolerance_curves); } } });
}
function toleranceOption(curves: ToleranceCurveSummary[]): BaseOption {
  const o = baseOption("tolerance", { right: 20, top: 34, bottom: 86 });
  o.xAxis = { type: "value", min: 0, max: 1, name: "sparsity (fraction of weights removed)", nameLocation: "middle", nameGap: 28,
    axisLabel: { formatter: function (x: number) { return Math.round(x * 100) + "%"; } }, splitLine: { show: false } };
  o.yAxis = valueAxis("loss increase");
  o.legend = { bottom: 0, left: 70, right: 20, type: "scroll", textStyle: { fontSize: 11 } };
  o.tooltip.trigger = "item";
  o.tooltip.formatter = tooltipFormatter(function (p: TooltipPoint<{ curve: number; value: [number, number] }>) {
    const c = curves[p.data.curve]!;
    return esc(p.seriesName) + "<br>sparsity " + Math.round(p.data.value[0] * 100) + "%: loss increase " + fmtNum(p.data.value[1]) +
      "<br>unpruned loss " + fmtNum(c.base_loss) + (c.fork_step !== null ? " · fork at step " + fmtStep(c.fork_step) : "") +
      (c.near_zero_mass !== null ? "<br>near-zero mass " + fmtPct(c.near_zero_mass) : "");
  });
  o.series = curves.map(function (c, ci) {
    const color = POSITION_COLORS[c.position] || "#868e96";
    return { type: "line", name: c.run + " · step " + fmtStep(c.step) + " (" + c.position.replace(/_/g, " ") + ") · " + c.method, symbolSize: 5,
      lineStyle: { color: color, width: 1.8, type: c.method === "random" ? "dashed" : "solid" }, itemStyle: { color: color },
      data: c.points.map(function (pt) { return { value: [pt.sparsity, pt.loss_increase], curve: ci }; }) };
  });
  return o;
}
