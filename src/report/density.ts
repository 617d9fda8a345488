// Sparse bf16-bucket histograms -> a dense (checkpoints x bins) count grid on one linear value
// grid per tensor, the grid's automatic value range, and its compact quantised encoding.
// Pure computation (gzip is in-memory); no I/O.

import { gunzipSync, gzip as gzipCallback, gzipSync } from "node:zlib";
import { promisify } from "node:util";
import { UsageError } from "../util/errors.js";
import { bucketValueRange, forEachBucketInValueOrder } from "../stats/histogram.js";
import type { EncodedArray, EncodedDensity } from "./data.js";
import { addAt } from "../util/typed.js";

/** Default number of value bins of a density grid. */
export const DEFAULT_DENSITY_BINS = 2000;
/** Largest number of value bins accepted (the page draws one pixel row per bin at most). */
export const MAX_DENSITY_BINS = 8192;
/** Default mass left out at each tail when the range is chosen from quantiles. */
export const DEFAULT_TAIL_MASS = 5e-4;

/** A sparse histogram: keys (float32 bits >>> 16, bit 15 = sign) ascending, with counts. */
export interface BucketHistogram {
  keys: ArrayLike<number>;
  counts: ArrayLike<number>;
}

export interface DensityGridOptions {
  bins?: number;
  /**
   * Value range of the grid: explicit [lo, hi]; "extent" (all buckets of all checkpoints);
   * "quantile" (default: leaves `tailMass` of each checkpoint's mass out at each end).
   */
  range?: readonly [number, number] | "extent" | "quantile";
  tailMass?: number;
}

export interface DensityGrid {
  lo: number;
  hi: number;
  bins: number;
  columns: number;
  /** columns x bins counts; column c at [c * bins, (c + 1) * bins). */
  cells: Float64Array;
  /** Count of each column that fell inside [lo, hi]. */
  colTotal: Float64Array;
  /** Count of each column outside [lo, hi]. */
  colOutside: Float64Array;
}

/**
 * Spreads each bucket's count uniformly over its value interval and accumulates the overlap
 * with each grid cell, so mass is conserved: sum(cells of c) + colOutside[c] = total count of c.
 * A null histogram (missing checkpoint) gives an all-zero column.
 */
export function densityGridFromBuckets(
  stepsHistograms: ReadonlyArray<BucketHistogram | null>,
  options: DensityGridOptions = {},
): DensityGrid {
  const bins = options.bins ?? DEFAULT_DENSITY_BINS;
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_DENSITY_BINS) {
    throw new UsageError(`density grid: bins must be an integer in [1, ${MAX_DENSITY_BINS}], got ${bins}`);
  }
  const [lo, hi] = resolveRange(stepsHistograms, options);
  const columns = stepsHistograms.length;
  const cells = new Float64Array(columns * bins);
  const colTotal = new Float64Array(columns);
  const colOutside = new Float64Array(columns);
  const width = (hi - lo) / bins;
  stepsHistograms.forEach((h, c) => {
    if (h === null) return;
    checkHistogram(h, c);
    const base = c * bins;
    for (let i = 0; i < h.keys.length; i++) {
      const count = h.counts[i]!;
      if (count === 0) continue;
      const { lo: a, hi: b } = bucketValueRange(h.keys[i]!);
      const inside = spreadInterval(cells, base, bins, lo, width, a, b, count);
      addAt(colTotal, c, inside);
      addAt(colOutside, c, count - inside);
    }
  });
  return { lo, hi, bins, columns, cells, colTotal, colOutside };
}

/** Adds `count` spread uniformly over [a, b] into the cells it overlaps; returns the mass added. */
function spreadInterval(
  cells: Float64Array, base: number, bins: number, lo: number, width: number, a: number, b: number, count: number,
): number {
  const gridHi = lo + width * bins;
  const from = Math.max(a, lo), to = Math.min(b, gridHi);
  if (to < from || (to === from && b > a)) return 0;
  if (b <= a || to === from) {
    // A degenerate interval (point mass): its whole count goes to the cell holding it.
    const k = Math.min(bins - 1, Math.max(0, Math.floor((from - lo) / width)));
    addAt(cells, base + k, count);
    return count;
  }
  const perUnit = count / (b - a);
  let first = Math.floor((from - lo) / width);
  let last = Math.floor((to - lo) / width);
  first = Math.min(bins - 1, Math.max(0, first));
  last = Math.min(bins - 1, Math.max(0, last));
  let added = 0;
  for (let k = first; k <= last; k++) {
    const cLo = lo + k * width, cHi = k === bins - 1 ? gridHi : lo + (k + 1) * width;
    const overlap = Math.min(to, cHi) - Math.max(from, cLo);
    if (overlap <= 0) continue;
    const m = overlap * perUnit;
    addAt(cells, base + k, m);
    added += m;
  }
  return added;
}

function checkHistogram(h: BucketHistogram, column: number): void {
  if (h.keys.length !== h.counts.length) {
    throw new UsageError(`density grid: histogram of column ${column} has ${h.keys.length} keys but ${h.counts.length} counts`);
  }
}

function resolveRange(hs: ReadonlyArray<BucketHistogram | null>, options: DensityGridOptions): [number, number] {
  const range = options.range ?? "quantile";
  let lo: number, hi: number;
  if (Array.isArray(range)) [lo, hi] = range as [number, number];
  else if (range === "extent") [lo, hi] = extentOf(hs, 0);
  else [lo, hi] = extentOf(hs, options.tailMass ?? DEFAULT_TAIL_MASS);
  return finiteRange(lo, hi);
}

/** The range checked finite, widened when empty. */
function finiteRange(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new UsageError(`density grid: the value range [${lo}, ${hi}] is not finite (no histogram has any count?)`);
  }
  if (hi <= lo) {
    const pad = lo === 0 ? 1e-6 : Math.abs(lo) * 1e-3;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** Smallest low quantile and largest high quantile (at tail mass `tail`) over all columns. */
function extentOf(hs: ReadonlyArray<BucketHistogram | null>, tail: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const h of hs) {
    const extent = h === null ? null : columnExtent(h, tail);
    if (extent === null) continue;
    lo = Math.min(lo, extent[0]);
    hi = Math.max(hi, extent[1]);
  }
  return [lo, hi];
}

/** One column's low and high cut at tail mass `tail`; null when it holds no count. */
function columnExtent(h: BucketHistogram, tail: number): [number, number] | null {
  let total = 0;
  for (let i = 0; i < h.counts.length; i++) total += h.counts[i]!;
  if (total <= 0) return null;
  const lowCut = tail * total, highCut = (1 - tail) * total;
  // a bucket's range only where it is taken: the high cut's is the last bucket's to pass
  let cum = 0, colLo = Infinity, hiKey = -1;
  forEachBucketInValueOrder(h.keys, h.counts, (key, count) => {
    if (count <= 0) return;
    if (cum + count > lowCut && colLo === Infinity) colLo = bucketValueRange(key).lo;
    cum += count;
    if (cum - count < highCut || tail === 0) hiKey = key;
  });
  return [colLo, hiKey === -1 ? -Infinity : bucketValueRange(hiKey).hi];
}

/**
 * densityGridFromBuckets then encodeDensity (default "quantile" range, u8), one column at a time,
 * for histograms read checkpoint by checkpoint: `extend` every column (the range), then `add`
 * every column, then `encode`. It holds the quantised grid (columns x bins bytes) and never the
 * histograms nor the float grid; the numbers are those of the two functions, operation for operation.
 */
export class ColumnwiseDensity {
  private readonly bins: number;
  private readonly tail: number;
  private extent: [number, number] = [Infinity, -Infinity];
  private range: { lo: number; hi: number; width: number } | null = null;
  private readonly q: Uint8Array;
  private readonly colMax: number[];
  private readonly colTotal: Float64Array;
  private readonly colOutside: Float64Array;
  /** One column's cells before quantisation, reused by every add. */
  private readonly cells: Float64Array;
  /** Whether some column's histogram has a bucket (densityOf draws no grid otherwise). */
  hasBuckets = false;

  constructor(readonly columns: number, options: { bins?: number; tailMass?: number } = {}) {
    this.bins = options.bins ?? DEFAULT_DENSITY_BINS;
    if (!Number.isInteger(this.bins) || this.bins < 1 || this.bins > MAX_DENSITY_BINS) {
      throw new UsageError(`density grid: bins must be an integer in [1, ${MAX_DENSITY_BINS}], got ${this.bins}`);
    }
    this.tail = options.tailMass ?? DEFAULT_TAIL_MASS;
    this.q = new Uint8Array(columns * this.bins);
    this.colMax = new Array<number>(columns).fill(0);
    this.colTotal = new Float64Array(columns);
    this.colOutside = new Float64Array(columns);
    this.cells = new Float64Array(this.bins);
  }

  /** First pass: a column's histogram widens the value range. */
  extend(h: BucketHistogram): void {
    if (h.keys.length > 0) this.hasBuckets = true;
    const extent = columnExtent(h, this.tail);
    if (extent === null) return;
    this.extent = [Math.min(this.extent[0], extent[0]), Math.max(this.extent[1], extent[1])];
  }

  /** Second pass: column `c`'s cells from its histogram, quantised at once. */
  add(c: number, h: BucketHistogram): void {
    const { lo, width } = this.rangeOfGrid();
    checkHistogram(h, c);
    if (!(Number.isInteger(c) && c >= 0 && c < this.columns)) throw new RangeError(`density grid: column ${c} outside a grid of ${this.columns}`);
    const bins = this.bins, cells = this.cells.fill(0);
    // the column's sums in locals, added bucket by bucket from their stored values as before
    let total = this.colTotal[c]!, outside = this.colOutside[c]!;
    for (let i = 0; i < h.keys.length; i++) {
      const count = h.counts[i]!;
      if (count === 0) continue;
      const { lo: a, hi: b } = bucketValueRange(h.keys[i]!);
      const inside = spreadInterval(cells, 0, bins, lo, width, a, b, count);
      total += inside;
      outside += count - inside;
    }
    this.colTotal[c] = total;
    this.colOutside[c] = outside;
    let m = 0;
    for (let k = 0; k < bins; k++) m = Math.max(m, cells[k]!);
    this.colMax[c] = m;
    if (m <= 0) return;
    for (let k = 0; k < bins; k++) this.q[c * bins + k] = Math.round((cells[k]! / m) * 255);
  }

  encode(): EncodedDensity {
    return this.encoded(encodeArray(this.q, { gzip: true }));
  }

  /** encode() with the gzip on libuv's thread pool (the same bytes): this thread goes on meanwhile. */
  async encodeAsync(): Promise<EncodedDensity> {
    return this.encoded(await encodeArrayAsync(this.q));
  }

  private encoded(cells: EncodedArray): EncodedDensity {
    const { lo, hi } = this.rangeOfGrid();
    return {
      lo, hi, bins: this.bins, columns: this.columns, colMax: this.colMax,
      colTotal: Array.from(this.colTotal), colOutside: Array.from(this.colOutside), cells,
    };
  }

  private rangeOfGrid(): { lo: number; hi: number; width: number } {
    if (this.range === null) {
      const [lo, hi] = finiteRange(this.extent[0], this.extent[1]);
      this.range = { lo, hi, width: (hi - lo) / this.bins };
    }
    return this.range;
  }
}

export interface EncodeDensityOptions {
  /** Quantisation levels: "u8" (default, 255 levels per column) or "u16". */
  dtype?: "u8" | "u16";
}

/** Quantises each column to its own maximum and packs the grid for the page (gzip + base64). */
export function encodeDensity(grid: DensityGrid, options: EncodeDensityOptions = {}): EncodedDensity {
  const dtype = options.dtype ?? "u8";
  const qmax = dtype === "u8" ? 255 : 65535;
  const q = dtype === "u8" ? new Uint8Array(grid.cells.length) : new Uint16Array(grid.cells.length);
  const colMax: number[] = [];
  for (let c = 0; c < grid.columns; c++) {
    let m = 0;
    for (let k = 0; k < grid.bins; k++) m = Math.max(m, grid.cells[c * grid.bins + k]!);
    colMax.push(m);
    if (m <= 0) continue;
    for (let k = 0; k < grid.bins; k++) q[c * grid.bins + k] = Math.round((grid.cells[c * grid.bins + k]! / m) * qmax);
  }
  return {
    lo: grid.lo,
    hi: grid.hi,
    bins: grid.bins,
    columns: grid.columns,
    colMax,
    colTotal: Array.from(grid.colTotal),
    colOutside: Array.from(grid.colOutside),
    cells: encodeArray(q, { gzip: true }),
  };
}

/** gzip level of encoded arrays. */
const GZIP_LEVEL = 6;
const gzipAsync = promisify(gzipCallback);

/** Packs a typed array as little-endian bytes, optionally gzipped, in base64. */
export function encodeArray(values: Uint8Array | Uint16Array | Float32Array, options: { gzip?: boolean } = {}): EncodedArray {
  const bytes = littleEndianBytes(values);
  const gzip = options.gzip ?? false;
  const packed = gzip ? gzipSync(bytes, { level: GZIP_LEVEL }) : bytes;
  return { dtype: dtypeOf(values), encoding: gzip ? "gzip-base64" : "base64", length: values.length, data: Buffer.from(packed).toString("base64") };
}

/** encodeArray(values, { gzip: true }) with the gzip on libuv's thread pool: the same bytes. */
export async function encodeArrayAsync(values: Uint8Array | Uint16Array | Float32Array): Promise<EncodedArray> {
  const packed = await gzipAsync(littleEndianBytes(values), { level: GZIP_LEVEL });
  return { dtype: dtypeOf(values), encoding: "gzip-base64", length: values.length, data: packed.toString("base64") };
}

function dtypeOf(values: Uint8Array | Uint16Array | Float32Array): EncodedArray["dtype"] {
  return values instanceof Uint8Array ? "u8" : values instanceof Uint16Array ? "u16" : "f32";
}

function littleEndianBytes(values: Uint8Array | Uint16Array | Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return littleEndian() ? bytes : swapToLittleEndian(bytes, values.BYTES_PER_ELEMENT);
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function swapToLittleEndian(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

/** Bytes of an encoded array (gunzipped when needed), little-endian as packed. */
export function decodeArrayBytes(a: EncodedArray): Uint8Array {
  const raw = Buffer.from(a.data, "base64");
  const bytes = a.encoding === "gzip-base64" ? gunzipSync(raw) : raw;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Inverse of encodeDensity for tests and adapters: approximate counts (columns x bins). */
export function decodeDensityCounts(d: EncodedDensity): Float64Array {
  const bytes = decodeArrayBytes(d.cells).slice();
  const qmax = d.cells.dtype === "u8" ? 255 : 65535;
  const q = d.cells.dtype === "u8" ? bytes : new Uint16Array(bytes.buffer, 0, d.cells.length);
  const out = new Float64Array(d.columns * d.bins);
  for (let c = 0; c < d.columns; c++) {
    for (let k = 0; k < d.bins; k++) out[c * d.bins + k] = (q[c * d.bins + k]! / qmax) * d.colMax[c]!;
  }
  return out;
}
