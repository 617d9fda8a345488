// A histogram's distribution G (binned.ts): buckets from the keys, moments, spread and mixture cells,
// for assembly/shape-binned.ts.
import { ld, st, ldi } from "./binned-common";

// ---- the distribution itself (binned.ts): buckets from the histogram, moments, spread, cells

/** bucketMagnitudeLo of a magnitude key (0 < key <= 0x7f80): m 2^-133 (e = 0) or (128 + m) 2^(e - 134), exact. */
@inline function magnitudeLo(key: i32): f64 {
  const e = key >>> 7, m = key & 0x7f;
  return e == 0 ? <f64>m * reinterpret<f64>(<u64>(1023 - 133) << 52) : <f64>(128 + m) * reinterpret<f64>(<u64>(1023 + e - 134) << 52);
}

/** JavaScript's Math.round (halves up) then max(0, .): binnedFromHistogram's count of a bucket. */
@inline function roundedCount(x: f64): f64 {
  let r = Math.floor(x);
  if (x - r >= 0.5) r += 1;
  return max(0, r);
}

const HIST_MAX_FINITE_KEY: i32 = 0x7f7f;

@inline function pushBucket(lo: usize, hi: usize, cnt: usize, out: i32, l: f64, h: f64, c: f64): i32 {
  if (out > 0 && ld(lo, out - 1) == l && ld(hi, out - 1) == h) {
    st(cnt, out - 1, ld(cnt, out - 1) + c);
    return out;
  }
  st(lo, out, l);
  st(hi, out, h);
  st(cnt, out, c);
  return out + 1;
}

/**
 * binnedFromHistogram over nk ascending keys (i32) and their counts (f64): the buckets into lo,
 * hi, cnt (room for nk + 1 each); writes the total to total (1 f64) and returns the bucket count.
 */
export function fromHistogram(keys: usize, counts: usize, nk: i32, lo: usize, hi: usize, cnt: usize, total: usize): i32 {
  let out = 0, sum: f64 = 0, zero: f64 = 0, firstPositive = 0;
  while (firstPositive < nk && ldi(keys, firstPositive) < 0x8000) firstPositive++;
  for (let i = nk - 1; i >= firstPositive; i--) {
    const c = roundedCount(ld(counts, i)), mag = ldi(keys, i) & 0x7fff;
    if (c == 0 || mag > HIST_MAX_FINITE_KEY) continue;
    if (mag == 0) zero += c;
    else {
      out = pushBucket(lo, hi, cnt, out, -magnitudeLo(mag + 1), -magnitudeLo(mag), c);
      sum += c;
    }
  }
  for (let i = 0; i < firstPositive; i++) {
    const key = ldi(keys, i), c = roundedCount(ld(counts, i));
    if (c == 0 || key > HIST_MAX_FINITE_KEY) continue;
    if (key == 0) {
      zero += c;
      continue;
    }
    if (zero > 0) {
      out = pushBucket(lo, hi, cnt, out, 0, 0, zero);
      sum += zero;
      zero = 0;
    }
    out = pushBucket(lo, hi, cnt, out, magnitudeLo(key), magnitudeLo(key + 1), c);
    sum += c;
  }
  if (zero > 0) {
    out = pushBucket(lo, hi, cnt, out, 0, 0, zero);
    sum += zero;
  }
  store<f64>(total, sum);
  return out;
}

/** binnedMoments: mean, m2, m3, m4 into out (4 f64). */
export function moments(lo: usize, hi: usize, cnt: usize, nb: i32, total: f64, out: usize): void {
  let sum: f64 = 0;
  for (let j = 0; j < nb; j++) sum += ld(cnt, j) * 0.5 * (ld(lo, j) + ld(hi, j));
  const mean = sum / total;
  let m2: f64 = 0, m3: f64 = 0, m4: f64 = 0;
  for (let j = 0; j < nb; j++) {
    const c = 0.5 * (ld(lo, j) + ld(hi, j)) - mean, r = 0.5 * (ld(hi, j) - ld(lo, j)), r2 = r * r, c2 = c * c, w = ld(cnt, j);
    m2 += w * (c2 + r2 / 3);
    m3 += w * c * (c2 + r2);
    m4 += w * (c2 * c2 + 2 * c2 * r2 + (r2 * r2) / 5);
  }
  st(out, 0, mean); st(out, 1, m2 / total); st(out, 2, m3 / total); st(out, 3, m4 / total);
}

/** maxBucketMass and meanBucketWidth into out (2 f64). */
export function spread(lo: usize, hi: usize, cnt: usize, nb: i32, total: f64, out: usize): void {
  let mx: f64 = 0, s: f64 = 0;
  for (let j = 0; j < nb; j++) mx = max(mx, ld(cnt, j));
  for (let j = 0; j < nb; j++) s += ld(cnt, j) * (ld(hi, j) - ld(lo, j));
  st(out, 0, total > 0 ? mx / total : 0);
  st(out, 1, total > 0 ? s / total : 0);
}

/** binnedCells: the cells into count, mean, variance (room for nb each); writes maxWidth to out; returns the cell count. */
export function cells(lo: usize, hi: usize, cnt: usize, nb: i32, width: f64, relative: f64, count: usize, mean: usize, variance: usize, out: usize): i32 {
  let maxWidth: f64 = 0, nc = 0;
  for (let j = 0; j < nb; ) {
    const start = ld(lo, j);
    let k = j, w: f64 = 0, s1: f64 = 0;
    for (; k < nb; k++) {
      const end = ld(hi, k);
      if (k > j && !(end - start <= max(width, relative * (start < 0 && end > 0 ? 0 : min(Math.abs(start), Math.abs(end)))))) break;
      w += ld(cnt, k);
      s1 += ld(cnt, k) * 0.5 * (ld(lo, k) + end);
    }
    const m = s1 / w;
    let s2: f64 = 0;
    for (let i = j; i < k; i++) {
      const c = 0.5 * (ld(lo, i) + ld(hi, i)) - m, r = 0.5 * (ld(hi, i) - ld(lo, i));
      s2 += ld(cnt, i) * (c * c + (r * r) / 3);
    }
    maxWidth = max(maxWidth, ld(hi, k - 1) - start);
    st(count, nc, w);
    st(mean, nc, m);
    st(variance, nc, s2 / w);
    nc++;
    j = k;
  }
  st(out, 0, maxWidth);
  return nc;
}
