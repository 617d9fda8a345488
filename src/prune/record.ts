// The pruning table's rows: one per evaluated pruned checkpoint (`prune --store`) and one per point
// of a tolerance curve (the study), each with the near-zero mass of the weights that were pruned;
// and the recording of a pruned checkpoint in a store (the run registered when new).
import { basename, dirname } from "node:path";
import { openCheckpoint } from "../formats/checkpoint.js";
import { decodeToFloat32 } from "../formats/dtype.js";
import { parseRevisionStep } from "../runs/revisions.js";
import { trainerStateStep } from "../runs/discovery.js";
import type { Store } from "../store/store.js";
import type { PruningInput } from "../store/types.js";
import { readTensorBytes } from "../tensor/read.js";
import { UsageError } from "../util/errors.js";
import { nearZeroMass, type NearZeroMass } from "./distribution.js";
import { checkpointFolder, type PruneResult } from "./checkpoint.js";
import type { ToleranceCurve } from "./tolerance.js";

/** The stored near-zero fraction: null when it could not be measured (no finite weights). */
export function storedNearZeroFraction(m: NearZeroMass): number | null {
  return Number.isFinite(m.nearZeroFraction) ? m.nearZeroFraction : null;
}

/** The row of an evaluated pruned checkpoint (pruneCheckpoint with `eval`); `nearZero` of the source's pruned tensors. */
export function prunedCheckpointRow(r: PruneResult, step: number, nearZero: NearZeroMass, include: readonly string[]): PruningInput {
  if (r.lossBefore === undefined || r.lossAfter === undefined || r.predictions === undefined) {
    throw new UsageError(`${r.checkpoint}: the pruning was not evaluated, so it has no loss to store ---> HINT: prune with eval tokens (--eval, --tokens or --text)`);
  }
  return {
    step, method: r.method, scope: r.scope, sparsity: r.sparsity, seed: r.seed,
    base_loss: r.lossBefore, loss: r.lossAfter, eval_predictions: r.predictions,
    zeros_fraction: r.zerosFraction, near_zero_mass: storedNearZeroFraction(nearZero),
    detail: { checkpoint: r.checkpoint, out: r.out, include, pruned_tensors: r.prunedTensors.map((t) => t.name), numel: r.numel, zeros: r.zeros, near_zero: nearZero },
  };
}

/** One row per point of a tolerance curve measured at `step`; `context` leads each row's detail. */
export function toleranceCurveRows(c: ToleranceCurve, step: number, context: Record<string, unknown> = {}): PruningInput[] {
  return c.points.map((p) => ({
    step, method: p.method, scope: c.scope, sparsity: p.sparsity, seed: c.seed, base_loss: c.baseLoss, loss: p.loss,
    eval_predictions: c.predictions, zeros_fraction: p.zerosFraction, near_zero_mass: storedNearZeroFraction(c.nearZero),
    detail: { ...context, checkpoint: c.checkpoint, prunable_numel: c.numel },
  }));
}

/** The training step of a checkpoint folder: trainer_state.json's global_step, else the step its name encodes (step<N>, checkpoint-<N>); null when neither tells. */
export async function checkpointFolderStep(folder: string): Promise<number | null> {
  return (await trainerStateStep(folder)) ?? parseRevisionStep(basename(folder));
}

/** Near-zero mass of the named tensors, read again from the (unmodified) source checkpoint. */
export async function sourceNearZeroMass(checkpoint: string, names: ReadonlySet<string>): Promise<NearZeroMass> {
  const ckpt = await openCheckpoint(checkpoint);
  try {
    const tensors = [];
    for (const ref of ckpt.tensors) {
      if (names.has(ref.name)) tensors.push({ name: ref.name, values: decodeToFloat32(ref.dtype, await readTensorBytes(ref)) });
    }
    return nearZeroMass(tensors);
  } finally {
    await ckpt.close();
  }
}

/**
 * Stores an evaluated pruned checkpoint as run `run`, step `step` (the same (run, step, method,
 * scope, sparsity, seed) is replaced). A run the store does not have is registered with the
 * checkpoint's parent folder as its source. Returns whether the run was registered here.
 */
export async function recordPrunedCheckpoint(store: Store, run: string, step: number, r: PruneResult, include: readonly string[]): Promise<{ registeredRun: boolean }> {
  const nearZero = await sourceNearZeroMass(r.checkpoint, new Set(r.prunedTensors.map((t) => t.name)));
  const row = prunedCheckpointRow(r, step, nearZero, include);
  const registeredRun = !(await store.listRuns()).some((x) => x.run_id === run);
  if (registeredRun) await store.putRun({ run_id: run, source: dirname(await checkpointFolder(r.checkpoint)), options: { created_by: "prune" } });
  await store.putPruning(run, [row]);
  return { registeredRun };
}
