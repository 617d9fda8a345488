// The local dashboard: serves the report page (live mode), its data and Server-Sent Events on
// 127.0.0.1, read-only. Exact routes only; anything else, including traversal attempts, is 404.
// Errors published by a watcher reach the page as `error` events; the server keeps serving.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { ForkingPathsError, UsageError } from "../util/errors.js";
import type { ReportData } from "./data.js";
import { renderProgressPage, type QueueProgress } from "./progress-page.js";
import { REPORT_CSP, renderReport } from "./render.js";

/** Default port of `forking-paths serve`. */
export const DEFAULT_REPORT_PORT = 8377;
/** Hosts the server binds without `allowPublicHost`. */
export const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "::1"];
/** Interval of SSE keep-alive comments (ms). */
export const SSE_HEARTBEAT_MS = 15_000;
/** Default period of progress reads (ms). */
export const PROGRESS_POLL_MS = 1_000;

export type ReportUpdate =
  | { kind: "data"; data?: ReportData }
  | { kind: "error"; message: string; file?: string };

/** Starts watching; calls `publish` on new data or errors; returns a function that stops it. */
export type ReportWatcher = (publish: (update: ReportUpdate) => void) => (() => void | Promise<void>) | Promise<() => void | Promise<void>>;

export interface ReportServerOptions {
  /** The analysis folder being served (named in errors). */
  outDir?: string;
  /** 0 picks a free port. Default DEFAULT_REPORT_PORT. */
  port?: number;
  /** Default "127.0.0.1". Any non-loopback host needs allowPublicHost. */
  host?: string;
  allowPublicHost?: boolean;
  /** The report's data; without it (progress only), `/` is the progress page and `/data.json` is 404. */
  getData?: () => Promise<ReportData>;
  watch?: ReportWatcher;
  /** A queued analysis: `/progress` and `/progress.json`, and a `progress` event whenever a read differs from the last. */
  progress?: ReportProgress;
}

export interface ReportProgress {
  /** One read of the progress; a rejection is shown as `{ error }` (the server keeps polling). */
  get: () => Promise<QueueProgress>;
  /** Default PROGRESS_POLL_MS. */
  intervalMs?: number;
  title: string;
}

export interface ReportServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
  /** New data (given, or re-read with getData) -> `update` event; an error -> `error` event. */
  publish(update: ReportUpdate): Promise<void>;
}

/** A server-side failure of the dashboard (binding, first data load). */
export class ReportServerError extends ForkingPathsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("REPORT_SERVER", message, options);
  }
}

interface ServerState {
  data: ReportData | null;
  /** The last progress read, as JSON (null: no progress option). */
  progress: string | null;
  progressTitle: string;
  version: number;
  html: string | null;
  json: string | null;
  lastError: { message: string; file?: string } | null;
  clients: Set<ServerResponse>;
}

const ROUTES = new Set(["/", "/index.html", "/data.json", "/events", "/progress", "/progress.json"]);

/** Validates the request path; returns the route or null (-> 404). Rejects any traversal trick. */
export function routeOf(rawUrl: string | undefined): string | null {
  if (rawUrl === undefined || !rawUrl.startsWith("/")) return null;
  const path = rawUrl.split(/[?#]/, 1)[0]!;
  if (/[\\\0]|%(?:2e|2f|5c|00)|\.\./i.test(path)) return null;
  return ROUTES.has(path) ? path : null;
}

function checkHost(host: string, allowPublicHost: boolean): void {
  if (LOOPBACK_HOSTS.includes(host) || allowPublicHost) return;
  throw new UsageError(
    `refusing to serve the dashboard on ${host}: it would be reachable from other machines. ` +
      `It binds 127.0.0.1 by default; pass --host ${host} (allowPublicHost: true) only if you mean it`,
  );
}

/**
 * DNS rebinding defence: a page on attacker.example whose name resolves to 127.0.0.1 sends
 * `Host: attacker.example:<port>`. Only "localhost", IP literals (a rebinding page cannot use
 * them: its origin would be the IP itself) and the bound host name are answered, and only with
 * the bound port (or no port when it is 80).
 */
export function isAllowedHostHeader(header: string | undefined, boundHost: string, port: number): boolean {
  if (header === undefined) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (m === null) return false;
  const name = m[1]!.toLowerCase();
  const headerPort = m[2] === undefined ? 80 : Number(m[2]);
  if (headerPort !== port) return false;
  const bare = name.startsWith("[") ? name.slice(1, -1) : name;
  return name === "localhost" || isIP(bare) !== 0 || bare === boundHost.toLowerCase();
}

/** Ports are 0 (pick a free one) to 65535. */
function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`port ${port} is outside 0..65535 (0 picks a free port)`);
  }
}

export async function startReportServer(options: ReportServerOptions): Promise<ReportServer> {
  const host = options.host ?? "127.0.0.1";
  checkHost(host, options.allowPublicHost ?? false);
  checkPort(options.port ?? DEFAULT_REPORT_PORT);
  if (options.getData === undefined && options.progress === undefined) throw new UsageError("startReportServer: give getData, progress, or both");
  const getData = options.getData;
  let data: ReportData | null = null;
  try {
    if (getData !== undefined) data = await getData();
  } catch (cause) {
    throw new ReportServerError(`cannot load the report data${options.outDir ? ` of ${options.outDir}` : ""}: ${(cause as Error).message}`, { cause });
  }
  const state: ServerState = {
    data, progress: null, progressTitle: options.progress?.title ?? "", version: 1, html: null, json: null, lastError: null, clients: new Set(),
  };
  const readProgress = async (): Promise<string> =>
    JSON.stringify(await options.progress!.get().catch((err: Error): QueueProgress => ({ error: err.message })));
  if (options.progress !== undefined) state.progress = await readProgress();
  let boundPort = -1;
  const server = createServer((req, res) => {
    if (!isAllowedHostHeader(req.headers.host, host, boundPort)) {
      res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("forbidden: unexpected Host header (open the dashboard as http://127.0.0.1:<port>/ or http://localhost:<port>/)\n");
      return;
    }
    handle(req, res, state);
  });
  await listen(server, options.port ?? DEFAULT_REPORT_PORT, host);
  const port = (server.address() as AddressInfo).port;
  boundPort = port;
  const heartbeat = setInterval(() => { for (const c of state.clients) c.write(": keep-alive\n\n"); }, SSE_HEARTBEAT_MS);
  heartbeat.unref();
  let progressTimer: NodeJS.Timeout | undefined;
  if (options.progress !== undefined) {
    let reading = false;
    progressTimer = setInterval(() => {
      if (reading) return;
      reading = true;
      void readProgress().then((next) => {
        if (next !== state.progress) {
          state.progress = next;
          for (const c of state.clients) c.write(`event: progress\ndata: ${next}\n\n`);
        }
      }).finally(() => { reading = false; });
    }, options.progress.intervalMs ?? PROGRESS_POLL_MS);
  }

  const publish = async (update: ReportUpdate): Promise<void> => {
    if (update.kind === "error") {
      state.lastError = { message: update.message, ...(update.file !== undefined ? { file: update.file } : {}) };
      broadcast(state, "error", state.lastError);
      return;
    }
    let next: ReportData;
    try {
      if (update.data === undefined && getData === undefined) return;
      next = update.data ?? (await getData!());
    } catch (cause) {
      await publish({ kind: "error", message: `reading the new data failed: ${(cause as Error).message}` });
      return;
    }
    state.data = next;
    state.version++;
    state.html = null;
    state.json = null;
    state.lastError = null;
    broadcast(state, "update", { version: state.version });
  };
  let stopWatch: (() => void | Promise<void>) | null = null;
  if (options.watch) {
    stopWatch = await options.watch((u) => { void publish(u); });
  }
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    publish,
    async close() {
      clearInterval(heartbeat);
      clearInterval(progressTimer);
      if (stopWatch) await stopWatch();
      for (const c of state.clients) c.end();
      state.clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new ReportServerError(`cannot listen on ${host}:${port}: ${err.message} ---> HINT: choose another --port`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
}

function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
    res.end("read-only: only GET and HEAD are allowed\n");
    return;
  }
  const route = routeOf(req.url);
  if (route === null) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  if (route === "/events") return openEvents(req, res, state);
  const progressOnly = state.data === null;
  if ((route === "/data.json" && progressOnly) || (route.startsWith("/progress") && state.progress === null)) {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
    return;
  }
  try {
    if (route === "/progress.json") {
      send(req, res, "application/json; charset=utf-8", state.progress!);
    } else if (route === "/progress" || progressOnly) {
      res.setHeader("Content-Security-Policy", REPORT_CSP);
      send(req, res, "text/html; charset=utf-8", renderProgressPage({
        title: state.progressTitle, progressPath: "/progress.json", eventsPath: "/events", initial: JSON.parse(state.progress!) as QueueProgress,
      }));
    } else if (route === "/data.json") {
      state.json ??= JSON.stringify(state.data);
      send(req, res, "application/json; charset=utf-8", state.json);
    } else {
      state.html ??= renderReport(state.data!, { live: true, version: state.version });
      res.setHeader("Content-Security-Policy", REPORT_CSP);
      send(req, res, "text/html; charset=utf-8", state.html);
    }
  } catch (err) {
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`cannot render the report: ${(err as Error).message}\n`);
  }
}

function send(req: IncomingMessage, res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}

function openEvents(req: IncomingMessage, res: ServerResponse, state: ServerState): void {
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", Connection: "keep-alive" });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  res.write(`retry: 2000\n\n`);
  state.clients.add(res);
  writeEvent(res, "hello", { version: state.version });
  if (state.progress !== null) res.write(`event: progress\ndata: ${state.progress}\n\n`);
  if (state.lastError) writeEvent(res, "error", state.lastError);
  req.on("close", () => { state.clients.delete(res); });
}

function broadcast(state: ServerState, event: string, payload: unknown): void {
  for (const c of state.clients) writeEvent(c, event, payload);
}

function writeEvent(res: ServerResponse, event: string, payload: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
}
