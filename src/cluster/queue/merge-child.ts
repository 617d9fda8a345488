// Runs one merge in a child process of the worker (forked by worker.ts), so that the worker's
// event loop stays free to renew the job's lock while the merge detects events (CPU-bound for
// seconds to minutes); the result or the typed error comes back over IPC.
import { mergeParts } from "../merge.js";
import { ForkingPathsError } from "../../util/errors.js";
import { isPermanent } from "./errors-permanent.js";
import { readClusterPlan } from "./plan.js";

export interface MergeChildReply {
  ok: boolean;
  result?: { store: string; merged: number; checkpoints: number; missing: number[] };
  error?: { line: string; permanent: boolean };
}

async function main(dir: string): Promise<MergeChildReply> {
  try {
    const plan = readClusterPlan(dir);
    const s = await mergeParts(dir, { allowMissing: plan.allowMissing });
    return { ok: true, result: { store: s.storePath, merged: s.merged, checkpoints: s.checkpoints, missing: s.missing } };
  } catch (err) {
    const line = err instanceof ForkingPathsError ? `${err.name} ${err.code}: ${err.message.replace(/\n/g, " ")}` : `${(err as Error).name}: ${(err as Error).message}`;
    return { ok: false, error: { line, permanent: isPermanent(err) } };
  }
}

const reply = await main(process.argv[2]!);
process.send!(reply, () => process.exit(0));
