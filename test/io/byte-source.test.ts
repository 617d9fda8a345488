// FileSource and MemorySource: exact range reads, range checks, short reads, closed handles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSource, MemorySource, type ByteSource } from "../../src/io/index.js";
import { FILE_SYNC_READ_MAX_BYTES } from "../../src/io/file-source.js";
import { ByteSourceError } from "../../src/util/errors.js";

const bytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 7 + 3) & 0xff);

async function withTempFile(fn: (path: string, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fp-io-"));
  try {
    const path = join(dir, "data.bin");
    writeFileSync(path, bytes);
    await fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Range checks shared by both sources. Invalid *lengths* (negative, NaN, fractional) are checked
 * for MemorySource only: FileSource.read allocates `new Uint8Array(length)` before checking the
 * range (RangeError for -1, silent 0/1-byte reads for NaN/1.5); reported to the lead.
 */
async function checkRanges(source: ByteSource, checkLengths: boolean): Promise<void> {
  assert.equal(source.size, 100);
  assert.deepEqual(await source.read(0, 100), bytes);
  assert.deepEqual(await source.read(37, 5), bytes.subarray(37, 42));
  assert.deepEqual(await source.read(100, 0), new Uint8Array(0));
  assert.deepEqual(await source.read(99, 1), bytes.subarray(99));
  const outside = (m: RegExp) => (err: unknown) => err instanceof ByteSourceError && err.message.startsWith(`${source.name}: `) && m.test(err.message);
  await assert.rejects(source.read(95, 6), outside(/byte range \[95, 101\) is outside the 100-byte file \(truncated file\?\)/));
  await assert.rejects(source.read(101, 0), outside(/outside the 100-byte file/));
  await assert.rejects(source.read(-1, 2), outside(/invalid byte range offset=-1 length=2/));
  await assert.rejects(source.read(1.5, 2), outside(/invalid byte range offset=1.5/));
  await assert.rejects(source.read(2 ** 53, 1), outside(/invalid byte range/));
  if (checkLengths) {
    await assert.rejects(source.read(0, -1), outside(/invalid byte range offset=0 length=-1/));
    await assert.rejects(source.read(0, NaN), outside(/invalid byte range/));
    await assert.rejects(source.read(0, 1.5), outside(/invalid byte range/));
  }
}

test("MemorySource: exact reads and range checks", async () => {
  await checkRanges(new MemorySource(bytes, "mem"), true);
  assert.equal(new MemorySource(bytes).name, "<memory>");
});

test("FileSource: exact reads and range checks", async () => {
  await withTempFile(async (path) => {
    const source = await FileSource.open(path);
    try {
      assert.equal(source.name, path);
      await checkRanges(source, true);
      const target = new Uint8Array(10);
      await source.readInto(90, target);
      assert.deepEqual(target, bytes.subarray(90));
    } finally {
      await source.close();
    }
  });
});

test("FileSource: a file that shrinks after opening gives a short-read error", async () => {
  await withTempFile(async (path) => {
    const source = await FileSource.open(path);
    try {
      truncateSync(path, 60);
      assert.deepEqual(await source.read(0, 60), bytes.subarray(0, 60));
      await assert.rejects(source.read(50, 20), (err: unknown) =>
        err instanceof ByteSourceError && err.message === `${path}: short read at offset 60: file shrank while reading?`);
    } finally {
      await source.close();
    }
  });
});

test("FileSource: missing file, directory, read after close", async () => {
  await withTempFile(async (path, dir) => {
    const missing = join(dir, "nope.bin");
    await assert.rejects(FileSource.open(missing), (err: unknown) => err instanceof ByteSourceError && err.message === `${missing}: file not found`);
    await assert.rejects(FileSource.open(dir), (err: unknown) => err instanceof ByteSourceError && err.message === `${dir}: not a regular file`);
    const source = await FileSource.open(path);
    await source.close();
    await source.close(); // idempotent
    await assert.rejects(source.read(0, 1), (err: unknown) => err instanceof ByteSourceError && /read after close/.test(err.message));
  });
});

test("FileSource: reads above FILE_SYNC_READ_MAX_BYTES (thread pool) and up to it (this thread) give the file's bytes; a short read either way is an error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-file-source-"));
  try {
    const path = join(dir, "big.bin");
    const big = new Uint8Array(3 * FILE_SYNC_READ_MAX_BYTES + 17).map((_, i) => (i * 7919) % 251);
    writeFileSync(path, big);
    const source = await FileSource.open(path);
    try {
      for (const [offset, length] of [[5, FILE_SYNC_READ_MAX_BYTES], [3, FILE_SYNC_READ_MAX_BYTES + 1], [0, big.byteLength], [big.byteLength - 30, 30]] as const) {
        assert.deepEqual(await source.read(offset, length), big.subarray(offset, offset + length), `[${offset}, +${length})`);
      }
      const cut = FILE_SYNC_READ_MAX_BYTES * 2;
      truncateSync(path, cut);
      for (const length of [FILE_SYNC_READ_MAX_BYTES, FILE_SYNC_READ_MAX_BYTES + 1]) {
        await assert.rejects(source.read(cut - 10, length), (err: unknown) =>
          err instanceof ByteSourceError && err.message === `${path}: short read at offset ${cut}: file shrank while reading?`, `length ${length}`);
      }
    } finally {
      await source.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
