// The queue progress page's script (`serve <dir>` on a `cluster submit` output folder; bundled
// into build/report/progress.js): draws the checkpoint jobs done / active / failed / waiting, the
// failed checkpoints with their errors and the merge job, then redraws on each `progress` event.
import type { QueueProgress } from "../progress-types.js";

/** The page's configuration (#fp-progress-config), written by progress-page.ts. */
interface ProgressConfig {
  progressPath: string;
  eventsPath: string;
  initial: QueueProgress | null;
}

/** What the tests read: how many updates arrived and the progress drawn last. */
interface ProgressState {
  updates: number;
  last: QueueProgress | null;
}

declare global {
  interface Window {
    __fpProgress: ProgressState;
  }
}

const CFG: ProgressConfig = JSON.parse(document.getElementById("fp-progress-config")!.textContent!);
const STATES = ["done", "active", "failed", "waiting", "missing"];
const live: ProgressState = window.__fpProgress = { updates: 0, last: CFG.initial };

function el(tag: string, text?: unknown, cls?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function render(p: QueueProgress | null): void {
  live.last = p;
  const root = document.getElementById("fp-progress")!;
  root.textContent = "";
  if (!p) { root.appendChild(el("p", "No progress read yet.")); return; }
  if (p.error) { root.appendChild(el("p", "Cannot read the queue: " + p.error, "err")); return; }
  // a read without an error is a flow's status: every field is there (cluster/queue/status.ts)
  const counts = p.counts!, checkpoints = p.checkpoints!, merge = p.merge!, failed = p.failed!;
  root.appendChild(el("p", "Flow " + p.flowId + ": " + checkpoints + " checkpoint job(s)", "sub"));
  const bar = el("div", undefined, "bar");
  STATES.forEach(function (s) {
    const n = counts[s] || 0;
    if (!n || !checkpoints) return;
    const b = el("span", undefined, s === "missing" ? "waiting" : s);
    b.style.width = (100 * n / checkpoints) + "%";
    bar.appendChild(b);
  });
  root.appendChild(bar);
  const t = el("table");
  t.id = "fp-progress-counts";
  STATES.forEach(function (s) {
    if (s === "missing" && !counts[s]) return;
    const tr = el("tr");
    tr.dataset.state = s;
    tr.appendChild(el("th", s));
    tr.appendChild(el("td", counts[s] || 0, "n"));
    t.appendChild(tr);
  });
  const m = el("tr");
  m.dataset.state = "merge";
  m.appendChild(el("th", "merge"));
  m.appendChild(el("td", merge.state + (merge.error ? ": " + merge.error : "")));
  t.appendChild(m);
  root.appendChild(t);
  if (failed.length) {
    root.appendChild(el("h2", "Failed checkpoints"));
    const f = el("table");
    f.id = "fp-progress-failed";
    failed.forEach(function (x) {
      const tr = el("tr");
      tr.dataset.step = String(x.step);
      tr.appendChild(el("td", "step " + x.step));
      tr.appendChild(el("td", x.attempts + " attempt(s)", "n"));
      tr.appendChild(el("td", x.error, "err"));
      f.appendChild(tr);
    });
    root.appendChild(f);
  }
}
render(CFG.initial);
const es = new EventSource(CFG.eventsPath);
const st = document.getElementById("fp-progress-state")!;
es.addEventListener("open", function () { st.textContent = "live: connected"; });
es.addEventListener("progress", function (ev: MessageEvent<string>) { live.updates++; render(JSON.parse(ev.data)); st.textContent = "live: updated " + new Date().toLocaleTimeString(); });
// the browser's connection errors carry no data
es.addEventListener("error", function (ev: Event) { if ((ev as MessageEvent).data === undefined) st.textContent = "live: reconnecting…"; });
