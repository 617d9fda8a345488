// A TensorSketch as it crosses threads: its sparse histogram in typed arrays, whose buffers are
// transferred, instead of JS arrays, which postMessage clones element by element (about 1 ms per
// 4,000 keys on each side, per tensor, and garbage on both heaps). Everything else is cloned as it is.
import { sketchWithHistogram, type TensorSketch } from "../stats/sketch.js";

/** A TensorSketch with histKeys / histCounts in typed arrays (property order kept: stored sketches are JSON). */
export type PackedSketch = Omit<TensorSketch, "histKeys" | "histCounts"> & { histKeys: Int32Array; histCounts: Float64Array };

/** The sketch with its histogram copied into fresh typed arrays (keys are int32 bucket keys; counts are integers below 2^53). */
export function packSketch(sketch: TensorSketch): PackedSketch {
  return { ...sketch, histKeys: Int32Array.from(sketch.histKeys), histCounts: Float64Array.from(sketch.histCounts) };
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
