// Retry policy of HTTP range reads: which failures are transient, exponential backoff with
// bounded jitter, Retry-After, and the final typed error once the attempts are used up.
import { HttpSourceError } from "./http-errors.js";

/** Retries after the first attempt, unless the caller says otherwise. */
export const DEFAULT_HTTP_RETRIES = 5;
/** First backoff delay; doubles on each retry. */
export const DEFAULT_HTTP_BACKOFF_MS = 250;
/** Largest backoff delay between two attempts (before Retry-After is considered). */
export const MAX_HTTP_BACKOFF_MS = 16_000;
/** Largest wait honoured from a Retry-After header; a longer one is cut to this. */
export const MAX_RETRY_AFTER_MS = 120_000;

/** One failed attempt. `retryable` failures are tried again; the others end the request. */
export class AttemptFailure extends Error {
  constructor(
    readonly retryable: boolean,
    readonly reason: string,
    readonly status?: number,
    readonly errorCode?: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

export interface RetryPolicy {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Uniform [0, 1) source for jitter (Math.random or a seeded Rng). */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** True for statuses worth another attempt: timeouts, rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Milliseconds to wait from a Retry-After header (delay-seconds or an HTTP date), clamped to
 * [0, MAX_RETRY_AFTER_MS]; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const date = Date.parse(v);
    if (Number.isNaN(date)) return undefined;
    ms = date - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * Delay before retry number `retry` (0-based): backoffMs * 2^retry capped at maxBackoffMs, times
 * a jitter factor in [0.5, 1); at least the server's Retry-After when it gave one.
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.min(retry, 30));
  const jittered = exp * (0.5 + 0.5 * Math.min(Math.max(policy.random(), 0), 1));
  const wait = retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
  return Math.min(wait, Math.max(policy.maxBackoffMs, MAX_RETRY_AFTER_MS));
}

/**
 * Runs `attempt` until it succeeds, a non-retryable failure occurs, or retries are used up.
 * AttemptFailures become an HttpSourceError naming `name` (default `url`), `url` and `range`; other errors (such as
 * RemoteChangedError) pass through unchanged. `onRetry` is called before each wait.
 */
export async function withRetries<T>(
  url: string,
  range: string,
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  onRetry?: (failure: AttemptFailure, delayMs: number) => void,
  name?: string,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof AttemptFailure)) throw err;
      if (!err.retryable || n >= policy.retries) {
        const detail = { status: err.status, errorCode: err.errorCode, attempts: n + 1, reason: err.reason };
        throw new HttpSourceError(url, range, detail, name === undefined ? { cause: err } : { cause: err, name });
      }
      const delay = retryDelayMs(n, policy, err.retryAfterMs);
      onRetry?.(err, delay);
      await policy.sleep(delay);
    }
  }
}

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
