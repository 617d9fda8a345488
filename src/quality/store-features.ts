// Thin store adapter: one feature row per analysed checkpoint of a run, from the stored group
// statistics (model / role / layer groups) and, when present, per-tensor spectral alpha.
import type { GroupStatsRecord, Store, TensorStatsRecord } from "../store/index.js";
import { decodeShapeExtra } from "../store/shape-extra.js";

export interface CheckpointFeatures {
  steps: number[];
  featureNames: string[];
  /** rows[i][j]: feature j at steps[i]; null when not stored. */
  rows: (number | null)[][];
}

/** Group statistics used as features (frac_abs_le and frac_abs_le_rel_std: every stored threshold). */
const SCALAR_STATS = ["std", "mean", "skewness", "excess_kurtosis", "linf"] as const;

function groupFeatures(g: GroupStatsRecord | TensorStatsRecord): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const s of SCALAR_STATS) out[s] = g[s];
  for (const [t, v] of Object.entries(g.frac_abs_le)) out[`frac_abs_le:${t}`] = v;
  for (const [t, v] of Object.entries(g.frac_abs_le_rel_std)) out[`frac_abs_le_rel_std:${t}`] = v;
  const k = decodeShapeExtra(g.extra)?.weibullK ?? null;
  if (k !== null) out["weibull_k"] = k;
  return out;
}

/** Spectral alpha stored by an analysis in tensor extra (`extra.spectral.alpha` or `extra.spectral.powerLaw.alpha`). */
function tensorAlpha(t: TensorStatsRecord): number | null {
  const sp = t.extra?.["spectral"] as { alpha?: unknown; powerLaw?: { alpha?: unknown } | null } | undefined;
  const a = sp?.alpha ?? sp?.powerLaw?.alpha;
  return typeof a === "number" && Number.isFinite(a) ? a : null;
}

/**
 * Features `<group_kind>:<group_name>:<stat>` per step, plus `alpha:mean` (mean spectral alpha
 * over tensors that have one) when any tensor stores it. Steps without group stats are skipped.
 */
export async function featuresFromStore(store: Store, runId: string): Promise<CheckpointFeatures> {
  const groups = await store.groupStats({ run: runId });
  const byStep = new Map<number, Record<string, number | null>>();
  for (const g of groups) {
    const row = byStep.get(g.step) ?? {};
    for (const [k, v] of Object.entries(groupFeatures(g))) row[`${g.group_kind}:${g.group_name}:${k}`] = v;
    byStep.set(g.step, row);
  }
  const alphas = new Map<number, number[]>();
  for (const t of await store.tensorStats({ run: runId })) {
    const a = tensorAlpha(t);
    if (a !== null && byStep.has(t.step)) alphas.set(t.step, [...(alphas.get(t.step) ?? []), a]);
  }
  for (const [step, list] of alphas) byStep.get(step)!["alpha:mean"] = list.reduce((s, v) => s + v, 0) / list.length;
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const names = [...new Set(steps.flatMap((s) => Object.keys(byStep.get(s)!)))].sort();
  return { steps, featureNames: names, rows: steps.map((s) => names.map((n) => byStep.get(s)![n] ?? null)) };
}
