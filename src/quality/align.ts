// Aligns metric series with checkpoint steps: one value per checkpoint (or null), exact step
// match by default, or the nearest metric step within a tolerance.
import { UsageError } from "../util/errors.js";
import type { MetricInput } from "../store/index.js";

export interface AlignOptions {
  /**
   * Largest |metric step - checkpoint step| accepted when there is no exact match; default 0
   * (exact only). Among metric steps within the tolerance the nearest wins; at equal distance
   * the earlier one. Ties are resolved per checkpoint: one metric point may serve two checkpoints.
   */
  tolerance?: number;
}

export interface AlignedSeries {
  name: string;
  /** The checkpoint steps, as given. */
  steps: number[];
  /** Value at each checkpoint; null when no metric step is close enough or the value is missing. */
  values: (number | null)[];
  /** The metric step used for each checkpoint (null when none). */
  sourceSteps: (number | null)[];
}

/** One aligned series per metric name (sorted by name). */
export function alignToCheckpoints(metrics: readonly MetricInput[], steps: readonly number[], options: AlignOptions = {}): AlignedSeries[] {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0)) throw new UsageError(`alignToCheckpoints: tolerance must be >= 0, got ${tolerance}`);
  const byName = new Map<string, MetricInput[]>();
  for (const m of metrics) {
    const list = byName.get(m.name) ?? [];
    list.push(m);
    byName.set(m.name, list);
  }
  return [...byName.keys()].sort().map((name) => alignOne(name, byName.get(name)!, steps, tolerance));
}

function alignOne(name: string, points: MetricInput[], steps: readonly number[], tolerance: number): AlignedSeries {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const values: (number | null)[] = [];
  const sourceSteps: (number | null)[] = [];
  for (const s of steps) {
    let best: MetricInput | undefined;
    for (const p of sorted) {
      const d = Math.abs(p.step - s);
      if (d <= tolerance && (best === undefined || d < Math.abs(best.step - s))) best = p;
    }
    values.push(best?.value ?? null);
    sourceSteps.push(best?.step ?? null);
  }
  return { name, steps: [...steps], values, sourceSteps };
}
