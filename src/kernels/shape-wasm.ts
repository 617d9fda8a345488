// Host side of the shape-statistics WASM kernels (assembly/shape.ts): the exact mixtures' EM (one
// pass, or the whole accelerated run, and its quantile start), the exact KDE grid sums, the
// binned-KDE convolution, bw.SJ's pair counts and phi sums, the sort of float32 values, the dip,
// the KS distance and the Weibull plot sums, as a ShapeKernels (src/stats/shape/kernels.ts) that
// a thread installs with installShapeKernels(). Values are copied into wasm memory; the kernel
// takes Math.log and Math.exp from the host, so its results are the TypeScript oracles' bit for bit
// where test/kernels/shape-wasm.test.ts says so.
import { scalarEmSums } from "../stats/shape/em-sums.js";
import { setShapeKernels, type BinnedEmSumsFn, type EmSumsFn, type ShapeKernels, type WeibullPlotSums } from "../stats/shape/kernels.js";
import type { BinnedCells } from "../stats/shape/binned.js";
import type { EmRun, MixtureParams } from "../stats/shape/squarem.js";
import { KernelError } from "../util/errors.js";
import { kernelModule } from "./load.js";
import type { KdeMode } from "../stats/shape/kde-modes.js";
import { gridModesCapacity, gridModesWorkBytes, installBinnedShapeKernels, modesFrom } from "./shape-binned-wasm.js";

interface ShapeExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  expBatch(ptr: number, n: number): void;
  emSums(k: number, xPtr: number, n: number, parPtr: number, outPtr: number): number;
  emSumsSerial(k: number, xPtr: number, n: number, parPtr: number, outPtr: number): number;
  kdeGrid(dataPtr: number, n: number, h: number, lo: number, step: number, m: number, reach: number, outPtr: number, qpowPtr: number, norm: number): void;
  binnedEmSums(cntPtr: number, meanPtr: number, varPtr: number, nc: number, parPtr: number, outPtr: number): number;
  sjPhiSum(countsPtr: number, terms: number, binWidth: number, h: number, order: number): number;
  sjPhiSumSerial(countsPtr: number, terms: number, binWidth: number, h: number, order: number): number;
  cellsOfSorted(xPtr: number, n: number, cells: number, countPtr: number, meanPtr: number, varPtr: number, outPtr: number): number;
  sjSolve(countsPtr: number, len: number, binWidth: number, n: number, scale: number, statusPtr: number): number;
  binAutocorrelation(binsPtr: number, L: number, nb: number, outPtr: number, rePtr: number, imPtr: number, size: number): void;
  convolve(wPtr: number, m: number, kernPtr: number, krevPtr: number, reach: number, outPtr: number): void;
  sjBins(xPtr: number, n: number, d: number, binsPtr: number, cap: number, outPtr: number): number;
  sjPairLoop(binsPtr: number, L: number, nb: number, occPtr: number, outPtr: number): void;
  kdeModesExact(dataPtr: number, n: number, h: number, lo: number, step: number, m: number, binned: number, gridReach: number, kreach: number, norm: number, minRelativeProminence: number,
    kernPtr: number, krevPtr: number, weightsPtr: number, densPtr: number, qpowPtr: number, workPtr: number, outPtr: number): number;
  dipCountsOfSorted(xPtr: number, n: number, workPtr: number, outPtr: number): void;
  sortFiniteF32(xPtr: number, n: number, keysPtr: number, swapPtr: number, countsPtr: number, outPtr: number): number;
  quantileStart(xPtr: number, n: number, k: number, regCovar: number, sumsPtr: number, outPtr: number): void;
  ksDistance(xPtr: number, n: number, mean: number, std: number): number;
  weibullPlotSums(xPtr: number, n: number, yPtr: number, absPtr: number, tsPtr: number, ysPtr: number, outPtr: number): void;
  exactEmRun(xPtr: number, n: number, k: number, startPtr: number, maxIter: number, tol: number, regCovar: number, log2Pi: number, workPtr: number, outPtr: number): void;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Bytes of exactEmRun's work (assembly/lib/em-values.ts EXACT_EM_WORK: two 80-byte regions and six 72-byte parameter sets). */
const EXACT_EM_WORK = 160 + 6 * 72;

/**
 * Headroom on the FFT pair counts' error estimate total^2 size eps (radix-2 passes and the
 * twiddle recurrence each add a few eps per level): generous, since the test is cheap.
 */
const FFT_ERROR_FACTOR = 64;

/** Bytes of an f64 region rounded up to 16 (each region starts 16-byte aligned). */
const f64Bytes = (n: number) => Math.ceil((n * 8) / 16) * 16;

export class WasmShapeKernels implements ShapeKernels {
  /** The values bound in wasm memory (a bound fit's token and where they are), or null. */
  private bound: { token: object; ptr: number } | null = null;

  private constructor(private readonly ex: ShapeExports) {}

  static create(): WasmShapeKernels {
    // the host's Math functions: the kernel's EM run takes its logs from the same Math.log as gmm.ts
    const instance = new WebAssembly.Instance(kernelModule("shape"), {
      env: {
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw new KernelError(`WASM kernel "shape" aborted at ${line}:${col}`);
        },
        exp: Math.exp, log: Math.log, cos: Math.cos, sin: Math.sin, pow: Math.pow,
      },
    });
    return new WasmShapeKernels(instance.exports as unknown as ShapeExports);
  }

  /**
   * The whole accelerated EM run (gmm.ts: squarem.ts runSquarem over emStep, k = 1, 2, 3) over
   * the values x from `start`, in the kernel: the same run, bit for bit, without a host call and
   * a parameter object per EM step.
   */
  emRun(x: Float64Array, start: MixtureParams, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun {
    const n = x.length, k = start.means.length, work = EXACT_EM_WORK;
    const ptr = this.scratch(f64Bytes(n) + work + 2 * f64Bytes(12));
    const workPtr = ptr + f64Bytes(n), startPtr = workPtr + work, outPtr = startPtr + f64Bytes(12);
    const heap = this.heap(), s = startPtr >>> 3;
    heap.set(x, ptr >>> 3);
    for (let c = 0; c < k; c++) {
      heap[s + c] = start.weights[c]!;
      heap[s + 3 + c] = start.means[c]!;
      heap[s + 6 + c] = start.variances[c]!;
    }
    this.ex.exactEmRun(ptr, n, k, startPtr, cfg.maxIter, cfg.tol, cfg.regCovar, LOG_2PI, workPtr, outPtr);
    const r = this.heap(), o = outPtr >>> 3;
    return {
      params: { weights: r.slice(o, o + k), means: r.slice(o + 3, o + 3 + k), variances: r.slice(o + 6, o + 6 + k) },
      meanLogLik: r[o + 9]!, converged: r[o + 10] === 1, iterations: r[o + 11]!,
    };
  }

  /**
   * The EM pass over x for gmm.ts's per-step path. serial: the kernel's one-pair-per-iteration
   * loop (the reference its interleaved pass equals bit for bit), for the tests.
   */
  emSums(x: Float64Array, serial = false): EmSumsFn {
    const n = x.length, token = {}, scalar = scalarEmSums(x);
    return (means, base, halfInv, s) => {
      const k = means.length;
      if (k === 1) return scalar(means, base, halfInv, s); // no exp: the plain loop is as fast
      const ptr = this.ex.reserve(f64Bytes(n) + 2 * f64Bytes(9));
      const parPtr = ptr + f64Bytes(n), outPtr = parPtr + f64Bytes(9);
      const heap = this.heap();
      if (this.bound?.token !== token || this.bound.ptr !== ptr) {
        heap.set(x, ptr >>> 3);
        this.bound = { token, ptr };
      }
      // parameters and sums through one view of the whole memory (no views made per EM step)
      const par = parPtr >>> 3, out = outPtr >>> 3;
      for (let c = 0; c < k; c++) {
        heap[par + c] = means[c]!;
        heap[par + k + c] = base[c]!;
        heap[par + 2 * k + c] = halfInv[c]!;
      }
      const total = (serial ? this.ex.emSumsSerial : this.ex.emSums)(k, ptr, n, parPtr, outPtr);
      const after = this.heap(); // the same view unless the call grew memory (it does not)
      for (let c = 0; c < k; c++) s[c]! += after[out + c]!;
      for (let i = k; i < 3 * k; i++) s[i] = after[out + i]!;
      return total;
    };
  }

  /** A Float64Array over all of wasm memory, remade when memory has grown (its buffer is then new). */
  private heap(): Float64Array {
    const buffer = this.ex.memory.buffer;
    if (this.heapView?.buffer !== buffer) this.heapView = new Float64Array(buffer);
    return this.heapView;
  }
  private heapView: Float64Array | null = null;

  binnedEmSums(cells: { count: Float64Array; mean: Float64Array; variance: Float64Array }): BinnedEmSumsFn {
    const nc = cells.count.length, token = {}, len = f64Bytes(nc);
    return (means, base, inv, s0, s1, s2) => {
      const k = means.length;
      const ptr = this.ex.reserve(3 * len + 2 * f64Bytes(9));
      const parPtr = ptr + 3 * len, outPtr = parPtr + f64Bytes(9);
      const mem = this.ex.memory.buffer;
      if (this.bound?.token !== token || this.bound.ptr !== ptr) {
        new Float64Array(mem, ptr, nc).set(cells.count);
        new Float64Array(mem, ptr + len, nc).set(cells.mean);
        new Float64Array(mem, ptr + 2 * len, nc).set(cells.variance);
        this.bound = { token, ptr };
      }
      // always 3 components: the missing ones are dummies (log-weight -Inf, inv 0) that add nothing
      const par = new Float64Array(mem, parPtr, 9);
      for (let c = 0; c < 3; c++) {
        par[c] = c < k ? means[c]! : 0;
        par[3 + c] = c < k ? base[c]! : -Infinity;
        par[6 + c] = c < k ? inv[c]! : 0;
      }
      const logLik = this.ex.binnedEmSums(ptr, ptr + len, ptr + 2 * len, nc, parPtr, outPtr);
      const out = new Float64Array(this.ex.memory.buffer, outPtr, 9);
      for (let c = 0; c < k; c++) {
        s0[c]! += out[c]!;
        s1[c]! += out[3 + c]!;
        s2[c]! += out[6 + c]!;
      }
      return logLik;
    };
  }

  kdeGridSums(data: Float64Array, h: number, lo: number, step: number, m: number, reach: number, norm = 1): Float64Array {
    const ptr = this.scratch(f64Bytes(data.length) + f64Bytes(m) + f64Bytes(m + 1));
    const outPtr = ptr + f64Bytes(data.length), qpowPtr = outPtr + f64Bytes(m);
    new Float64Array(this.ex.memory.buffer, ptr, data.length).set(data);
    this.ex.kdeGrid(ptr, data.length, h, lo, step, m, reach, outPtr, qpowPtr, norm);
    return new Float64Array(this.ex.memory.buffer, outPtr, m).slice();
  }

  kdeModes(data: Float64Array, h: number, grid: { lo: number; step: number; m: number; binned: boolean; reach: number; kernelReach: number }, norm: number, minRelativeProminence: number): KdeMode[] {
    const n = data.length, { m, lo, step } = grid, kl = grid.binned ? grid.kernelReach + 1 : 0, cap = gridModesCapacity(m);
    const ptr = this.scratch(f64Bytes(n) + 2 * f64Bytes(kl) + 2 * f64Bytes(m) + f64Bytes(m + 1) + gridModesWorkBytes(m) + 4 * f64Bytes(cap));
    const kernPtr = ptr + f64Bytes(n), krevPtr = kernPtr + f64Bytes(kl), weightsPtr = krevPtr + f64Bytes(kl), densPtr = weightsPtr + f64Bytes(m);
    const qpowPtr = densPtr + f64Bytes(m), workPtr = qpowPtr + f64Bytes(m + 1), outPtr = workPtr + gridModesWorkBytes(m);
    this.heap().set(data, ptr >>> 3);
    const count = this.ex.kdeModesExact(ptr, n, h, lo, step, m, grid.binned ? 1 : 0, grid.reach, grid.kernelReach, norm, minRelativeProminence, kernPtr, krevPtr, weightsPtr, densPtr, qpowPtr, workPtr, outPtr);
    return modesFrom(new Float64Array(this.ex.memory.buffer, outPtr, 4 * cap), count, cap);
  }

  convolve(weights: Float64Array, kernel: Float64Array): Float64Array {
    const m = weights.length, len = kernel.length;
    const ptr = this.scratch(f64Bytes(m) + 2 * f64Bytes(len) + f64Bytes(m));
    const kernPtr = ptr + f64Bytes(m), krevPtr = kernPtr + f64Bytes(len), outPtr = krevPtr + f64Bytes(len);
    const mem = this.ex.memory.buffer;
    new Float64Array(mem, ptr, m).set(weights);
    new Float64Array(mem, kernPtr, len).set(kernel);
    const krev = new Float64Array(mem, krevPtr, len);
    for (let t = 0; t < len; t++) krev[t] = kernel[len - 1 - t]!;
    this.ex.convolve(ptr, m, kernPtr, krevPtr, len - 1, outPtr);
    return new Float64Array(this.ex.memory.buffer, outPtr, m).slice();
  }

  binAutocorrelation(bins: Float64Array, nb: number): Float64Array {
    let total = 0;
    for (let b = 0; b < bins.length; b++) total += bins[b]!;
    // the kernel may take the sums from an FFT of `size` points rounded to integers: offered when
    // its error, of order total^2 size eps, stays below 2^-8 (exact integers after rounding)
    let size = 2;
    while (size < 2 * bins.length) size *= 2;
    if (total * total * size * FFT_ERROR_FACTOR * Number.EPSILON >= 2 ** -8) size = 0;
    const ptr = this.scratch(f64Bytes(bins.length) + f64Bytes(nb) + 2 * f64Bytes(size));
    const outPtr = ptr + f64Bytes(bins.length), rePtr = outPtr + f64Bytes(nb), imPtr = rePtr + f64Bytes(size);
    new Float64Array(this.ex.memory.buffer, ptr, bins.length).set(bins);
    this.ex.binAutocorrelation(ptr, bins.length, nb, outPtr, rePtr, imPtr, size);
    return new Float64Array(this.ex.memory.buffer, outPtr, nb).slice();
  }

  sjPairCounts(x: Float64Array, nb: number, binWidth: number, pairLoopMaxRatio: number): Float64Array | null {
    const n = x.length, cap = nb + 8;
    let size = 2;
    while (size < 2 * cap) size *= 2;
    const ptr = this.scratch(f64Bytes(n) + f64Bytes(cap) + f64Bytes(cap) / 2 + 16 + f64Bytes(nb) + 2 * f64Bytes(size) + 16);
    const binsPtr = ptr + f64Bytes(n), occPtr = binsPtr + f64Bytes(cap), outPtr = occPtr + f64Bytes(cap) / 2 + 16;
    const rePtr = outPtr + f64Bytes(nb), imPtr = rePtr + f64Bytes(size), lowPtr = imPtr + f64Bytes(size);
    this.heap().set(x, ptr >>> 3);
    const L = this.ex.sjBins(ptr, n, binWidth, binsPtr, cap, lowPtr);
    if (L < 0) return null;
    if (n * n > pairLoopMaxRatio * L * nb) {
      // binAutocorrelation on the bins in place: their total is n (counts of the n values)
      let fft = 2;
      while (fft < 2 * L) fft *= 2;
      if (n * n * fft * FFT_ERROR_FACTOR * Number.EPSILON >= 2 ** -8) fft = 0;
      this.ex.binAutocorrelation(binsPtr, L, nb, outPtr, rePtr, imPtr, fft);
    } else this.ex.sjPairLoop(binsPtr, L, nb, occPtr, outPtr);
    return new Float64Array(this.ex.memory.buffer, outPtr, nb).slice();
  }

  /** serial: the kernel's loop of one index pair per iteration (the reference its interleaved loop equals bit for bit), for the tests. */
  sjPhiSum(counts: Float64Array, terms: number, binWidth: number, h: number, order: 4 | 6, serial = false): number {
    const ptr = this.scratch(f64Bytes(terms));
    new Float64Array(this.ex.memory.buffer, ptr, terms).set(counts.subarray(0, terms));
    return (serial ? this.ex.sjPhiSumSerial : this.ex.sjPhiSum)(ptr, terms, binWidth, h, order);
  }

  cellsOfSorted(x: Float64Array, cells: number): BinnedCells {
    const n = x.length, len = f64Bytes(cells);
    const ptr = this.scratch(f64Bytes(n) + 3 * len + 16);
    const countPtr = ptr + f64Bytes(n), meanPtr = countPtr + len, varPtr = meanPtr + len, outPtr = varPtr + len;
    this.heap().set(x, ptr >>> 3);
    const nc = this.ex.cellsOfSorted(ptr, n, cells, countPtr, meanPtr, varPtr, outPtr);
    const r = this.heap(), c = countPtr >>> 3, m = meanPtr >>> 3, v = varPtr >>> 3;
    return { count: r.slice(c, c + nc), mean: r.slice(m, m + nc), variance: r.slice(v, v + nc), total: n, maxWidth: r[outPtr >>> 3]! };
  }

  sjSolve(counts: Float64Array, binWidth: number, n: number, scale: number): { bandwidth: number; status: 0 | 1 | 2 | 3 } {
    const len = counts.length;
    const ptr = this.scratch(f64Bytes(len) + 16);
    this.heap().set(counts, ptr >>> 3);
    const bandwidth = this.ex.sjSolve(ptr, len, binWidth, n, scale, ptr + f64Bytes(len));
    return { bandwidth, status: new Int32Array(this.ex.memory.buffer, ptr + f64Bytes(len), 1)[0]! as 0 | 1 | 2 | 3 };
  }

  dipCounts(x: Float64Array): { dip: number; low: number; high: number } {
    const n = x.length;
    const ptr = this.scratch(f64Bytes(n) + f64Bytes(n + 1) * 2 + f64Bytes(3));
    const workPtr = ptr + f64Bytes(n), outPtr = workPtr + f64Bytes(n + 1) * 2; // 4 (n + 1) i32 of work
    const heap = this.heap();
    heap.set(x, ptr >>> 3);
    this.ex.dipCountsOfSorted(ptr, n, workPtr, outPtr);
    const out = this.heap(), o = outPtr >>> 3;
    return { dip: out[o]!, low: out[o + 1]!, high: out[o + 2]! };
  }

  quantileStart(x: Float64Array, k: number, regCovar: number): MixtureParams {
    const n = x.length;
    const ptr = this.scratch(f64Bytes(n) + 2 * f64Bytes(9));
    const sumsPtr = ptr + f64Bytes(n), outPtr = sumsPtr + f64Bytes(9);
    this.heap().set(x, ptr >>> 3);
    this.ex.quantileStart(ptr, n, k, regCovar, sumsPtr, outPtr);
    const r = this.heap(), o = outPtr >>> 3;
    return { weights: r.slice(o, o + k), means: r.slice(o + 3, o + 3 + k), variances: r.slice(o + 6, o + 6 + k) };
  }

  sortedFiniteF32(x: Float32Array): Float64Array {
    const n = x.length, len = Math.ceil((n * 4) / 16) * 16;
    const ptr = this.scratch(3 * len + 4096 + f64Bytes(n));
    const keysPtr = ptr + len, swapPtr = keysPtr + len, countsPtr = swapPtr + len, outPtr = countsPtr + 4096;
    new Float32Array(this.ex.memory.buffer, ptr, n).set(x);
    const m = this.ex.sortFiniteF32(ptr, n, keysPtr, swapPtr, countsPtr, outPtr);
    return new Float64Array(this.ex.memory.buffer, outPtr, m).slice();
  }

  ksDistance(s: Float64Array, mean: number, std: number): number {
    const ptr = this.scratch(f64Bytes(s.length));
    this.heap().set(s, ptr >>> 3);
    return this.ex.ksDistance(ptr, s.length, mean, std);
  }

  weibullPlotSums(v: Float64Array, y: Float64Array): WeibullPlotSums {
    const n = v.length, len = f64Bytes(n);
    const ptr = this.scratch(5 * len + f64Bytes(6));
    const yPtr = ptr + len, absPtr = yPtr + len, tsPtr = absPtr + len, ysPtr = tsPtr + len, outPtr = ysPtr + len;
    const heap = this.heap();
    heap.set(v, ptr >>> 3);
    heap.set(y.subarray(0, n), yPtr >>> 3);
    this.ex.weibullPlotSums(ptr, n, yPtr, absPtr, tsPtr, ysPtr, outPtr);
    const r = this.heap(), o = outPtr >>> 3;
    return { m: r[o]!, mt: r[o + 1]!, my: r[o + 2]!, stt: r[o + 3]!, sty: r[o + 4]!, syy: r[o + 5]! };
  }

  /** The kernel's exp of each value (to measure its error; the EM pass uses it inline). */
  exp(x: Float64Array): Float64Array {
    const ptr = this.scratch(f64Bytes(x.length));
    new Float64Array(this.ex.memory.buffer, ptr, x.length).set(x);
    this.ex.expBatch(ptr, x.length);
    return new Float64Array(this.ex.memory.buffer, ptr, x.length).slice();
  }

  /** Scratch memory for a call that is not an EM pass (the bound values are overwritten). */
  private scratch(bytes: number): number {
    this.bound = null;
    return this.ex.reserve(bytes);
  }
}

/**
 * Installs the WASM shape kernels in this thread (the statistics workers, and the in-thread
 * pool) so the shape statistics run their hot loops there; false (the TypeScript oracles stay)
 * when the kernel is not built.
 */
export function installShapeKernels(): boolean {
  installBinnedShapeKernels(); // the histogram statistics' kernel (shape-binned-wasm.ts) goes with these
  try {
    setShapeKernels(WasmShapeKernels.create());
    return true;
  } catch {
    return false;
  }
}
