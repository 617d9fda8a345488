// Binary segmentation (greedy, as ruptures' Binseg): start from one segment; at each step
// split the segment whose best single split has the largest gain
//   gain = C(start, end) - min_b [C(start, b) + C(b, end)];
// stop when the largest gain is <= penalty, or once nBkps changes have been placed.
// Not an exact optimum (pelt.ts is); faster and often used as a cross-check.

import { UsageError } from "../../util/errors.js";
import type { CostFunction } from "./costs/index.js";
import { checkPenalty, resolveGrid, sumOfCosts, type ChangePointResult, type GridOptions } from "./search.js";

export type BinsegOptions = GridOptions & ({ penalty: number; nBkps?: undefined } | { nBkps: number; penalty?: undefined });

interface Split {
  start: number;
  end: number;
  bkp: number; // -1 when the segment cannot be split
  gain: number;
}

/** Best single split of [start, end): the first minimiser over admissible grid points. */
function bestSplit(cost: CostFunction, start: number, end: number, minSize: number, jump: number): Split {
  const whole = cost.error(start, end);
  let bestBkp = -1;
  let bestSum = Number.POSITIVE_INFINITY;
  const first = jump * Math.ceil((start + minSize) / jump);
  for (let b = first; b <= end - minSize; b += jump) {
    const sum = cost.error(start, b) + cost.error(b, end);
    if (sum < bestSum) {
      bestSum = sum;
      bestBkp = b;
    }
  }
  return { start, end, bkp: bestBkp, gain: bestBkp < 0 ? Number.NEGATIVE_INFINITY : whole - bestSum };
}

export function binarySegmentation(cost: CostFunction, n: number, options: BinsegOptions): ChangePointResult {
  const { minSize, jump } = resolveGrid(cost, n, options, "binarySegmentation");
  const byCount = options.nBkps !== undefined;
  if (byCount) {
    if (!Number.isInteger(options.nBkps) || options.nBkps! < 0) throw new UsageError(`binarySegmentation: nBkps must be an integer >= 0, got ${options.nBkps}`);
  } else {
    checkPenalty(options.penalty!, "binarySegmentation");
  }
  // Segments in position order, each with its cached best split.
  let segments: Split[] = [bestSplit(cost, 0, n, minSize, jump)];
  let changes = 0;
  for (;;) {
    if (byCount && changes >= options.nBkps!) break;
    let pick = -1;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (seg.bkp >= 0 && (pick < 0 || seg.gain > segments[pick]!.gain)) pick = i;
    }
    if (pick < 0) {
      if (byCount) throw new UsageError(`binarySegmentation: cannot place ${options.nBkps} changes in ${n} samples with minSize ${minSize} and jump ${jump}; only ${changes} fit`);
      break;
    }
    const seg = segments[pick]!;
    if (!byCount && !(seg.gain > options.penalty!)) break;
    const left = bestSplit(cost, seg.start, seg.bkp, minSize, jump);
    const right = bestSplit(cost, seg.bkp, seg.end, minSize, jump);
    segments = [...segments.slice(0, pick), left, right, ...segments.slice(pick + 1)];
    changes++;
  }
  const bkps = segments.map((s) => s.end);
  const penalty = byCount ? null : options.penalty!;
  return { bkps, penalty, cost: cost.kind, method: "binseg", objective: sumOfCosts(cost, bkps) + (penalty ?? 0) * (bkps.length - 1) };
}
