import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketMagnitudeHi, bucketMagnitudeLo } from "../../src/stats/histogram.js";

test("bucket edges from the scale table equal the bf16 magnitudes (m 2^-133 subnormal, (128 + m) 2^(e - 134)) for every key", () => {
  for (let key = 0; key < 65536; key++) {
    const k = key & 0x7fff, e = k >>> 7, m = k & 0x7f;
    assert.ok(Object.is(bucketMagnitudeLo(key), e === 0 ? m * 2 ** -133 : (128 + m) * 2 ** (e - 134)), `key ${key}`);
  }
  // upper edges are the next bucket's lower edge: 1.0 (bf16 0x3f80) is the lower edge of its bucket
  assert.equal(bucketMagnitudeLo(0x3f80), 1);
  assert.equal(bucketMagnitudeHi(0x3f80), 1 + 2 ** -7);
  assert.equal(bucketMagnitudeLo(0xbf80), 1, "the sign bit does not change the magnitude");
});
