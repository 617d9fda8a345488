// Pruning-tolerance curves for the report from the store's pruning rows: per checkpoint step,
// method and scope, the loss increase over the unpruned checkpoint against sparsity (random
// pruning averaged over its seeds), with the checkpoint's near-zero mass. Pure.
import type { PruningRecord } from "../store/types.js";
import type { PruningCurve } from "./data.js";

/** The metric the curves show (loss - base_loss of the same tokens). */
export const PRUNING_CURVE_METRIC = "loss increase over the unpruned checkpoint";

/** One curve per (step, method, scope), ordered by step, then magnitude before random, then scope. */
export function pruningCurves(rows: readonly PruningRecord[]): PruningCurve[] {
  const groups = new Map<string, PruningRecord[]>();
  for (const r of rows) {
    const key = `${r.step}\u0000${r.method}\u0000${r.scope}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const curves = [...groups.values()].map(curveOf);
  const methodRank = (m: string): number => (m === "magnitude" ? 0 : m === "random" ? 1 : 2);
  return curves.sort((a, b) => a.step! - b.step! || methodRank(a.method) - methodRank(b.method) || a.scope!.localeCompare(b.scope!));
}

function curveOf(rows: readonly PruningRecord[]): PruningCurve {
  const first = rows[0]!;
  const bySparsity = new Map<number, number[]>();
  for (const r of rows) {
    const list = bySparsity.get(r.sparsity);
    if (list) list.push(r.loss_increase);
    else bySparsity.set(r.sparsity, [r.loss_increase]);
  }
  const sparsity = [...bySparsity.keys()].sort((a, b) => a - b);
  const values = sparsity.map((s) => {
    const finite = bySparsity.get(s)!.filter(Number.isFinite);
    return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
  });
  const nearZero = rows.find((r) => r.near_zero_mass !== null)?.near_zero_mass ?? null;
  return {
    step: first.step, method: first.method, scope: first.scope, metric: PRUNING_CURVE_METRIC, sparsity, values,
    nearZeroMass: nearZero, baseLoss: first.base_loss, seeds: [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b),
  };
}
