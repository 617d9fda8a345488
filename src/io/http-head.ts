// The metadata request of an HTTP range source: HEAD through the redirects (size, ETag, the Hub's
// X-Linked-* and X-Repo-Commit headers), with a one-byte GET probe for servers that refuse HEAD.
import { fetchFollowing, readBodyExact, statusFailure, type AttemptContext, type FollowedResponse } from "./http-fetch.js";
import { AttemptFailure } from "./http-retry.js";

/** What the metadata request told about the remote file. */
export interface RemoteFileInfo {
  readonly size: number;
  /** ETag of the final (post-redirect) location, without a weak `W/` prefix. */
  readonly etag: string | undefined;
  /** Hugging Face `X-Linked-ETag` (the LFS sha256 for large files), if given. */
  readonly linkedEtag: string | undefined;
  /** Hugging Face `X-Repo-Commit`: the commit the revision resolved to, if given. */
  readonly commit: string | undefined;
  /** URL that range reads go to (after redirects). */
  readonly resolvedUrl: string;
}

export function normalizeEtag(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return value.startsWith("W/") ? value.slice(2) : value;
}

/** Statuses by which a server (or a signed CDN link) refuses HEAD but may answer GET. */
function refusesHead(status: number, redirected: boolean): boolean {
  return status === 405 || status === 501 || (status === 403 && redirected);
}

/** One metadata attempt: HEAD following redirects; size from Content-Length or X-Linked-Size. */
export async function headOnce(url: string, ctx: AttemptContext): Promise<RemoteFileInfo> {
  const followed = await fetchFollowing(url, "HEAD", {}, ctx);
  followed.timer.clear();
  const { response, hops } = followed;
  const first = (name: string): string | undefined => hops.map((h) => h.get(name)).find((v) => v !== null) ?? undefined;
  const hub = { linkedEtag: normalizeEtag(first("x-linked-etag")), commit: first("x-repo-commit") };
  if (refusesHead(response.status, hops.length > 1)) {
    await response.body?.cancel().catch(() => undefined);
    return { ...(await probeWithGet(followed.finalUrl, url, ctx)), ...hub };
  }
  if (!response.ok) throw await statusFailure(response);
  await response.body?.cancel().catch(() => undefined);
  const sizeText = response.headers.get("content-length") ?? first("x-linked-size");
  if (sizeText === undefined || !/^\d+$/.test(sizeText.trim())) {
    throw new AttemptFailure(false, "the server gave neither Content-Length nor X-Linked-Size, so the file size is unknown", response.status);
  }
  return { size: Number(sizeText.trim()), etag: normalizeEtag(response.headers.get("etag")), ...hub, resolvedUrl: followed.finalUrl };
}

/** GET `bytes=0-0`: the size from Content-Range, the ETag, for servers that refuse HEAD. */
async function probeWithGet(target: string, original: string, ctx: AttemptContext): Promise<Omit<RemoteFileInfo, "linkedEtag" | "commit">> {
  const followed: FollowedResponse = await fetchFollowing(target, "GET", { range: "bytes=0-0" }, ctx, new URL(original).origin);
  const { response } = followed;
  const total = /^bytes (?:\d+-\d+|\*)\/(\d+)$/.exec(response.headers.get("content-range")?.trim() ?? "");
  if (response.status === 416 && total !== null && total[1] === "0") {
    followed.timer.clear();
    await response.body?.cancel().catch(() => undefined);
    return { size: 0, etag: normalizeEtag(response.headers.get("etag")), resolvedUrl: followed.finalUrl };
  }
  if (response.status !== 206) {
    followed.timer.clear();
    if (response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new AttemptFailure(false, "the server refuses HEAD and ignores Range headers; it does not support range requests", response.status);
    }
    throw await statusFailure(response);
  }
  if (total === null) {
    followed.timer.clear();
    await response.body?.cancel().catch(() => undefined);
    throw new AttemptFailure(false, `the size probe got an unreadable Content-Range "${response.headers.get("content-range")}"`, 206);
  }
  await readBodyExact(followed, 1, ctx);
  return { size: Number(total[1]), etag: normalizeEtag(response.headers.get("etag")), resolvedUrl: followed.finalUrl };
}
