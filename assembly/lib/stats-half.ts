// F16/BF16 statistics by counting raw 16-bit patterns: the hot loop only bumps one of 65536
// counters per value (no decode, no float work). `foldHalf` turns the counts into the totals
// (counts, extremes, histogram keys, exact moments over distinct values) when they are read.
import {
  HIST, RAW, FOLD_LIST, T1, T2, T3, ordToF64, mergeBlock, mergeExtremes, addCounts, addNonFinite, orLowBits,
} from "./stats-state";
import { f16ToF32Bits } from "./stats-decode";

/** Dtype code whose counts are pending in RAW (1 F16, 2 BF16), or 0 when RAW is empty. */
let rawDtype: i32 = 0;
/** Values counted in RAW since the last fold (each counter stays below 2^31). */
let rawCount: u32 = 0;
const RAW_FOLD_AT: u32 = 1 << 30;

/** Counts `count` values of 16-bit dtype `dtype` (1 F16, 2 BF16) stored at `p`. */
export function countHalf(dtype: i32, p: usize, count: i32): void {
  if (rawDtype != dtype || rawCount + <u32>count >= RAW_FOLD_AT) foldHalf();
  rawDtype = dtype;
  rawCount += <u32>count;
  const m = count & ~3;
  for (let i = 0; i < m; i += 4) {
    // One 64-bit load, four counters; the shifts are cheap scalar work.
    const w = load<u64>(p + (<usize>i << 1));
    bumpRaw(<usize>(w & 0xffff)); bumpRaw(<usize>((w >>> 16) & 0xffff));
    bumpRaw(<usize>((w >>> 32) & 0xffff)); bumpRaw(<usize>(w >>> 48));
  }
  for (let i = m; i < count; i++) bumpRaw(<usize>load<u16>(p + (<usize>i << 1)));
}

@inline function bumpRaw(h: usize): void {
  const a = h << 2;
  store<u32>(a, load<u32>(a, RAW) + 1, RAW);
}

/**
 * Moves the pending 16-bit counts into the totals and clears RAW. Every distinct value is
 * exact in float64, so count x value products are exact and the moments are at least as
 * accurate as a value-by-value pass (power sums about the float64 mean of the distinct values).
 * The first pass (one loop per dtype: no dtype test per pattern) lists the finite patterns met
 * (FOLD_LIST), which the second pass, the power sums about their mean, reads in the same order:
 * the same sums as a second scan of RAW, without scanning and decoding the 65536 patterns again.
 */
export function foldHalf(): void {
  if (rawDtype == 0) return;
  if (rawDtype == 1) foldFirstPass(true); else foldFirstPass(false);
  const c = foldFinite > 0 ? foldSum / foldFinite : 0;
  let s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, s4: f64 = 0;
  const end = FOLD_LIST + (<usize>foldListed << 3);
  for (let p = FOLD_LIST; p < end; p += 8) {
    const fc = <f64>load<u32>(p, 4), d = <f64>reinterpret<f32>(load<u32>(p)) - c, d2 = d * d;
    s1 += fc * d; s2 += fc * d2; s3 += fc * d2 * d; s4 += fc * d2 * d2;
  }
  const finite = foldFinite, omin = foldOmin, omax = foldOmax;
  // float16/bfloat16 magnitudes are within float32's: scale exponent 0.
  mergeBlock(finite, c, s1, s2, s3, s4, foldL1, 0, finite > 0 ? max(-ordToF64(omin), ordToF64(omax)) : 0);
  addCounts(foldTotal, foldZeros, foldA1, foldA2, foldA3);
  addNonFinite(foldNan, foldPinf, foldNinf);
  if (finite > 0) mergeExtremes(ordToF64(omin), ordToF64(omax), max(-ordToF64(omin), ordToF64(omax)));
  orLowBits(foldLow & 0xffff);
  rawDtype = 0;
  rawCount = 0;
}

// The first pass's totals (globals: the pass is inlined into one loop per dtype).
let foldTotal: f64 = 0, foldFinite: f64 = 0, foldSum: f64 = 0, foldL1: f64 = 0, foldZeros: f64 = 0, foldA1: f64 = 0, foldA2: f64 = 0, foldA3: f64 = 0;
let foldNan: f64 = 0, foldPinf: f64 = 0, foldNinf: f64 = 0, foldOmin: i32 = 0, foldOmax: i32 = 0, foldLow: u32 = 0, foldListed: i32 = 0;

/**
 * foldHalf's first pass over RAW (f16: IEEE half patterns, else bfloat16): counts, extremes,
 * histogram keys and the plain sums, in pattern order; clears RAW and lists the finite patterns.
 */
@inline function foldFirstPass(f16: bool): void {
  let finite: f64 = 0, sum: f64 = 0, zeros: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, total: f64 = 0;
  let nan: f64 = 0, pinf: f64 = 0, ninf: f64 = 0, omin: i32 = i32.MAX_VALUE, omax: i32 = i32.MIN_VALUE;
  let low: u32 = 0, l1b: f64 = 0;
  let list = FOLD_LIST;
  for (let h: u32 = 0; h < 65536; h++) {
    if ((h & 15) == 0 && rawBlockEmpty(h)) { h += 15; continue; }
    const c = load<u32>(<usize>h << 2, RAW);
    if (c == 0) continue;
    store<u32>(<usize>h << 2, 0, RAW);
    const fc = <f64>c;
    total += fc;
    const bits = f16 ? f16ToF32Bits(h) : h << 16;
    const abits = bits & 0x7fffffff;
    if (abits >= 0x7f800000) {
      if (abits > 0x7f800000) nan += fc; else if (bits >>> 31) ninf += fc; else pinf += fc;
      continue;
    }
    store<u32>(list, bits);
    store<u32>(list, c, 4);
    list += 8;
    const key = <usize>(bits >>> 16) << 2;
    store<u32>(key, load<u32>(key, HIST) + c, HIST);
    const x = <f64>reinterpret<f32>(bits);
    finite += fc; sum += fc * x; l1b += fc * abs(x);
    if (abits == 0) zeros += fc;
    if (abits <= T1) a1 += fc;
    if (abits <= T2) a2 += fc;
    if (abits <= T3) a3 += fc;
    const ord = <i32>(bits ^ ((<u32>(<i32>bits >> 31)) >>> 1));
    omin = min(omin, ord); omax = max(omax, ord);
    low |= bits;
  }
  foldTotal = total; foldFinite = finite; foldSum = sum; foldL1 = l1b; foldZeros = zeros; foldA1 = a1; foldA2 = a2; foldA3 = a3;
  foldNan = nan; foldPinf = pinf; foldNinf = ninf; foldOmin = omin; foldOmax = omax; foldLow = low;
  foldListed = <i32>((list - FOLD_LIST) >> 3);
}

/**
 * True when the 16 counters from pattern h (a multiple of 16) are all zero: one SIMD test skips
 * them (a small tensor occupies a few hundred of the 65536 patterns; the scalar scan of the
 * empty ones cost ~0.1 ms per tensor). Skipping zeros changes no sum.
 */
@inline function rawBlockEmpty(h: u32): bool {
  const a = <usize>h << 2;
  return !v128.any_true(v128.or(v128.or(v128.load(a, RAW), v128.load(a, RAW + 16)), v128.or(v128.load(a, RAW + 32), v128.load(a, RAW + 48))));
}

/** Drops pending counts without folding them (the totals are being reset or replaced). */
export function clearHalf(): void {
  if (rawDtype != 0) memory.fill(RAW, 0, 65536 * 4);
  rawDtype = 0;
  rawCount = 0;
}
