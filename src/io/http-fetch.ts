// One HTTP attempt: follows redirects by hand (to see the Hub's X-Linked-* / X-Repo-Commit headers
// and to drop credentials when leaving the origin), an idle timeout, and exact-length body reads.
import { AttemptFailure, isRetryableStatus, parseRetryAfter } from "./http-retry.js";

/** Most redirects followed for one request. */
export const MAX_HTTP_REDIRECTS = 10;
/** Default idle timeout: no headers or body bytes for this long aborts the attempt. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export interface AttemptContext {
  readonly fetch: typeof fetch;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Called with every body chunk's length as it arrives (bytes transferred). */
  readonly onBytes: (n: number) => void;
}

/** A response after redirects, with the headers of every hop (first = the URL asked for). */
export interface FollowedResponse {
  readonly response: Response;
  readonly finalUrl: string;
  readonly hops: readonly Headers[];
  readonly timer: IdleTimer;
}

/** Aborts a request when neither headers nor body bytes arrive for `ms` milliseconds. */
export class IdleTimer {
  readonly controller = new AbortController();
  private handle: ReturnType<typeof setTimeout> | undefined;
  timedOut = false;

  constructor(private readonly ms: number) {
    this.touch();
  }

  touch(): void {
    this.clear();
    this.handle = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.ms);
  }

  clear(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Sends `method` to `url`, following redirects; network failures become retryable AttemptFailures.
 * Credentials (ctx.headers' Authorization) go only to `trustedOrigin`, as the Hugging Face clients
 * do: never to a CDN on another origin.
 */
export async function fetchFollowing(
  url: string,
  method: "GET" | "HEAD",
  extra: Record<string, string>,
  ctx: AttemptContext,
  trustedOrigin = new URL(url).origin,
): Promise<FollowedResponse> {
  const timer = new IdleTimer(ctx.timeoutMs);
  const hops: Headers[] = [];
  let current = url;
  let headers: Record<string, string> = { "accept-encoding": "identity", ...ctx.headers, ...extra };
  if (new URL(url).origin !== trustedOrigin) headers = withoutAuthorization(headers);
  try {
    for (let hop = 0; hop <= MAX_HTTP_REDIRECTS; hop++) {
      const response = await ctx.fetch(current, { method, headers, redirect: "manual", signal: timer.controller.signal });
      timer.touch();
      hops.push(response.headers);
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return { response, finalUrl: current, hops, timer };
      await response.body?.cancel().catch(() => undefined);
      const next = new URL(location, current);
      if (next.origin !== trustedOrigin) headers = withoutAuthorization(headers);
      current = next.href;
    }
  } catch (err) {
    timer.clear();
    throw networkFailure(err, timer);
  }
  timer.clear();
  throw new AttemptFailure(false, `more than ${MAX_HTTP_REDIRECTS} redirects`);
}

/** Turns a non-success status into an AttemptFailure (retryable for 408/429/5xx). */
export async function statusFailure(response: Response): Promise<AttemptFailure> {
  await response.body?.cancel().catch(() => undefined);
  const errorCode = response.headers.get("x-error-code") ?? undefined;
  const message = response.headers.get("x-error-message");
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  const reason = `server answered ${response.status} ${response.statusText}${message ? `: ${message}` : ""}`;
  return new AttemptFailure(isRetryableStatus(response.status), reason, response.status, errorCode, retryAfter);
}

/**
 * Reads exactly `length` body bytes. A body that ends early or breaks off is a retryable failure;
 * a longer body is a protocol error. Every chunk is counted through `ctx.onBytes`.
 */
export async function readBodyExact(followed: FollowedResponse, length: number, ctx: AttemptContext): Promise<Uint8Array> {
  const { response, timer } = followed;
  const out = new Uint8Array(length);
  let filled = 0;
  try {
    if (response.body === null) throw new AttemptFailure(true, "response has no body");
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      timer.touch();
      ctx.onBytes(value.byteLength);
      if (filled + value.byteLength > length) {
        await reader.cancel().catch(() => undefined);
        throw new AttemptFailure(false, `body is longer than the ${length} bytes asked for`, response.status);
      }
      out.set(value, filled);
      filled += value.byteLength;
    }
  } catch (err) {
    if (err instanceof AttemptFailure) throw err;
    throw networkFailure(err, timer, `connection lost after ${filled} of ${length} body bytes`);
  } finally {
    timer.clear();
  }
  if (filled < length) throw new AttemptFailure(true, `truncated body: ${filled} of ${length} bytes`, response.status);
  return out;
}

function networkFailure(err: unknown, timer: IdleTimer, what = "request failed"): AttemptFailure {
  if (err instanceof AttemptFailure) return err;
  if (timer.timedOut) return new AttemptFailure(true, `${what}: no data for the idle timeout`, undefined, undefined, undefined, { cause: err });
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
  return new AttemptFailure(true, `${what}: ${detail}`, undefined, undefined, undefined, { cause: err });
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== "authorization") out[k] = v;
  return out;
}
