// The dip of a histogram's CDF G (dip-binned.ts histogramKnots, dipOfCorners), for assembly/shape-binned.ts.
import { ld, st, ldi, sti } from "./binned-common";

// ---- the dip of G (dip-binned.ts histogramKnots, dipOfCorners)

/** G's knots into x, lower, upper (room for 2 nb + 1); returns their number. */
export function knots(lo: usize, hi: usize, cnt: usize, nb: i32, x: usize, lower: usize, upper: usize): i32 {
  let n = 0, cum: f64 = 0;
  for (let j = 0; j < nb; j++) {
    const c = ld(cnt, j), a = ld(lo, j), b = ld(hi, j);
    if (b == a) n = knot(x, lower, upper, n, a, cum, cum + c);
    else {
      n = knot(x, lower, upper, n, a, cum, cum);
      n = knot(x, lower, upper, n, b, cum + c, cum + c);
    }
    cum += c;
  }
  return n;
}

@inline function knot(x: usize, lower: usize, upper: usize, n: i32, at: f64, below: f64, upTo: f64): i32 {
  if (n > 0 && ld(x, n - 1) == at) {
    st(upper, n - 1, upTo);
    return n;
  }
  st(x, n, at);
  st(lower, n, below);
  st(upper, n, upTo);
  return n + 1;
}

/**
 * dipOfCorners(x, lo, up, start) over n knots; ints: scratch of 4 n i32 (pred, succ, gcm, lcm;
 * the hull stacks reuse gcm and lcm). Writes the low and high knot indices to out (2 i32) and
 * returns the dip (halved, in mass units).
 */
export function dipOfCorners(x: usize, lo: usize, up: usize, n: i32, start: f64, ints: usize, out: usize): f64 {
  let low = 0, high = n - 1, dip = start;
  if (n < 2 || ld(x, n - 1) == ld(x, 0)) {
    sti(out, 0, low);
    sti(out, 1, high);
    return dip / 2;
  }
  const below = ints, above = ints + (<usize>n << 2), gcm = ints + (<usize>(2 * n) << 2), lcm = ints + (<usize>(3 * n) << 2);
  convexPredecessors(x, lo, n, below, gcm);
  concaveSuccessors(x, up, n, above, lcm);
  for (;;) {
    let gl = 0;
    sti(gcm, 0, high);
    while (ldi(gcm, gl) > low) { sti(gcm, gl + 1, ldi(below, ldi(gcm, gl))); gl++; }
    let ll = 0;
    sti(lcm, 0, low);
    while (ldi(lcm, ll) < high) { sti(lcm, ll + 1, ldi(above, ldi(lcm, ll))); ll++; }
    // widestGap (gl, ll: the last indices)
    let ig = gl, ih = ll, d: f64;
    if (gl == 1 && ll == 1) d = Infinity;
    else {
      d = 0;
      let ix = gl - 1, iv = 1;
      do {
        const g = ldi(gcm, ix), l = ldi(lcm, iv);
        if (g <= l) {
          const a = ldi(lcm, iv - 1);
          const dx = ld(up, a) + ((ld(x, g) - ld(x, a)) * (ld(up, l) - ld(up, a))) / (ld(x, l) - ld(x, a)) - ld(lo, g);
          ix--;
          if (dx >= d) { d = dx; ig = ix + 1; ih = iv; }
        } else {
          const a = ldi(gcm, ix + 1);
          const dx = ld(up, l) - (ld(lo, a) + ((ld(x, l) - ld(x, a)) * (ld(lo, g) - ld(lo, a))) / (ld(x, g) - ld(x, a)));
          iv++;
          if (dx >= d) { d = dx; ig = ix + 1; ih = iv - 1; }
        }
        if (ix < 0) ix = 0;
        if (iv > ll) iv = ll;
      } while (ldi(gcm, ix) != ldi(lcm, iv));
    }
    if (d < dip) break;
    // gcmDeviation, lcmDeviation
    let gw: f64 = 0;
    for (let j = ig; j < gl; j++) {
      const b = ldi(gcm, j + 1), e = ldi(gcm, j);
      const slope = ld(x, e) != ld(x, b) ? (ld(lo, e) - ld(lo, b)) / (ld(x, e) - ld(x, b)) : 0;
      for (let r = b; r <= e; r++) gw = max(gw, ld(up, r) - (ld(lo, b) + (ld(x, r) - ld(x, b)) * slope));
    }
    let lw: f64 = 0;
    for (let k = ih; k < ll; k++) {
      const b = ldi(lcm, k), e = ldi(lcm, k + 1);
      const slope = ld(x, e) != ld(x, b) ? (ld(up, e) - ld(up, b)) / (ld(x, e) - ld(x, b)) : 0;
      for (let r = b; r <= e; r++) lw = max(lw, ld(up, b) + (ld(x, r) - ld(x, b)) * slope - ld(lo, r));
    }
    dip = max(max(dip, gw), lw);
    const newLow = ldi(gcm, ig), newHigh = ldi(lcm, ih);
    if (newLow == low && newHigh == high) break;
    low = newLow;
    high = newHigh;
  }
  sti(out, 0, low);
  sti(out, 1, high);
  return dip / 2;
}

function convexPredecessors(x: usize, h: usize, n: i32, pred: usize, stack: usize): void {
  let top = 0;
  sti(stack, 0, 0);
  sti(pred, 0, 0);
  for (let j = 1; j < n; j++) {
    while (top > 0) {
      const c = ldi(stack, top), p = ldi(stack, top - 1);
      if ((ld(x, j) - ld(x, c)) * (ld(h, c) - ld(h, p)) < (ld(x, c) - ld(x, p)) * (ld(h, j) - ld(h, c))) break;
      top--;
    }
    sti(pred, j, ldi(stack, top));
    sti(stack, ++top, j);
  }
}

function concaveSuccessors(x: usize, h: usize, n: i32, succ: usize, stack: usize): void {
  let top = 0;
  sti(stack, 0, n - 1);
  sti(succ, n - 1, n - 1);
  for (let k = n - 2; k >= 0; k--) {
    while (top > 0) {
      const c = ldi(stack, top), s = ldi(stack, top - 1);
      if ((ld(x, k) - ld(x, c)) * (ld(h, c) - ld(h, s)) < (ld(x, c) - ld(x, s)) * (ld(h, k) - ld(h, c))) break;
      top--;
    }
    sti(succ, k, ldi(stack, top));
    sti(stack, ++top, k);
  }
}
