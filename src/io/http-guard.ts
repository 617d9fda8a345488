// A fetch with limits for small HTTP answers (Hub API listings, JSON): a connect timeout until
// the headers arrive, an idle timeout between body chunks, and a cap on the body size. A stalled
// endpoint or an endless body then ends in a typed error in bounded time and memory.
import { ByteSourceError } from "../util/errors.js";

/** No response headers for this long: the request is abandoned. */
export const HTTP_API_CONNECT_TIMEOUT_MS = 15_000;
/** No body bytes for this long once the headers came: the request is abandoned. */
export const HTTP_API_IDLE_TIMEOUT_MS = 30_000;
/** Largest API answer read (a tree page of 1,000 entries is about 200 KB; Pythia's refs about 30 KB). */
export const MAX_HTTP_API_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface HttpGuardLimits {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxResponseBytes: number;
}

export const DEFAULT_HTTP_GUARD_LIMITS: HttpGuardLimits = {
  connectTimeoutMs: HTTP_API_CONNECT_TIMEOUT_MS,
  idleTimeoutMs: HTTP_API_IDLE_TIMEOUT_MS,
  maxResponseBytes: MAX_HTTP_API_RESPONSE_BYTES,
};

export type HttpLimitKind = "connect-timeout" | "idle-timeout" | "too-large";

/** An HTTP answer broke a limit of HttpGuardLimits. */
export class HttpLimitError extends ByteSourceError {
  /** The message without the URL. */
  readonly detail: string;

  constructor(readonly url: string, readonly kind: HttpLimitKind, readonly limit: number) {
    super(url, HttpLimitError.describe(kind, limit));
    this.detail = HttpLimitError.describe(kind, limit);
  }

  private static describe(kind: HttpLimitKind, limit: number): string {
    switch (kind) {
      case "connect-timeout":
        return `no response within ${limit / 1000} s (connect timeout) ---> HINT: the server is unreachable or stalled; check the network or HF_ENDPOINT and re-run`;
      case "idle-timeout":
        return `the answer stalled: no data for ${limit / 1000} s (idle timeout) ---> HINT: the server is stalled; re-run later`;
      case "too-large":
        return `the answer exceeds ${limit} bytes (response-size cap) ---> HINT: the endpoint is not a Hugging Face Hub API (check HF_ENDPOINT)`;
    }
  }
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

/**
 * Wraps `inner` so that every request obeys `limits`. The returned Response streams its body
 * through the idle timer and the size cap; breaking one errors the body with HttpLimitError.
 */
export function guardedFetch(inner: typeof fetch, limits: HttpGuardLimits = DEFAULT_HTTP_GUARD_LIMITS): typeof fetch {
  return async (input, init) => {
    const url = urlOf(input);
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
    }
    let limit: HttpLimitError | undefined;
    const trip = (kind: HttpLimitKind, value: number): void => {
      limit ??= new HttpLimitError(url, kind, value);
      controller.abort(limit);
    };
    let timer = setTimeout(() => trip("connect-timeout", limits.connectTimeoutMs), limits.connectTimeoutMs);
    let response: Response;
    try {
      response = await inner(input, { ...init, signal: controller.signal });
    } catch (err) {
      clearTimeout(timer);
      throw limit ?? err;
    }
    clearTimeout(timer);
    const declared = Number(response.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new HttpLimitError(url, "too-large", limits.maxResponseBytes);
    }
    if (response.body === null) return response;
    const reader = response.body.getReader();
    let received = 0;
    const body = new ReadableStream<Uint8Array>({
      // The idle timer runs only while a read waits for the server.
      async pull(ctrl) {
        timer = setTimeout(() => trip("idle-timeout", limits.idleTimeoutMs), limits.idleTimeoutMs);
        try {
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (done) return ctrl.close();
          received += value.byteLength;
          if (received > limits.maxResponseBytes) {
            trip("too-large", limits.maxResponseBytes);
            await reader.cancel().catch(() => undefined);
            return ctrl.error(limit);
          }
          ctrl.enqueue(value);
        } catch (err) {
          clearTimeout(timer);
          ctrl.error(limit ?? err);
        }
      },
      async cancel(reason) {
        clearTimeout(timer);
        await reader.cancel(reason).catch(() => undefined);
      },
    });
    const guarded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(guarded, "url", { value: response.url });
    return guarded;
  };
}
