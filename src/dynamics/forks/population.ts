// Population fork of a tensor whose elements are kept at every checkpoint: the elements,
// together at first, split into two branches that keep their membership. Per checkpoint an
// exact 1-D 2-means split is judged by its separation; forks.stability finds the stable run.

import { UsageError } from "../../util/errors.js";
import { makeEvent, type DynamicsEvent } from "../events.js";
import { kMeans1d } from "./kmeans1d.js";
import { encodeMembership } from "./membership.js";
import { DEFAULT_FORK_PERSISTENCE, findStableFork, labelAgreement, type CheckpointGrouping } from "./stability.js";

/**
 * Separation = |mean upper - mean lower| / pooled within-branch std of the 2-means split.
 * One Gaussian gives 2.65 for large n (means +-0.798 sd, within sd 0.603), a uniform 3.46;
 * two Gaussians of sd s at +-a give about 2a/s. A split counts from 4 on.
 */
export const DEFAULT_POPULATION_SEPARATION = 4;
/** Each branch must hold at least this fraction of the elements (a few outliers are not a branch). */
export const DEFAULT_MIN_BRANCH_FRACTION = 0.05;
/** Fraction of elements that must keep their branch, relative to the fork checkpoint. */
export const DEFAULT_POPULATION_AGREEMENT = 0.9;
/** Tensors up to this many elements also get explicit index lists per branch in the evidence. */
export const MEMBER_LISTS_MAX_ELEMENTS = 256;
/** Ratios are capped here so exact (zero-width) branches stay JSON-finite. */
export const SEPARATION_CAP = 1e6;

export interface ForkConfirmation {
  confirmed: boolean;
  /** e.g. "dip test p < 0.05" or "GMM-2 BIC < GMM-1 BIC". */
  method: string;
  statistic: number | null;
  pValue?: number | null;
}

export interface PopulationForkOptions {
  /** "value": the values; "displacement": values[t] - values[0] per element (default "value"). */
  variable?: "value" | "displacement";
  persistence?: number;
  separation?: number;
  minBranchFraction?: number;
  minAgreement?: number;
  /** Optional bimodality check, called at each checkpoint of a candidate window; all must confirm. */
  confirm?: (checkpoint: number, values: Float64Array, labels: Uint8Array) => ForkConfirmation;
}

export interface PopulationSplit extends CheckpointGrouping {
  /** Branch means and sizes of the 2-means split (lower first). */
  means: [number, number];
  sizes: [number, number];
  pooledStd: number;
}

/** Exact 2-means split of one checkpoint; k = 2 when separated and both branches are large enough. */
export function populationSplit(values: ArrayLike<number>, separationThreshold = DEFAULT_POPULATION_SEPARATION, minBranchFraction = DEFAULT_MIN_BRANCH_FRACTION): PopulationSplit {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  if (n < 2 || sorted[0] === sorted[n - 1]) {
    return { k: 1, labels: null, separation: 0, means: [sorted[0] ?? 0, sorted[0] ?? 0], sizes: [n, 0], pooledStd: 0 };
  }
  const cut = sorted[kMeans1d(sorted, 2).cuts[0]!]!;
  const labels = new Uint8Array(n);
  const sum = [0, 0], count = [0, 0];
  for (let j = 0; j < n; j++) {
    const g = values[j]! >= cut ? 1 : 0;
    labels[j] = g;
    sum[g]! += values[j]!;
    count[g]! += 1;
  }
  if (count[0] === 0 || count[1] === 0) return { k: 1, labels: null, separation: 0, means: [sorted[0]!, sorted[n - 1]!], sizes: [count[0]!, count[1]!], pooledStd: 0 };
  const means: [number, number] = [sum[0]! / count[0]!, sum[1]! / count[1]!];
  let ss = 0;
  for (let j = 0; j < n; j++) ss += (values[j]! - means[labels[j]!]!) ** 2;
  const pooledStd = Math.sqrt(ss / n);
  const gap = means[1] - means[0];
  const separation = gap <= 0 ? 0 : Math.min(SEPARATION_CAP, gap / pooledStd);
  const big = Math.min(count[0]!, count[1]!) >= minBranchFraction * n;
  return { k: separation >= separationThreshold && big ? 2 : 1, labels, separation, means, sizes: [count[0]!, count[1]!], pooledStd };
}

function checkMatrix(tensor: string, steps: readonly number[], values: readonly ArrayLike<number>[]): void {
  if (steps.length !== values.length) throw new UsageError(`detectPopulationFork (tensor "${tensor}"): ${steps.length} steps but ${values.length} checkpoints of values`);
  const n = values[0]?.length ?? 0;
  for (let t = 0; t < values.length; t++) {
    if (t > 0 && !(steps[t]! > steps[t - 1]!)) throw new UsageError(`detectPopulationFork (tensor "${tensor}"): steps must be strictly increasing (index ${t})`);
    if (values[t]!.length !== n) throw new UsageError(`detectPopulationFork (tensor "${tensor}"): checkpoint ${steps[t]} has ${values[t]!.length} elements, checkpoint ${steps[0]} has ${n}; the tensor must keep its shape`);
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(values[t]![j]!)) throw new UsageError(`detectPopulationFork (tensor "${tensor}"): element ${j} at step ${steps[t]} is ${values[t]![j]}; drop or impute non-finite values first`);
    }
  }
}

export interface PopulationForkResult {
  event: DynamicsEvent | null;
  /** Per checkpoint: 2-means separation ratio and whether the split counted (k = 2). */
  separation: number[];
  separated: boolean[];
}

/** Mean of each branch (by the given labels) at every checkpoint. */
function branchCentres(series: readonly Float64Array[], labels: Uint8Array): [number[], number[]] {
  const centres: [number[], number[]] = [[], []];
  for (const v of series) {
    const sum = [0, 0], count = [0, 0];
    for (let j = 0; j < v.length; j++) {
      sum[labels[j]!]! += v[j]!;
      count[labels[j]!]! += 1;
    }
    centres[0].push(sum[0]! / count[0]!);
    centres[1].push(sum[1]! / count[1]!);
  }
  return centres;
}

function median(x: readonly number[]): number {
  const s = [...x].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/**
 * The fork (kind "population_fork"): first checkpoint t, after one where the elements were
 * together, from which the 2-means split is separated at every checkpoint of [t, t + P) with
 * >= minAgreement of the elements keeping their branch. step = steps[t]; step_low = the step
 * of the last together checkpoint before t (steps[t-1] unless the separation hovered at the
 * threshold, in which case the interval widens back to the last together checkpoint).
 * Membership (evidence.members) is taken at the end of the stable run; branch 0 = lower centre.
 */
export function detectPopulationFork(tensor: string, steps: readonly number[], values: readonly ArrayLike<number>[], options: PopulationForkOptions = {}): PopulationForkResult {
  checkMatrix(tensor, steps, values);
  const variable = options.variable ?? "value";
  const persistence = options.persistence ?? DEFAULT_FORK_PERSISTENCE;
  const threshold = options.separation ?? DEFAULT_POPULATION_SEPARATION;
  const minAgreement = options.minAgreement ?? DEFAULT_POPULATION_AGREEMENT;
  const series = values.map((v) => (variable === "value" ? Float64Array.from(v) : Float64Array.from(v, (x, j) => x - values[0]![j]!)));
  const splits = series.map((v) => populationSplit(v, threshold, options.minBranchFraction ?? DEFAULT_MIN_BRANCH_FRACTION));
  const confirmations = new Map<number, ForkConfirmation>();
  const confirm = options.confirm;
  const accept = confirm === undefined ? undefined : (t: number): boolean => {
    let ok = true;
    for (let u = t; u < t + persistence; u++) {
      if (!confirmations.has(u)) confirmations.set(u, confirm(u, series[u]!, splits[u]!.labels!));
      ok &&= confirmations.get(u)!.confirmed;
    }
    return ok;
  };
  const fork = findStableFork(splits, { persistence, minAgreement, ...(accept !== undefined && { accept }) });
  const separation = splits.map((s) => s.separation);
  const separated = splits.map((s) => s.k === 2);
  if (fork === null) return { event: null, separation, separated };
  const t = fork.index;
  const finalLabels = splits[fork.stableUntil]!.labels!;
  const sizes = [0, 0];
  for (const g of finalLabels) sizes[g]! += 1;
  const centres = branchCentres(series, finalLabels);
  const windowSeparation = separation.slice(t, t + persistence);
  const evidence: Record<string, unknown> = {
    variable,
    n_elements: finalLabels.length,
    rule: `2-means separation >= ${threshold} with both branches >= ${options.minBranchFraction ?? DEFAULT_MIN_BRANCH_FRACTION} of the elements, ` +
      `and >= ${minAgreement} of the elements keeping their branch, for ${persistence} checkpoints from the fork`,
    fork_index: t,
    last_together_index: fork.lastTogether,
    last_together_step: steps[fork.lastTogether],
    stable_until_index: fork.stableUntil,
    stable_until_step: steps[fork.stableUntil],
    separation_per_checkpoint: separation,
    agreement_with_fork: fork.agreements,
    branch_sizes_at_fork: splits[t]!.sizes,
    branch_sizes: sizes,
    final_agreement_with_fork: labelAgreement(splits[t]!.labels!, finalLabels, 2),
    branch_centres: { steps: [...steps], lower: centres[0], upper: centres[1] },
    members: encodeMembership(finalLabels, 2),
  };
  if (finalLabels.length <= MEMBER_LISTS_MAX_ELEMENTS) {
    evidence.member_lists = [0, 1].map((g) => [...finalLabels.keys()].filter((j) => finalLabels[j] === g));
  }
  if (confirm !== undefined) evidence.confirmations = [...confirmations].filter(([u]) => u >= t && u < t + persistence).map(([u, c]) => ({ step: steps[u], ...c }));
  const event = makeEvent("population_fork", tensor, steps[t]!, steps[fork.lastTogether]!, median(windowSeparation), evidence);
  return { event, separation, separated };
}
