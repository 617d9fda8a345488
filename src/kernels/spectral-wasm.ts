// Host side of the spectral WASM kernel (assembly/spectral.ts): the Gram matrix of a weight
// matrix's smaller side and its eigenvalues (tridiagonal reduction + implicit QL), as a
// SpectralKernels (src/stats/spectral-kernels.ts) a thread installs with installSpectralKernels().
// Bit-identical to the TypeScript oracle (src/stats/eigen.ts).
import { EigenConvergenceError, MAX_QL_ITERATIONS } from "../stats/eigen.js";
import { setSpectralKernels, type SpectralKernels } from "../stats/spectral-kernels.js";
import { UsageError } from "../util/errors.js";
import { instantiateKernel } from "./load.js";

interface SpectralExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  gramVectors(wPtr: number, rows: number, cols: number, vecsPtr: number): number;
  gram(vecsPtr: number, m: number, k: number, gPtr: number): void;
  tridiagonalize(a: number, n: number, d: number, e: number, v: number, w: number): void;
  tridiagonalEigenvalues(d: number, e: number, n: number): number;
  firstNonFiniteF32(ptr: number, n: number): number;
  firstNonFiniteF64(ptr: number, n: number): number;
}

/** Bytes of a region rounded up to 16 (each region starts 16-byte aligned). */
const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;

export class WasmSpectralKernels implements SpectralKernels {
  private constructor(private readonly ex: SpectralExports) {}

  static create(): WasmSpectralKernels {
    return new WasmSpectralKernels(instantiateKernel("spectral").exports as unknown as SpectralExports);
  }

  gramEigenvalues(w: Float32Array, rows: number, cols: number): Float64Array {
    if (w.length !== rows * cols) throw new UsageError(`smallGram: expected ${rows * cols} values for ${rows} x ${cols}, got ${w.length}`);
    const m = Math.min(rows, cols), k = Math.max(rows, cols);
    // layout: W (f32) | vectors (panels of 4: ceil(m / 4) 4 k f64) | Gram (m m f64) | d, e, v, w (m f64 each)
    const wBytes = aligned(4 * rows * cols), vecBytes = aligned(8 * Math.ceil(m / 4) * 4 * k), gBytes = aligned(8 * m * m), nBytes = aligned(8 * m);
    const base = this.ex.reserve(wBytes + vecBytes + gBytes + 4 * nBytes);
    const vecs = base + wBytes, g = vecs + vecBytes, d = g + gBytes, e = d + nBytes, v = e + nBytes, u = v + nBytes;
    new Float32Array(this.ex.memory.buffer, base, rows * cols).set(w);
    this.ex.gramVectors(base, rows, cols, vecs);
    this.ex.gram(vecs, m, k, g);
    const bad = this.ex.firstNonFiniteF64(g, m * m);
    if (bad >= 0) throw new UsageError(`symmetricEigenvalues: non-finite entry at (${Math.floor(bad / m)}, ${bad % m})`);
    this.ex.tridiagonalize(g, m, d, e, v, u);
    const failed = this.ex.tridiagonalEigenvalues(d, e, m);
    if (failed >= 0) throw new EigenConvergenceError(`tridiagonalEigenvalues: no convergence for eigenvalue ${failed} after ${MAX_QL_ITERATIONS} QL sweeps`);
    return new Float64Array(this.ex.memory.buffer, d, m).slice().sort();
  }

  allFinite(w: Float32Array): boolean {
    const base = this.ex.reserve(aligned(4 * w.length));
    new Float32Array(this.ex.memory.buffer, base, w.length).set(w);
    return this.ex.firstNonFiniteF32(base, w.length) < 0;
  }
}

/**
 * Installs the WASM spectral kernel in this thread (the statistics workers, and the in-thread
 * pool); false (the TypeScript oracle stays) when the kernel is not built.
 */
export function installSpectralKernels(): boolean {
  try {
    setSpectralKernels(WasmSpectralKernels.create());
    return true;
  } catch {
    return false;
  }
}
