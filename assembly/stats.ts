// Statistics kernel: one pass over a chunk of F32/F16/BF16/F64 values in wasm memory that
// counts NaN/Inf/zeros and |x| <= t, tracks min/max/norms, fills the 65536-bucket histogram
// (key = float32 bits >>> 16) and accumulates float64 moments. Values go in blocks of 4096:
// pass 1 (SIMD f32x4) does counts/extremes/histogram and a pilot sum, pass 2 (f64x2) the power
// sums about the pilot; blocks merge with Chan/Pebay. Blocks holding NaN/Inf take a scalar path.
import {
  HIST, STATE, resetState, writeState, readState, mergeBlock, mergeExtremes, addCounts, addNonFinite, orLowBits,
} from "./lib/stats-state";
import { decodeF16, decodeBF16 } from "./lib/stats-decode";

const BLOCK: i32 = 4096;
const SCRATCH: usize = memory.data(BLOCK * 4, 64);

// |x| <= t thresholds as float32 bit patterns of the largest float32 <= t (so the integer
// comparison of |bits| equals the float64 comparison), and as f64 for F64 data.
const TH1: f64 = 1e-4, TH2: f64 = 1e-3, TH3: f64 = 1e-2;
function f32Below(t: f64): u32 {
  const f = <f32>t;
  const bits = reinterpret<u32>(f);
  return <f64>f > t ? bits - 1 : bits;
}
const T1: u32 = f32Below(TH1), T2: u32 = f32Below(TH2), T3: u32 = f32Below(TH3);

let inputBase: usize = 0;
let inputCap: i32 = 0;

/** Returns a pointer to an input region of at least `bytes` bytes (grows memory as needed). */
export function reserveInput(bytes: i32): usize {
  if (bytes <= inputCap) return inputBase;
  const base = (<usize>memory.size()) << 16;
  const pages = (bytes + 0xffff) >>> 16;
  if (memory.grow(pages) < 0) unreachable();
  inputBase = base;
  inputCap = pages << 16;
  return base;
}

export function histPtr(): usize { return HIST; }
export function statePtr(): usize { return STATE; }
export function clearHist(): void { memory.fill(HIST, 0, 65536 * 4); }
export function reset(): void { clearHist(); resetState(); }
/** Copies the running totals to STATE (f64 slots) for the host to read. */
export function saveState(): void { writeState(); }
/** Loads the running totals from STATE (to resume a saved accumulation). */
export function loadState(): void { readState(); }

/** Accumulates `count` values of `dtype` (0 F32, 1 F16, 2 BF16, 3 F64) stored at `ptr`. */
export function accumulate(dtype: i32, ptr: usize, count: i32): void {
  for (let off = 0; off < count; off += BLOCK) {
    const len = min(BLOCK, count - off);
    if (dtype == 0) f32Block(ptr + (<usize>off << 2), len);
    else if (dtype == 1) { decodeF16(ptr + (<usize>off << 1), SCRATCH, len); f32Block(SCRATCH, len); }
    else if (dtype == 2) { decodeBF16(ptr + (<usize>off << 1), SCRATCH, len); f32Block(SCRATCH, len); }
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

/** Inverse of the order-preserving map used for min/max (it is its own inverse). */
@inline function ordToF64(o: i32): f64 {
  return <f64>reinterpret<f32>(o ^ (<i32>(<u32>(o >> 31) >>> 1)));
}

/** SIMD pass 1 over m (multiple of 4) float32 values; false if the block needs the scalar path. */
function simdPass1(p: usize, m: i32): bool {
  // min/max run on order-preserving integers (o = bits ^ (sign ? 0x7fffffff : 0): signed order
  // equals float order, -0 < +0), one instruction each, unlike f32x4.min/max's NaN handling.
  let omin = i32x4.splat(0x7fffffff), omax = i32x4.splat(0x80000000), fsum = f32x4.splat(0);
  let amax = i32x4.splat(0), zeros = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
  let low = i32x4.splat(0);
  const absMask = i32x4.splat(0x7fffffff), one = i32x4.splat(1);
  // |bits| <= T  <=>  T + 1 > |bits| (signed: |bits| < 2^31), a single compare.
  const t1 = i32x4.splat(T1 + 1), t2 = i32x4.splat(T2 + 1), t3 = i32x4.splat(T3 + 1);
  for (let i = 0; i < m; i += 4) {
    const bits = v128.load(p + (<usize>i << 2));
    const abits = v128.and(bits, absMask);
    amax = i32x4.max_u(amax, abits);
    zeros = i32x4.sub(zeros, i32x4.gt_s(one, abits));
    c1 = i32x4.sub(c1, i32x4.gt_s(t1, abits));
    c2 = i32x4.sub(c2, i32x4.gt_s(t2, abits));
    c3 = i32x4.sub(c3, i32x4.gt_s(t3, abits));
    const ord = v128.xor(bits, i32x4.shr_u(i32x4.shr_s(bits, 31), 1));
    omin = i32x4.min_s(omin, ord);
    omax = i32x4.max_s(omax, ord);
    fsum = f32x4.add(fsum, bits);
    low = v128.or(low, bits);
    const k = i32x4.shl(i32x4.shr_u(bits, 16), 2);
    bump(<usize>i32x4.extract_lane(k, 0)); bump(<usize>i32x4.extract_lane(k, 1));
    bump(<usize>i32x4.extract_lane(k, 2)); bump(<usize>i32x4.extract_lane(k, 3));
  }
  const amaxS = max(max(<u32>i32x4.extract_lane(amax, 0), <u32>i32x4.extract_lane(amax, 1)),
    max(<u32>i32x4.extract_lane(amax, 2), <u32>i32x4.extract_lane(amax, 3)));
  const pilotSum = <f64>f32x4.extract_lane(fsum, 0) + <f64>f32x4.extract_lane(fsum, 1)
    + <f64>f32x4.extract_lane(fsum, 2) + <f64>f32x4.extract_lane(fsum, 3);
  if (amaxS >= 0x7f800000 || !isFinite(pilotSum)) return false;
  simdPass2(p, m, pilotSum / <f64>m);
  addCounts(<f64>m, sumLanesI(zeros), sumLanesI(c1), sumLanesI(c2), sumLanesI(c3));
  const omn = min(min(i32x4.extract_lane(omin, 0), i32x4.extract_lane(omin, 1)), min(i32x4.extract_lane(omin, 2), i32x4.extract_lane(omin, 3)));
  const omx = max(max(i32x4.extract_lane(omax, 0), i32x4.extract_lane(omax, 1)), max(i32x4.extract_lane(omax, 2), i32x4.extract_lane(omax, 3)));
  mergeExtremes(ordToF64(omn), ordToF64(omx), <f64>reinterpret<f32>(amaxS));
  orLowBits((i32x4.extract_lane(low, 0) | i32x4.extract_lane(low, 1) | i32x4.extract_lane(low, 2) | i32x4.extract_lane(low, 3)) & 0xffff);
  return true;
}

/** SIMD pass 2: float64 power sums of d = x - c and sum |x| over m finite float32 values. */
function simdPass2(p: usize, m: i32, c: f64): void {
  const C = f64x2.splat(c);
  let s1a = f64x2.splat(0), s2a = f64x2.splat(0), s3a = f64x2.splat(0), s4a = f64x2.splat(0), l1a = f64x2.splat(0);
  let s1b = f64x2.splat(0), s2b = f64x2.splat(0), s3b = f64x2.splat(0), s4b = f64x2.splat(0), l1b = f64x2.splat(0);
  for (let i = 0; i < m; i += 4) {
    const q = p + (<usize>i << 2);
    const xa = f64x2.promote_low_f32x4(v128.load64_zero(q));
    const xb = f64x2.promote_low_f32x4(v128.load64_zero(q, 8));
    const da = f64x2.sub(xa, C), db = f64x2.sub(xb, C);
    const da2 = f64x2.mul(da, da), db2 = f64x2.mul(db, db);
    s1a = f64x2.add(s1a, da); s1b = f64x2.add(s1b, db);
    s2a = f64x2.add(s2a, da2); s2b = f64x2.add(s2b, db2);
    s3a = f64x2.add(s3a, f64x2.mul(da2, da)); s3b = f64x2.add(s3b, f64x2.mul(db2, db));
    s4a = f64x2.add(s4a, f64x2.mul(da2, da2)); s4b = f64x2.add(s4b, f64x2.mul(db2, db2));
    l1a = f64x2.add(l1a, f64x2.abs(xa)); l1b = f64x2.add(l1b, f64x2.abs(xb));
  }
  const s1 = f64x2.add(s1a, s1b), s2 = f64x2.add(s2a, s2b), s3 = f64x2.add(s3a, s3b), s4 = f64x2.add(s4a, s4b);
  const l = f64x2.add(l1a, l1b);
  mergeBlock(<f64>m, c,
    f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1), f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1),
    f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1), f64x2.extract_lane(s4, 0) + f64x2.extract_lane(s4, 1),
    f64x2.extract_lane(l, 0) + f64x2.extract_lane(l, 1));
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
  mergeBlock(finite, c, s1, s2, s3, s4, l1b);
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

/** Scalar block of float64 values (F64 tensors are rare: no SIMD path). */
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
  const c = finite > 0 ? sum / finite : 0;
  let s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, s4: f64 = 0, l1b: f64 = 0;
  for (let i = 0; i < m; i++) {
    const x = load<f64>(p + (<usize>i << 3));
    if (!isFinite(x)) continue;
    const d = x - c, d2 = d * d;
    s1 += d; s2 += d2; s3 += d2 * d; s4 += d2 * d2; l1b += abs(x);
  }
  mergeBlock(finite, c, s1, s2, s3, s4, l1b);
  addCounts(<f64>m, zeros, a1, a2, a3);
  addNonFinite(nan, pinf, ninf);
  if (finite > 0) mergeExtremes(bmin, bmax, blinf);
  orLowBits(low);
}
