// Scalar TypeScript oracle of the statistics kernel: decodes raw little-endian bytes of a
// float dtype and sketches them value by value. Slow and simple; tests compare WASM against it.
import { decodeToFloat64, DTYPE_IS_FLOAT, DTYPE_ITEMSIZE, type Dtype } from "../formats/dtype.js";
import { sketchOfValues } from "../stats/sketch-values.js";
import type { TensorSketch } from "../stats/sketch.js";
import { UsageError } from "../util/errors.js";

/** Throws a UsageError unless `dtype` is a float dtype and `byteLength` whole elements. */
export function checkSketchInput(dtype: Dtype, byteLength: number, what = "chunk"): void {
  if (!DTYPE_IS_FLOAT[dtype]) {
    throw new UsageError(`${what}: dtype ${dtype} has no distribution statistics; only F64, F32, F16 and BF16 tensors are sketched (count integer/bool tensors instead)`);
  }
  if (byteLength % DTYPE_ITEMSIZE[dtype] !== 0) {
    throw new UsageError(`${what}: ${byteLength} bytes is not a whole number of ${dtype} elements (${DTYPE_ITEMSIZE[dtype]} bytes each)`);
  }
}

/** Sketch of one chunk of raw little-endian F32/F16/BF16/F64 bytes (scalar reference). */
export function sketchChunkScalar(dtype: Dtype, bytes: Uint8Array): TensorSketch {
  checkSketchInput(dtype, bytes.byteLength);
  return sketchOfValues(decodeToFloat64(dtype, bytes));
}
