// Folders that look like checkpoints of a run but whose names carry no step the layouts
// recognise (`checkpoint-abc`, `step-1`, `checkpoint-4 copy`, full-width digits): reported
// instead of being skipped silently, so a series never loses checkpoints without a word.

/** Name prefixes of checkpoint folders (case-insensitive). */
const CHECKPOINT_PREFIX = /^(?:checkpoint|global[_-]?step|step|iter|ckpt)/i;

/**
 * The names among `dirs` (folders holding checkpoint files) that start like a checkpoint folder
 * but match none of `recognised`.
 */
export function lookalikeCheckpointFolders(dirs: readonly string[], recognised: readonly RegExp[]): string[] {
  return dirs.filter((name) => CHECKPOINT_PREFIX.test(name) && !recognised.some((p) => p.test(name)));
}

/** One-line description of the lookalikes for a RunDiscoveryError. */
export function describeLookalikes(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n)).join(", ");
  return `folder(s) ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ""} look like checkpoints but carry no step in a recognised form (checkpoint-<N>, step<N>, global_step<N>, iter_<N>; ASCII digits) ---> HINT: rename them (e.g. checkpoint-1000) or move them out of the run folder`;
}
