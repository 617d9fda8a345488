// Checked in-place updates: addAt adds at an index inside the array and throws a RangeError
// outside it (a typed array would drop the write, a read would give NaN); scaleInPlace scales
// every element.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addAt, scaleInPlace } from "../../src/util/typed.js";

test("addAt adds inside the array and throws outside it", () => {
  const a = new Float64Array([1, 2, 3]);
  addAt(a, 1, 0.5);
  addAt(a, 2, -3);
  assert.deepEqual([...a], [1, 2.5, 0]);
  const counts = [0, 0];
  addAt(counts, 0, 1);
  assert.deepEqual(counts, [1, 0]);
  assert.throws(() => addAt(a, 3, 1), RangeError);
  assert.throws(() => addAt(a, -1, 1), RangeError);
  assert.throws(() => addAt(a, Number.NaN, 1), RangeError);
  assert.deepEqual([...a], [1, 2.5, 0], "a failed add leaves the array unchanged");
});

test("scaleInPlace multiplies every element, in float32 for a Float32Array", () => {
  const a = new Float32Array([1, -2, 0.1]);
  scaleInPlace(a, 3);
  assert.deepEqual([...a], [3, -6, Math.fround(Math.fround(0.1) * 3)]);
});
