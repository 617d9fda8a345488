// Rank correlations between distribution features and quality metrics across checkpoints:
// Spearman rho (average ranks for ties, t-test p-value as scipy.stats.spearmanr) and Kendall
// tau-b (dynamics/ews kendallTau, asymptotic p-value), each with a seeded bootstrap CI.
import { NotEnoughPointsError, UsageError } from "../util/errors.js";
import { kendallTau } from "../dynamics/ews/index.js";
import { bootstrapIndices, type BootstrapOptions, type ConfidenceInterval } from "./bootstrap.js";
import { studentTSf } from "./special.js";

/** Fewest paired points for a correlation (kendallTau needs 3). */
export const MIN_CORRELATION_POINTS = 3;

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata "average"). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    const avg = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]!] = avg;
    i = j;
  }
  return ranks;
}

/** Pearson correlation; NaN when either variable is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]!; my += y[i]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface SpearmanResult {
  rho: number;
  /** Two-sided p-value from t = rho sqrt((n-2)/(1-rho^2)) with n-2 degrees of freedom (scipy). */
  pValue: number;
  n: number;
}

function checkPairs(what: string, x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) throw new UsageError(`${what}: x has ${x.length} values, y has ${y.length}`);
  if (x.length < MIN_CORRELATION_POINTS) throw new NotEnoughPointsError(what, MIN_CORRELATION_POINTS, x.length);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new UsageError(`${what}: non-finite value at index ${i}; drop missing points first`);
  }
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): SpearmanResult {
  checkPairs("spearman", x, y);
  const n = x.length;
  const rho = pearson(averageRanks(x), averageRanks(y));
  if (Number.isNaN(rho)) return { rho, pValue: Number.NaN, n };
  const dof = n - 2;
  const t = rho * Math.sqrt(dof / ((rho + 1) * (1 - rho)));
  return { rho, pValue: Math.abs(rho) === 1 ? 0 : Math.min(1, 2 * studentTSf(Math.abs(t), dof)), n };
}

export interface CorrelationEstimate {
  estimate: number;
  pValue: number;
  ci: ConfidenceInterval;
}

export interface PairCorrelation {
  n: number;
  spearman: CorrelationEstimate;
  kendall: CorrelationEstimate;
}

/** Spearman and Kendall of finite paired points, with bootstrap CIs from the same resamples. */
export function correlateWithBootstrap(x: ArrayLike<number>, y: ArrayLike<number>, options: BootstrapOptions = {}): PairCorrelation {
  const s = spearman(x, y);
  const k = kendallTau(x, y);
  const pick = (idx: Int32Array) => [Float64Array.from(idx, (i) => x[i]!), Float64Array.from(idx, (i) => y[i]!)] as const;
  const [ciS, ciK] = bootstrapIndices(x.length, [
    (idx) => { const [a, b] = pick(idx); return pearson(averageRanks(a), averageRanks(b)); },
    (idx) => { const [a, b] = pick(idx); return kendallTau(a, b).tau; },
  ], options);
  return { n: x.length, spearman: { estimate: s.rho, pValue: s.pValue, ci: ciS! }, kendall: { estimate: k.tau, pValue: k.pValue, ci: ciK! } };
}

export interface FeatureMetricCorrelation extends PairCorrelation {
  feature: string;
  metric: string;
}

export interface CorrelationTable {
  rows: FeatureMetricCorrelation[];
  /** Pairs with fewer than MIN_CORRELATION_POINTS checkpoints where both are finite. */
  skipped: { feature: string; metric: string; n: number }[];
}

/**
 * Every feature series against every metric series; all series are aligned on the same
 * checkpoints (same length). Checkpoints where either value is null or non-finite are dropped
 * pair by pair. Each pair uses the same seed, so results do not depend on the order of pairs.
 */
export function correlateFeatures(
  features: Readonly<Record<string, readonly (number | null)[]>>,
  metrics: Readonly<Record<string, readonly (number | null)[]>>,
  options: BootstrapOptions = {},
): CorrelationTable {
  const rows: FeatureMetricCorrelation[] = [];
  const skipped: CorrelationTable["skipped"] = [];
  for (const [feature, fx] of Object.entries(features)) {
    for (const [metric, my] of Object.entries(metrics)) {
      if (fx.length !== my.length) throw new UsageError(`correlateFeatures: feature "${feature}" has ${fx.length} checkpoints but metric "${metric}" has ${my.length}; align them first (alignToCheckpoints)`);
      const xs: number[] = [], ys: number[] = [];
      for (let i = 0; i < fx.length; i++) {
        const a = fx[i], b = my[i];
        if (a !== null && a !== undefined && b !== null && b !== undefined && Number.isFinite(a) && Number.isFinite(b)) { xs.push(a); ys.push(b); }
      }
      if (xs.length < MIN_CORRELATION_POINTS) skipped.push({ feature, metric, n: xs.length });
      else rows.push({ feature, metric, ...correlateWithBootstrap(xs, ys, options) });
    }
  }
  return { rows, skipped };
}
