// Decoding of f16 / bf16 blocks into float32 bit patterns (SIMD, 8 values a step, scalar tail).

/** IEEE half bits (low 16 bits of h) to float32 bits, exact for every value incl. NaN/Inf. */
export function f16ToF32Bits(h: u32): u32 {
  const sign = (h & 0x8000) << 16;
  const em = h & 0x7fff;
  if (em < 0x400) return sign | reinterpret<u32>(<f32>em * 5.9604644775390625e-8); // subnormal: em * 2^-24
  let t = (em << 13) + 0x38000000;
  if (em >= 0x7c00) t += 0x38000000; // Inf/NaN: exponent all ones
  return sign | t;
}

@inline function f16VecToF32Bits(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const em = v128.and(h, i32x4.splat(0x7fff));
  let t = i32x4.add(i32x4.shl(em, 13), i32x4.splat(0x38000000));
  t = v128.bitselect(i32x4.add(t, i32x4.splat(0x38000000)), t, i32x4.ge_u(em, i32x4.splat(0x7c00)));
  const sub = f32x4.mul(f32x4.convert_i32x4_s(em), f32x4.splat(5.9604644775390625e-8));
  t = v128.bitselect(sub, t, i32x4.lt_u(em, i32x4.splat(0x400)));
  return v128.or(t, sign);
}

/** Decodes `count` f16 values at `src` into float32 at `dst`. */
export function decodeF16(src: usize, dst: usize, count: i32): void {
  const m = count & ~7;
  for (let i = 0; i < m; i += 8) {
    const v = v128.load(src + (<usize>i << 1));
    v128.store(dst + (<usize>i << 2), f16VecToF32Bits(i32x4.extend_low_i16x8_u(v)));
    v128.store(dst + (<usize>i << 2), f16VecToF32Bits(i32x4.extend_high_i16x8_u(v)), 16);
  }
  for (let i = m; i < count; i++) {
    store<u32>(dst + (<usize>i << 2), f16ToF32Bits(<u32>load<u16>(src + (<usize>i << 1))));
  }
}

/** Decodes `count` bf16 values at `src` into float32 at `dst` (a 16-bit shift). */
export function decodeBF16(src: usize, dst: usize, count: i32): void {
  const m = count & ~7;
  for (let i = 0; i < m; i += 8) {
    const v = v128.load(src + (<usize>i << 1));
    v128.store(dst + (<usize>i << 2), i32x4.shl(i32x4.extend_low_i16x8_u(v), 16));
    v128.store(dst + (<usize>i << 2), i32x4.shl(i32x4.extend_high_i16x8_u(v), 16), 16);
  }
  for (let i = m; i < count; i++) {
    store<u32>(dst + (<usize>i << 2), (<u32>load<u16>(src + (<usize>i << 1))) << 16);
  }
}
