// A local fake of the Hugging Face Hub on 127.0.0.1 for tests: model info, refs, tree listings,
// `resolve` with 302 to a signed link on a separate CDN origin (X-Linked-Etag/X-Linked-Size/X-Repo-Commit),
// ranges served there with 206, the CDN's own ETag, and per-request fault injection.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Rng } from "../../src/util/rng.js";
import { faultFor, type Fault, type FaultState } from "./fake-hub-faults.js";

export type { Fault } from "./fake-hub-faults.js";

/** File content: bytes in memory, or a string = path of a file on disk (served by ranges). */
export type FakeFileContent = Uint8Array | string;
export interface FakeRevision {
  readonly files: Readonly<Record<string, FakeFileContent>>;
  /** 40-hex commit hash; derived from repo and revision when absent. */
  readonly commit?: string;
}
/** repo ("owner/name" or "name") -> revision (branch name) -> files. */
export type FakeRepos = Readonly<Record<string, Readonly<Record<string, FakeRevision>>>>;

export interface FakeHubOptions {
  readonly repos: FakeRepos;
  readonly faults?: Fault[];
  /** When set, API and resolve routes require `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Files at least this large are "LFS": resolve answers 302 to the CDN's /cdn/... (default 1024). */
  readonly lfsThresholdBytes?: number;
  /** Entries per page of tree listings (default 1000); more pages are linked by `Link: rel="next"`. */
  readonly treePageSize?: number;
  /**
   * Where LFS redirects point: "separate-origin" (default, as the real Hub's cdn-lfs host: a second
   * listener, so credentials must be dropped on the redirect) or "same-origin".
   */
  readonly cdn?: "separate-origin" | "same-origin";
}

export type FakeRoute = "info" | "refs" | "tree" | "resolve" | "cdn" | "unknown";
export interface RequestLog {
  readonly method: string;
  readonly url: string;
  route: FakeRoute;
  file: string | undefined;
  readonly range: string | undefined;
  readonly authorization: string | undefined;
  /** Revision named in a tree/info/resolve URL (a branch name or a 40-hex commit). */
  revision: string | undefined;
  status: number;
  /** Body bytes written (a cut connection counts what was written before the cut). */
  bytesSent: number;
}

export interface FakeHub {
  readonly url: string;
  /** Origin of the LFS "CDN" (equal to `url` with cdn: "same-origin"). */
  readonly cdnUrl: string;
  readonly requests: RequestLog[];
  /** Faults still pending; tests may push more at any time. */
  readonly faults: Fault[];
  /** Replaces a file's content (new ETag); the next reads see the new bytes. */
  replaceFile(repo: string, revision: string, path: string, bytes: Uint8Array): void;
  /** Range requests for `file` answered with file bytes (206/200 GETs on resolve or cdn). */
  contentRequests(file?: string): RequestLog[];
  close(): Promise<void>;
}

export interface FakeFile {
  bytes: Uint8Array | undefined;
  diskPath: string | undefined;
  size: number;
  sha256: string;
  gitOid: string;
  /** md5 of the content: the CDN's (S3's) ETag, unlike the Hub's. */
  md5: string;
}
interface FakeRev {
  readonly commit: string;
  readonly files: Map<string, FakeFile>;
}

export function fileFromContent(content: FakeFileContent): FakeFile {
  if (typeof content === "string") {
    const data = readFileSync(content);
    return { bytes: undefined, diskPath: content, size: statSync(content).size, ...hashes(data) };
  }
  return { bytes: content, diskPath: undefined, size: content.byteLength, ...hashes(content) };
}

/** Deterministic pseudo-random bytes for fixtures. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

function hashes(data: Uint8Array): { sha256: string; gitOid: string; md5: string } {
  const sha256 = createHash("sha256").update(data).digest("hex");
  const gitOid = createHash("sha1").update(`blob ${data.byteLength}\0`).update(data).digest("hex");
  return { sha256, gitOid, md5: createHash("md5").update(data).digest("hex") };
}

/** Git blob id of the LFS pointer file that stands for a large file in the repository. */
function pointerOid(f: FakeFile): string {
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${f.sha256}\nsize ${f.size}\n`;
  return createHash("sha1").update(`blob ${pointer.length}\0${pointer}`).digest("hex");
}

function commitOf(repo: string, revision: string): string {
  return createHash("sha1").update(`${repo}@${revision}`).digest("hex");
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const repos = new Map<string, Map<string, FakeRev>>();
  for (const [repo, revs] of Object.entries(options.repos)) {
    const map = new Map<string, FakeRev>();
    for (const [rev, spec] of Object.entries(revs)) {
      const files = new Map(Object.entries(spec.files).map(([p, c]) => [p, fileFromContent(c)] as const));
      map.set(rev, { commit: spec.commit ?? commitOf(repo, rev), files });
    }
    repos.set(repo, map);
  }
  const requests: RequestLog[] = [];
  const faults = options.faults ?? [];
  const state: FaultState = { seen: new Map() };
  const ctx: HubContext = { repos, options, faults, state, base: "", cdnBase: "" };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const log: RequestLog = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      route: "unknown",
      file: undefined,
      range: req.headers.range,
      authorization: req.headers.authorization,
      revision: undefined,
      status: 0,
      bytesSent: 0,
    };
    requests.push(log);
    handle(ctx, req, res, log).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, log, 500, "InternalError", String(err));
      else res.destroy();
    });
  };
  const listen = async (): Promise<{ server: Server; url: string }> => {
    const server = createServer(onRequest);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const hubServer = await listen();
  const cdnServer = (options.cdn ?? "separate-origin") === "separate-origin" ? await listen() : hubServer;
  const url = hubServer.url;
  ctx.base = url;
  ctx.cdnBase = cdnServer.url;
  const servers = cdnServer === hubServer ? [hubServer.server] : [hubServer.server, cdnServer.server];
  return {
    url,
    cdnUrl: cdnServer.url,
    requests,
    faults,
    replaceFile(repo, revision, path, bytes) {
      const rev = repos.get(repo)?.get(revision);
      if (rev === undefined) throw new Error(`fake hub: no ${repo}@${revision}`);
      rev.files.set(path, fileFromContent(bytes));
    },
    contentRequests(file) {
      return requests.filter((r) => r.method === "GET" && (r.route === "cdn" || r.route === "resolve") && (r.status === 200 || r.status === 206) && (file === undefined || r.file === file));
    },
    close: async () => {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

interface HubContext {
  readonly repos: Map<string, Map<string, FakeRev>>;
  readonly options: FakeHubOptions;
  readonly faults: Fault[];
  readonly state: FaultState;
  base: string;
  cdnBase: string;
}

/** Finds the repo whose name prefixes `rest` (longest first); returns it and what follows. */
function matchRepo(ctx: HubContext, rest: string): { repo: string; tail: string } | undefined {
  const names = [...ctx.repos.keys()].sort((a, b) => b.length - a.length);
  for (const repo of names) if (rest.startsWith(`${repo}/`)) return { repo, tail: rest.slice(repo.length + 1) };
  return undefined;
}

function findRevision(ctx: HubContext, repo: string, revision: string): FakeRev | undefined {
  const revs = ctx.repos.get(repo)!;
  return revs.get(revision) ?? [...revs.values()].find((r) => r.commit === revision);
}

async function handle(ctx: HubContext, req: IncomingMessage, res: ServerResponse, log: RequestLog): Promise<void> {
  const u = new URL(req.url ?? "/", ctx.base);
  const path = decodeURIComponent(u.pathname);
  if (path.startsWith("/cdn/")) return serveCdn(ctx, req, res, log, path.slice("/cdn/".length));
  const api = path.startsWith("/api/models/");
  const m = matchRepo(ctx, api ? path.slice("/api/models/".length) : path.slice(1));
  if (m === undefined) return sendError(res, log, 404, "RepoNotFound", "Repository not found");
  if (ctx.options.token !== undefined && req.headers.authorization !== `Bearer ${ctx.options.token}`) {
    return sendError(res, log, 401, "GatedRepo", "Access to this repository requires a token");
  }
  if (api) {
    log.route = apiRoute(m.tail);
    if (await faultFor(ctx.faults, ctx.state, log, req, res)) return;
    return serveApi(ctx, res, log, m.repo, m.tail, u);
  }
  const r = /^resolve\/([^/]+)\/(.+)$/.exec(m.tail);
  if (r === null) return sendError(res, log, 404, "EntryNotFound", "Unknown route");
  log.route = "resolve";
  log.revision = r[1]!;
  const rev = findRevision(ctx, m.repo, r[1]!);
  if (rev === undefined) return sendError(res, log, 404, "RevisionNotFound", `Invalid rev id: ${r[1]}`);
  log.file = r[2]!;
  const file = rev.files.get(r[2]!);
  if (file === undefined) return sendError(res, log, 404, "EntryNotFound", `${r[2]} does not exist on "${r[1]}"`);
  const lfs = file.size >= (ctx.options.lfsThresholdBytes ?? 1024);
  if (!lfs) return serveContent(ctx, req, res, log, m.repo, rev, r[2]!, { "x-repo-commit": rev.commit });
  if (await faultFor(ctx.faults, ctx.state, log, req, res)) return;
  // An absolute, signed link on the CDN's origin, as the Hub's cdn-lfs links are.
  const location = `${ctx.cdnBase}/cdn/${m.repo}/${rev.commit}/${encodeURIComponent(r[2]!)}?Expires=4102444800&Signature=fake&Key-Pair-Id=FAKE`;
  res.writeHead(302, {
    location,
    "x-repo-commit": rev.commit,
    "x-linked-size": String(file.size),
    "x-linked-etag": `"${file.sha256}"`,
    etag: `"${file.sha256}"`,
    "content-length": "0",
  });
  log.status = 302;
  res.end();
}

function apiRoute(tail: string): FakeRoute {
  if (tail === "refs") return "refs";
  if (tail.startsWith("revision/")) return "info";
  return tail.startsWith("tree/") ? "tree" : "unknown";
}

function serveApi(ctx: HubContext, res: ServerResponse, log: RequestLog, repo: string, tail: string, u: URL): void {
  const revs = ctx.repos.get(repo)!;
  if (tail === "refs") {
    log.route = "refs";
    const branches = [...revs.entries()].map(([name, r]) => ({ name, ref: `refs/heads/${name}`, targetCommit: r.commit }));
    return sendJson(res, log, { branches, tags: [], converts: [] });
  }
  const info = /^revision\/(.+)$/.exec(tail);
  if (info !== null) {
    log.route = "info";
    log.revision = info[1]!;
    const rev = findRevision(ctx, repo, info[1]!);
    if (rev === undefined) return sendError(res, log, 404, "RevisionNotFound", `Invalid rev id: ${info[1]}`);
    const siblings = [...rev.files.keys()].map((rfilename) => ({ rfilename }));
    return sendJson(res, log, { _id: commitOf(repo, "_id").slice(0, 24), id: repo, modelId: repo, sha: rev.commit, private: false, gated: false, disabled: false, downloads: 0, likes: 0, tags: [], lastModified: "2024-01-01T00:00:00.000Z", createdAt: "2024-01-01T00:00:00.000Z", siblings });
  }
  const tree = /^tree\/([^/]+)(?:\/(.*))?$/.exec(tail);
  if (tree === null) return sendError(res, log, 404, "EntryNotFound", "Unknown API route");
  log.route = "tree";
  log.revision = tree[1]!;
  const rev = findRevision(ctx, repo, tree[1]!);
  if (rev === undefined) return sendError(res, log, 404, "RevisionNotFound", `Invalid rev id: ${tree[1]}`);
  const entries = treeEntries(rev, tree[2] ?? "", u.searchParams.get("recursive") === "true", ctx.options.lfsThresholdBytes ?? 1024);
  if (entries === undefined) return sendError(res, log, 404, "EntryNotFound", `${tree[2]} does not exist`);
  const pageSize = ctx.options.treePageSize ?? 1000;
  const cursor = Number(u.searchParams.get("cursor") ?? "0");
  const page = entries.slice(cursor, cursor + pageSize);
  const headers: Record<string, string> = {};
  if (cursor + pageSize < entries.length) {
    const next = new URL(u.href);
    next.searchParams.set("cursor", String(cursor + pageSize));
    headers.link = `<${next.href}>; rel="next"`;
  }
  sendJson(res, log, page, headers);
}

/** Tree entries under `dir` ("" = root): files and directories, sorted, like the Hub's listing. */
function treeEntries(rev: FakeRev, dir: string, recursive: boolean, lfsThreshold: number): object[] | undefined {
  const prefix = dir === "" ? "" : `${dir.replace(/\/$/, "")}/`;
  const out = new Map<string, object>();
  for (const [path, f] of rev.files) {
    if (!path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split("/");
    for (let d = 1; d < parts.length; d++) {
      if (!recursive && d > 1) break;
      const dirPath = prefix + parts.slice(0, d).join("/");
      out.set(dirPath, { type: "directory", oid: createHash("sha1").update(dirPath).digest("hex"), size: 0, path: dirPath });
    }
    if (!recursive && parts.length > 1) continue;
    // An LFS file's git oid is that of its pointer file; `lfs.oid` is the content's sha256.
    const lfs = { oid: f.sha256, size: f.size, pointerSize: 134 };
    out.set(path, f.size >= lfsThreshold ? { type: "file", oid: pointerOid(f), size: f.size, lfs, path } : { type: "file", oid: f.gitOid, size: f.size, path });
  }
  if (prefix !== "" && out.size === 0) return undefined;
  return [...out.keys()].sort().map((k) => out.get(k)!);
}

function serveCdn(ctx: HubContext, req: IncomingMessage, res: ServerResponse, log: RequestLog, rest: string): Promise<void> | void {
  log.route = "cdn";
  const m = matchRepo(ctx, rest);
  const parts = m === undefined ? undefined : /^([0-9a-f]{40})\/(.+)$/.exec(m.tail);
  const rev = m === undefined || parts == null ? undefined : findRevision(ctx, m.repo, parts[1]!);
  if (m === undefined || parts == null || rev === undefined) return sendError(res, log, 404, "NoSuchKey", "no such object");
  log.file = parts[2]!;
  return serveContent(ctx, req, res, log, m.repo, rev, parts[2]!, {});
}

/** Answers HEAD/GET for a file with Range support, after applying any matching fault. */
async function serveContent(ctx: HubContext, req: IncomingMessage, res: ServerResponse, log: RequestLog, repo: string, rev: FakeRev, path: string, extra: Record<string, string>): Promise<void> {
  const fault = await faultFor(ctx.faults, ctx.state, log, req, res, (bytes) => replaceIn(rev, path, bytes), () => rev.files.get(path));
  if (fault === true) return;
  const file = rev.files.get(path);
  if (file === undefined) return sendError(res, log, 404, "EntryNotFound", `${path} missing in ${repo}`);
  // The Hub's own answers carry the git oid; the CDN's carry its own (S3-style md5) ETag.
  const etag = `"${log.route === "cdn" ? file.md5 : file.gitOid}"`;
  const base = { ...extra, etag, "accept-ranges": "bytes", "content-type": "application/octet-stream" };
  const range = fault === "ignore-range" ? undefined : parseRange(req.headers.range, file.size);
  if (range === "invalid") {
    res.writeHead(416, { ...base, "content-range": `bytes */${file.size}` });
    log.status = 416;
    return void res.end();
  }
  const [start, end] = range ?? [0, file.size];
  const status = range ? 206 : 200;
  const headers: Record<string, string> = { ...base, "content-length": String(end - start) };
  if (range) headers["content-range"] = `bytes ${start}-${end - 1}/${file.size}`;
  const cut = fault === "reset-mid-body" || fault === "truncated-body" ? Math.floor((end - start) / 2) : undefined;
  if (fault === "truncated-body") headers["content-length"] = String(cut);
  res.writeHead(status, headers);
  log.status = status;
  if (req.method === "HEAD") return void res.end();
  const body = await fileRange(file, start, cut === undefined ? end : start + cut);
  res.write(body);
  log.bytesSent += body.byteLength;
  if (fault === "reset-mid-body") res.destroy();
  else res.end();
}

function replaceIn(rev: FakeRev, path: string, bytes: Uint8Array): void {
  rev.files.set(path, fileFromContent(bytes));
}

async function fileRange(file: FakeFile, start: number, end: number): Promise<Uint8Array> {
  if (file.bytes !== undefined) return file.bytes.subarray(start, end);
  if (end <= start) return new Uint8Array(0);
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(file.diskPath!, { start, end: end - 1 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** [start, end) of a single `bytes=` range; undefined when absent or multi-range; "invalid" when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined | "invalid" {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    if (m[2] === "") return "invalid";
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size || end <= start) return "invalid";
  return [start, end];
}

export function sendJson(res: ServerResponse, log: RequestLog, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(200, { "content-type": "application/json", "content-length": String(body.byteLength), ...headers });
  log.status = 200;
  log.bytesSent += body.byteLength;
  res.end(body);
}

export function sendError(res: ServerResponse, log: RequestLog, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify({ error: message }));
  res.writeHead(status, { "content-type": "application/json", "x-error-code": code, "x-error-message": message, "content-length": String(body.byteLength), ...headers });
  log.status = status;
  res.end(body);
}
