// Layer fork: one statistic (e.g. std of attention.query_key_value.weight) for layers
// 0..L-1 moves together, then separates into groups with stable membership. Per checkpoint
// the L values are split by exact 1-D k-means (k = 2, 3); a split counts when every gap
// between neighbouring groups is large against the layers' checkpoint-to-checkpoint noise.

import { UsageError } from "../../util/errors.js";
import { robustSigma } from "../changepoints/index.js";
import { makeEvent, type DynamicsEvent } from "../events.js";
import { kMeans1d } from "./kmeans1d.js";
import { SEPARATION_CAP } from "./population.js";
import { DEFAULT_FORK_PERSISTENCE, findStableFork, type CheckpointGrouping } from "./stability.js";

/** A split counts when every gap between neighbouring groups is >= this many noise sigmas. */
export const DEFAULT_LAYER_GAP = 4;
/**
 * Three groups are preferred to two only when their smallest gap is at least this fraction of
 * the 2-group gap: otherwise noise inside one branch (a layer 4 sigma from its group while
 * the branches are 12 sigma apart) would flip the grouping and break stability.
 */
export const THREE_GROUP_RELATIVE_GAP = 0.5;
/** Smallest noise scale, relative to the largest |value|, so exactly equal layers stay finite. */
const NOISE_FLOOR_RELATIVE = 1e-12;

export interface LayerForkOptions {
  persistence?: number;
  /** Gap threshold in noise sigmas (default DEFAULT_LAYER_GAP). */
  gap?: number;
  /** Noise scale sigma; default layerNoiseScale(series). */
  scale?: number;
  /** Largest number of groups considered (default 3). */
  maxGroups?: 2 | 3;
  /** Fewest layers per group (default 1: one layer may leave the others). */
  minGroupSize?: number;
}

/**
 * Noise of the statistic across checkpoints, robust to the common drift and to a fork:
 * d_l(t) = x_l(t) - median over layers of x(t) removes what all layers share; per layer
 * robustSigma (MAD of first differences / sqrt 2) ignores the few checkpoints where d_l
 * jumps; the median over layers is returned. Needs >= 3 checkpoints.
 */
export function layerNoiseScale(series: readonly (readonly number[])[]): number {
  const L = series.length, T = series[0]?.length ?? 0;
  const deviations = series.map(() => new Float64Array(T));
  let largest = 0;
  for (let t = 0; t < T; t++) {
    const column = Float64Array.from(series, (s) => s[t]!).sort();
    const centre = L % 2 === 1 ? column[L >> 1]! : 0.5 * (column[(L >> 1) - 1]! + column[L >> 1]!);
    for (let l = 0; l < L; l++) {
      deviations[l]![t] = series[l]![t]! - centre;
      largest = Math.max(largest, Math.abs(series[l]![t]!));
    }
  }
  const sigmas = Float64Array.from(deviations, (d) => robustSigma(d)).sort();
  const sigma = L % 2 === 1 ? sigmas[L >> 1]! : 0.5 * (sigmas[(L >> 1) - 1]! + sigmas[L >> 1]!);
  return Math.max(sigma, NOISE_FLOOR_RELATIVE * largest, Number.MIN_VALUE);
}

export interface LayerGrouping extends CheckpointGrouping {
  /** Layer indices per group, lowest values first (one group when together). */
  groups: number[][];
}

/** Best split of the L values at one checkpoint: the largest k whose every gap is >= gap x sigma (see THREE_GROUP_RELATIVE_GAP). */
export function layerGrouping(values: readonly number[], sigma: number, gap = DEFAULT_LAYER_GAP, maxGroups: 2 | 3 = 3, minGroupSize = 1): LayerGrouping {
  const L = values.length;
  const order = [...values.keys()].sort((a, b) => values[a]! - values[b]! || a - b);
  const sorted = order.map((l) => values[l]!);
  let chosen: { k: number; cuts: number[]; separation: number } | null = null;
  let separation = 0;
  for (const k of [2, 3] as const) {
    if (k > maxGroups || L < k) continue;
    const { cuts, sizes } = kMeans1d(sorted, k);
    let minGap = Infinity;
    for (let g = 0; g + 1 < k; g++) minGap = Math.min(minGap, sorted[cuts[g]!]! - sorted[cuts[g]! - 1]!);
    const ratio = Math.min(SEPARATION_CAP, minGap / sigma);
    if (k === 2) separation = ratio;
    const finerIsReal = k === 2 || ratio >= THREE_GROUP_RELATIVE_GAP * separation;
    if (ratio >= gap && finerIsReal && Math.min(...sizes) >= minGroupSize) chosen = { k, cuts, separation: ratio };
  }
  if (chosen === null) return { k: 1, labels: null, separation, groups: [[...values.keys()]] };
  const labels = new Uint8Array(L);
  const groups: number[][] = [];
  let start = 0;
  chosen.cuts.forEach((end, g) => {
    const members = order.slice(start, end).sort((a, b) => a - b);
    for (const l of members) labels[l] = g;
    groups.push(members);
    start = end;
  });
  return { k: chosen.k, labels, separation: chosen.separation, groups };
}

export interface LayerForkResult {
  event: DynamicsEvent | null;
  /** Noise scale used. */
  sigma: number;
  /** Per checkpoint: the grouping (k = 1 when together). */
  groupings: LayerGrouping[];
}

function checkSeries(tensor: string, steps: readonly number[], series: readonly (readonly number[])[]): void {
  if (series.length < 2) throw new UsageError(`detectLayerFork ("${tensor}"): needs at least 2 layers, got ${series.length}`);
  if (steps.length < 3) throw new UsageError(`detectLayerFork ("${tensor}"): needs at least 3 checkpoints, got ${steps.length}`);
  for (let t = 1; t < steps.length; t++) if (!(steps[t]! > steps[t - 1]!)) throw new UsageError(`detectLayerFork ("${tensor}"): steps must be strictly increasing (index ${t})`);
  series.forEach((s, l) => {
    if (s.length !== steps.length) throw new UsageError(`detectLayerFork ("${tensor}"): layer ${l} has ${s.length} values for ${steps.length} steps`);
    s.forEach((v, t) => {
      if (!Number.isFinite(v)) throw new UsageError(`detectLayerFork ("${tensor}"): layer ${l} at step ${steps[t]} is ${v}; drop or impute non-finite values first`);
    });
  });
}

/**
 * The layer fork (kind "layer_fork"): first checkpoint t, after one where all layers were
 * together, from which the same grouping (same k >= 2, same layers in each group) holds for
 * P checkpoints. step_low = step of the last together checkpoint before t. strength = the
 * median over [t, t + P) of the smallest gap between groups in noise sigmas.
 * series[layer][checkpoint].
 */
export function detectLayerFork(tensor: string, steps: readonly number[], series: readonly (readonly number[])[], options: LayerForkOptions = {}): LayerForkResult {
  checkSeries(tensor, steps, series);
  const persistence = options.persistence ?? DEFAULT_FORK_PERSISTENCE;
  const gap = options.gap ?? DEFAULT_LAYER_GAP;
  const sigma = options.scale ?? layerNoiseScale(series);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new UsageError(`detectLayerFork ("${tensor}"): scale must be a positive number, got ${sigma}`);
  const groupings = steps.map((_, t) => layerGrouping(series.map((s) => s[t]!), sigma, gap, options.maxGroups ?? 3, options.minGroupSize ?? 1));
  const fork = findStableFork(groupings, { persistence, minAgreement: 1 });
  if (fork === null) return { event: null, sigma, groupings };
  const t = fork.index;
  const window = groupings.slice(t, t + persistence).map((g) => g.separation).sort((a, b) => a - b);
  const strength = window.length % 2 === 1 ? window[window.length >> 1]! : 0.5 * (window[(window.length >> 1) - 1]! + window[window.length >> 1]!);
  const groups = groupings[t]!.groups;
  const centres = groups.map((members) => steps.map((_, u) => members.reduce((acc, l) => acc + series[l]![u]!, 0) / members.length));
  const event = makeEvent("layer_fork", tensor, steps[t]!, steps[fork.lastTogether]!, strength, {
    layers: series.length,
    groups,
    rule: `every gap between neighbouring k-means groups >= ${gap} noise sigmas (k = 3 only if its smallest gap is also >= ${THREE_GROUP_RELATIVE_GAP} x the 2-group gap), same groups for ${persistence} checkpoints from the fork, all layers together at some earlier checkpoint`,
    sigma,
    fork_index: t,
    last_together_index: fork.lastTogether,
    last_together_step: steps[fork.lastTogether],
    stable_until_index: fork.stableUntil,
    stable_until_step: steps[fork.stableUntil],
    separation_per_checkpoint: groupings.map((g) => g.separation),
    agreement_with_fork: fork.agreements,
    groups_per_checkpoint: groupings.map((g) => g.k),
    group_centres: { steps: [...steps], centres },
  });
  return { event, sigma, groupings };
}
