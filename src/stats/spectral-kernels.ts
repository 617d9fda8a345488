// Pluggable hot path of the spectral summary: the Gram matrix of a weight matrix's smaller side
// and its eigenvalues, and the finite-values check before it. The TypeScript versions (eigen.ts
// smallGram, symmetricEigenvaluesInPlace; spectral.ts allFinite's loop) are the oracle and the default; a thread that has the WASM SIMD kernel
// (src/kernels/spectral-wasm.ts, installed by the statistics workers) installs it here. The kernel
// gives the oracle's results bit for bit (test/kernels/spectral-wasm.test.ts).
import { kernelSlot } from "./kernel-slot.js";

export interface SpectralKernels {
  /**
   * Eigenvalues, ascending, of the Gram matrix of W's smaller side (rows x cols, row-major f32
   * values): smallGram then symmetricEigenvaluesInPlace, with their errors.
   */
  gramEigenvalues(w: Float32Array, rows: number, cols: number): Float64Array;
  /** True when every value is finite. */
  allFinite(w: Float32Array): boolean;
}

const slot = kernelSlot<SpectralKernels>();
/** Installs the kernels for this thread (null: the TypeScript oracles); returns the previous ones. */
export const setSpectralKernels = slot.set;
/** The kernels installed in this thread, or null (use the oracles). */
export const spectralKernels = slot.get;
