// Lookup in the local Hugging Face cache (the layout huggingface_hub and transformers write), so
// files already downloaded by Python tools are read from disk instead of over the network.
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../util/errors.js";

export interface HfCacheOptions {
  /** Cache root; default from the environment (see hfCacheDir). */
  readonly cacheDir?: string;
}

/**
 * The hub cache root, resolved as huggingface_hub does: HF_HUB_CACHE, then the legacy
 * HUGGINGFACE_HUB_CACHE, then $HF_HOME/hub, then $XDG_CACHE_HOME/huggingface/hub, then
 * ~/.cache/huggingface/hub.
 */
export function hfCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = (v: string | undefined): v is string => v !== undefined && v !== "";
  if (set(env.HF_HUB_CACHE)) return env.HF_HUB_CACHE;
  if (set(env.HUGGINGFACE_HUB_CACHE)) return env.HUGGINGFACE_HUB_CACHE;
  if (set(env.HF_HOME)) return join(env.HF_HOME, "hub");
  const xdg = set(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(xdg, "huggingface", "hub");
}

/** Folder of a model repo in the cache: `models--{owner}--{name}` (or `models--{name}`). */
export function repoCacheFolder(repo: string, cacheDir: string = hfCacheDir()): string {
  return join(cacheDir, `models--${repo.split("/").join("--")}`);
}

const COMMIT_RE = /^[0-9a-f]{40}$/;

function checkRelative(what: string, value: string): void {
  const parts = value.split("/");
  if (value === "" || value.startsWith("/") || value.includes("\\") || parts.some((p) => p === ".." || p === "." || p === "")) {
    throw new UsageError(`${what} "${value}" must be a relative path without "." or ".." segments`);
  }
}

/**
 * The commit a revision points to in the cache: the revision itself when it is a 40-hex commit,
 * else the content of `refs/{revision}`; null when the cache has no such ref.
 */
export function cachedCommit(repo: string, revision: string, options: HfCacheOptions = {}): string | null {
  if (COMMIT_RE.test(revision)) return revision;
  checkRelative("revision", revision);
  const folder = repoCacheFolder(repo, options.cacheDir);
  let text: string;
  try {
    text = readFileSync(join(folder, "refs", revision), "utf8").trim();
  } catch {
    return null;
  }
  return COMMIT_RE.test(text) ? text : null;
}

/**
 * Path of `file` of `repo` at `revision` in the local cache
 * (`models--owner--name/snapshots/{commit}/{file}`, usually a symlink into `blobs/`), or null
 * when it is not there (no ref, no snapshot entry, or a dangling link to a missing blob).
 */
export function findCachedFile(repo: string, revision: string, file: string, options: HfCacheOptions = {}): string | null {
  checkRelative("file", file);
  const commit = cachedCommit(repo, revision, options);
  if (commit === null) return null;
  const path = join(repoCacheFolder(repo, options.cacheDir), "snapshots", commit, ...file.split("/"));
  try {
    return statSync(path).isFile() ? path : null; // statSync follows the symlink to the blob
  } catch {
    return null;
  }
}
