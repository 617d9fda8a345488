// Run identity: a run's rows in the store come from one source analyzed with one set of
// result-changing options. An analysis that would mix sources or options into a stored series is
// refused with a one-line error saying what to do; nothing is written before the first checkpoint
// succeeds, so a failed command leaves the store as it was.
import { StoreError } from "../util/errors.js";
import type { CheckpointStage } from "./staging.js";
import type { CheckpointWriteOptions, RunClaimWrite, Store } from "./store.js";
import type { CheckpointResult, RunInput } from "./types.js";

export interface ClaimOptions {
  /** Drop the run's stored rows and analyze it again (in the transaction of its first new checkpoint). */
  readonly reanalyze?: boolean;
}

/**
 * The right to write a run's checkpoints. Obtain it with `claimRun` before analyzing; write
 * checkpoints through it: the first write registers (or re-registers) the run in the same
 * transaction, so a command that fails before writing anything changes nothing.
 */
export class RunClaim {
  private pending: RunClaimWrite | undefined;

  constructor(
    private readonly store: Store,
    readonly run: RunInput,
    /** The run already had analyzed checkpoints with this identity. */
    readonly existing: boolean,
    pending: RunClaimWrite | undefined,
  ) {
    this.pending = pending;
  }

  /** True when `step` is stored and will be kept (with --reanalyze nothing is kept). */
  async isCheckpointComplete(step: number): Promise<boolean> {
    if (this.pending?.replace === true) return false;
    return this.store.isCheckpointComplete(this.run.run_id, step);
  }

  /** A stage for the per-tensor rows of checkpoint `step` (Store.stageCheckpoint), committed by writeCheckpoints. */
  stageCheckpoint(step: number): Promise<CheckpointStage> {
    return this.store.stageCheckpoint(this.run.run_id, step);
  }

  /** Writes `results` in one transaction, in order (Store.writeCheckpoints): all complete, or none. */
  async writeCheckpoints(results: readonly CheckpointResult[], options?: CheckpointWriteOptions): Promise<void> {
    await this.store.writeCheckpoints(this.run.run_id, results, this.pending, options);
    this.pending = undefined;
  }

  /** The run is registered in the store (events can be computed and stored for it). */
  get registered(): boolean {
    return this.pending === undefined || (this.existing && !this.pending.replace);
  }
}

/** Checks `run` against what the store holds for `run.run_id`; throws StoreError on a mismatch. */
export async function claimRun(store: Store, run: RunInput, options: ClaimOptions = {}): Promise<RunClaim> {
  const stored = (await store.listRuns()).find((r) => r.run_id === run.run_id);
  const analyzed = stored === undefined ? 0 : (await store.listCheckpoints(run.run_id, { completeOnly: true })).length;
  if (options.reanalyze === true) {
    return new RunClaim(store, run, false, { run, replace: stored !== undefined });
  }
  // A run registered by other commands (metrics, prune) but never analyzed takes this identity.
  if (stored === undefined || analyzed === 0) return new RunClaim(store, run, false, { run, replace: false });
  const hint = `---> HINT: pass --run NAME to store it as another run, use a new --out, or pass --reanalyze to replace the stored run`;
  if (stored.source !== run.source) {
    throw new StoreError(store.path, `run "${run.run_id}" holds ${analyzed} checkpoint(s) analyzed from ${stored.source}, not ${run.source} ${hint}`);
  }
  const differences = optionDifferences(stored.options, run.options ?? {});
  if (differences.length > 0) {
    throw new StoreError(store.path, `run "${run.run_id}" holds ${analyzed} checkpoint(s) analyzed with other options (${differences.join("; ")}): mixing them would make one series of two analyses ${hint}`);
  }
  return new RunClaim(store, run, true, undefined);
}

/** "name: stored -> asked" for every result-changing option that differs (keys of either side). */
export function optionDifferences(stored: Record<string, unknown>, asked: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(stored), ...Object.keys(asked)])) {
    const a = canonicalJson(stored[key]);
    const b = canonicalJson(asked[key]);
    if (a !== b) out.push(`${key}: stored ${a}, now ${b}`);
  }
  return out;
}

function canonicalJson(v: unknown): string {
  if (v === undefined) return "unset";
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
}
