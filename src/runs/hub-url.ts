// `hf://owner/repo@revision` references, Hub settings from the environment (HF_ENDPOINT, HF_TOKEN,
// HF_HUB_OFFLINE, as the Hugging Face tools read them), `resolve` URLs, and the HubError type.
import { ForkingPathsError, UsageError } from "../util/errors.js";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";
export const HUB_URL_PREFIX = "hf://";
/** Longest repository owner or name the Hub accepts. */
const MAX_REPO_PART_LENGTH = 96;
const REPO_PART_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;

/** A Hub repository request failed: not found, not accessible, unreachable, or offline. */
export class HubError extends ForkingPathsError {
  constructor(readonly repo: string, message: string, options?: { cause?: unknown }) {
    super("HUB", `hf://${repo}: ${message}`, options);
  }
}

/** A parsed `hf://` reference: a model repository and an optional revision (branch, tag or commit). */
export interface HubRef {
  readonly repo: string;
  readonly revision: string | undefined;
}

export function isHubUrl(text: string): boolean {
  return text.startsWith(HUB_URL_PREFIX);
}

/**
 * Parses `hf://<owner>/<repo>[@<revision>]` or `hf://<repo>[@<revision>]`. Dataset and Space
 * repositories (`hf://datasets/...`, `hf://spaces/...`) are refused: only models are supported.
 */
export function parseHubUrl(url: string): HubRef {
  if (!isHubUrl(url)) throw new UsageError(`"${url}" is not a Hub reference: expected hf://<owner>/<repo>[@<revision>]`);
  const rest = url.slice(HUB_URL_PREFIX.length);
  const at = rest.indexOf("@");
  const repo = at < 0 ? rest : rest.slice(0, at);
  const revision = at < 0 ? undefined : rest.slice(at + 1);
  const parts = repo.split("/");
  if (parts[0] === "datasets" || parts[0] === "spaces") {
    throw new UsageError(`"${url}": ${parts[0]} repositories are not supported yet; only model repositories (hf://<owner>/<repo>) hold checkpoints`);
  }
  if (parts.length > 2 || parts.some((p) => p.length === 0 || p.length > MAX_REPO_PART_LENGTH || !REPO_PART_RE.test(p) || p.includes(".."))) {
    throw new UsageError(`"${url}": "${repo}" is not a valid repository id; expected hf://<owner>/<repo> or hf://<repo>`);
  }
  if (revision !== undefined && (revision === "" || /[\s\\]|\.\./.test(revision) || revision.startsWith("/") || revision.endsWith("/"))) {
    throw new UsageError(`"${url}": invalid revision "${revision}" after "@"`);
  }
  return { repo, revision };
}

/** Where and how to reach the Hub; unset fields come from the environment. */
export interface HubOptions {
  /** Hub base URL (default: HF_ENDPOINT, else https://huggingface.co). */
  readonly endpoint?: string;
  /** Access token (default: HF_TOKEN, else HUGGING_FACE_HUB_TOKEN). Sent as `Authorization: Bearer`. */
  readonly token?: string;
  /** Never use the network (default: HF_HUB_OFFLINE is 1/true/yes/on). */
  readonly offline?: boolean;
  /** fetch implementation (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Environment to read defaults from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface HubSettings {
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly offline: boolean;
  readonly fetch: typeof fetch;
}

export function hubSettings(options: HubOptions = {}): HubSettings {
  const env = options.env ?? process.env;
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === "" ? undefined : v.trim());
  const endpoint = (options.endpoint ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
  try {
    const u = new URL(endpoint);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
  } catch {
    throw new UsageError(`Hub endpoint "${endpoint}" is not an http(s) URL (check HF_ENDPOINT)`);
  }
  const token = options.token ?? nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  const offline = options.offline ?? /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE ?? "");
  return { endpoint, token, offline, fetch: options.fetch ?? globalThis.fetch };
}

/** Request headers carrying the token, if any. */
export function authHeaders(settings: HubSettings): Record<string, string> {
  return settings.token === undefined ? {} : { authorization: `Bearer ${settings.token}` };
}

/** `{endpoint}/{repo}/resolve/{revision}/{path}` with the revision and each path segment URL-encoded. */
export function resolveUrl(repo: string, revision: string, path: string, endpoint: string): string {
  const file = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/** Display name of a Hub file, used in every error message about it. */
export function hubFileName(repo: string, revision: string, path: string): string {
  return `${HUB_URL_PREFIX}${repo}@${revision}/${path}`;
}
