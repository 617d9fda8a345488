// Typed errors of the cluster layer (parts, merge, queue); one line, saying what to do next.
import { ForkingPathsError } from "../util/errors.js";

/** The parts to merge do not belong together, or a part folder is unreadable. */
export class PartMismatchError extends ForkingPathsError {
  constructor(readonly part: string, message: string) {
    super("PART_MISMATCH", `${part}: ${message}`);
  }
}

/** Checkpoints of the run are in no part: the merge would not be the whole analysis. */
export class IncompleteMergeError extends ForkingPathsError {
  constructor(readonly dir: string, readonly missing: readonly number[], total: number) {
    const shown = missing.slice(0, 8).join(", ") + (missing.length > 8 ? ", ..." : "");
    super("INCOMPLETE_MERGE", `${dir}: ${missing.length} of ${total} checkpoint(s) are in no part (steps ${shown}) ---> HINT: re-run the shards or jobs that hold them, or merge with --allow-missing for a partial result`);
  }
}

/** Redis did not answer in time: a status read (`cluster status`, `serve`) fails in seconds instead of waiting. */
export class RedisUnavailableError extends ForkingPathsError {
  constructor(readonly url: string, seconds: number) {
    super("REDIS_UNAVAILABLE", `${url}: Redis did not answer within ${seconds} s ---> HINT: start redis-server there, or pass the --redis URL that \`cluster submit\` used`);
  }
}
