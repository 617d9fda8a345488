// A run over Hugging Face Hub revisions: `hf://owner/repo[@rev]` alone is one checkpoint; with a
// revision spec ("pythia", "step1000,step2000", "step*"), one checkpoint per selected branch,
// ordered by the step in its name. Each checkpoint opens itself by range requests, pinned to a commit.
import { openCheckpointFromSources, type CheckpointFile, type FilesCheckpoint, type OpenFromFilesOptions } from "../formats/checkpoint-files.js";
import type { ByteSource } from "../io/byte-source.js";
import { RemoteChangedError } from "../io/http-errors.js";
import { UsageError } from "../util/errors.js";
import type { RunCheckpoint } from "./discovery.js";
import { cachedCommit, cachedRevisions, cachedSnapshotFiles, hfCacheDir, repoCacheFolder, snapshotFolder, type HfCacheOptions } from "./hf-cache.js";
import { listBranches, listRevisionFiles, revisionCommit, type HubApiOptions, type HubFileEntry } from "./hub-api.js";
import { openHubFile, type OpenHubFileOptions } from "./hub.js";
import { HUB_URL_PREFIX, HubError, hubSettings, parseHubUrl } from "./hub-url.js";
import { parseRevisionStep, selectRevisions } from "./revisions.js";

/**
 * Read-ahead block of checkpoint files on the Hub: large enough for headers, zip directories and
 * data.pkl in a few requests, small enough that locating a small tensor does not fetch much more.
 */
export const HUB_READ_AHEAD_BYTES = 64 * 1024;
/** Revision read when the reference names none. */
export const DEFAULT_HUB_REVISION = "main";
const COMMIT_RE = /^[0-9a-f]{40}$/;

/** Hub endpoint, token, local cache, API retries and HTTP tuning of the range reads. */
export type HubRunHubOptions = OpenHubFileOptions & HubApiOptions;

export interface HubRunOptions {
  /** Revisions to analyze: "pythia", a comma list of names, globs ("step*000"), or a mix; default: the URL's revision alone. */
  readonly revisions?: string;
  readonly hub?: HubRunHubOptions;
}

/** A checkpoint of a Hub run; `path` is its `hf://owner/repo@revision` reference. */
export interface HubRunCheckpoint extends RunCheckpoint {
  readonly repo: string;
  readonly revision: string;
  /** Commit the revision pointed to when the run was discovered; every file is read at this commit. */
  readonly commit: string;
  /** Lists the revision's files and opens the checkpoint's (headers only; selected shards/storages only). */
  open(options?: OpenFromFilesOptions): Promise<FilesCheckpoint>;
}

export function isHubRunCheckpoint(cp: RunCheckpoint): cp is HubRunCheckpoint {
  return typeof (cp as Partial<HubRunCheckpoint>).open === "function" && typeof (cp as Partial<HubRunCheckpoint>).commit === "string";
}

/** Default run name of a Hub reference: the repository's name (`hf://EleutherAI/pythia-70m@step0` -> "pythia-70m"). */
export function hubRunId(url: string): string {
  const { repo } = parseHubUrl(url);
  return repo.slice(repo.lastIndexOf("/") + 1);
}

/**
 * The checkpoints of a Hub run. `hf://owner/repo@rev` alone is one checkpoint (step from the
 * revision name, else 0); with `options.revisions`, the selected branches ordered by step (the
 * URL must then name no revision). Makes API calls (refs or model info) but reads no weights.
 */
export async function discoverHubRun(url: string, options: HubRunOptions = {}): Promise<HubRunCheckpoint[]> {
  const { repo, revision } = parseHubUrl(url);
  const hub = options.hub ?? {};
  if (options.revisions !== undefined && revision !== undefined) {
    throw new UsageError(`"${url}" names revision "${revision}" and a revision list "${options.revisions}" is given too: use hf://${repo} with --revisions, or the @revision alone`);
  }
  if (hubSettings(hub).offline) return discoverCachedRun(repo, revision, options.revisions, hub);
  if (options.revisions !== undefined) {
    const branches = await listBranches(repo, hub);
    const commits = new Map(branches.map((b) => [b.name, b.commit] as const));
    const selected = selectRevisions(options.revisions, branches.map((b) => b.name));
    return selected.map(({ revision: name, step }) => hubCheckpoint(repo, name, step, commits.get(name)!, hub));
  }
  const name = revision ?? DEFAULT_HUB_REVISION;
  const commit = COMMIT_RE.test(name) ? name : await revisionCommit(repo, name, hub);
  return [hubCheckpoint(repo, name, parseRevisionStep(name) ?? 0, commit, hub)];
}

function offlineHint(repo: string, revision = "<revision>"): string {
  return `---> HINT: download it first (huggingface-cli download ${repo} --revision ${revision}), or unset HF_HUB_OFFLINE`;
}

function cacheOf(hub: HubRunHubOptions): HfCacheOptions {
  return { cacheDir: hub.cacheDir ?? hfCacheDir(hub.env ?? process.env) };
}

/** HF_HUB_OFFLINE: the run's revisions and commits from the local Hugging Face cache's refs, no request. */
function discoverCachedRun(repo: string, revision: string | undefined, spec: string | undefined, hub: HubRunHubOptions): HubRunCheckpoint[] {
  const cache = cacheOf(hub);
  const folder = repoCacheFolder(repo, cache.cacheDir);
  if (spec !== undefined) {
    const cached = cachedRevisions(repo, cache);
    if (cached.length === 0) throw new HubError(repo, `offline (HF_HUB_OFFLINE): no revision of this repository is in the local Hugging Face cache (${folder}) ${offlineHint(repo)}`);
    let selected;
    try {
      selected = selectRevisions(spec, cached.map((c) => c.name));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      throw new HubError(repo, `offline (HF_HUB_OFFLINE), among the revisions in the local cache ${folder}: ${err.message}`);
    }
    const commits = new Map(cached.map((c) => [c.name, c.commit] as const));
    return selected.map(({ revision: name, step }) => hubCheckpoint(repo, name, step, commits.get(name)!, hub));
  }
  const name = revision ?? DEFAULT_HUB_REVISION;
  const commit = cachedCommit(repo, name, cache);
  if (commit === null) throw new HubError(repo, `offline (HF_HUB_OFFLINE): revision "${name}" is not in the local Hugging Face cache (no ${folder}/refs/${name}) ${offlineHint(repo, name)}`);
  return [hubCheckpoint(repo, name, parseRevisionStep(name) ?? 0, commit, hub)];
}

/** HF_HUB_OFFLINE: the files of a revision as its cached snapshot holds them (complete downloads only). */
function cachedListing(repo: string, revision: string, commit: string, hub: HubRunHubOptions): HubFileEntry[] {
  const cache = cacheOf(hub);
  const files = cachedSnapshotFiles(repo, commit, cache);
  if (files === null) throw new HubError(repo, `offline (HF_HUB_OFFLINE): revision "${revision}" (commit ${commit}) has no snapshot in the local Hugging Face cache (${snapshotFolder(repo, commit, cache)}) ${offlineHint(repo, revision)}`);
  return files.map((f) => ({ path: f.path, size: f.size, oid: "", lfsSha256: undefined }));
}

/** Opens a listed file; a size other than the listing's means the file changed in between. */
async function openListedFile(repo: string, commit: string, path: string, listedSize: number, options: OpenHubFileOptions): Promise<ByteSource> {
  const source = await openHubFile(repo, commit, path, options);
  if (source.size !== listedSize) {
    await source.close();
    throw new RemoteChangedError(source.name, `size ${listedSize} in the file listing`, `size ${source.size}`);
  }
  return source;
}

function hubCheckpoint(repo: string, revision: string, step: number, commit: string, hub: HubRunHubOptions): HubRunCheckpoint {
  const path = `${HUB_URL_PREFIX}${repo}@${revision}`;
  const fileOptions: OpenHubFileOptions = { ...hub, http: { readAheadBytes: HUB_READ_AHEAD_BYTES, ...hub.http } };
  return {
    step,
    path,
    label: revision,
    repo,
    revision,
    commit,
    open: async (openOptions = {}) => {
      const offline = hubSettings(hub).offline;
      const entries = offline ? cachedListing(repo, revision, commit, hub) : await listRevisionFiles(repo, commit, hub);
      const files: CheckpointFile[] = entries.map((e) => ({
        name: e.path,
        size: e.size,
        open: () => openListedFile(repo, commit, e.path, e.size, fileOptions),
      }));
      try {
        return await openCheckpointFromSources(path, files, openOptions);
      } catch (err) {
        if (!offline || err instanceof HubError || !(err instanceof Error)) throw err;
        // Offline, a file the checkpoint needs may simply not have been downloaded: say so.
        throw new HubError(repo, `offline (HF_HUB_OFFLINE), revision "${revision}" from the local Hugging Face cache (${snapshotFolder(repo, commit, cacheOf(hub))}, files: ${entries.map((e) => e.path).join(", ") || "none"}): ${err.message}`, { cause: err });
      }
    },
  };
}
