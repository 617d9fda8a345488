// Accumulator state of the statistics kernel: the dense 65536-bucket histogram, the running
// counts/extremes/norms, and the Chan/Pebay merge of one block's moments into the totals.

/**
 * Dense histogram: one u32 counter per key (float32 bits >>> 16), at the fixed address of pages
 * 1-4 (a constant, so every counter access is one load/store with an immediate offset). The
 * static data and the (unused) stub-runtime heap fit in page 0; the kernel allocates nothing.
 */
export const HIST: usize = 65536;
/** Raw 16-bit pattern counters of F16/BF16 input (pages 5-8), see stats-half.ts. */
export const RAW: usize = 5 * 65536;
/**
 * The finite patterns met by foldHalf's first pass as (float32 bits, count) u32 pairs in pattern
 * order (pages 9-16; only as many bytes as distinct patterns are touched), which its second pass
 * reads instead of scanning and decoding RAW again.
 */
export const FOLD_LIST: usize = 9 * 65536;
if (memory.size() < 17) memory.grow(17 - memory.size());

/**
 * |x| <= t thresholds (t = 1e-4, 1e-3, 1e-2) as the float32 bits of the largest float32 <= t,
 * so the integer comparison of |bits| equals the float64 comparison of |x| with t. Literals, so
 * the SIMD loop gets them as constants; checkThresholds() re-derives them at start-up.
 */
export const TH1: f64 = 1e-4, TH2: f64 = 1e-3, TH3: f64 = 1e-2;
export const T1: u32 = 0x38d1b717, T2: u32 = 0x3a83126e, T3: u32 = 0x3c23d70a;
function f32Below(t: f64): u32 {
  const f = <f32>t;
  const bits = reinterpret<u32>(f);
  return <f64>f > t ? bits - 1 : bits;
}
if (f32Below(TH1) != T1 || f32Below(TH2) != T2 || f32Below(TH3) != T3) unreachable();

/** Inverse of the order-preserving map o = bits ^ (sign ? 0x7fffffff : 0) (its own inverse). */
@inline export function ordToF64(o: i32): f64 {
  return <f64>reinterpret<f32>(o ^ (<i32>(<u32>(o >> 31) >>> 1)));
}
/** State slots exchanged with the host as f64 (see STATE_* indices in src/kernels/stats-wasm.ts). */
export const STATE: usize = memory.data(32 * 8, 16);

export let numel: f64 = 0;
export let nanCount: f64 = 0;
export let posinfCount: f64 = 0;
export let neginfCount: f64 = 0;
export let zeroCount: f64 = 0;
export let n: f64 = 0;
export let mean: f64 = 0;
export let m2: f64 = 0;
export let m3: f64 = 0;
export let m4: f64 = 0;
export let minV: f64 = Infinity;
export let maxV: f64 = -Infinity;
export let l1: f64 = 0;
export let l2sq: f64 = 0;
export let linf: f64 = 0;
/**
 * Scale exponent e of the totals (src/stats/moment-scale.ts): mean is kept divided by 2^e,
 * m2..m4 by 2^(k e), l2sq by 2^(2e). 0 unless float64 data has max |x| outside [2^-200, 2^200).
 */
export let scaleExp: i32 = 0;
export let abs1: f64 = 0;
export let abs2: f64 = 0;
export let abs3: f64 = 0;
/** OR of the bits below the key of every finite value: 0 means every value is on a bucket edge. */
export let lowBits: u32 = 0;

export function resetState(): void {
  numel = 0; nanCount = 0; posinfCount = 0; neginfCount = 0; zeroCount = 0;
  n = 0; mean = 0; m2 = 0; m3 = 0; m4 = 0;
  minV = Infinity; maxV = -Infinity;
  l1 = 0; l2sq = 0; linf = 0; abs1 = 0; abs2 = 0; abs3 = 0; lowBits = 0; scaleExp = 0;
}

export function writeState(): void {
  store<f64>(STATE, numel, 0); store<f64>(STATE, nanCount, 8); store<f64>(STATE, posinfCount, 16);
  store<f64>(STATE, neginfCount, 24); store<f64>(STATE, zeroCount, 32); store<f64>(STATE, n, 40);
  store<f64>(STATE, mean, 48); store<f64>(STATE, m2, 56); store<f64>(STATE, m3, 64); store<f64>(STATE, m4, 72);
  store<f64>(STATE, minV, 80); store<f64>(STATE, maxV, 88); store<f64>(STATE, l1, 96); store<f64>(STATE, l2sq, 104);
  store<f64>(STATE, linf, 112); store<f64>(STATE, abs1, 120); store<f64>(STATE, abs2, 128); store<f64>(STATE, abs3, 136);
  store<f64>(STATE, <f64>lowBits, 144); store<f64>(STATE, <f64>scaleExp, 152);
}

export function readState(): void {
  numel = load<f64>(STATE, 0); nanCount = load<f64>(STATE, 8); posinfCount = load<f64>(STATE, 16);
  neginfCount = load<f64>(STATE, 24); zeroCount = load<f64>(STATE, 32); n = load<f64>(STATE, 40);
  mean = load<f64>(STATE, 48); m2 = load<f64>(STATE, 56); m3 = load<f64>(STATE, 64); m4 = load<f64>(STATE, 72);
  minV = load<f64>(STATE, 80); maxV = load<f64>(STATE, 88); l1 = load<f64>(STATE, 96); l2sq = load<f64>(STATE, 104);
  linf = load<f64>(STATE, 112); abs1 = load<f64>(STATE, 120); abs2 = load<f64>(STATE, 128); abs3 = load<f64>(STATE, 136);
  lowBits = <u32>load<f64>(STATE, 144); scaleExp = <i32>load<f64>(STATE, 152);
}

/** Bounds of the unscaled band of max |x| (MOMENT_SCALE_MIN/MAX in src/stats/moment-scale.ts). */
const SCALE_MIN: f64 = 6.223015277861142e-61; // 2^-200
const SCALE_MAX: f64 = 1.6069380442589903e+60; // 2^200
if (SCALE_MIN != 1.0 / SCALE_MAX || reinterpret<u64>(SCALE_MAX) != <u64>(1223) << 52) unreachable();

/** momentScaleExp of src/stats/moment-scale.ts: 0 in the band, else floor(log2 linf), >= -1022. */
export function momentScaleExp(a: f64): i32 {
  if (a == 0 || (a >= SCALE_MIN && a < SCALE_MAX)) return 0;
  return max(-1022, <i32>((reinterpret<u64>(a) >>> 52) & 0x7ff) - 1023);
}

/** 2^k for an integer k in [-1022, 1023]. */
@inline function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** x * 2^k for any integer k (as ldexp in src/stats/moment-scale.ts). */
export function ldexp(x: f64, k: i32): f64 {
  if (k == 0 || x == 0 || !isFinite(x)) return x;
  let y = x, r = k;
  while (r > 1023) { y *= pow2(1023); r -= 1023; }
  while (r < -1022) {
    if (y == 0) return y;
    y *= pow2(-1022); r += 1022;
  }
  return y * pow2(r);
}

/** Re-expresses the totals at scale exponent e (e >= scaleExp unless the totals are all zero). */
function rescaleTotals(e: i32): void {
  const k = scaleExp - e;
  mean = ldexp(mean, k); m2 = ldexp(m2, 2 * k); m3 = ldexp(m3, 3 * k); m4 = ldexp(m4, 4 * k);
  l2sq = ldexp(l2sq, 2 * k);
  scaleExp = e;
}

/**
 * Merges one block's finite values, given as power sums s1..s4 of d = x - c, into the totals:
 * first the block's central moments about its exact mean, then the Chan/Pebay merge. The
 * block's values were scaled by 2^-eb (c and s1..s4 are of x / 2^eb; eb = momentScaleExp of
 * the block's max |x|, blinf); call before mergeExtremes (linf is still the totals' own).
 */
export function mergeBlock(nb: f64, c: f64, s1: f64, s2: f64, s3: f64, s4: f64, l1b: f64, eb: i32, blinf: f64): void {
  if (nb == 0) return;
  const d = s1 / nb;
  let bm2 = s2 - s1 * d;
  if (bm2 < 0) bm2 = 0;
  let bm3 = s3 - 3 * d * s2 + 2 * d * d * s1;
  let bm4 = s4 - 4 * d * s3 + 6 * d * d * s2 - 3 * d * d * d * s1;
  let bmean = c + d;
  if (eb != scaleExp) {
    // Both at the exponent of the union (only the smaller-scaled side is rescaled, downward).
    const e = n == 0 ? eb : momentScaleExp(max(linf, blinf));
    if (e != scaleExp) rescaleTotals(e);
    const k = eb - e;
    bmean = ldexp(bmean, k); bm2 = ldexp(bm2, 2 * k); bm3 = ldexp(bm3, 3 * k); bm4 = ldexp(bm4, 4 * k);
  }
  l1 += l1b;
  l2sq += bm2 + nb * bmean * bmean;
  if (n == 0) {
    n = nb; mean = bmean; m2 = bm2; m3 = bm3; m4 = bm4;
    return;
  }
  const na = n, nt = na + nb;
  const delta = bmean - mean;
  const dn = delta / nt;
  const dn2 = dn * dn;
  const t = delta * dn * na * nb;
  m4 = m4 + bm4 + t * dn2 * (na * na - na * nb + nb * nb) + 6 * dn2 * (na * na * bm2 + nb * nb * m2) + 4 * dn * (na * bm3 - nb * m3);
  m3 = m3 + bm3 + t * dn * (na - nb) + 3 * dn * (na * bm2 - nb * m2);
  m2 = m2 + bm2 + t;
  mean = mean + dn * nb;
  n = nt;
}

/** Adds per-block extremes and counts to the totals. */
export function mergeExtremes(bmin: f64, bmax: f64, blinf: f64): void {
  minV = min(minV, bmin);
  maxV = max(maxV, bmax);
  linf = max(linf, blinf);
}

export function addCounts(total: f64, zeros: f64, a1: f64, a2: f64, a3: f64): void {
  numel += total;
  zeroCount += zeros;
  abs1 += a1; abs2 += a2; abs3 += a3;
}

export function addNonFinite(nan: f64, pinf: f64, ninf: f64): void {
  nanCount += nan; posinfCount += pinf; neginfCount += ninf;
}

export function orLowBits(bits: u32): void {
  lowBits |= bits;
}
