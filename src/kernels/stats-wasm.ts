// TypeScript side of the WASM statistics kernel (assembly/stats.ts): copies chunks into wasm
// memory, runs the pass, and reads the running totals back as a TensorSketch.
import { DTYPE_ITEMSIZE, type Dtype } from "../formats/dtype.js";
import { HIST_KEY_COUNT, sparseFromDense } from "../stats/histogram.js";
import { ldexp } from "../stats/moment-scale.js";
import { emptySketch, type TensorSketch } from "../stats/sketch.js";
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
    const s = this.scalars();
    let hist: { keys: number[]; counts: number[] };
    if (this.spill === undefined) {
      const pairs = this.histPairs();
      hist = { keys: new Array<number>(pairs.length / 2), counts: new Array<number>(pairs.length / 2) };
      for (let i = 0; i < pairs.length / 2; i++) {
        hist.keys[i] = pairs[2 * i]!;
        hist.counts[i] = pairs[2 * i + 1]!;
      }
    } else {
      hist = sparseFromDense(this.spilledSum());
    }
    s.histKeys = hist.keys;
    s.histCounts = hist.counts;
    return s;
  }

  /**
   * sketch() with its histogram in typed arrays (a PackedSketch: what crosses threads), made
   * straight from the kernel's counters: no plain arrays built and copied again (the statistics
   * workers' form).
   */
  packedSketch(): PackedSketch {
    const s = this.scalars() as unknown as PackedSketch; // its histogram fields (last, as in every sketch) replaced below
    if (this.spill === undefined) {
      const pairs = this.histPairs(), nk = pairs.length / 2;
      const keys = new Int32Array(nk), counts = new Float64Array(nk);
      for (let i = 0; i < nk; i++) {
        keys[i] = pairs[2 * i]!;
        counts[i] = pairs[2 * i + 1]!;
      }
      s.histKeys = keys;
      s.histCounts = counts;
    } else {
      const hist = sparseFromDense(this.spilledSum());
      s.histKeys = Int32Array.from(hist.keys);
      s.histCounts = Float64Array.from(hist.counts);
    }
    return s;
  }

  /** The sketch's fields but its histogram (left empty), from the kernel's totals (pending counts folded in). */
  private scalars(): TensorSketch {
    this.ex.saveState();
    const st = this.stateView();
    const s = emptySketch();
    s.numel = st[S.numel]!; s.nan = st[S.nan]!; s.posinf = st[S.posinf]!; s.neginf = st[S.neginf]!;
    s.zero = st[S.zero]!; s.n = st[S.n]!;
    if (s.n > 0) {
      // The kernel keeps the mean scaled like the power sums; the sketch holds it unscaled.
      s.scaleExp = st[S.scaleExp]!;
      s.mean = ldexp(st[S.mean]!, s.scaleExp); s.m2 = st[S.m2]!; s.m3 = st[S.m3]!; s.m4 = st[S.m4]!;
      s.min = st[S.min]!; s.max = st[S.max]!;
      s.l1 = st[S.l1]!; s.l2sq = st[S.l2sq]!; s.linf = st[S.linf]!;
      s.keysExact = st[S.lowBits] === 0;
    }
    s.absLe = [st[S.abs1]!, st[S.abs2]!, st[S.abs3]!];
    return s;
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

let shared: StatsKernel | undefined;

/** Sketch of one chunk of raw F32/F16/BF16/F64 bytes with the WASM kernel (same as the oracle). */
export function sketchChunkWasm(dtype: Dtype, bytes: Uint8Array): TensorSketch {
  shared ??= StatsKernel.create();
  shared.reset();
  shared.accumulate(dtype, bytes);
  return shared.sketch();
}
