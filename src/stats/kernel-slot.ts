// A thread's installed hot-path kernel of one kind (shape, histogram shape, spectral): the
// TypeScript oracles are the default (null); a thread that has the WASM SIMD kernel installs it.
// Module state is per thread, so each worker has its own slot.

export interface KernelSlot<K> {
  /** Installs `kernels` for this thread (null: the TypeScript oracles); returns the previous ones. */
  set(kernels: K | null): K | null;
  /** The kernels installed in this thread, or null (use the oracles). */
  get(): K | null;
}

export function kernelSlot<K>(): KernelSlot<K> {
  let installed: K | null = null;
  return {
    set(kernels) {
      const previous = installed;
      installed = kernels;
      return previous;
    },
    get: () => installed,
  };
}
