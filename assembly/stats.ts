// Statistics kernel: one pass over a chunk of F32/F16/BF16/F64 values in wasm memory that
// counts NaN/Inf/zeros and |x| <= t, tracks min/max/norms, fills the 65536-bucket histogram
// (key = float32 bits >>> 16) and accumulates float64 moments. F32 goes in blocks of 4096
// (16 KiB, stays in L1): pass 1 (SIMD f32x4) does counts/extremes/histogram and a pilot sum,
// pass 2 (f64x2) the power sums about the pilot mean; blocks merge with Chan/Pebay. Blocks
// holding NaN/Inf take a scalar path. F16/BF16 only count their 16-bit patterns (stats-half.ts).
// F64 blocks with max |x| beyond 2^200 (or below 2^-200) sum scaled values (stats-state.ts).
import {
  HIST, STATE, T1, T2, T3, TH1, TH2, TH3, ordToF64, resetState, writeState, readState, mergeBlock, mergeExtremes,
  addCounts, addNonFinite, orLowBits, momentScaleExp, ldexp,
} from "./lib/stats-state";
import { countHalf, foldHalf, clearHalf } from "./lib/stats-half";
import { f16ToF32Bits } from "./lib/stats-decode";

const BLOCK: i32 = 4096;

/** Returns a pointer to an input region of at least `bytes` bytes (grows memory as needed). */
export { reserve as reserveInput } from "./lib/scratch";

export function histPtr(): usize { return HIST; }
export function statePtr(): usize { return STATE; }
/** Clears the key histogram (pending F16/BF16 counts are folded into it first: call flush()). */
export function clearHist(): void { memory.fill(HIST, 0, 65536 * 4); }
export function reset(): void { clearHalf(); clearHist(); resetState(); }
/**
 * The non-zero key counters in key order, written at `keysOut` as (key, count) u32 pairs, or with
 * `split` as keys (i32) at `keysOut` and counts (f64) at `countsOut`; returns how many. One SIMD
 * test per 4 counters (16 first): a tensor of few values costs a few microseconds here instead of
 * a scan of 65536 counters in JavaScript. Inlined with a constant `split`: one loop per layout.
 */
@inline function compactCounters(keysOut: usize, countsOut: usize, split: bool): i32 {
  let n: i32 = 0;
  for (let k: u32 = 0; k < 65536; k += 4) {
    if ((k & 15) == 0) {
      const a = <usize>k << 2; // 16 counters at a time first: most of a small tensor's are empty
      if (!v128.any_true(v128.or(v128.or(v128.load(a, HIST), v128.load(a, HIST + 16)), v128.or(v128.load(a, HIST + 32), v128.load(a, HIST + 48))))) {
        k += 12;
        continue;
      }
    }
    if (!v128.any_true(v128.load(<usize>k << 2, HIST))) continue;
    for (let j: u32 = k; j < k + 4; j++) {
      const c = load<u32>(<usize>j << 2, HIST);
      if (c == 0) continue;
      if (split) {
        store<i32>(keysOut + (<usize>n << 2), <i32>j);
        store<f64>(countsOut + (<usize>n << 3), <f64>c);
      } else {
        store<u32>(keysOut + (<usize>n << 3), j);
        store<u32>(keysOut + (<usize>n << 3) + 4, c);
      }
      n++;
    }
  }
  return n;
}

/** The non-zero key counters as (key, count) u32 pairs at `out` (room for 65536 pairs), in key order; returns the number of pairs. */
export function compactHist(out: usize): i32 {
  return compactCounters(out, 0, false);
}

/**
 * compactHist with the keys (i32) at `keysOut` and the counts (f64) at `countsOut` (room for 65536
 * each): the host copies each out in one piece instead of splitting pairs in a JavaScript loop.
 */
export function compactHistSplit(keysOut: usize, countsOut: usize): i32 {
  return compactCounters(keysOut, countsOut, true);
}

/**
 * Writes the float32 bits of the `count` F16 (dtype 1) or BF16 (2) values at `p` to `out`;
 * returns how many are NaN (whose bits the host decodes itself: see StatsKernel.accumulateDecoded).
 */
export function decodeHalf(dtype: i32, p: usize, count: i32, out: usize): i32 {
  let nans = 0;
  if (dtype == 1) {
    for (let i = 0; i < count; i++) {
      const bits = f16ToF32Bits(<u32>load<u16>(p + (<usize>i << 1)));
      if ((bits & 0x7fffffff) > 0x7f800000) nans++;
      store<u32>(out + (<usize>i << 2), bits);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const bits = (<u32>load<u16>(p + (<usize>i << 1))) << 16;
      if ((bits & 0x7fffffff) > 0x7f800000) nans++;
      store<u32>(out + (<usize>i << 2), bits);
    }
  }
  return nans;
}

/** Folds pending F16/BF16 pattern counts into the totals and the key histogram. */
export function flush(): void { foldHalf(); }
/** Copies the running totals (pending counts folded) to STATE (f64 slots) for the host to read. */
export function saveState(): void { foldHalf(); writeState(); }
/** Loads the running totals from STATE (to resume a saved accumulation); drops pending counts. */
export function loadState(): void { clearHalf(); readState(); }

/** Accumulates `count` values of `dtype` (0 F32, 1 F16, 2 BF16, 3 F64) stored at `ptr`. */
export function accumulate(dtype: i32, ptr: usize, count: i32): void {
  if (dtype == 1 || dtype == 2) {
    countHalf(dtype, ptr, count);
    return;
  }
  for (let off = 0; off < count; off += BLOCK) {
    const len = min(BLOCK, count - off);
    if (dtype == 0) f32Block(ptr + (<usize>off << 2), len);
    else f64Block(ptr + (<usize>off << 3), len);
  }
}

function f32Block(p: usize, len: i32): void {
  const m = len & ~3;
  if (m > 0 && !simdPass1(p, m)) scalarBlockF32(p, m, true);
  if (len > m) scalarBlockF32(p + (<usize>m << 2), len - m, false);
}

@inline function bump(a: usize): void {
  store<u32>(a, load<u32>(a, HIST) + 1, HIST);
}

@inline function sumLanesI(v: v128): f64 {
  return <f64>(i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

/** SIMD pass 1 over m (multiple of 4) float32 values; false if the block needs the scalar path. */
function simdPass1(p: usize, m: i32): bool {
  // pmin/pmax are one instruction each; NaN never reaches the result (a NaN or Inf makes the
  // pilot sum non-finite and the block goes scalar) and -0/+0 ties are settled afterwards.
  let fmin = f32x4.splat(Infinity), fmax = f32x4.splat(-Infinity), fsum = f32x4.splat(0);
  let zeros = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0), low = i32x4.splat(0);
  for (let i = 0; i < m; i += 4) {
    const bits = v128.load(p + (<usize>i << 2));
    const abits = v128.and(bits, i32x4.splat(0x7fffffff));
    // |bits| <= T  <=>  T + 1 > |bits| (signed: |bits| < 2^31), a single compare.
    zeros = i32x4.sub(zeros, i32x4.gt_s(i32x4.splat(1), abits));
    c1 = i32x4.sub(c1, i32x4.gt_s(i32x4.splat(T1 + 1), abits));
    c2 = i32x4.sub(c2, i32x4.gt_s(i32x4.splat(T2 + 1), abits));
    c3 = i32x4.sub(c3, i32x4.gt_s(i32x4.splat(T3 + 1), abits));
    fmin = f32x4.pmin(fmin, bits);
    fmax = f32x4.pmax(fmax, bits);
    fsum = f32x4.add(fsum, bits);
    low = v128.or(low, bits);
    const k = i32x4.shl(i32x4.shr_u(bits, 16), 2);
    bump(<usize>i32x4.extract_lane(k, 0)); bump(<usize>i32x4.extract_lane(k, 1));
    bump(<usize>i32x4.extract_lane(k, 2)); bump(<usize>i32x4.extract_lane(k, 3));
  }
  const pilotSum = <f64>f32x4.extract_lane(fsum, 0) + <f64>f32x4.extract_lane(fsum, 1)
    + <f64>f32x4.extract_lane(fsum, 2) + <f64>f32x4.extract_lane(fsum, 3);
  if (!isFinite(pilotSum)) return false;
  let bmin = <f64>min(min(f32x4.extract_lane(fmin, 0), f32x4.extract_lane(fmin, 1)), min(f32x4.extract_lane(fmin, 2), f32x4.extract_lane(fmin, 3)));
  let bmax = <f64>max(max(f32x4.extract_lane(fmax, 0), f32x4.extract_lane(fmax, 1)), max(f32x4.extract_lane(fmax, 2), f32x4.extract_lane(fmax, 3)));
  simdPass2(p, m, pilotSum / <f64>m, max(-bmin, bmax));
  addCounts(<f64>m, sumLanesI(zeros), sumLanesI(c1), sumLanesI(c2), sumLanesI(c3));
  // A zero extreme may be either sign (-0 == +0 for pmin/pmax): -0 orders below +0.
  if (bmin == 0) bmin = hasBits(p, m, 0x80000000) ? -0.0 : 0.0;
  if (bmax == 0) bmax = hasBits(p, m, 0) ? 0.0 : -0.0;
  mergeExtremes(bmin, bmax, max(-bmin, bmax));
  orLowBits((i32x4.extract_lane(low, 0) | i32x4.extract_lane(low, 1) | i32x4.extract_lane(low, 2) | i32x4.extract_lane(low, 3)) & 0xffff);
  return true;
}

/** True if one of the m float32 values at p has exactly these bits. */
function hasBits(p: usize, m: i32, bits: u32): bool {
  for (let i = 0; i < m; i++) if (load<u32>(p + (<usize>i << 2)) == bits) return true;
  return false;
}

/**
 * SIMD pass 2: float64 power sums of d = x - c and sum |x| over m finite float32 values. The
 * two halves of each f32x4 are summed before they reach the accumulators: 5 accumulators keep
 * the loop within the 16 SIMD registers (10 made V8 spill every iteration).
 */
function simdPass2(p: usize, m: i32, c: f64, blinf: f64): void {
  const C = f64x2.splat(c);
  let s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0), s4 = f64x2.splat(0), l = f64x2.splat(0);
  for (let i = 0; i < m; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const xa = f64x2.promote_low_f32x4(v);
    const xb = f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0));
    const da = f64x2.sub(xa, C), db = f64x2.sub(xb, C);
    const da2 = f64x2.mul(da, da), db2 = f64x2.mul(db, db);
    s1 = f64x2.add(s1, f64x2.add(da, db));
    s2 = f64x2.add(s2, f64x2.add(da2, db2));
    s3 = f64x2.add(s3, f64x2.add(f64x2.mul(da2, da), f64x2.mul(db2, db)));
    s4 = f64x2.add(s4, f64x2.add(f64x2.mul(da2, da2), f64x2.mul(db2, db2)));
    l = f64x2.add(l, f64x2.add(f64x2.abs(xa), f64x2.abs(xb)));
  }
  mergeBlock(<f64>m, c,
    f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1), f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1),
    f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1), f64x2.extract_lane(s4, 0) + f64x2.extract_lane(s4, 1),
    f64x2.extract_lane(l, 0) + f64x2.extract_lane(l, 1), 0, blinf);
}

/**
 * Scalar path for a block of float32 values (tails, and blocks with NaN/Inf or a pilot sum
 * overflow). With `histDone` the SIMD pass already counted every key: non-finite keys are undone.
 */
function scalarBlockF32(p: usize, m: i32, histDone: bool): void {
  let finite: f64 = 0, sum: f64 = 0, zeros: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let nan: f64 = 0, pinf: f64 = 0, ninf: f64 = 0, bmin: f64 = Infinity, bmax: f64 = -Infinity, blinf: f64 = 0;
  let low: u32 = 0;
  for (let i = 0; i < m; i++) {
    const bits = load<u32>(p + (<usize>i << 2));
    const abits = bits & 0x7fffffff;
    const key = <usize>(bits >>> 16) << 2;
    if (abits >= 0x7f800000) {
      if (abits > 0x7f800000) nan++; else if (bits >>> 31) ninf++; else pinf++;
      if (histDone) store<u32>(key, load<u32>(key, HIST) - 1, HIST);
      continue;
    }
    const x = <f64>reinterpret<f32>(bits);
    finite++; sum += x;
    if (abits == 0) zeros++;
    if (abits <= T1) a1++;
    if (abits <= T2) a2++;
    if (abits <= T3) a3++;
    bmin = min(bmin, x); bmax = max(bmax, x); blinf = max(blinf, abs(x));
    low |= bits;
    if (!histDone) store<u32>(key, load<u32>(key, HIST) + 1, HIST);
  }
  const c = finite > 0 ? sum / finite : 0;
  let s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, s4: f64 = 0, l1b: f64 = 0;
  for (let i = 0; i < m; i++) {
    const bits = load<u32>(p + (<usize>i << 2));
    if ((bits & 0x7fffffff) >= 0x7f800000) continue;
    const x = <f64>reinterpret<f32>(bits);
    const d = x - c, d2 = d * d;
    s1 += d; s2 += d2; s3 += d2 * d; s4 += d2 * d2; l1b += abs(x);
  }
  // float32 magnitudes lie in [2^-149, 2^128): never scaled (scale exponent 0).
  mergeBlock(finite, c, s1, s2, s3, s4, l1b, 0, blinf);
  addCounts(<f64>m, zeros, a1, a2, a3);
  addNonFinite(nan, pinf, ninf);
  if (finite > 0) mergeExtremes(bmin, bmax, blinf);
  orLowBits(low & 0xffff);
}

/** Histogram key of a finite double: float32 truncation toward zero, clamped to finite keys. */
function f64Key(x: f64): u32 {
  const sign: u32 = (<u32>(reinterpret<u64>(x) >>> 63)) << 15;
  const a = abs(x);
  const f = <f32>a;
  let bits = reinterpret<u32>(f);
  if (bits >= 0x7f800000) return sign | 0x7f7f;
  if (<f64>f > a) bits -= 1;
  return sign | (bits >>> 16);
}

/**
 * Scalar block of float64 values (F64 tensors are rare: no SIMD path). Values with max |x|
 * outside [2^-200, 2^200) are scaled by 2^-e (momentScaleExp) before the sums are formed.
 */
function f64Block(p: usize, m: i32): void {
  let finite: f64 = 0, sum: f64 = 0, zeros: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let nan: f64 = 0, pinf: f64 = 0, ninf: f64 = 0, bmin: f64 = Infinity, bmax: f64 = -Infinity, blinf: f64 = 0;
  let low: u32 = 0;
  for (let i = 0; i < m; i++) {
    const x = load<f64>(p + (<usize>i << 3));
    if (!isFinite(x)) {
      if (isNaN(x)) nan++; else if (x < 0) ninf++; else pinf++;
      continue;
    }
    const a = abs(x);
    finite++; sum += x;
    if (a == 0) zeros++;
    if (a <= TH1) a1++;
    if (a <= TH2) a2++;
    if (a <= TH3) a3++;
    bmin = min(bmin, x); bmax = max(bmax, x); blinf = max(blinf, a);
    const key = f64Key(x);
    const lo = <f64>reinterpret<f32>((key & 0x7fff) << 16);
    if (a != lo) low |= 1;
    const addr = <usize>key << 2;
    store<u32>(addr, load<u32>(addr, HIST) + 1, HIST);
  }
  const e = momentScaleExp(blinf);
  if (e == 0) f64Moments(p, m, finite, finite > 0 ? sum / finite : 0, 1, 0, blinf);
  else {
    const f = ldexp(1, -e);
    let ssum: f64 = 0;
    for (let i = 0; i < m; i++) {
      const x = load<f64>(p + (<usize>i << 3));
      if (isFinite(x)) ssum += x * f;
    }
    f64Moments(p, m, finite, ssum / finite, f, e, blinf);
  }
  addCounts(<f64>m, zeros, a1, a2, a3);
  addNonFinite(nan, pinf, ninf);
  if (finite > 0) mergeExtremes(bmin, bmax, blinf);
  orLowBits(low);
}

/** Power sums of d = x f - c over the finite float64 values of a block, merged at exponent e. */
function f64Moments(p: usize, m: i32, finite: f64, c: f64, f: f64, e: i32, blinf: f64): void {
  let s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, s4: f64 = 0, l1b: f64 = 0;
  for (let i = 0; i < m; i++) {
    const x = load<f64>(p + (<usize>i << 3));
    if (!isFinite(x)) continue;
    const d = x * f - c, d2 = d * d;
    s1 += d; s2 += d2; s3 += d2 * d; s4 += d2 * d2; l1b += abs(x);
  }
  mergeBlock(finite, c, s1, s2, s3, s4, l1b, e, blinf);
}
