// The progress page of a queued analysis (`serve <dir>` on a `cluster submit` output folder): the
// checkpoint jobs done / active / failed / waiting, each failed checkpoint with its typed error,
// and the merge job, updated live from the server's `progress` events (SSE). Self-contained;
// the same Content-Security-Policy as the report (inline code, fetches to the serving origin only).
import { escapeHtml, jsonForScript, pageHead } from "./render.js";

/** What the page shows: the shape of a flow's status (cluster/queue/status.ts), or the error of the last read. */
export interface QueueProgress {
  flowId?: string;
  checkpoints?: number;
  counts?: Record<string, number>;
  failed?: { step: number; error: string; attempts: number }[];
  merge?: { state: string; error?: string };
  error?: string;
}

export interface ProgressPageOptions {
  title: string;
  progressPath: string;
  eventsPath: string;
  /** Progress at render time (shown before the first event). */
  initial: QueueProgress | null;
}

const PROGRESS_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:60rem;color:#1b1f24}
h1{font-size:1.3rem;margin:0 0 .3rem}.sub{color:#57606a;margin:0 0 1rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{padding:.25rem .8rem;text-align:left;border-bottom:1px solid #d0d7de}
td.n{text-align:right;font-variant-numeric:tabular-nums}.bar{height:10px;background:#eaeef2;border-radius:5px;overflow:hidden;margin:.6rem 0;display:flex}
.bar span{display:block;height:100%}.done{background:#2da44e}.active{background:#0969da}.failed{background:#cf222e}.waiting{background:#afb8c1}
.err{color:#cf222e;font-family:ui-monospace,monospace;font-size:12px;word-break:break-word}#fp-progress-state{color:#57606a;font-size:12px}`;

const PROGRESS_JS = `(function () {
"use strict";
var CFG = JSON.parse(document.getElementById("fp-progress-config").textContent);
var STATES = ["done", "active", "failed", "waiting", "missing"];
var live = window.__fpProgress = { updates: 0, last: CFG.initial };
function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
function render(p) {
  live.last = p;
  var root = document.getElementById("fp-progress");
  root.textContent = "";
  if (!p) { root.appendChild(el("p", "No progress read yet.")); return; }
  if (p.error) { root.appendChild(el("p", "Cannot read the queue: " + p.error, "err")); return; }
  root.appendChild(el("p", "Flow " + p.flowId + ": " + p.checkpoints + " checkpoint job(s)", "sub"));
  var bar = el("div", undefined, "bar");
  STATES.forEach(function (s) { var n = p.counts[s] || 0; if (!n || !p.checkpoints) return; var b = el("span", undefined, s === "missing" ? "waiting" : s); b.style.width = (100 * n / p.checkpoints) + "%"; bar.appendChild(b); });
  root.appendChild(bar);
  var t = el("table"); t.id = "fp-progress-counts";
  STATES.forEach(function (s) { if (s === "missing" && !p.counts[s]) return; var tr = el("tr"); tr.dataset.state = s; tr.appendChild(el("th", s)); tr.appendChild(el("td", p.counts[s] || 0, "n")); t.appendChild(tr); });
  var m = el("tr"); m.dataset.state = "merge"; m.appendChild(el("th", "merge")); m.appendChild(el("td", p.merge.state + (p.merge.error ? ": " + p.merge.error : ""))); t.appendChild(m);
  root.appendChild(t);
  if (p.failed.length) {
    root.appendChild(el("h2", "Failed checkpoints"));
    var f = el("table"); f.id = "fp-progress-failed";
    p.failed.forEach(function (x) { var tr = el("tr"); tr.dataset.step = x.step; tr.appendChild(el("td", "step " + x.step)); tr.appendChild(el("td", x.attempts + " attempt(s)", "n")); tr.appendChild(el("td", x.error, "err")); f.appendChild(tr); });
    root.appendChild(f);
  }
}
render(CFG.initial);
var es = new EventSource(CFG.eventsPath);
var st = document.getElementById("fp-progress-state");
es.addEventListener("open", function () { st.textContent = "live: connected"; });
es.addEventListener("progress", function (ev) { live.updates++; render(JSON.parse(ev.data)); st.textContent = "live: updated " + new Date().toLocaleTimeString(); });
es.addEventListener("error", function (ev) { if (ev.data === undefined) st.textContent = "live: reconnecting…"; });
})();`;

/** The whole progress page as one HTML string. */
export function renderProgressPage(o: ProgressPageOptions): string {
  const config = { progressPath: o.progressPath, eventsPath: o.eventsPath, initial: o.initial };
  return `<!doctype html>
<html lang="en">
<head>
${pageHead(`${o.title} · progress`, PROGRESS_CSS)}
</head>
<body>
<h1>${escapeHtml(o.title)}</h1>
<p class="sub">Queued analysis: checkpoint jobs and the merge, as <code>forking-paths cluster status</code> shows them. <span id="fp-progress-state"></span></p>
<div id="fp-progress"></div>
<script type="application/json" id="fp-progress-config">${jsonForScript(config)}</script>
<script>${PROGRESS_JS}</script>
</body>
</html>
`;
}
