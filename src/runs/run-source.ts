// A run's source, decided once: a local folder (or file) or a Hugging Face Hub reference
// (`hf://owner/repo[@rev]`). Both give the same RunCheckpoint list; nothing downstream branches
// on where the bytes come from. Serializable: a source string and these options name a run.
import { resolve, basename } from "node:path";
import { UsageError } from "../util/errors.js";
import { discoverRun, type RunCheckpoint } from "./discovery.js";
import type { HubRunHubOptions } from "./hub-run.js"; // its code (the Hub client, ~14 modules) is loaded for hf:// runs only
import { isHubUrl } from "./hub-url.js";

export interface RunSourceOptions {
  /** Local runs: explicit steps, mapped in order onto the checkpoints found (fallback layout). */
  readonly steps?: readonly number[];
  /** hf:// runs: revisions to analyze ("pythia", "step1000,step2000", globs); default: the URL's revision alone. */
  readonly revisions?: string;
  /** hf:// runs: Hub endpoint, token, cache and HTTP tuning (default: from HF_ENDPOINT, HF_TOKEN...). */
  readonly hub?: HubRunHubOptions;
}

export interface RunSource {
  /** The source as stored: an absolute folder path or the `hf://` reference. */
  readonly source: string;
  /** Default run name: the folder's or the repository's name. */
  readonly defaultRunId: string;
  /** Bytes come over the network (counted per checkpoint as bytesTransferred). */
  readonly remote: boolean;
  readonly checkpoints: RunCheckpoint[];
}

/** Discovers the checkpoints of `pathOrUrl` (a folder, a checkpoint file, or an hf:// reference). */
export async function discoverRunSource(pathOrUrl: string, options: RunSourceOptions = {}): Promise<RunSource> {
  if (isHubUrl(pathOrUrl)) {
    if (options.steps !== undefined) throw new UsageError("--steps does not apply to hf:// runs: steps come from the revision names (use --revisions)");
    const { discoverHubRun, hubRunId } = await import("./hub-run.js");
    const checkpoints = await discoverHubRun(pathOrUrl, {
      ...(options.revisions !== undefined && { revisions: options.revisions }), ...(options.hub !== undefined && { hub: options.hub }),
    });
    return { source: pathOrUrl, defaultRunId: hubRunId(pathOrUrl), remote: true, checkpoints };
  }
  if (options.revisions !== undefined) throw new UsageError(`--revisions applies to hf:// runs only, not to the folder "${pathOrUrl}"`);
  const source = resolve(pathOrUrl);
  const checkpoints = await discoverRun(source, options.steps ? { steps: [...options.steps] } : {});
  return { source, defaultRunId: basename(source), remote: false, checkpoints };
}
