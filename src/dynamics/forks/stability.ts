// Shared fork rule of the population and layer detectors: given a grouping of the same items
// at every checkpoint, find the first checkpoint after a "together" one from which the grouping
// is separated and keeps its membership for P checkpoints. Pure; knows nothing of values.

import { UsageError } from "../../util/errors.js";

/** Default persistence P: checkpoints (the fork checkpoint included) the grouping must hold. */
export const DEFAULT_FORK_PERSISTENCE = 3;

export interface CheckpointGrouping {
  /** Number of separated groups at this checkpoint; 1 = together. */
  k: number;
  /** Group per item, 0 = lowest centre; null when k = 1. */
  labels: Uint8Array | null;
  /** Separation ratio of the best k >= 2 grouping (0 when undefined); recorded, not decided on here. */
  separation: number;
}

const PERMUTATIONS: Record<number, number[][]> = {
  1: [[0]],
  2: [[0, 1], [1, 0]],
  3: [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]],
};

/** Fraction of items with the same group in a and b, after the best relabelling of b (k <= 3). */
export function labelAgreement(a: Uint8Array, b: Uint8Array, k: number): number {
  if (a.length !== b.length) throw new UsageError(`labelAgreement: label vectors of lengths ${a.length} and ${b.length}`);
  const perms = PERMUTATIONS[k];
  if (perms === undefined) throw new UsageError(`labelAgreement: k must be 1, 2 or 3, got ${k}`);
  if (a.length === 0) return 1;
  const confusion = new Float64Array(k * k);
  for (let i = 0; i < a.length; i++) confusion[a[i]! * k + b[i]!]! += 1;
  let best = 0;
  for (const perm of perms) {
    let same = 0;
    for (let g = 0; g < k; g++) same += confusion[g * k + perm[g]!]!;
    best = Math.max(best, same);
  }
  return best / a.length;
}

export interface StableForkOptions {
  persistence: number;
  /** Fraction of items that must keep their group (after relabelling) relative to the fork checkpoint. */
  minAgreement: number;
  /** Extra check of a candidate window [index, index + persistence); false rejects the candidate. */
  accept?: (index: number) => boolean;
}

export interface StableFork {
  /** Fork checkpoint: first index of the stable separated run. */
  index: number;
  /** Last checkpoint before index at which the items were together (k = 1). */
  lastTogether: number;
  /** Last index of the maximal stable run starting at index (>= index + persistence - 1). */
  stableUntil: number;
  /** Agreement with the fork checkpoint's labels for index .. stableUntil. */
  agreements: number[];
}

function holds(groupings: readonly CheckpointGrouping[], t: number, u: number, minAgreement: number): number | null {
  const a = groupings[t]!, b = groupings[u]!;
  if (b.k !== a.k || a.labels === null || b.labels === null) return null;
  const agreement = labelAgreement(a.labels, b.labels, a.k);
  return agreement >= minAgreement ? agreement : null;
}

/**
 * First index t >= 1 such that some checkpoint before t is together (k = 1) and, for every u
 * in [t, t + persistence), grouping u has the same k >= 2 as t and agrees with t's labels on
 * >= minAgreement of the items. A fork in the last persistence - 1 checkpoints cannot be found.
 */
export function findStableFork(groupings: readonly CheckpointGrouping[], options: StableForkOptions): StableFork | null {
  const { persistence, minAgreement } = options;
  if (!Number.isInteger(persistence) || persistence < 1) throw new UsageError(`findStableFork: persistence must be an integer >= 1, got ${persistence}`);
  if (!(minAgreement > 0 && minAgreement <= 1)) throw new UsageError(`findStableFork: minAgreement must be in (0, 1], got ${minAgreement}`);
  let lastTogether = -1;
  for (let t = 0; t + persistence <= groupings.length; t++) {
    if (groupings[t]!.k <= 1) {
      lastTogether = t;
      continue;
    }
    if (lastTogether < 0) continue;
    const agreements: number[] = [];
    for (let u = t; u < t + persistence; u++) {
      const agreement = holds(groupings, t, u, minAgreement);
      if (agreement === null) break;
      agreements.push(agreement);
    }
    if (agreements.length < persistence || (options.accept !== undefined && !options.accept(t))) continue;
    let stableUntil = t + persistence - 1;
    for (let u = stableUntil + 1; u < groupings.length; u++) {
      const agreement = holds(groupings, t, u, minAgreement);
      if (agreement === null) break;
      agreements.push(agreement);
      stableUntil = u;
    }
    return { index: t, lastTogether, stableUntil, agreements };
  }
  return null;
}
