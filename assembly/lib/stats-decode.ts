// Decoding of one IEEE half (f16) bit pattern into float32 bits (used when folding the F16
// pattern counts of stats-half.ts; BF16 is a plain 16-bit shift).

/** IEEE half bits (low 16 bits of h) to float32 bits, exact for every value incl. NaN/Inf. */
export function f16ToF32Bits(h: u32): u32 {
  const sign = (h & 0x8000) << 16;
  const em = h & 0x7fff;
  if (em < 0x400) return sign | reinterpret<u32>(<f32>em * 5.9604644775390625e-8); // subnormal: em * 2^-24
  let t = (em << 13) + 0x38000000;
  if (em >= 0x7c00) t += 0x38000000; // Inf/NaN: exponent all ones
  return sign | t;
}
