// One growable scratch region per kernel module: the host asks for `bytes` with `reserve`, then
// writes its inputs there and reads the outputs back. Shared by the statistics, shape and spectral kernels.

let scratchBase: usize = 0;
let scratchCap: i32 = 0;

/** Returns a pointer to a scratch region of at least `bytes` bytes (grows memory as needed; 16-byte aligned). */
export function reserve(bytes: i32): usize {
  if (bytes <= scratchCap) return scratchBase;
  const base = (<usize>memory.size()) << 16;
  const pages = (bytes + 0xffff) >>> 16;
  if (memory.grow(pages) < 0) unreachable();
  scratchBase = base;
  scratchCap = pages << 16;
  return base;
}
