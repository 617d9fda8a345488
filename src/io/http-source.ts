// ByteSource over HTTP range requests (Hugging Face Hub `resolve` URLs, any server with Range
// support): validated 206 answers, ETag pinning, retries with backoff, bounded read-ahead cache.
import { ByteSourceError, UsageError } from "../util/errors.js";
import type { CountingByteSource } from "./byte-source.js";
import { checkRange } from "./range.js";
import { RemoteChangedError } from "./http-errors.js";
import { DEFAULT_HTTP_TIMEOUT_MS, fetchFollowing, readBodyExact, statusFailure, type AttemptContext } from "./http-fetch.js";
import {
  AttemptFailure,
  DEFAULT_HTTP_BACKOFF_MS,
  DEFAULT_HTTP_RETRIES,
  MAX_HTTP_BACKOFF_MS,
  defaultSleep,
  withRetries,
  type RetryPolicy,
} from "./http-retry.js";
import { headOnce, normalizeEtag, type RemoteFileInfo } from "./http-head.js";
import { BlockCache, DEFAULT_READ_AHEAD_BYTES, DEFAULT_READ_CACHE_BYTES, EXACT_READ_MIN_BYTES, blocksCovering, missingRuns } from "./read-ahead.js";

export type { RemoteFileInfo } from "./http-head.js";

export interface HttpRangeSourceOptions {
  /** fetch implementation (default: the global one, Node's undici). */
  readonly fetch?: typeof fetch;
  /** Extra request headers, e.g. `{ authorization: "Bearer hf_..." }` (dropped on cross-origin redirects). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retries after the first attempt of each request (default DEFAULT_HTTP_RETRIES). */
  readonly retries?: number;
  /** First backoff delay in ms, doubled per retry (default DEFAULT_HTTP_BACKOFF_MS). */
  readonly backoffMs?: number;
  /** Largest backoff delay in ms (default MAX_HTTP_BACKOFF_MS). */
  readonly maxBackoffMs?: number;
  /** Idle timeout per attempt in ms (default DEFAULT_HTTP_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Block size of the read-ahead cache (reads of at least min(this, EXACT_READ_MIN_BYTES) are fetched exactly); 0 disables it. */
  readonly readAheadBytes?: number;
  /** Bytes of blocks kept in the LRU (default DEFAULT_READ_CACHE_BYTES). */
  readonly cacheBytes?: number;
  /** Jitter source in [0, 1) (default Math.random; pass a seeded Rng's uniform for tests). */
  readonly random?: () => number;
  /** Wait function for backoff (default setTimeout); tests pass one that records delays. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Name used in error messages (default: the URL). */
  readonly name?: string;
  /** Called with the length of every body chunk received (progress of bytes fetched; failed attempts count too). */
  readonly onBytes?: (n: number) => void;
}

export class HttpRangeSource implements CountingByteSource {
  /** Body bytes received so far (including those of attempts that failed). */
  bytesRead = 0;
  /** HTTP requests sent so far (HEAD included, every attempt and redirect hop counted once per attempt). */
  requestCount = 0;
  /** Attempts that failed and were retried. */
  retryCount = 0;
  private closed = false;
  private needsResolve = false;
  private readonly cache: BlockCache;
  private readonly pending = new Map<number, Promise<Uint8Array>>();

  private constructor(
    readonly url: string,
    readonly name: string,
    private info: RemoteFileInfo,
    private readonly ctx: AttemptContext,
    private readonly policy: RetryPolicy,
    private readonly blockBytes: number,
    cacheBytes: number,
  ) {
    this.cache = new BlockCache(cacheBytes);
  }

  get size(): number {
    return this.info.size;
  }
  get etag(): string | undefined {
    return this.info.etag;
  }
  get commit(): string | undefined {
    return this.info.commit;
  }
  get remote(): RemoteFileInfo {
    return this.info;
  }

  /** Sends a HEAD (following redirects, with retries) and returns a source of the file's size. */
  static async open(url: string, options: HttpRangeSourceOptions = {}): Promise<HttpRangeSource> {
    const settings = checkOptions(url, options);
    let source: HttpRangeSource | undefined;
    let openingBytes = 0;
    const ctx: AttemptContext = {
      fetch: options.fetch ?? globalThis.fetch,
      headers: options.headers ?? {},
      timeoutMs: settings.timeoutMs,
      onBytes: (n) => {
        options.onBytes?.(n);
        if (source) source.bytesRead += n;
        else openingBytes += n; // a size probe's body, before the source exists
      },
    };
    let requests = 0;
    let retries = 0;
    const info = await withRetries(url, "HEAD", settings.policy, () => {
      requests++;
      return headOnce(url, ctx);
    }, () => retries++, options.name);
    source = new HttpRangeSource(url, options.name ?? url, info, ctx, settings.policy, settings.readAheadBytes, settings.cacheBytes);
    source.requestCount = requests;
    source.bytesRead = openingBytes;
    source.retryCount = retries;
    return source;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    if (this.closed) throw new ByteSourceError(this.name, "read after close");
    if (length === 0) return new Uint8Array(0);
    const block = this.blockBytes;
    if (block <= 0) return this.fetchRange(offset, offset + length);
    if (length >= Math.min(block, EXACT_READ_MIN_BYTES)) return this.readExact(offset, length);
    const span = blocksCovering(offset, length, block);
    const blocks = await this.loadBlocks(span);
    const out = new Uint8Array(length);
    for (let i = span.first; i <= span.last; i++) {
      const data = blocks.get(i)!;
      const blockStart = i * block;
      const from = Math.max(offset, blockStart);
      const to = Math.min(offset + length, blockStart + data.byteLength);
      out.set(data.subarray(from - blockStart, to - blockStart), from - offset);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
  }

  /**
   * A read of tensor size: bytes of cached blocks at either end are reused (a zip entry's local
   * header block holds the start of its data) and only the rest is fetched, exactly, uncached.
   */
  private async readExact(offset: number, length: number): Promise<Uint8Array> {
    const block = this.blockBytes;
    const out = new Uint8Array(length);
    let from = offset;
    let to = offset + length;
    for (let b = this.cache.get(Math.floor(from / block)); b !== undefined && from < to; b = this.cache.get(Math.floor(from / block))) {
      const start = Math.floor(from / block) * block;
      const end = Math.min(start + b.byteLength, to);
      out.set(b.subarray(from - start, end - start), from - offset);
      from = end;
    }
    for (let b = from < to ? this.cache.get(Math.floor((to - 1) / block)) : undefined; b !== undefined && from < to; b = from < to ? this.cache.get(Math.floor((to - 1) / block)) : undefined) {
      const start = Math.floor((to - 1) / block) * block;
      const begin = Math.max(start, from);
      out.set(b.subarray(begin - start, to - start), begin - offset);
      to = begin;
    }
    if (from < to) out.set(await this.fetchRange(from, to), from - offset);
    return out;
  }

  /** Blocks of `span` from the cache, from requests already under way, or fetched now. */
  private async loadBlocks(span: { first: number; last: number }): Promise<Map<number, Uint8Array>> {
    const got = new Map<number, Uint8Array>();
    const waits: Promise<void>[] = [];
    const missing = missingRuns(span, (i) => {
      const cached = this.cache.get(i);
      if (cached !== undefined) got.set(i, cached);
      else if (this.pending.has(i)) waits.push(this.pending.get(i)!.then((b) => void got.set(i, b)));
      else return true;
      return false;
    });
    const block = this.blockBytes;
    for (const run of missing) {
      const start = run.first * block;
      const fetched = this.fetchRange(start, Math.min(this.size, (run.last + 1) * block));
      for (let i = run.first; i <= run.last; i++) {
        const at = (i - run.first) * block;
        const one = fetched.then((bytes) => bytes.subarray(at, Math.min(bytes.byteLength, at + block)));
        this.pending.set(i, one);
        const settle = (): void => void this.pending.delete(i);
        waits.push(
          one.then(
            (b) => {
              settle();
              this.cache.set(i, b);
              got.set(i, b);
            },
            (err: unknown) => {
              settle();
              throw err;
            },
          ),
        );
      }
    }
    await Promise.all(waits);
    return got;
  }

  /** Fetches [start, end) with retries; validates status, Content-Range, ETag and length. */
  private fetchRange(start: number, end: number): Promise<Uint8Array> {
    const range = `bytes=${start}-${end - 1}`;
    const attempt = async (): Promise<Uint8Array> => {
      if (this.needsResolve) await this.reResolve();
      this.requestCount++;
      return this.rangeOnce(start, end, range);
    };
    return withRetries(this.url, range, this.policy, attempt, () => this.retryCount++, this.name);
  }

  private async rangeOnce(start: number, end: number, range: string): Promise<Uint8Array> {
    const followed = await fetchFollowing(this.info.resolvedUrl, "GET", { range }, this.ctx, new URL(this.url).origin);
    const { response, timer } = followed;
    const fail = async (f: AttemptFailure | Error): Promise<never> => {
      timer.clear();
      await response.body?.cancel().catch(() => undefined);
      throw f;
    };
    if (response.status === 206) {
      const problem = contentRangeProblem(response.headers.get("content-range"), start, end, this.size);
      if (problem === "size") await fail(this.changed(`size ${this.size}`, `Content-Range ${response.headers.get("content-range")}`));
      else if (problem !== undefined) await fail(new AttemptFailure(false, problem, 206));
    } else if (response.status === 200) {
      if (start !== 0 || end !== this.size) {
        await fail(new AttemptFailure(false, "server ignored the Range header and answered 200 with the whole file; it does not support range requests", 200));
      }
    } else {
      timer.clear();
      const failure = await statusFailure(response);
      if (isExpiredLinkStatus(response.status) && this.info.resolvedUrl !== this.url) {
        // A signed CDN link may have expired: resolve the original URL again and retry.
        this.needsResolve = true;
        throw new AttemptFailure(true, `${failure.reason} (resolved link expired?)`, response.status, failure.errorCode);
      }
      throw failure;
    }
    const etag = normalizeEtag(response.headers.get("etag"));
    if (etag !== undefined && this.info.etag !== undefined && etag !== this.info.etag) await fail(this.changed(`ETag ${this.info.etag}`, `ETag ${etag}`));
    return readBodyExact(followed, end - start, this.ctx);
  }

  private async reResolve(): Promise<void> {
    this.requestCount++;
    const fresh = await headOnce(this.url, this.ctx);
    if (fresh.size !== this.info.size) throw this.changed(`size ${this.info.size}`, `size ${fresh.size}`);
    if (fresh.etag !== undefined && this.info.etag !== undefined && fresh.etag !== this.info.etag) {
      throw this.changed(`ETag ${this.info.etag}`, `ETag ${fresh.etag}`);
    }
    this.info = { ...this.info, resolvedUrl: fresh.resolvedUrl };
    this.needsResolve = false;
  }

  private changed(expected: string, got: string): RemoteChangedError {
    return new RemoteChangedError(this.url, expected, got, this.name);
  }
}

/**
 * Checks a 206's `Content-Range: bytes a-b/total` against the request [start, end) and the file
 * size. Returns "size" when only the total differs (the file changed), a message for any other
 * mismatch, undefined when it matches.
 */
export function contentRangeProblem(header: string | null, start: number, end: number, size: number): string | undefined {
  if (header === null) return "206 answer without a Content-Range header";
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (m === null) return `unreadable Content-Range "${header}"`;
  if (Number(m[1]) !== start || Number(m[2]) !== end - 1) return `server answered Content-Range "${header}" for a request of bytes ${start}-${end - 1}`;
  if (m[3] !== "*" && Number(m[3]) !== size) return "size";
  return undefined;
}

function isExpiredLinkStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 410;
}

function checkOptions(url: string, o: HttpRangeSourceOptions): { policy: RetryPolicy; timeoutMs: number; readAheadBytes: number; cacheBytes: number } {
  const int = (value: number | undefined, fallback: number, what: string, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`${url}: ${what} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const policy: RetryPolicy = {
    retries: int(o.retries, DEFAULT_HTTP_RETRIES, "retries", 0),
    backoffMs: int(o.backoffMs, DEFAULT_HTTP_BACKOFF_MS, "backoffMs", 0),
    maxBackoffMs: int(o.maxBackoffMs, MAX_HTTP_BACKOFF_MS, "maxBackoffMs", 0),
    random: o.random ?? Math.random,
    sleep: o.sleep ?? defaultSleep,
  };
  return {
    policy,
    timeoutMs: int(o.timeoutMs, DEFAULT_HTTP_TIMEOUT_MS, "timeoutMs", 1),
    readAheadBytes: int(o.readAheadBytes, DEFAULT_READ_AHEAD_BYTES, "readAheadBytes", 0),
    cacheBytes: int(o.cacheBytes, DEFAULT_READ_CACHE_BYTES, "cacheBytes", 0),
  };
}
