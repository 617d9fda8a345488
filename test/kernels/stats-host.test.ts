// StatsJobHost's file ranges: read into wasm memory FILE_READ_PIECE_BYTES at a time, through the
// caller's open descriptor or the file opened here, they give bit for bit the sketch of the same
// bytes accumulated from memory in one 8 MiB piece (the kernel sees the same 4096-value blocks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeToFloat32, DTYPE_ITEMSIZE, encodeFloats, type Dtype } from "../../src/formats/dtype.js";
import { FILE_READ_PIECE_BYTES, StatsJobHost } from "../../src/kernels/stats-host.js";
import { STATS_KERNEL_INPUT_BYTES } from "../../src/kernels/stats-wasm.js";
import { Rng } from "../../src/util/rng.js";

const PREFIX = 13; // the range starts at an odd file offset

test("FILE_READ_PIECE_BYTES holds whole 4096-value kernel blocks of every dtype and fits the kernel's input area", () => {
  assert.equal(FILE_READ_PIECE_BYTES % (4096 * 8), 0);
  assert.ok(FILE_READ_PIECE_BYTES <= STATS_KERNEL_INPUT_BYTES);
});

test("StatsJobHost.fileRange (pieces, with and without an open descriptor) = the bytes accumulated at once, bit for bit", () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-stats-host-"));
  const host = new StatsJobHost();
  try {
    for (const dtype of ["F32", "F16", "BF16", "F64"] as const satisfies readonly Dtype[]) {
      // 2.5 pieces and an odd tail of values, with zeros, NaN and infinities among them
      const numel = Math.floor((2.5 * FILE_READ_PIECE_BYTES) / DTYPE_ITEMSIZE[dtype]) + 1237;
      const rng = new Rng(dtype.length);
      const values = Array.from({ length: numel }, (_, i) => (i % 9973 === 7 ? NaN : i % 7919 === 3 ? -Infinity : i % 13 === 0 ? 0 : 0.02 * rng.normal() + 0.001));
      const bytes = encodeFloats(dtype, values);
      const file = join(dir, `${dtype}.bin`);
      const all = new Uint8Array(PREFIX + bytes.byteLength + 5);
      all.set(bytes, PREFIX);
      writeFileSync(file, all);
      host.chunk(1, dtype, bytes);
      const whole = host.finishPacked(1);
      host.fileRange(2, dtype, file, PREFIX, bytes.byteLength);
      assert.deepStrictEqual(host.finishPacked(2), whole, `${dtype}: file opened by the host`);
      const fd = openSync(file, "r");
      try {
        host.fileRange(3, dtype, "(named only in errors)", PREFIX, bytes.byteLength, fd);
        assert.deepStrictEqual(host.finishPacked(3), whole, `${dtype}: caller's descriptor`);
      } finally {
        closeSync(fd);
      }
      assert.ok(whole.nan > 0 && whole.neginf > 0 && whole.zero > 0, `${dtype}: the special values were counted`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("StatsJobHost.fileRangeValues (F16/BF16): the sketch of fileRange and the values of decodeToFloat32, bit for bit, NaN pieces included", () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-stats-host-"));
  const host = new StatsJobHost();
  try {
    for (const dtype of ["F16", "BF16"] as const) {
      // 2.5 pieces: NaNs (payloads too) only in the second piece, so the others are decoded by the kernel
      const numel = Math.floor((2.5 * FILE_READ_PIECE_BYTES) / 2) + 1237;
      const rng = new Rng(7 + dtype.length);
      const bits = new Uint16Array(numel);
      bits.set(new Uint16Array(encodeFloats(dtype, Array.from({ length: numel }, (_, i) => (i % 11 === 0 ? -0 : i % 7919 === 3 ? Infinity : i % 101 === 5 ? 3e-6 * rng.normal() : 0.02 * rng.normal()))).buffer));
      const inSecond = FILE_READ_PIECE_BYTES / 2 + 17;
      bits[inSecond] = dtype === "F16" ? 0x7e01 : 0x7fc1;
      bits[inSecond + 1] = dtype === "F16" ? 0xfc01 : 0xff81;
      const bytes = new Uint8Array(bits.buffer);
      const file = join(dir, `${dtype}.bin`);
      const all = new Uint8Array(PREFIX + bytes.byteLength + 5);
      all.set(bytes, PREFIX);
      writeFileSync(file, all);
      host.fileRange(1, dtype, file, PREFIX, bytes.byteLength);
      const want = host.finishPacked(1);
      const values = host.fileRangeValues(2, dtype, file, PREFIX, bytes.byteLength);
      assert.deepStrictEqual(host.finishPacked(2), want, `${dtype}: sketch`);
      const wantBits = new Uint32Array(decodeToFloat32(dtype, bytes).buffer), gotBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
      assert.equal(gotBits.length, numel);
      for (let i = 0; i < numel; i++) if (gotBits[i] !== wantBits[i]) assert.fail(`${dtype}: value ${i} has bits ${gotBits[i]!.toString(16)}, decodeToFloat32 ${wantBits[i]!.toString(16)}`);
      assert.ok(want.nan === 2 && want.posinf > 0 && want.zero > 0, `${dtype}: the special values were there`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
