// Per-value loops of two exact-value fits (src/stats/shape/ks.ts and weibull.ts, their oracles):
// the KS distance to a fitted normal and the Weibull probability-plot sums, with the host's
// Math.log and Math.exp and the normal CDF as src/util/special.ts computes it (binned-common.ts),
// the same operations in the same order, so the same bits. Used by assembly/shape.ts only.
import { hostLog, normalCdf } from "./binned-common";

@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

/** ks.ts ksToNormal's distance: sup over the n sorted values at xp of |F_n - Phi((x - mean) / std)|. */
export function ksDistance(xp: usize, n: i32, mean: f64, std: f64): f64 {
  let d: f64 = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf((ld(xp, i) - mean) / std);
    d = max(max(d, <f64>(i + 1) / <f64>n - f), f - <f64>i / <f64>n);
  }
  return d;
}

/**
 * weibull.ts weibullFitAbs's sums from the n sorted finite values at xp: |v| ascending by a merge
 * (into abs), the points with plotting position in [0.1, 0.9] and |v| > 0 (y: the positions'
 * ln(-ln(1 - F)), n of them; ts, ys: scratch of n), their means and centred sums. Writes m, mt,
 * my, stt, sty, syy to out.
 */
export function weibullPlotSums(xp: usize, n: i32, y: usize, abs: usize, ts: usize, ys: usize, out: usize): void {
  // absOfSorted: the negative part reversed, merged with the rest
  let neg = 0;
  while (neg < n && ld(xp, neg) < 0) neg++;
  let i = neg - 1, j = neg, o = 0;
  while (i >= 0 && j < n) st(abs, o++, -ld(xp, i) <= ld(xp, j) ? -ld(xp, i--) : ld(xp, j++));
  while (i >= 0) st(abs, o++, -ld(xp, i--));
  while (j < n) st(abs, o++, ld(xp, j++) + 0);
  let m = 0;
  for (let r = 1; r <= n; r++) {
    const f = (<f64>r - 0.3) / (<f64>n + 0.4);
    if (f < 0.1 || f > 0.9 || ld(abs, r - 1) == 0) continue;
    st(ts, m, hostLog(ld(abs, r - 1)));
    st(ys, m++, ld(y, r - 1));
  }
  let mt: f64 = 0, my: f64 = 0;
  for (let r = 0; r < m; r++) { mt += ld(ts, r); my += ld(ys, r); }
  mt /= <f64>m; my /= <f64>m;
  let stt: f64 = 0, sty: f64 = 0, syy: f64 = 0;
  for (let r = 0; r < m; r++) {
    const dt = ld(ts, r) - mt, dy = ld(ys, r) - my;
    stt += dt * dt; sty += dt * dy; syy += dy * dy;
  }
  st(out, 0, <f64>m); st(out, 1, mt); st(out, 2, my); st(out, 3, stt); st(out, 4, sty); st(out, 5, syy);
}
