// Lookup in the local Hugging Face cache (the layout huggingface_hub and transformers write), so
// files already downloaded by Python tools are read from disk instead of over the network.
import { existsSync, readFileSync, readdirSync, statSync, type Dirent, type Stats } from "node:fs";
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

/** A revision recorded in the cache (`refs/{name}` holding its commit). */
export interface CachedRevision {
  readonly name: string;
  readonly commit: string;
}

/** Every ref of `repo` in the cache (names with slashes, such as "refs/pr/1", included), sorted by name. */
export function cachedRevisions(repo: string, options: HfCacheOptions = {}): CachedRevision[] {
  const root = join(repoCacheFolder(repo, options.cacheDir), "refs");
  const out: CachedRevision[] = [];
  const walk = (dir: string, prefix: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const name = prefix + e.name;
      if (e.isDirectory()) walk(join(dir, e.name), `${name}/`);
      else {
        const commit = cachedCommit(repo, name, options);
        if (commit !== null) out.push({ name, commit });
      }
    }
  };
  walk(root, "");
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A file of a cached snapshot whose content is present (dangling links to missing blobs are left out). */
export interface CachedSnapshotFile {
  readonly path: string;
  readonly size: number;
}

/** The snapshot folder of `commit` (`models--owner--name/snapshots/{commit}`). */
export function snapshotFolder(repo: string, commit: string, options: HfCacheOptions = {}): string {
  return join(repoCacheFolder(repo, options.cacheDir), "snapshots", commit);
}

/** The files of a cached snapshot, by relative path; null when the cache has no snapshot of `commit`. */
export function cachedSnapshotFiles(repo: string, commit: string, options: HfCacheOptions = {}): CachedSnapshotFile[] | null {
  const root = snapshotFolder(repo, commit, options);
  if (!existsSync(root)) return null;
  const out: CachedSnapshotFile[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      let st: Stats;
      try {
        st = statSync(full); // follows the symlink into blobs/
      } catch {
        continue; // a dangling link: the blob was never (fully) downloaded
      }
      if (st.isDirectory()) walk(full, `${prefix}${e.name}/`);
      else if (st.isFile()) out.push({ path: prefix + e.name, size: st.size });
    }
  };
  walk(root, "");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
