// Opening checkpoint files of Hugging Face Hub revisions as byte sources: from the local Hugging
// Face cache when already downloaded, else streamed by HTTP range requests (never downloaded whole).
import type { CountingByteSource } from "../io/byte-source.js";
import { FileSource } from "../io/file-source.js";
import { HttpSourceError } from "../io/http-errors.js";
import { HttpRangeSource, type HttpRangeSourceOptions } from "../io/http-source.js";
import { findCachedFile, hfCacheDir, type HfCacheOptions } from "./hf-cache.js";
import { hubFailure } from "./hub-api.js";
import { HubError, authHeaders, hubFileName, hubSettings, resolveUrl, type HubOptions } from "./hub-url.js";

export { HubError, isHubUrl, parseHubUrl, hubSettings, resolveUrl, hubFileName, DEFAULT_HF_ENDPOINT, type HubRef, type HubOptions, type HubSettings } from "./hub-url.js";
export { listRevisionFiles, listBranches, revisionCommit, type HubFileEntry, type HubBranch, type HubApiOptions } from "./hub-api.js";

/** A cached file opened from disk; counts no transferred bytes. */
export class CachedFileSource implements CountingByteSource {
  readonly bytesRead = 0;
  private constructor(
    private readonly file: FileSource,
    readonly name: string,
    /** Path of the file in the local cache. */
    readonly path: string,
  ) {}

  static async open(path: string, name: string): Promise<CachedFileSource> {
    return new CachedFileSource(await FileSource.open(path), name, path);
  }

  get size(): number {
    return this.file.size;
  }

  /** The cached file on disk: workers may read its ranges themselves. */
  get localPath(): string {
    return this.path;
  }

  /** The open cached file's descriptor, as FileSource.localFd. */
  get localFd(): number | undefined {
    return this.file.localFd;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.file.read(offset, length);
  }

  /** Reads straight into `target` (no copy), as FileSource does. */
  readInto(offset: number, target: Uint8Array): Promise<void> {
    return this.file.readInto(offset, target);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

export interface OpenHubFileOptions extends HubOptions, HfCacheOptions {
  /** Look in the local Hugging Face cache first (default true). */
  readonly useCache?: boolean;
  /** Tuning of the HTTP source (retries, timeouts, read-ahead); fetch and headers come from the Hub options. */
  readonly http?: Omit<HttpRangeSourceOptions, "fetch" | "headers" | "name">;
}

/** A Hub file: streamed over HTTP, or read from the local cache. */
export type HubFileSource = HttpRangeSource | CachedFileSource;

/**
 * Opens `path` of `repo` at `revision` (branch, tag or commit). A copy in the local Hugging Face
 * cache is used when present (no request is made); otherwise the file is streamed with range
 * requests from `{endpoint}/{repo}/resolve/{revision}/{path}`.
 */
export async function openHubFile(repo: string, revision: string, path: string, options: OpenHubFileOptions = {}): Promise<HubFileSource> {
  const settings = hubSettings(options);
  const name = hubFileName(repo, revision, path);
  if (options.useCache !== false) {
    const cached = findCachedFile(repo, revision, path, { cacheDir: options.cacheDir ?? hfCacheDir(options.env ?? process.env) });
    if (cached !== null) return CachedFileSource.open(cached, name);
  }
  if (settings.offline) {
    throw new HubError(repo, `"${path}" at revision "${revision}" is not in the local Hugging Face cache and offline mode (HF_HUB_OFFLINE) forbids downloading it ---> HINT: unset HF_HUB_OFFLINE or download it first`);
  }
  const url = resolveUrl(repo, revision, path, settings.endpoint);
  try {
    return await HttpRangeSource.open(url, { ...options.http, fetch: settings.fetch, headers: authHeaders(settings), name });
  } catch (err) {
    if (err instanceof HttpSourceError) throw hubFailure(err, repo, `opening "${path}" at revision "${revision}"`, settings);
    throw err;
  }
}
