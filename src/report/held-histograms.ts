// Sparse histograms held between the two passes of the report's density grids, so the store is
// read once: written compactly (keys as 16-bit integers, counts as 16- or 32-bit ones) to a
// temporary file and read back in the order they came, with the same numbers. Held in memory they
// raised the report's peak RSS by their size (~110-165 MB at 154 Pythia-70m checkpoints); the
// file stays in the page cache and costs a write and a read of each byte.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreError } from "../util/errors.js";
import type { BucketHistogram } from "./density.js";

/** Bytes buffered before a write to the file. */
export const HELD_WRITE_BUFFER_BYTES = 4 << 20;

const MAX_KEY = 0xffff;
const MAX_SHORT_COUNT = 0xffff;
/** Record kinds: 16-bit keys with 16-bit counts, with 32-bit counts, or float64 copies of both. */
const SHORT = 0, LONG = 1, COPIED = 2;
/** owner, column, buckets, kind: int32 each. */
const HEADER_BYTES = 16;

/** Bytes of a section of n items of `size` bytes, padded to 8 (every section stays aligned for its view). */
function section(n: number, size: number): number {
  return Math.ceil((n * size) / 8) * 8;
}

function bodyBytes(n: number, kind: number): number {
  return kind === COPIED ? 2 * section(n, 8) : section(n, 2) + section(n, kind === SHORT ? 2 : 4);
}

/**
 * Histograms appended one by one and visited again in the order they came. A histogram whose
 * keys are not all integers in [0, 65535] or whose counts are not all integers in [0, 2^32 - 1]
 * (or are -0) is kept as float64 copies instead, so what comes back always equals what went in.
 * `close` removes the file (call it in a finally).
 */
export class HeldHistograms {
  private readonly dir: string;
  private readonly fd: number;
  private buffer = Buffer.allocUnsafeSlow(HELD_WRITE_BUFFER_BYTES);
  private used = 0;
  private written = 0;
  private closed = false;
  /** Buckets held. */
  buckets = 0;

  constructor() {
    try {
      this.dir = mkdtempSync(join(tmpdir(), "fp-report-histograms-"));
    } catch (err) {
      throw heldFileError(tmpdir(), "cannot create the report's temporary folder", err);
    }
    try {
      this.fd = openSync(join(this.dir, "histograms.bin"), "w+");
    } catch (err) {
      rmSync(this.dir, { recursive: true, force: true });
      throw heldFileError(this.dir, "cannot create the report's temporary file", err);
    }
  }

  /** Copies `h` (its arrays may be reused by the caller afterwards). */
  add(owner: number, column: number, h: BucketHistogram): void {
    const n = h.keys.length, max = compactMax(h);
    const kind = max < 0 ? COPIED : max <= MAX_SHORT_COUNT ? SHORT : LONG;
    const size = HEADER_BYTES + bodyBytes(n, kind);
    if (this.used + size > this.buffer.length) {
      this.flush();
      if (size > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(size);
    }
    const at = this.used, bytes = this.buffer.buffer, base = this.buffer.byteOffset + at;
    new Int32Array(bytes, base, 4).set([owner, column, n, kind]);
    const body = base + HEADER_BYTES;
    if (kind === COPIED) {
      new Float64Array(bytes, body, n).set(h.keys);
      new Float64Array(bytes, body + section(n, 8), n).set(h.counts);
    } else {
      new Uint16Array(bytes, body, n).set(h.keys);
      (kind === SHORT ? new Uint16Array(bytes, body + section(n, 2), n) : new Uint32Array(bytes, body + section(n, 2), n)).set(h.counts);
    }
    this.used += size;
    this.buckets += n;
  }

  /** Visits every held histogram in the order added; the arrays are views, valid during the call. */
  forEach(visit: (owner: number, column: number, h: BucketHistogram) => void): void {
    this.flush();
    const header = new Int32Array(4), headerBytes = new Uint8Array(header.buffer);
    let body = Buffer.allocUnsafeSlow(HELD_WRITE_BUFFER_BYTES);
    for (let position = 0; position < this.written;) {
      this.readFully(headerBytes, position);
      const [owner, column, n, kind] = header as unknown as [number, number, number, number];
      const size = bodyBytes(n, kind);
      if (size > body.length) body = Buffer.allocUnsafeSlow(size);
      this.readFully(body.subarray(0, size), position + HEADER_BYTES);
      const bytes = body.buffer, base = body.byteOffset;
      if (kind === COPIED) visit(owner, column, { keys: new Float64Array(bytes, base, n), counts: new Float64Array(bytes, base + section(n, 8), n) });
      else visit(owner, column, { keys: new Uint16Array(bytes, base, n), counts: kind === SHORT ? new Uint16Array(bytes, base + section(n, 2), n) : new Uint32Array(bytes, base + section(n, 2), n) });
      position += HEADER_BYTES + size;
    }
  }

  /** Closes and removes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    try {
      for (let off = 0; off < this.used;) off += writeSync(this.fd, this.buffer, off, this.used - off, this.written + off);
    } catch (err) {
      throw heldFileError(join(this.dir, "histograms.bin"), `cannot write the report's held histograms (${this.written + this.used} bytes so far)`, err);
    }
    this.written += this.used;
    this.used = 0;
  }

  private readFully(into: Uint8Array, position: number): void {
    for (let off = 0; off < into.length;) {
      const got = readSync(this.fd, into, off, into.length - off, position + off);
      if (got === 0) throw new StoreError(join(this.dir, "histograms.bin"), `the report's held histograms end at byte ${position + off} of ${this.written} (was the temporary file truncated?) ---> HINT: check the free space of ${tmpdir()} and run the report again`);
      off += got;
    }
  }
}

/** A one-line StoreError for a failure of the temporary file (no space, no permission, a read-only /tmp), with what to do. */
function heldFileError(path: string, what: string, err: unknown): StoreError {
  const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
  return new StoreError(path, `${what}: ${code} ---> HINT: the report holds ~4-6 bytes per stored histogram bucket in a temporary file; point TMPDIR at a folder with room (TMPDIR=/some/dir forking-paths report ...)`);
}

/** The largest count when every key fits 16 bits and every count 32 bits unchanged (integers in range, no -0); else -1. */
function compactMax(h: BucketHistogram): number {
  let max = 0;
  for (let i = 0; i < h.keys.length; i++) {
    const k = h.keys[i]!, c = h.counts[i]!;
    // x >>> 0 === x: an integer in [0, 2^32) (or -0, told apart by 1 / c)
    if ((k >>> 0) !== k || k > MAX_KEY || (c >>> 0) !== c || (c === 0 && 1 / c < 0)) return -1;
    if (c > max) max = c;
  }
  return max;
}
