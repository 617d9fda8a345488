// Hartigan's dip of sorted finite values in count units (src/stats/shape/dip.ts dipCounts with the
// "plain" tie rule, its oracle): the same operations in the same order, so the same bits. Used by
// assembly/shape.ts only.

@inline function x(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function ix(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function setIx(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

/**
 * Twice the dip in counts and the modal interval of the n sorted values at xp (n >= 1): writes
 * dip, low, high (as f64) to out. work: 4 (n + 1) i32 of scratch (hull links and vertex lists).
 */
export function dipCountsOfSorted(xp: usize, n: i32, work: usize, out: usize): void {
  let low = 0, high = n - 1, dip: f64 = 1;
  if (n >= 4 && x(xp, n - 1) != x(xp, 0)) {
    const below = work, above = work + (<usize>(n + 1) << 2), gcm = above + (<usize>(n + 1) << 2), lcm = gcm + (<usize>(n + 1) << 2);
    convexPredecessors(xp, n, below);
    concaveSuccessors(xp, n, above);
    for (;;) {
      // GCM vertices from high down to low, LCM vertices from low up to high
      let gLen = 1, lLen = 1;
      setIx(gcm, 0, high);
      while (ix(gcm, gLen - 1) > low) { setIx(gcm, gLen, ix(below, ix(gcm, gLen - 1))); gLen++; }
      setIx(lcm, 0, low);
      while (ix(lcm, lLen - 1) < high) { setIx(lcm, lLen, ix(above, ix(lcm, lLen - 1))); lLen++; }
      const d = widestGap(xp, gcm, gLen, lcm, lLen);
      if (d < dip) break;
      dip = max(dip, max(gcmDeviation(xp, gcm, gLen, gapG), lcmDeviation(xp, lcm, lLen, gapH)));
      const newLow = ix(gcm, gapG), newHigh = ix(lcm, gapH);
      if (newLow == low && newHigh == high) break;
      low = newLow;
      high = newHigh;
    }
  }
  store<f64>(out, dip);
  store<f64>(out, <f64>low, 8);
  store<f64>(out, <f64>high, 16);
}

function convexPredecessors(xp: usize, n: i32, pred: usize): void {
  setIx(pred, 0, 0);
  for (let j = 1; j < n; j++) {
    let c = j - 1;
    while (c > 0) {
      const p = ix(pred, c);
      if ((x(xp, j) - x(xp, c)) * <f64>(c - p) < (x(xp, c) - x(xp, p)) * <f64>(j - c)) break;
      c = p;
    }
    setIx(pred, j, c);
  }
}

function concaveSuccessors(xp: usize, n: i32, succ: usize): void {
  setIx(succ, n - 1, n - 1);
  for (let k = n - 2; k >= 0; k--) {
    let c = k + 1;
    while (c < n - 1) {
      const s = ix(succ, c);
      if ((x(xp, k) - x(xp, c)) * <f64>(c - s) < (x(xp, c) - x(xp, s)) * <f64>(k - c)) break;
      c = s;
    }
    setIx(succ, k, c);
  }
}

/** dip.ts widestGap's test with the plain rule's zero slack, as written there (d = +Infinity never loses to an equal dx there). */
@inline function wins(dx: f64, d: f64): bool { return dx >= d + 0 * abs(d); }

// widestGap's indices of the gap (into gcm and lcm)
let gapG: i32 = 0, gapH: i32 = 0;

function widestGap(xp: usize, gcm: usize, gLen: i32, lcm: usize, lLen: i32): f64 {
  const gLast = gLen - 1, lLast = lLen - 1;
  let ig = gLast, ih = lLast;
  if (gLast == 1 && lLast == 1) {
    gapG = ig;
    gapH = ih;
    return 1;
  }
  let d: f64 = 0;
  let i = gLast - 1, v = 1;
  do {
    const g = ix(gcm, i), l = ix(lcm, v);
    if (g <= l) {
      const a = ix(lcm, v - 1);
      const dx = ((x(xp, g) - x(xp, a)) * <f64>(l - a)) / (x(xp, l) - x(xp, a)) - <f64>(g - a - 1);
      i--;
      if (wins(dx, d)) { d = dx; ig = i + 1; ih = v; }
    } else {
      const a = ix(gcm, i + 1);
      const dx = <f64>(l - a + 1) - ((x(xp, l) - x(xp, a)) * <f64>(g - a)) / (x(xp, g) - x(xp, a));
      v++;
      if (wins(dx, d)) { d = dx; ig = i + 1; ih = v - 1; }
    }
    if (i < 0) i = 0;
    if (v > lLast) v = lLast;
  } while (ix(gcm, i) != ix(lcm, v));
  gapG = ig;
  gapH = ih;
  return d;
}

function gcmDeviation(xp: usize, gcm: usize, gLen: i32, ig: i32): f64 {
  let worst: f64 = 0;
  for (let j = ig; j < gLen - 1; j++) {
    const b = ix(gcm, j + 1), e = ix(gcm, j);
    let seg: f64 = 1;
    if (e - b > 1 && x(xp, e) != x(xp, b)) {
      const xb = x(xp, b), slope = <f64>(e - b) / (x(xp, e) - xb);
      for (let r = b; r <= e; r++) seg = max(seg, <f64>(r - b + 1) - (x(xp, r) - xb) * slope);
    }
    worst = max(worst, seg);
  }
  return worst;
}

function lcmDeviation(xp: usize, lcm: usize, lLen: i32, ih: i32): f64 {
  let worst: f64 = 0;
  for (let k = ih; k < lLen - 1; k++) {
    const b = ix(lcm, k), e = ix(lcm, k + 1);
    let seg: f64 = 1;
    if (e - b > 1 && x(xp, e) != x(xp, b)) {
      const xb = x(xp, b), slope = <f64>(e - b) / (x(xp, e) - xb);
      for (let r = b; r <= e; r++) seg = max(seg, (x(xp, r) - xb) * slope - <f64>(r - b - 1));
    }
    worst = max(worst, seg);
  }
  return worst;
}
