// The finite float32 values of a tensor in ascending order as f64 (src/stats/shape/sample.ts
// sortedFiniteCopy, whose result is the same array: equal keys are equal values): an LSD radix sort
// of order-preserving keys of the bits (sign bit flipped for +, all bits for -, so -0 sorts before
// +0, as Float64Array.prototype.sort), four 8-bit digits, a digit shared by every key skipped.
// Used by assembly/shape.ts only.

@inline function ldu(p: usize, i: i32): u32 { return load<u32>(p + (<usize>i << 2)); }
@inline function stu(p: usize, i: i32, v: u32): void { store<u32>(p + (<usize>i << 2), v); }
@inline function ldc(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function stc(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

/**
 * Sorts the finite ones of the n float32 values at xp into out (f64); keys, swap: scratch of n
 * u32; counts: 1024 i32. Returns how many were finite.
 */
export function sortFiniteF32(xp: usize, n: i32, keys: usize, swap: usize, counts: usize, out: usize): i32 {
  memory.fill(counts, 0, 4096);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const b = ldu(xp, i);
    if ((b & 0x7f800000) == 0x7f800000) continue; // NaN, +-Infinity
    const key = b ^ ((<u32>(<i32>b >> 31)) | 0x80000000);
    stu(keys, m++, key);
    const c0 = counts + ((<usize>(key & 0xff)) << 2), c1 = counts + ((<usize>(256 + ((key >> 8) & 0xff))) << 2);
    const c2 = counts + ((<usize>(512 + ((key >> 16) & 0xff))) << 2), c3 = counts + ((<usize>(768 + (key >> 24))) << 2);
    store<i32>(c0, load<i32>(c0) + 1);
    store<i32>(c1, load<i32>(c1) + 1);
    store<i32>(c2, load<i32>(c2) + 1);
    store<i32>(c3, load<i32>(c3) + 1);
  }
  let from = keys, to = swap;
  for (let digit = 0; digit < 4; digit++) {
    const base = digit * 256, shift = <u32>(digit * 8);
    let sum = 0, shared = false;
    for (let d = 0; d < 256; d++) {
      const c = ldc(counts, base + d);
      if (c == m) shared = true;
      stc(counts, base + d, sum);
      sum += c;
    }
    if (shared) continue;
    for (let i = 0; i < m; i++) {
      const key = ldu(from, i);
      const slot = counts + (<usize>(base + <i32>((key >> shift) & 0xff)) << 2);
      const at = load<i32>(slot);
      store<i32>(slot, at + 1);
      stu(to, at, key);
    }
    const t = from; from = to; to = t;
  }
  for (let i = 0; i < m; i++) {
    const key = ldu(from, i);
    const bits = (key & 0x80000000) != 0 ? key ^ 0x80000000 : ~key;
    store<f64>(out + (<usize>i << 3), <f64>reinterpret<f32>(bits));
  }
  return m;
}
