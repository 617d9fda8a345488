// Fault injection for the fake Hub: which request a fault hits (route, file, method, after N,
// times) and what it does (status with Retry-After, hang, cut body, short body, content change).
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendError, type FakeFile, type RequestLog } from "./fake-hub.js";

export type FaultKind =
  | "status" // answer `status` (429, 503, 403...) with optional Retry-After
  | "hang" // wait `hangMs` before answering (for client timeouts)
  | "reset-mid-body" // full Content-Length, half the body, then the connection is destroyed
  | "truncated-body" // Content-Length and body both half of the range, Content-Range still full
  | "ignore-range" // 200 with the whole file despite a Range header
  | "change-content" // the file's bytes (and so its ETag) change, then the request is served
  | "endless-body" // 200 JSON without Content-Length whose body never ends (until the client hangs up)
  | "stall-body"; // 200 JSON, the start of a body, then silence for `hangMs` before the connection is cut

export interface Fault {
  readonly kind: FaultKind;
  /** "any" (default): resolve or cdn requests; "api": info/refs/tree. */
  readonly route?: "any" | "resolve" | "cdn" | "api";
  /** Only requests for this file path. */
  readonly file?: string;
  /** Only requests whose URL contains this text (e.g. one revision's commit in a CDN URL). */
  readonly urlIncludes?: string;
  readonly method?: "GET" | "HEAD";
  /** Matching requests let through before the fault starts (default 0). */
  readonly after?: number;
  /** Matching requests the fault hits (default 1; Infinity for a persistent fault). */
  readonly times?: number;
  readonly status?: number;
  readonly retryAfter?: string;
  readonly hangMs?: number;
}

export interface FaultState {
  /** Matching requests seen per fault. */
  readonly seen: Map<Fault, number>;
}

const BODY_FAULTS: ReadonlySet<FaultKind> = new Set(["reset-mid-body", "truncated-body", "ignore-range", "change-content"]);

function matches(f: Fault, log: RequestLog, req: IncomingMessage, servesBody: boolean): boolean {
  if (BODY_FAULTS.has(f.kind) && !servesBody) return false;
  const route = f.route ?? "any";
  const isApi = log.route === "info" || log.route === "refs" || log.route === "tree";
  if (route === "api" ? !isApi : route === "any" ? isApi : route !== log.route) return false;
  if (f.file !== undefined && f.file !== log.file) return false;
  if (f.urlIncludes !== undefined && !log.url.includes(f.urlIncludes)) return false;
  return f.method === undefined || f.method === req.method;
}

/**
 * Applies the first live fault matching this request. Returns true when the fault answered the
 * request itself, the kind when the caller must alter how it serves the body, else undefined.
 */
export async function faultFor(
  faults: readonly Fault[],
  state: FaultState,
  log: RequestLog,
  req: IncomingMessage,
  res: ServerResponse,
  replace?: (bytes: Uint8Array) => void,
  current?: () => FakeFile | undefined,
): Promise<true | FaultKind | undefined> {
  const servesBody = replace !== undefined;
  // Every matching fault counts the request, whether or not an earlier fault fires on it.
  let f: Fault | undefined;
  for (const candidate of faults) {
    if (!matches(candidate, log, req, servesBody)) continue;
    const seen = state.seen.get(candidate) ?? 0;
    state.seen.set(candidate, seen + 1);
    const after = candidate.after ?? 0;
    if (f === undefined && seen >= after && seen < after + (candidate.times ?? 1)) f = candidate;
  }
  if (f === undefined) return undefined;
  switch (f.kind) {
    case "status": {
      const headers: Record<string, string> = f.retryAfter !== undefined ? { "retry-after": f.retryAfter } : {};
      sendError(res, log, f.status ?? 503, "InjectedFault", `injected ${f.status ?? 503}`, headers);
      return true;
    }
    case "hang":
      await new Promise((resolve) => setTimeout(resolve, f.hangMs ?? 1000).unref());
      return res.destroyed || req.socket.destroyed ? true : undefined;
    case "change-content": {
      const file = current?.();
      if (file !== undefined && replace !== undefined) replace(changedBytes(file));
      return undefined;
    }
    case "endless-body":
      endlessJson(res, log);
      return true;
    case "stall-body":
      res.writeHead(200, { "content-type": "application/json" });
      log.status = 200;
      res.write('[{"type":"file","oid":"');
      log.bytesSent += 20;
      await new Promise((resolve) => setTimeout(resolve, f.hangMs ?? 1000).unref());
      res.destroy();
      return true;
    default:
      return f.kind;
  }
}

/** Streams `[{...},{...},...` in 64 KiB chunks, honouring backpressure, until the client goes away. */
function endlessJson(res: ServerResponse, log: RequestLog): void {
  res.writeHead(200, { "content-type": "application/json" });
  log.status = 200;
  const entry = JSON.stringify({ type: "file", oid: "0".repeat(40), size: 1, path: "x".repeat(64) }) + ",";
  const chunk = Buffer.from("[" + entry.repeat(Math.ceil(65536 / entry.length)));
  const pump = (): void => {
    while (!res.destroyed && !res.writableEnded) {
      log.bytesSent += chunk.byteLength;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
  };
  res.on("close", () => res.removeAllListeners("drain"));
  pump();
}

/** The file's bytes with every byte incremented (same size, different content and ETag). */
function changedBytes(file: FakeFile): Uint8Array {
  const src = file.bytes ?? new Uint8Array(readFileSync(file.diskPath!));
  return src.map((b) => (b + 1) & 0xff);
}
