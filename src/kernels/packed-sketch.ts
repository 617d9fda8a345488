// A TensorSketch as it crosses threads: its sparse histogram in typed arrays, whose buffers are
// transferred, instead of JS arrays, which postMessage clones element by element (about 1 ms per
// 4,000 keys on each side, per tensor, and garbage on both heaps). Everything else is cloned as it is.
import { HistogramBlocks } from "../stats/histogram-blocks.js";
import { emptySketch, mergeAllSketches, mergeSketchCountsInto, sketchWithHistogram, type TensorSketch } from "../stats/sketch.js";

/** A TensorSketch with histKeys / histCounts in typed arrays (property order kept: stored sketches are JSON). */
export type PackedSketch = Omit<TensorSketch, "histKeys" | "histCounts"> & { histKeys: Int32Array; histCounts: Float64Array };

/** The sketch with its histogram copied into fresh typed arrays (keys are int32 bucket keys; counts are integers below 2^53). */
export function packSketch(sketch: TensorSketch | PackedSketch): PackedSketch {
  // typed arrays (a group's merged sketch, pipeline/groups.ts) are copied natively, plain ones item by item
  const keys = sketch.histKeys instanceof Int32Array ? sketch.histKeys.slice() : Int32Array.from(sketch.histKeys);
  const counts = sketch.histCounts instanceof Float64Array ? sketch.histCounts.slice() : Float64Array.from(sketch.histCounts);
  return { ...sketch, histKeys: keys, histCounts: counts };
}

/**
 * A packed sketch with `s`'s fields and the typed histogram given, built by one object literal in
 * emptySketch()'s field order (as sketchWithHistogram builds plain ones): the packed sketches the
 * analysis's main thread merges into groups (pipeline/groups.ts), whether a worker's reply or a
 * merge of parts, then share one hidden class and its loads stay monomorphic.
 */
export function typedSketch(s: Omit<TensorSketch, "histKeys" | "histCounts">, histKeys: Int32Array, histCounts: Float64Array): PackedSketch {
  return {
    numel: s.numel, nan: s.nan, posinf: s.posinf, neginf: s.neginf, zero: s.zero,
    n: s.n, mean: s.mean, m2: s.m2, m3: s.m3, m4: s.m4,
    min: s.min, max: s.max, l1: s.l1, l2sq: s.l2sq, linf: s.linf, scaleExp: s.scaleExp,
    absLe: s.absLe,
    keysExact: s.keysExact,
    histKeys, histCounts,
  };
}

/** The buffers to transfer with a packed sketch. */
export function packedTransfer(packed: PackedSketch): ArrayBuffer[] {
  return [packed.histKeys.buffer as ArrayBuffer, packed.histCounts.buffer as ArrayBuffer];
}

/** The TensorSketch a packed sketch holds (plain number arrays, as every consumer expects). */
export function unpackSketch(packed: PackedSketch): TensorSketch {
  return sketchWithHistogram(packed, toArray(packed.histKeys), toArray(packed.histCounts));
}

/** A typed array's values in a plain array (a loop: Array.from goes through the iterator, ~10x slower). */
function toArray(values: Int32Array | Float64Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

/**
 * mergeAllSketches of packed sketches (a large tensor's parts, in order), packed: the same counts
 * and moments (folded in the same order) and the same histogram, summed in blocks of counters
 * (stats/histogram-blocks.ts: integer counts, the same sums in any order) when every part's keys
 * ascend (as the kernel gives them) instead of through plain-array copies of every part; parts
 * with keys out of order go through mergeAllSketches itself.
 */
export function mergePackedSketches(list: readonly PackedSketch[]): PackedSketch {
  const m = list.length;
  for (let j = 0; j < m; j++) {
    const keys = list[j]!.histKeys;
    for (let i = 1; i < keys.length; i++) {
      if (!(keys[i]! > keys[i - 1]!)) {
        const merged = mergeAllSketches(list.map(unpackSketch));
        return typedSketch(merged, Int32Array.from(merged.histKeys), Float64Array.from(merged.histCounts));
      }
    }
  }
  const acc = emptySketch();
  const counts = new HistogramBlocks();
  for (let j = 0; j < m; j++) {
    mergeSketchCountsInto(acc, list[j]!);
    counts.add(list[j]!.histKeys, list[j]!.histCounts);
  }
  const merged = counts.take();
  return typedSketch(acc, merged.keys, merged.counts);
}
