// TypeScript side of the WASM statistics kernel (assembly/stats.ts): copies chunks into wasm
// memory, runs the pass, and reads the running totals back as a TensorSketch.
import { DTYPE_ITEMSIZE, decodeToFloat32, type Dtype } from "../formats/dtype.js";
import { HIST_KEY_COUNT, sparseFromDense } from "../stats/histogram.js";
import { ldexp } from "../stats/moment-scale.js";
import type { TensorSketch } from "../stats/sketch.js";
import { instantiateKernel } from "./load.js";
import type { PackedSketch } from "./packed-sketch.js";
import { checkSketchInput } from "./stats-scalar.js";

/** Largest piece copied into wasm memory at once; larger chunks are passed in pieces. */
export const STATS_KERNEL_INPUT_BYTES = 8 * 1024 * 1024;
/** The u32 counters are spilled to float64 before this many values (avoids u32 overflow). */
const HIST_SPILL_ELEMENTS = 2 ** 31;
const DTYPE_CODE: Partial<Record<Dtype, number>> = { F32: 0, F16: 1, BF16: 2, F64: 3 };
/** Slots of the kernel's f64 STATE block (see assembly/lib/stats-state.ts writeState). */
const S = { numel: 0, nan: 1, posinf: 2, neginf: 3, zero: 4, n: 5, mean: 6, m2: 7, m3: 8, m4: 9, min: 10, max: 11, l1: 12, l2sq: 13, linf: 14, abs1: 15, abs2: 16, abs3: 17, lowBits: 18, scaleExp: 19 } as const;
const STATE_SLOTS = 20;

interface StatsExports {
  memory: WebAssembly.Memory;
  reserveInput(bytes: number): number;
  histPtr(): number;
  statePtr(): number;
  clearHist(): void;
  flush(): void;
  reset(): void;
  saveState(): void;
  loadState(): void;
  accumulate(dtype: number, ptr: number, count: number): void;
  compactHist(out: number): number;
  compactHistSplit(keysOut: number, countsOut: number): number;
  decodeHalf(dtype: number, ptr: number, count: number, out: number): number;
}

/** A saved accumulation (to interleave several tensors on one kernel instance). */
export interface StatsKernelSnapshot {
  state: Float64Array;
  /** The non-zero key counters as (key, count) pairs. */
  hist: Uint32Array;
  spill: Float64Array | undefined;
  sinceSpill: number;
}

/** One kernel instance with its running totals (one tensor, or one worker's share of it). */
export class StatsKernel {
  private spill: Float64Array | undefined;
  private sinceSpill = 0;

  private constructor(private readonly ex: StatsExports) {
    ex.reset();
  }

  static create(): StatsKernel {
    return new StatsKernel(instantiateKernel("stats").exports as unknown as StatsExports);
  }

  /** Starts a new accumulation. */
  reset(): void {
    this.ex.reset();
    this.spill = undefined;
    this.sinceSpill = 0;
  }

  /** Adds the raw little-endian values in `bytes` (whole elements of a float dtype). */
  accumulate(dtype: Dtype, bytes: Uint8Array): void {
    this.accumulateFilled(dtype, bytes.byteLength, (target, at) => target.set(bytes.subarray(at, at + target.byteLength)));
  }

  /**
   * Adds `byteLength` bytes of `dtype` values that `fill` writes straight into wasm memory (no
   * intermediate buffer), piece by piece: fill(target, at) must fill all of `target` with the
   * bytes at offset `at` of the range (e.g. a readSync from a file). `pieceBytes` (at most
   * STATS_KERNEL_INPUT_BYTES, a multiple of 32 KiB: whole 4096-value kernel blocks for every
   * dtype, hence the same sums) bounds each piece.
   */
  accumulateFilled(dtype: Dtype, byteLength: number, fill: (target: Uint8Array, at: number) => void, pieceBytes = STATS_KERNEL_INPUT_BYTES): void {
    checkSketchInput(dtype, byteLength);
    const size = DTYPE_ITEMSIZE[dtype];
    const code = DTYPE_CODE[dtype]!;
    const piece = Math.floor(Math.min(pieceBytes, STATS_KERNEL_INPUT_BYTES) / size) * size;
    for (let at = 0; at < byteLength; at += piece) {
      const length = Math.min(piece, byteLength - at);
      const count = length / size;
      if (this.sinceSpill + count >= HIST_SPILL_ELEMENTS) this.spillHistogram();
      const ptr = this.ex.reserveInput(length);
      fill(new Uint8Array(this.ex.memory.buffer, ptr, length), at);
      this.ex.accumulate(code, ptr, count);
      this.sinceSpill += count;
    }
  }

  /**
   * accumulateFilled of F16/BF16 bytes that also returns them decoded to float32, as
   * decodeToFloat32 gives them: each piece is decoded by the kernel from wasm memory, where it
   * was just filled and counted (no copy of the bytes on this side, no decoding loop here). A
   * piece holding a NaN pattern is decoded by decodeToFloat32 itself (a NaN's float32 bits are
   * whatever this thread's conversion makes of them).
   */
  accumulateDecoded(dtype: "F16" | "BF16", byteLength: number, fill: (target: Uint8Array, at: number) => void, pieceBytes = STATS_KERNEL_INPUT_BYTES): Float32Array {
    checkSketchInput(dtype, byteLength);
    const code = DTYPE_CODE[dtype]!;
    const piece = Math.floor(Math.min(pieceBytes, STATS_KERNEL_INPUT_BYTES) / 2) * 2;
    const values = new Float32Array(byteLength >> 1);
    for (let at = 0; at < byteLength; at += piece) {
      const length = Math.min(piece, byteLength - at);
      const count = length >> 1;
      if (this.sinceSpill + count >= HIST_SPILL_ELEMENTS) this.spillHistogram();
      // the piece, then its float32 bits (16-byte aligned)
      const outOffset = Math.ceil(length / 16) * 16;
      const ptr = this.ex.reserveInput(outOffset + 2 * length);
      fill(new Uint8Array(this.ex.memory.buffer, ptr, length), at);
      this.ex.accumulate(code, ptr, count);
      this.sinceSpill += count;
      const nans = this.ex.decodeHalf(code, ptr, count, ptr + outOffset);
      const mem = this.ex.memory.buffer; // after the calls (none grows memory: read the views now)
      values.set(nans > 0 ? decodeToFloat32(dtype, new Uint8Array(mem, ptr, length)) : new Float32Array(mem, ptr + outOffset, count), at >> 1);
    }
    return values;
  }

  private spillHistogram(): void {
    this.ex.flush(); // pending F16/BF16 pattern counts go into the key histogram first
    const dense = this.denseHist();
    const spill = this.spill ?? new Float64Array(HIST_KEY_COUNT);
    for (let k = 0; k < HIST_KEY_COUNT; k++) spill[k]! += dense[k]!;
    this.spill = spill;
    this.ex.clearHist();
    this.sinceSpill = 0;
  }

  /** The non-zero counters of the key histogram as (key, count) pairs, in key order (a view into wasm memory until the next call). */
  private histPairs(): Uint32Array {
    const ptr = this.ex.reserveInput(HIST_KEY_COUNT * 8);
    const n = this.ex.compactHist(ptr);
    return new Uint32Array(this.ex.memory.buffer, ptr, 2 * n);
  }

  private denseHist(): Uint32Array {
    return new Uint32Array(this.ex.memory.buffer, this.ex.histPtr(), HIST_KEY_COUNT);
  }

  private stateView(): Float64Array {
    return new Float64Array(this.ex.memory.buffer, this.ex.statePtr(), STATE_SLOTS);
  }

  /** The sketch of everything accumulated since the last reset (the totals are kept). */
  sketch(): TensorSketch {
    this.ex.saveState(); // before the histogram is read: it folds pending counts in

    let keys: number[], counts: number[];
    if (this.spill === undefined) {
      const pairs = this.histPairs(), nk = pairs.length / 2;
      keys = new Array<number>(nk);
      counts = new Array<number>(nk);
      for (let i = 0; i < nk; i++) {
        keys[i] = pairs[2 * i]!;
        counts[i] = pairs[2 * i + 1]!;
      }
    } else {
      ({ keys, counts } = sparseFromDense(this.spilledSum()));
    }
    return sketchOfState(this.stateView(), keys, counts); // a view taken after histPairs (which may grow memory)
  }

  /**
   * sketch() with its histogram in typed arrays (a PackedSketch: what crosses threads), made
   * straight from the kernel's counters: no plain arrays built and copied again (the statistics
   * workers' form).
   */
  packedSketch(): PackedSketch {
    this.ex.saveState(); // before the histogram is read: it folds pending counts in

    let keys: Int32Array, counts: Float64Array;
    if (this.spill === undefined) {
      const keysPtr = this.ex.reserveInput(HIST_KEY_COUNT * 12), countsPtr = keysPtr + HIST_KEY_COUNT * 4;
      const nk = this.ex.compactHistSplit(keysPtr, countsPtr), mem = this.ex.memory.buffer;
      keys = new Int32Array(mem, keysPtr, nk).slice();
      counts = new Float64Array(mem, countsPtr, nk).slice();
    } else {
      const hist = sparseFromDense(this.spilledSum());
      keys = Int32Array.from(hist.keys);
      counts = Float64Array.from(hist.counts);
    }
    return sketchOfState(this.stateView(), keys, counts); // a view taken after histPairs (which may grow memory)
  }

  /** The spilled float64 counters plus the live ones (the dense histogram of everything since the reset). */
  private spilledSum(): Float64Array {
    const dense = this.denseHist();
    const sum = Float64Array.from(this.spill!);
    for (let k = 0; k < HIST_KEY_COUNT; k++) sum[k]! += dense[k]!;
    return sum;
  }

  /** Copies out the running totals (histogram included). */
  snapshot(): StatsKernelSnapshot {
    this.ex.saveState();
    return { state: this.stateView().slice(), hist: this.histPairs().slice(), spill: this.spill?.slice(), sinceSpill: this.sinceSpill };
  }

  /** Replaces the running totals by a snapshot taken from this or another instance. */
  restore(snap: StatsKernelSnapshot): void {
    this.stateView().set(snap.state);
    this.ex.loadState();
    this.ex.clearHist();
    const dense = this.denseHist();
    for (let i = 0; i < snap.hist.length; i += 2) dense[snap.hist[i]!] = snap.hist[i + 1]!;
    this.spill = snap.spill?.slice();
    this.sinceSpill = snap.sinceSpill;
  }
}

/**
 * A sketch from the kernel's totals and its histogram, built by one object literal with every
 * field in emptySketch()'s order (stored sketches are JSON) and the histogram in its final arrays:
 * one hidden class per histogram kind from the start, not emptySketch()'s plain arrays replaced
 * afterwards (which generalised the field's type and threw away the optimised code of everything
 * that had read a sketch, in each worker). Fields of an empty sketch (n = 0) are emptySketch()'s.
 */
function sketchOfState<K, C>(st: Float64Array, histKeys: K, histCounts: C): Omit<TensorSketch, "histKeys" | "histCounts"> & { histKeys: K; histCounts: C } {
  const n = st[S.n]!;
  const some = n > 0;
  // The kernel keeps the mean scaled like the power sums; the sketch holds it unscaled.
  const scaleExp = some ? st[S.scaleExp]! : 0;
  return {
    numel: st[S.numel]!, nan: st[S.nan]!, posinf: st[S.posinf]!, neginf: st[S.neginf]!, zero: st[S.zero]!,
    n, mean: some ? ldexp(st[S.mean]!, scaleExp) : 0, m2: some ? st[S.m2]! : 0, m3: some ? st[S.m3]! : 0, m4: some ? st[S.m4]! : 0,
    min: some ? st[S.min]! : null, max: some ? st[S.max]! : null,
    l1: some ? st[S.l1]! : 0, l2sq: some ? st[S.l2sq]! : 0, linf: some ? st[S.linf]! : 0, scaleExp,
    absLe: [st[S.abs1]!, st[S.abs2]!, st[S.abs3]!],
    keysExact: some ? st[S.lowBits] === 0 : true,
    histKeys, histCounts,
  };
}

let shared: StatsKernel | undefined;

/** Sketch of one chunk of raw F32/F16/BF16/F64 bytes with the WASM kernel (same as the oracle). */
export function sketchChunkWasm(dtype: Dtype, bytes: Uint8Array): TensorSketch {
  shared ??= StatsKernel.create();
  shared.reset();
  shared.accumulate(dtype, bytes);
  return shared.sketch();
}
