// Seeded percentile bootstrap over paired observations (resampling indices with replacement),
// with numpy's default linear-interpolation quantile (shared with stats/shape).
import { quantileSorted } from "../stats/shape/bandwidth.js";
import { Rng } from "../util/rng.js";
import { UsageError } from "../util/errors.js";

/** Bootstrap resamples unless told otherwise. */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
/** Two-sided level of the confidence intervals: 0.95 unless told otherwise. */
export const DEFAULT_CONFIDENCE = 0.95;
export const DEFAULT_BOOTSTRAP_SEED = 20240313;

export interface BootstrapOptions {
  /** Resamples B; default DEFAULT_BOOTSTRAP_RESAMPLES. */
  resamples?: number;
  /** Confidence level in (0, 1); default 0.95. */
  confidence?: number;
  seed?: number;
}

export interface ConfidenceInterval {
  low: number;
  high: number;
  level: number;
  /** Resamples whose statistic was finite (constant resamples give NaN and are dropped). */
  validResamples: number;
}


/**
 * Percentile intervals of several statistics of the same resamples: each resample draws n
 * indices with replacement, and every statistic is evaluated on that index set.
 * Returns one interval per statistic (NaN bounds when no resample was finite).
 */
export function bootstrapIndices(n: number, statistics: readonly ((idx: Int32Array) => number)[], options: BootstrapOptions = {}): ConfidenceInterval[] {
  const b = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const level = options.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(b) || b < 1) throw new UsageError(`bootstrap: resamples must be a positive integer, got ${b}`);
  if (!(level > 0 && level < 1)) throw new UsageError(`bootstrap: confidence must be in (0, 1), got ${level}`);
  const rng = new Rng(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const draws = statistics.map(() => [] as number[]);
  const idx = new Int32Array(n);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    statistics.forEach((f, k) => {
      const v = f(idx);
      if (Number.isFinite(v)) draws[k]!.push(v);
    });
  }
  const alpha = (1 - level) / 2;
  return draws.map((d) => {
    if (d.length === 0) return { low: Number.NaN, high: Number.NaN, level, validResamples: 0 };
    const s = Float64Array.from(d).sort();
    return { low: quantileSorted(s, alpha), high: quantileSorted(s, 1 - alpha), level, validResamples: d.length };
  });
}
