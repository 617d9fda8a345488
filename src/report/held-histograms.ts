// Sparse histograms held compactly between the two passes of the report's density grids, so the
// store is read once: keys as 16-bit integers, counts as 16-bit integers where a histogram's fit
// and 32-bit ones otherwise, in shared slabs (4 or 6 bytes a bucket instead of 12 as read, no
// object per histogram's arrays), handed back with the same numbers. Pure memory; no I/O.

import type { BucketHistogram } from "./density.js";

/** Buckets per slab (of keys, of 16-bit counts, of 32-bit counts); a larger histogram gets its own. */
export const HELD_SLAB_BUCKETS = 1 << 20;

const MAX_KEY = 0xffff;
const MAX_COUNT = 0xffffffff;
const MAX_SHORT_COUNT = 0xffff;

interface HeldRecord {
  /** Whose histogram it is and at which column (the caller's numbering). */
  owner: number;
  column: number;
  /** Its keys in keys.slabs (-1: kept as copied arrays in `copied`). */
  keys: number;
  keyOffset: number;
  /** Its counts in shortCounts (true) or counts. */
  short: boolean;
  counts: number;
  countOffset: number;
  length: number;
  copied: BucketHistogram | null;
}

/** Typed arrays of one kind filled one after another; a new one when the last is full. */
class Slabs<T extends Uint16Array | Uint32Array> {
  readonly slabs: T[] = [];
  /** Free items left in the last slab. */
  private free = 0;

  constructor(private readonly make: (n: number) => T) {}

  /** Room for n items: [slab index, offset]. */
  take(n: number): [number, number] {
    if (n > this.free) {
      const size = Math.max(n, HELD_SLAB_BUCKETS);
      this.slabs.push(this.make(size));
      this.free = size;
    }
    const slab = this.slabs.length - 1, offset = this.slabs[slab]!.length - this.free;
    this.free -= n;
    return [slab, offset];
  }
}

/**
 * Histograms appended one by one and visited again in the order they came. A histogram whose
 * keys are not all integers in [0, 65535] or whose counts are not all integers in [0, 2^32 - 1]
 * (and not -0) is kept as copies of its arrays instead, so what comes back always equals what went in.
 */
export class HeldHistograms {
  private readonly keys = new Slabs((n) => new Uint16Array(n));
  private readonly shortCounts = new Slabs((n) => new Uint16Array(n));
  private readonly counts = new Slabs((n) => new Uint32Array(n));
  private readonly records: HeldRecord[] = [];
  /** Buckets held (compact or copied). */
  buckets = 0;

  /** Copies `h` (its arrays may be reused by the caller afterwards). */
  add(owner: number, column: number, h: BucketHistogram): void {
    const n = h.keys.length, max = compactMax(h);
    this.buckets += n;
    if (max < 0) {
      this.records.push({ owner, column, keys: -1, keyOffset: 0, short: false, counts: -1, countOffset: 0, length: n, copied: { keys: Float64Array.from(h.keys), counts: Float64Array.from(h.counts) } });
      return;
    }
    const short = max <= MAX_SHORT_COUNT;
    const [keySlab, keyOffset] = this.keys.take(n), [countSlab, countOffset] = (short ? this.shortCounts : this.counts).take(n);
    const keys = this.keys.slabs[keySlab]!, counts = short ? this.shortCounts.slabs[countSlab]! : this.counts.slabs[countSlab]!;
    for (let i = 0; i < n; i++) {
      keys[keyOffset + i] = h.keys[i]!;
      counts[countOffset + i] = h.counts[i]!;
    }
    this.records.push({ owner, column, keys: keySlab, keyOffset, short, counts: countSlab, countOffset, length: n, copied: null });
  }

  /** Visits every held histogram in the order added; the arrays are views, valid during the call. */
  forEach(visit: (owner: number, column: number, h: BucketHistogram) => void): void {
    for (const r of this.records) {
      if (r.copied !== null) {
        visit(r.owner, r.column, r.copied);
        continue;
      }
      const counts = (r.short ? this.shortCounts.slabs[r.counts]! : this.counts.slabs[r.counts]!).subarray(r.countOffset, r.countOffset + r.length);
      visit(r.owner, r.column, { keys: this.keys.slabs[r.keys]!.subarray(r.keyOffset, r.keyOffset + r.length), counts });
    }
  }
}

/** The largest count when every key fits 16 bits and every count 32 bits unchanged (integers in range, no -0); else -1. */
function compactMax(h: BucketHistogram): number {
  let max = 0;
  for (let i = 0; i < h.keys.length; i++) {
    const k = h.keys[i]!, c = h.counts[i]!;
    if (!(Number.isInteger(k) && k >= 0 && k <= MAX_KEY && Number.isInteger(c) && c >= 0 && c <= MAX_COUNT && !(c === 0 && 1 / c < 0))) return -1;
    if (c > max) max = c;
  }
  return max;
}
