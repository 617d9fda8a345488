// In-place updates of numeric arrays with the index checked. Under noUncheckedIndexedAccess
// `a[i] += x` does not compile (a[i] may be undefined); these say what is meant, and an index
// outside the array fails loudly instead of turning the element into NaN or being dropped.
// The model's scalar backward loops (src/model) write `a[i]! += x` instead: their indices are
// bounded by the loop over the layer's shapes, and a call per element costs 25-45% of a step.

/** A numeric array updated in place (typed arrays, or a plain number[]). */
export type NumericArray = { [i: number]: number; readonly length: number };

/** a[i] += x; throws a RangeError when i is outside a. */
export function addAt(a: NumericArray, i: number, x: number): void {
  const v = a[i];
  if (v === undefined) throw new RangeError(`addAt: index ${i} outside an array of ${a.length}`);
  a[i] = v + x;
}

/** a[i] *= factor for every element (an indexed loop: no iterator allocated per call). */
export function scaleInPlace(a: Float32Array | Float64Array, factor: number): void {
  for (let i = 0; i < a.length; i++) a[i]! *= factor;
}
