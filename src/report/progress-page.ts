// The progress page of a queued analysis (`serve <dir>` on a `cluster submit` output folder): the
// checkpoint jobs done / active / failed / waiting, each failed checkpoint with its typed error,
// and the merge job, updated live from the server's `progress` events (SSE). Self-contained;
// the same Content-Security-Policy as the report (inline code, fetches to the serving origin only).
// The page's script is browser/progress.ts, bundled at build time.
import { progressClientSource } from "./assets.js";
import type { QueueProgress } from "./progress-types.js";
import { escapeHtml, jsonForScript, pageHead } from "./render.js";

export type { QueueProgress } from "./progress-types.js";

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
<script>${progressClientSource()}</script>
</body>
</html>
`;
}
