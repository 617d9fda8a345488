// Hub API calls for checkpoint series: the files of a revision (via @huggingface/hub's listFiles),
// the branches of a repository (GET /api/models/{repo}/refs) and the commit a revision points to.
import type * as HubLibrary from "@huggingface/hub";
import { HttpSourceError } from "../io/http-errors.js";
import { DEFAULT_HTTP_GUARD_LIMITS, HttpLimitError, guardedFetch, type HttpGuardLimits } from "../io/http-guard.js";
import { statusFailure } from "../io/http-fetch.js";
import { AttemptFailure, DEFAULT_HTTP_BACKOFF_MS, DEFAULT_HTTP_RETRIES, MAX_HTTP_BACKOFF_MS, defaultSleep, isRetryableStatus, withRetries, type RetryPolicy } from "../io/http-retry.js";
import { HubError, authHeaders, hubSettings, type HubOptions, type HubSettings } from "./hub-url.js";

/** @huggingface/hub, loaded with the first Hub API call (local analyses never load it). */
let hubLibrary: typeof HubLibrary | undefined;

async function loadHubLibrary(): Promise<typeof HubLibrary> {
  return (hubLibrary ??= await import("@huggingface/hub"));
}

/** A file of a revision, as the tree listing gives it. */
export interface HubFileEntry {
  readonly path: string;
  readonly size: number;
  /** Git blob id. */
  readonly oid: string;
  /** sha256 of the content for LFS files (large weights), undefined for small git files. */
  readonly lfsSha256: string | undefined;
}

/** A branch and the commit it points to. */
export interface HubBranch {
  readonly name: string;
  readonly commit: string;
}

/** Retry policy for API calls (same transient failures as range reads). */
export interface HubApiOptions extends HubOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Connect and idle timeouts and response-size cap of every API call (default DEFAULT_HTTP_GUARD_LIMITS). */
  readonly apiLimits?: Partial<HttpGuardLimits>;
}

function policyOf(options: HubApiOptions): RetryPolicy {
  return { retries: DEFAULT_HTTP_RETRIES, backoffMs: DEFAULT_HTTP_BACKOFF_MS, maxBackoffMs: MAX_HTTP_BACKOFF_MS, random: Math.random, sleep: defaultSleep, ...options.retry };
}

/**
 * A fetch that adds the token, bounds every answer (connect and idle timeouts, size cap), and
 * retries 408/429/5xx and network failures with backoff (a timeout is not retried).
 */
function apiFetch(settings: HubSettings, options: HubApiOptions): typeof fetch {
  const policy = policyOf(options);
  const guarded = guardedFetch(settings.fetch, { ...DEFAULT_HTTP_GUARD_LIMITS, ...options.apiLimits });
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(authHeaders(settings))) headers.set(k, v);
    return withRetries(url, "GET", policy, async () => {
      let res: Response;
      try {
        res = await guarded(url, { ...init, headers });
      } catch (err) {
        // A stalled endpoint fails at once (no retries): the user hears of it within the timeout.
        if (err instanceof HttpLimitError) throw new AttemptFailure(false, err.detail, undefined, undefined, undefined, { cause: err });
        throw new AttemptFailure(true, `request failed: ${(err as { cause?: { code?: string } }).cause?.code ?? String(err)}`, undefined, undefined, undefined, { cause: err });
      }
      if (isRetryableStatus(res.status)) throw await statusFailure(res);
      return res;
    });
  };
}

/** Turns API and HTTP failures into a HubError saying what to do. */
export function hubFailure(err: unknown, repo: string, what: string, settings: HubSettings): HubError {
  if (err instanceof HubError) return err;
  const status = hubLibrary !== undefined && err instanceof hubLibrary.HubApiError ? err.statusCode : err instanceof HttpSourceError ? err.status : undefined;
  const code = err instanceof HttpSourceError ? err.errorCode : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  const limit = limitErrorIn(err);
  let message: string;
  if (limit !== undefined) {
    message = `${what}: ${limit.url}: ${limit.detail}`;
  } else if (status === 401 || status === 403 || code === "GatedRepo") {
    message = `${what}: access denied (HTTP ${status}); the repository is private or gated ---> HINT: set HF_TOKEN to a token that has access${settings.token ? " (the current one is refused)" : ""}`;
  } else if (code === "EntryNotFound") {
    message = `${what}: no such file in this revision ---> HINT: list the revision's files to see what it holds`;
  } else if (code === "RevisionNotFound") {
    message = `${what}: no such revision ---> HINT: list the repository's branches; Pythia checkpoints are step0 ... step143000`;
  } else if (status === 404) {
    message = `${what}: repository, revision or file not found (${detail}) ---> HINT: check the name; private repositories also answer 404 without HF_TOKEN`;
  } else if (status === undefined) {
    message = `${what}: cannot reach ${settings.endpoint} (${detail}) ---> HINT: check the network or HF_ENDPOINT; with HF_HUB_OFFLINE=1 only the local Hugging Face cache is used`;
  } else {
    message = `${what}: the Hub answered HTTP ${status} (${detail})`;
  }
  return new HubError(repo, message, { cause: err });
}

/** The HttpLimitError an API failure comes from, if any (directly or through its causes). */
function limitErrorIn(err: unknown): HttpLimitError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof HttpLimitError) return e;
  return undefined;
}

function checkOnline(settings: HubSettings, repo: string, what: string): void {
  if (settings.offline) throw new HubError(repo, `${what}: offline mode (HF_HUB_OFFLINE) forbids network requests ---> HINT: unset HF_HUB_OFFLINE, or use files already in the local Hugging Face cache`);
}

/** All files of `revision` (recursive tree listing, all pages), sorted by path. */
export async function listRevisionFiles(repo: string, revision: string, options: HubApiOptions = {}): Promise<HubFileEntry[]> {
  const settings = hubSettings(options);
  const what = `listing the files of revision "${revision}"`;
  checkOnline(settings, repo, what);
  const out: HubFileEntry[] = [];
  try {
    const { listFiles } = await loadHubLibrary();
    const entries = listFiles({ repo, revision, recursive: true, hubUrl: settings.endpoint, fetch: apiFetch(settings, options) });
    for await (const e of entries) {
      if (e.type !== "file") continue;
      out.push({ path: e.path, size: e.size, oid: e.oid ?? "", lfsSha256: e.lfs?.oid });
    }
  } catch (err) {
    throw hubFailure(err, repo, what, settings);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The repository's branches (Pythia: one per checkpoint, step0 ... step143000, plus main). */
export async function listBranches(repo: string, options: HubApiOptions = {}): Promise<HubBranch[]> {
  const settings = hubSettings(options);
  const what = "listing branches";
  checkOnline(settings, repo, what);
  let body: unknown;
  try {
    const res = await apiFetch(settings, options)(`${settings.endpoint}/api/models/${repo}/refs`, { headers: { accept: "application/json" } });
    if (!res.ok) throw await statusFailure(res).then((f) => new HttpSourceError(res.url || repo, "GET refs", { status: f.status, errorCode: f.errorCode, attempts: 1, reason: f.reason }));
    body = await res.json();
  } catch (err) {
    throw hubFailure(err, repo, what, settings);
  }
  const branches = (body as { branches?: unknown }).branches;
  if (!Array.isArray(branches)) throw new HubError(repo, `${what}: the Hub's answer has no "branches" list`);
  return branches.map((b: { name?: unknown; targetCommit?: unknown }) => {
    if (typeof b.name !== "string" || typeof b.targetCommit !== "string") throw new HubError(repo, `${what}: malformed branch entry ${JSON.stringify(b)}`);
    return { name: b.name, commit: b.targetCommit };
  });
}

/** The commit hash `revision` currently points to (pin it to read a moving branch consistently). */
export async function revisionCommit(repo: string, revision: string, options: HubApiOptions = {}): Promise<string> {
  const settings = hubSettings(options);
  const what = `resolving revision "${revision}"`;
  checkOnline(settings, repo, what);
  try {
    const { modelInfo } = await loadHubLibrary();
    const info = await modelInfo({ name: repo, revision, hubUrl: settings.endpoint, fetch: apiFetch(settings, options), additionalFields: ["sha"] });
    if (typeof info.sha !== "string") throw new HubError(repo, `${what}: the Hub's answer has no commit hash`);
    return info.sha;
  } catch (err) {
    throw hubFailure(err, repo, what, settings);
  }
}
