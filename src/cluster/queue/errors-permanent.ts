// Which failures a retry cannot fix, and the one line recorded for a failed job.
import { CheckpointFormatError, ForkingPathsError, RunDiscoveryError, UsageError } from "../../util/errors.js";
import { IncompleteMergeError, PartMismatchError } from "../errors.js";

/** Is this error one that a retry cannot fix (malformed file, bad options, parts that do not fit)? */
export function isPermanent(err: unknown): boolean {
  return err instanceof CheckpointFormatError || err instanceof UsageError || err instanceof RunDiscoveryError
    || err instanceof PartMismatchError || err instanceof IncompleteMergeError;
}

/** The line recorded for a failed job: the typed error's class, code and message. */
export function describeError(err: unknown): string {
  if (err instanceof ForkingPathsError) return `${err.name} ${err.code}: ${err.message.replace(/\n/g, " ")}`;
  return `${(err as Error)?.name ?? "Error"}: ${(err as Error)?.message ?? String(err)}`;
}
