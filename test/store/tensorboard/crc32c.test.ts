// CRC-32C against published check values (the CRC catalogue's "123456789" and RFC 3720's
// B.4 iSCSI vectors), the TFRecord mask, and TFRecord framing with corrupted and cut input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c, maskCrc, unmaskCrc } from "../../../src/store/tensorboard/crc32c.js";
import { frameRecord, readRecords, TfRecordError } from "../../../src/store/tensorboard/tfrecord.js";
import { encodeEvent } from "../../../src/store/tensorboard/protos.js";

test("crc32c: published check values", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, "RFC 3720: 32 bytes of zeros");
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43, "RFC 3720: 32 bytes of 0xff");
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e, "RFC 3720: incrementing");
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c, "RFC 3720: decrementing");
});

test("a record of a real TensorFlow event file: Event{file_version} bytes and their masked CRC", () => {
  // TensorBoard's data server (masked_crc.rs) quotes this pair from a file TensorFlow wrote.
  const payload = encodeEvent({ wall_time: 0, step: 0, file_version: "CRC test, one two" });
  assert.deepEqual([...payload], [0x1a, 0x11, ...new TextEncoder().encode("CRC test, one two")]);
  assert.equal(maskCrc(crc32c(payload)), 0x5794d08a);
});

test("maskCrc: rotate right 15 and add 0xa282ead8; unmask inverts it", () => {
  assert.equal(maskCrc(0), 0xa282ead8);
  assert.equal(maskCrc(0x8000), (1 + 0xa282ead8) >>> 0, "bit 15 rotates to bit 0");
  assert.equal(maskCrc(1), ((1 << 17) + 0xa282ead8) >>> 0, "bit 0 rotates to bit 17");
  for (const crc of [0, 1, 0xe3069283, 0xffffffff, 0x12345678]) assert.equal(unmaskCrc(maskCrc(crc)), crc);
});

test("TFRecord: framing round trip, and every corrupted or missing byte is refused", () => {
  const payloads = [new Uint8Array(0), new TextEncoder().encode("brain.Event:2"), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)];
  const framed = payloads.map(frameRecord);
  assert.deepEqual(framed.map((f) => f.length), payloads.map((p) => p.length + 16));
  const stream = new Uint8Array(framed.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of framed) { stream.set(f, at); at += f.length; }
  assert.deepEqual(readRecords(stream).map((r) => [...r]), payloads.map((p) => [...p]));
  assert.equal(new DataView(framed[1]!.buffer).getBigUint64(0, true), 13n, "little-endian uint64 length");

  for (const offset of [0, 8, 12, 20, framed[1]!.length - 1]) {
    const bad = framed[1]!.slice();
    bad[offset]! ^= 0x01;
    assert.throws(() => readRecords(bad, "f"), (e: unknown) => e instanceof TfRecordError && /CRC mismatch|runs past/.test(e.message), `flipped byte ${offset}`);
  }
  assert.throws(() => readRecords(framed[1]!.subarray(0, framed[1]!.length - 1), "f"), /runs past the end/);
  assert.throws(() => readRecords(framed[1]!.subarray(0, 5), "f"), /truncated header/);
});
