// The SQUAREM steps (src/stats/shape/squarem.ts) shared by the two accelerated EM runs: the exact
// one over values (em-values.ts) and the one over histogram cells (binned-em.ts). A mixture's
// parameters are 3 fields (weights, means, variances) of stride 3, k of each used.
import { ld, st } from "./binned-common";

/** squarem.ts steplength over the k used entries of each field. */
export function squaremSteplength(p: usize, p1: usize, p2: usize, k: i32): f64 {
  let rr: f64 = 0, vv: f64 = 0;
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < k; c++) {
      const i = 3 * f + c;
      const r = ld(p1, i) - ld(p, i), v = ld(p2, i) - 2 * ld(p1, i) + ld(p, i);
      rr += r * r;
      vv += v * v;
    }
  }
  return vv > 0 ? -max(1, Math.sqrt(rr / vv)) : -1;
}

/** squarem.ts extrapolate into out; false when it is not a valid mixture (a weight <= 0 or a variance below reg). */
export function squaremExtrapolate(p: usize, p1: usize, p2: usize, alpha: f64, out: usize, k: i32, reg: f64): bool {
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < k; c++) {
      const i = 3 * f + c;
      const r = ld(p1, i) - ld(p, i), v = ld(p2, i) - 2 * ld(p1, i) + ld(p, i);
      st(out, i, ld(p, i) - 2 * alpha * r + alpha * alpha * v);
    }
  }
  let total: f64 = 0;
  for (let c = 0; c < k; c++) {
    if (!(ld(out, c) > 0) || !(ld(out, 6 + c) >= reg)) return false;
    total += ld(out, c);
  }
  for (let c = 0; c < k; c++) st(out, c, ld(out, c) / total);
  return true;
}
