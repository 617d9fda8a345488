// float32ToBytes / bytesToFloat32 (store/codec.ts): the trajectories' BLOBs are the values'
// little-endian bytes, taken as a view of the values' own buffer (no copy on the writing thread)
// and read back to the same bits (NaN payloads, -0, subnormals), from views at any offset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToFloat32, float32ToBytes } from "../../src/store/codec.js";

test("float32ToBytes: the values' own bytes (a view, little-endian), read back bit for bit", () => {
  const backing = new Float32Array(10);
  const values = backing.subarray(3, 9);
  values.set([1.5, -0, NaN, 1e-45, -3.4e38, Infinity]);
  const bytes = float32ToBytes(values);
  assert.equal(bytes.byteLength, 24);
  assert.equal(bytes.buffer, backing.buffer, "a view of the values' buffer, not a copy");
  assert.equal(bytes.byteOffset, 12);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  values.forEach((v, i) => assert.ok(Object.is(view.getFloat32(4 * i, true), v) || (Number.isNaN(v) && Number.isNaN(view.getFloat32(4 * i, true))), `value ${i}`));
  const back = bytesToFloat32(bytes.slice());
  assert.deepStrictEqual(new Uint32Array(back.buffer, back.byteOffset, back.length), new Uint32Array(backing.buffer, 12, 6));
});
