// Pruning rows for the report tests: two checkpoints, magnitude pruning (one seed) and random
// pruning (three seeds) at four sparsities, with designed losses and near-zero masses.
import { Store } from "../../../src/store/index.js";
import type { PruningInput } from "../../../src/store/types.js";

export const SPARSITY = [0, 0.3, 0.6, 0.9];
export const BASE = { 100: 4.0, 2000: 3.2 } as Record<number, number>;
/** Magnitude pruning hurts the later checkpoint less. */
export const MAGNITUDE_SCALE = { 100: 0.5, 2000: 0.2 } as Record<number, number>;
export const NEAR_ZERO = { 100: 0.05, 2000: 0.18 } as Record<number, number>;

/** Designed losses: magnitude grows slowly, random fast; random differs by seed. */
export function pruningRows(): PruningInput[] {
  const rows: PruningInput[] = [];
  for (const step of [100, 2000]) {
    for (const sparsity of SPARSITY) {
      const row = { step, scope: "global" as const, sparsity, base_loss: BASE[step]!, eval_predictions: 512, zeros_fraction: sparsity, near_zero_mass: NEAR_ZERO[step]! };
      rows.push({ ...row, method: "magnitude", seed: 0, loss: BASE[step]! + MAGNITUDE_SCALE[step]! * sparsity ** 3 });
      for (const seed of [1, 2, 3]) rows.push({ ...row, method: "random", seed, loss: BASE[step]! + 2 * sparsity ** 2 + 0.01 * seed * sparsity });
    }
  }
  return rows;
}

/** A store with run "r1", its two checkpoints and the pruning rows. */
export async function storeWithPruning(dir: string): Promise<Store> {
  const store = await Store.openDir(dir);
  await store.putRun({ run_id: "r1", source: "/runs/r1" });
  await store.registerCheckpoints("r1", [100, 2000].map((step) => ({ step, label: `step${step}`, path: `/runs/r1/step${step}`, format: "safetensors", n_tensors: 0, total_bytes: 1 })));
  await store.putPruning("r1", pruningRows());
  return store;
}
