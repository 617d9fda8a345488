// Typed errors of HTTP range reads: a failed request (after retries) and a remote file that
// changed while it was being read. Both are ByteSourceErrors, so callers of ByteSource see them.
import { ByteSourceError } from "../util/errors.js";

/** What the last attempt of a request saw, for error messages and tests. */
export interface HttpFailureDetail {
  /** HTTP status of the last attempt; undefined when no response came (network error, timeout). */
  readonly status: number | undefined;
  /** Hugging Face `X-Error-Code` header of the last response (e.g. "EntryNotFound"), if any. */
  readonly errorCode: string | undefined;
  /** Number of attempts made (1 = no retry). */
  readonly attempts: number;
  /** Short description of what went wrong in the last attempt. */
  readonly reason: string;
}

/** An HTTP request for a byte range (or the file's metadata) failed for good. */
export class HttpSourceError extends ByteSourceError {
  readonly url: string;
  /** `bytes=a-b` of the failed request, or "HEAD" for the metadata request. */
  readonly range: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly attempts: number;

  /** `name` (e.g. an hf:// reference) leads the message when given; the URL follows it. */
  constructor(url: string, range: string, detail: HttpFailureDetail, options?: { cause?: unknown; name?: string }) {
    const status = detail.status === undefined ? "no response" : `HTTP ${detail.status}`;
    const code = detail.errorCode ? ` (${detail.errorCode})` : "";
    const tries = detail.attempts === 1 ? "1 attempt" : `${detail.attempts} attempts`;
    const where = options?.name !== undefined && options.name !== url ? `${url}: ` : "";
    super(options?.name ?? url, `${where}${range} failed after ${tries}: last status ${status}${code}: ${detail.reason}${hintFor(detail.status)}`, { cause: options?.cause });
    this.url = url;
    this.range = range;
    this.status = detail.status;
    this.errorCode = detail.errorCode;
    this.attempts = detail.attempts;
  }
}

/** The remote file's ETag or size changed between two reads of one analysis. */
export class RemoteChangedError extends ByteSourceError {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly got: string,
    name: string = url,
  ) {
    super(
      name,
      `${name !== url ? `${url}: ` : ""}the remote file changed during the analysis (${expected} at open, now ${got}); bytes read before and after the change do not belong to the same file ---> HINT: re-run the analysis (pin a commit hash as the revision to avoid moving branches)`,
    );
  }
}

function hintFor(status: number | undefined): string {
  if (status === 401 || status === 403) return " ---> HINT: the file is private or gated: set HF_TOKEN to a token with access";
  if (status === 404) return " ---> HINT: check the repository, revision and file name";
  if (status === 429) return " ---> HINT: rate limited: wait and re-run (an HF_TOKEN raises the limit)";
  if (status === undefined || status >= 500) return " ---> HINT: the server or network is failing: re-run later; finished work is kept";
  return "";
}
