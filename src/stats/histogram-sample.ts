// Histogram sampling: values reconstructed from a sparse bucket histogram (each within one
// bucket of a true value), a seeded sample of them, and the DKW bound of such a sample. Pure.
import { bucketValueRange } from "./histogram.js";
import { Rng } from "../util/rng.js";
import { DEFAULT_SHAPE_SAMPLE_SIZE } from "../util/limits.js";

/**
 * Values drawn by sampleFromHistogram by default. Histogram snapshots no longer sample (they use
 * the histogram itself); the constant stays as the default of the unused size arguments, and is
 * the CLI's --shape-sample default by definition, not by a comment.
 */
export const HISTOGRAM_SAMPLE_SIZE = DEFAULT_SHAPE_SAMPLE_SIZE;

/**
 * Values reconstructed from a sparse bucket histogram: bucket i's c_i values are spread evenly
 * over its interval (at lo + (k + 0.5) / c_i x width), each within one bucket (2^-7 relative)
 * of a true value (exact for bf16 data). With more than `size` values in all, a seeded uniform
 * sample of `size` of them without replacement (Floyd's algorithm), in value order. The sample
 * keeps the tensor's own n when it is small, so the KDE bandwidth and the dip test see as many
 * values as the tensor has, never duplicates of a few.
 */
export function sampleFromHistogram(histogram: { keys: ArrayLike<number>; counts: ArrayLike<number> }, size: number, seed: number): Float64Array {
  const n = histogram.keys.length;
  const counts = Array.from({ length: n }, (_, i) => Math.max(0, Math.round(histogram.counts[i]!)));
  const total = counts.reduce((a, b) => a + b, 0);
  let ranks: Float64Array;
  if (total <= size) ranks = Float64Array.from({ length: total }, (_, r) => r);
  else {
    const rng = new Rng(seed);
    const chosen = new Set<number>();
    for (let j = total - size; j < total; j++) {
      const t = rng.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    ranks = Float64Array.from(chosen).sort();
  }
  // buckets in value order (keys ascending are not: negative keys count down from -0)
  const order = [...Array(n).keys()].map((i) => ({ i, range: (histogram.keys[i]! & 0x7fff) === 0 ? { lo: 0, hi: 0 } : bucketValueRange(histogram.keys[i]!) }))
    .sort((a, b) => a.range.lo - b.range.lo || a.range.hi - b.range.hi);
  const out = new Float64Array(ranks.length);
  let bucket = 0, before = 0;
  for (let s = 0; s < ranks.length; s++) {
    while (ranks[s]! >= before + counts[order[bucket]!.i]!) before += counts[order[bucket++]!.i]!;
    const { i, range } = order[bucket]!;
    out[s] = range.lo + ((ranks[s]! - before + 0.5) / counts[i]!) * (range.hi - range.lo);
  }
  return out;
}

/** DKW bound at 95%: sup |F_sample - F_histogram| <= this with probability 0.95. */
export function dkwBound95(n: number): number {
  return Math.sqrt(Math.log(2 / 0.05) / (2 * n));
}
