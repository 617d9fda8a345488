// Host side of the histogram shape-statistics kernel (assembly/shape-binned.ts): a
// BinnedShapeKernels (src/stats/shape/binned-kernels.ts). A histogram's distribution (lo, hi,
// count) is copied into wasm memory once and stays there for all the statistics of that
// histogram; the kernel imports this thread's Math.exp, log, log1p, cos and sin so its results
// are the TypeScript oracles' bit for bit.
import type { BinnedCells, BinnedDistribution, BinnedMoments } from "../stats/shape/binned.js";
import type { EmRun, MixtureParams } from "../stats/shape/squarem.js";
import { setBinnedShapeKernels, type BinnedShapeKernels } from "../stats/shape/binned-kernels.js";
import type { KdeMode } from "../stats/shape/kde-modes.js";
import { KernelError } from "../util/errors.js";
import { kernelModule } from "./load.js";

interface ShapeBinnedExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  ksNormal(lo: number, hi: number, cnt: number, nb: number, n: number, mean: number, std: number, cum: number): number;
  kdeEvaluate(lo: number, hi: number, cnt: number, nb: number, total: number, h: number, pts: number, np: number, out: number, cdf: number): void;
  kdeGrid(lo: number, hi: number, cnt: number, nb: number, glo: number, step: number, m: number, kern: number, reach: number, norm: number, weights: number, full: number, out: number): void;
  kdeModes(lo: number, hi: number, cnt: number, nb: number, total: number, h: number, glo: number, step: number, m: number, reach: number, norm: number, minRelativeProminence: number,
    kern: number, weights: number, full: number, dens: number, work: number, out: number, cdf: number): number;
  pairCounts(lo: number, hi: number, cnt: number, nb: number, width: number, first: number, len: number, mass: number, size: number, re: number, im: number, tw: number, nbins: number, counts: number): void;
  knots(lo: number, hi: number, cnt: number, nb: number, x: number, lower: number, upper: number): number;
  dipOfCorners(x: number, lo: number, up: number, n: number, start: number, ints: number, out: number): number;
  weibullSums(lo: number, hi: number, cnt: number, nb: number, n: number, first: number, last: number, mlo: number, mhi: number, mcnt: number, out: number): void;
  fromHistogram(keys: number, counts: number, nk: number, lo: number, hi: number, cnt: number, total: number): number;
  moments(lo: number, hi: number, cnt: number, nb: number, total: number, out: number): void;
  spread(lo: number, hi: number, cnt: number, nb: number, total: number, out: number): void;
  cells(lo: number, hi: number, cnt: number, nb: number, width: number, relative: number, count: number, mean: number, variance: number, out: number): number;
  binnedEmRun(cnt: number, mean: number, vr: number, nc: number, total: number, k: number, start: number, maxIter: number, tol: number, regCovar: number, log2Pi: number, work: number, out: number): void;
}

/** Scratch bytes of binnedEmRun's run (its pass's parameters and sums, 6 parameter sets). */
const EM_WORK_BYTES = 672;
const LOG_2PI = Math.log(2 * Math.PI);

/** Bytes of an f64 (or i32 pair) region rounded up to 16 (each region starts 16-byte aligned). */
const f64Bytes = (n: number) => Math.ceil((n * 8) / 16) * 16;

export class WasmBinnedShapeKernels implements BinnedShapeKernels {
  /** The distribution in wasm memory and where (lo, hi, count at ptr, ptr + len, ptr + 2 len), or null. */
  private bound: { d: BinnedDistribution; ptr: number; len: number } | null = null;
  /** The mixture cells in wasm memory (count, mean, variance), or null; they share the region with `bound`. */
  private boundCells: { cells: object; ptr: number } | null = null;
  /** The last spread and its distribution (d's arrays are not changed after fromHistogram). */
  private spreadOf: { d: BinnedDistribution; r: { maxBucketMass: number; meanBucketWidth: number } } | null = null;

  /**
   * The arrays of fromHistogram's `scratch` results (lo, hi, count at 0, stride, 2 stride), grown
   * as needed: a distribution per histogram then costs no new buffer (its zeroing and page faults,
   * and the garbage collector's work on it), only the copy.
   */
  private scratch = new Float64Array(0);

  private constructor(private readonly ex: ShapeBinnedExports) {}

  static create(): WasmBinnedShapeKernels {
    const instance = new WebAssembly.Instance(kernelModule("shape-binned"), {
      env: {
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw new KernelError(`WASM kernel "shape-binned" aborted at ${line}:${col}`);
        },
        exp: Math.exp, log: Math.log, log1p: Math.log1p, cos: Math.cos, sin: Math.sin,
      },
    });
    return new WasmBinnedShapeKernels(instance.exports as unknown as ShapeBinnedExports);
  }

  /** Places d in wasm memory with `work` bytes after it: pointers to lo, hi, count and the work region. */
  private bind(d: BinnedDistribution, work: number): { lo: number; hi: number; cnt: number; nb: number; work: number } {
    const nb = d.count.length;
    const kept = this.bound?.d === d ? this.bound : null;
    const len = kept?.len ?? f64Bytes(nb);
    const ptr = this.ex.reserve(3 * len + work);
    if (kept?.ptr !== ptr) {
      const mem = this.ex.memory.buffer;
      new Float64Array(mem, ptr, nb).set(d.lo);
      new Float64Array(mem, ptr + len, nb).set(d.hi);
      new Float64Array(mem, ptr + 2 * len, nb).set(d.count);
      this.bound = { d, ptr, len };
      this.boundCells = null;
    }
    return { lo: ptr, hi: ptr + len, cnt: ptr + 2 * len, nb, work: ptr + 3 * len };
  }

  fromHistogram(keys: ArrayLike<number>, counts: ArrayLike<number>, scratch = false): BinnedDistribution {
    const nk = keys.length, len = f64Bytes(nk + 1);
    const ptr = this.ex.reserve(3 * len + f64Bytes(nk) / 2 + 16 + f64Bytes(nk) + 16);
    const keysPtr = ptr + 3 * len, countsPtr = keysPtr + f64Bytes(nk) / 2 + 16, totalPtr = countsPtr + f64Bytes(nk);
    const mem = this.ex.memory.buffer;
    new Int32Array(mem, keysPtr, nk).set(keys);
    new Float64Array(mem, countsPtr, nk).set(counts);
    const nb = this.ex.fromHistogram(keysPtr, countsPtr, nk, ptr, ptr + len, ptr + 2 * len, totalPtr);
    // lo, hi and count copied out in one piece (views of one buffer): a fresh one, or the one kept for `scratch` results
    const view = new Float64Array(this.ex.memory.buffer, ptr, (3 * len) / 8), stride = len / 8;
    let all: Float64Array;
    if (scratch) {
      if (this.scratch.length < view.length) this.scratch = new Float64Array(Math.max(view.length, 2 * this.scratch.length));
      all = this.scratch;
      all.set(view);
    } else {
      all = view.slice();
    }
    const d: BinnedDistribution = { lo: all.subarray(0, nb), hi: all.subarray(stride, stride + nb), count: all.subarray(2 * stride, 2 * stride + nb), total: new Float64Array(this.ex.memory.buffer, totalPtr, 1)[0]! };
    this.bound = { d, ptr, len };
    this.boundCells = null;
    return d;
  }

  moments(d: BinnedDistribution): BinnedMoments {
    const b = this.bind(d, 32);
    this.ex.moments(b.lo, b.hi, b.cnt, b.nb, d.total, b.work);
    const r = new Float64Array(this.ex.memory.buffer, b.work, 4);
    return { mean: r[0]!, m2: r[1]!, m3: r[2]!, m4: r[3]! };
  }

  spread(d: BinnedDistribution): { maxBucketMass: number; meanBucketWidth: number } {
    // maxBucketMass and meanBucketWidth each ask for it: one pass for both
    if (this.spreadOf?.d === d) return this.spreadOf.r;
    const b = this.bind(d, 16);
    this.ex.spread(b.lo, b.hi, b.cnt, b.nb, d.total, b.work);
    const r = new Float64Array(this.ex.memory.buffer, b.work, 2);
    this.spreadOf = { d, r: { maxBucketMass: r[0]!, meanBucketWidth: r[1]! } };
    return this.spreadOf.r;
  }

  cells(d: BinnedDistribution, width: number, relative: number): BinnedCells {
    const len = f64Bytes(d.count.length);
    const b = this.bind(d, 3 * len + 16);
    const out = b.work + 3 * len;
    const nc = this.ex.cells(b.lo, b.hi, b.cnt, b.nb, width, relative, b.work, b.work + len, b.work + 2 * len, out);
    const mem = this.ex.memory.buffer;
    return {
      count: new Float64Array(mem, b.work, nc).slice(), mean: new Float64Array(mem, b.work + len, nc).slice(), variance: new Float64Array(mem, b.work + 2 * len, nc).slice(),
      total: d.total, maxWidth: new Float64Array(mem, out, 1)[0]!,
    };
  }

  ksNormal(d: BinnedDistribution, mean: number, std: number): number {
    const b = this.bind(d, f64Bytes(d.count.length + 1) + f64Bytes(Math.ceil(d.count.length / 16) + 1));
    return this.ex.ksNormal(b.lo, b.hi, b.cnt, b.nb, d.total, mean, std, b.work);
  }

  kdeEvaluate(d: BinnedDistribution, h: number, points: ArrayLike<number>): Float64Array {
    const np = points.length;
    const b = this.bind(d, 2 * f64Bytes(np) + f64Bytes(d.count.length));
    const out = b.work + f64Bytes(np), cdf = out + f64Bytes(np);
    new Float64Array(this.ex.memory.buffer, b.work, np).set(points);
    this.ex.kdeEvaluate(b.lo, b.hi, b.cnt, b.nb, d.total, h, b.work, np, out, cdf);
    return new Float64Array(this.ex.memory.buffer, out, np).slice();
  }

  kdeGridDensity(d: BinnedDistribution, lo: number, step: number, m: number, kernel: Float64Array, norm: number): Float64Array {
    const kl = kernel.length;
    const b = this.bind(d, f64Bytes(kl) + f64Bytes(2 * kl + 15) + 2 * f64Bytes(m));
    const full = b.work + f64Bytes(kl), weights = full + f64Bytes(2 * kl + 15), out = weights + f64Bytes(m);
    new Float64Array(this.ex.memory.buffer, b.work, kl).set(kernel);
    this.ex.kdeGrid(b.lo, b.hi, b.cnt, b.nb, lo, step, m, b.work, kl - 1, norm, weights, full, out);
    return new Float64Array(this.ex.memory.buffer, out, m).slice();
  }

  kdeModes(d: BinnedDistribution, h: number, lo: number, step: number, m: number, reach: number, norm: number, minRelativeProminence: number): KdeMode[] {
    const kl = reach + 1, cap = gridModesCapacity(m);
    const b = this.bind(d, f64Bytes(kl) + f64Bytes(2 * kl + 15) + 2 * f64Bytes(m) + gridModesWorkBytes(m) + 4 * f64Bytes(cap) + f64Bytes(d.count.length));
    const full = b.work + f64Bytes(kl), weights = full + f64Bytes(2 * kl + 15), dens = weights + f64Bytes(m), work = dens + f64Bytes(m);
    const out = work + gridModesWorkBytes(m), cdf = out + 4 * f64Bytes(cap);
    const count = this.ex.kdeModes(b.lo, b.hi, b.cnt, b.nb, d.total, h, lo, step, m, reach, norm, minRelativeProminence, b.work, weights, full, dens, work, out, cdf);
    return modesFrom(new Float64Array(this.ex.memory.buffer, out, 4 * cap), count, cap);
  }

  pairCounts(d: BinnedDistribution, width: number, first: number, len: number, size: number, nb: number): Float64Array {
    const b = this.bind(d, f64Bytes(len) + 3 * f64Bytes(size) + f64Bytes(nb));
    const re = b.work + f64Bytes(len), im = re + f64Bytes(size), tw = im + f64Bytes(size), counts = tw + f64Bytes(size);
    this.ex.pairCounts(b.lo, b.hi, b.cnt, b.nb, width, first, len, b.work, size, re, im, tw, nb, counts);
    return new Float64Array(this.ex.memory.buffer, counts, nb).slice();
  }

  dip(d: BinnedDistribution): { dip: number; modalLow: number; modalHigh: number } {
    const nk = 2 * d.count.length + 1;
    const b = this.bind(d, 3 * f64Bytes(nk) + 2 * f64Bytes(nk) + 16);
    const x = b.work, lower = x + f64Bytes(nk), upper = lower + f64Bytes(nk), ints = upper + f64Bytes(nk), out = ints + 2 * f64Bytes(nk);
    const n = this.ex.knots(b.lo, b.hi, b.cnt, b.nb, x, lower, upper);
    const dip = this.ex.dipOfCorners(x, lower, upper, n, 0, ints, out);
    const mem = this.ex.memory.buffer, at = new Int32Array(mem, out, 2), xs = new Float64Array(mem, x, n);
    return { dip, modalLow: xs[at[0]!]!, modalHigh: xs[at[1]!]! };
  }

  weibullSums(d: BinnedDistribution, n: number, first: number, last: number): Float64Array {
    const len = f64Bytes(d.count.length);
    const b = this.bind(d, 3 * len + f64Bytes(7));
    const out = b.work + 3 * len;
    this.ex.weibullSums(b.lo, b.hi, b.cnt, b.nb, n, first, last, b.work, b.work + len, b.work + 2 * len, out);
    return new Float64Array(this.ex.memory.buffer, out, 7).slice();
  }


  emRun(cells: Pick<BinnedCells, "count" | "mean" | "variance" | "total">, start: MixtureParams, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun {
    const nc = cells.count.length, len = f64Bytes(nc), k = start.means.length;
    const ptr = this.ex.reserve(3 * len + EM_WORK_BYTES + f64Bytes(9) + f64Bytes(12));
    const mem = this.ex.memory.buffer;
    if (this.boundCells?.cells !== cells || this.boundCells.ptr !== ptr) {
      new Float64Array(mem, ptr, nc).set(cells.count);
      new Float64Array(mem, ptr + len, nc).set(cells.mean);
      new Float64Array(mem, ptr + 2 * len, nc).set(cells.variance);
      this.boundCells = { cells, ptr };
      this.bound = null;
    }
    const work = ptr + 3 * len, startPtr = work + EM_WORK_BYTES, out = startPtr + f64Bytes(9);
    const s = new Float64Array(mem, startPtr, 9);
    s.set(start.weights, 0);
    s.set(start.means, 3);
    s.set(start.variances, 6);
    this.ex.binnedEmRun(ptr, ptr + len, ptr + 2 * len, nc, cells.total, k, startPtr, cfg.maxIter, cfg.tol, cfg.regCovar, LOG_2PI, work, out);
    const r = new Float64Array(this.ex.memory.buffer, out, 12);
    return {
      params: { weights: r.slice(0, k), means: r.slice(3, 3 + k), variances: r.slice(6, 6 + k) },
      meanLogLik: r[9]!, converged: r[10] === 1, iterations: r[11]!,
    };
  }
}

/** Modes of grid m at most (local maxima are two nodes apart at least): the capacity of each of the kernel's mode arrays (assembly/lib/grid-modes.ts). */
export const gridModesCapacity = (m: number): number => (m >> 1) + 2;
/** Bytes of the kernel's mode-finding work for a grid of m nodes (assembly/lib/grid-modes.ts gridModesWorkBytes). */
export const gridModesWorkBytes = (m: number): number => 64 * (m + 4);

/** KdeMode objects from the kernel's four mode arrays of `cap` (locations, heights, masses, prominences). */
export function modesFrom(r: Float64Array, count: number, cap: number): KdeMode[] {
  const modes: KdeMode[] = [];
  for (let p = 0; p < count; p++) modes.push({ location: r[p]!, height: r[cap + p]!, mass: r[2 * cap + p]!, prominence: r[3 * cap + p]! });
  return modes;
}

/** Installs the histogram shape kernel in this thread; false (the TypeScript oracles stay) when it is not built. */
export function installBinnedShapeKernels(): boolean {
  try {
    setBinnedShapeKernels(WasmBinnedShapeKernels.create());
    return true;
  } catch {
    return false;
  }
}
