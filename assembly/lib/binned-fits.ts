// The histogram KS distance to the normal (binned-fits.ts binnedKsToNormal, with block pruning) and the
// Weibull probability-plot sums (binnedWeibullFit), for assembly/shape-binned.ts.
import { ld, st, SQRT_2PI, normalCdf } from "./binned-common";
import { fdLog, fdLog1p } from "./binned-math";
import { normalCdf2 } from "./binned-cdf";

// ---- KS distance to the normal (binned-fits.ts binnedKsToNormal)

/** Buckets per block of ksNormal's pruning. */
const KS_BLOCK: i32 = 16;
/** A block is skipped when its bound is below the distance so far by more than this (the rounding of its candidates is below 1e-15). */
const KS_MARGIN: f64 = 1e-12;
/** ksBlock's Phi at its buckets' upper edges (KS_BLOCK f64). */
const KS_PHI_HI: usize = memory.data(KS_BLOCK << 3, 16);

/**
 * sup |G - Phi((x - mean) / std)| over the nb buckets (lo, hi, cnt) of total n: the maximum of
 * binnedKsToNormal's candidates (at each bucket's two edges and where the difference is extremal
 * inside it), each computed as there. Blocks of KS_BLOCK buckets whose candidates cannot reach
 * the distance found so far are skipped: in a block from x0 to x1, G lies in [G(x0), G(x1)] and
 * Phi in [Phi(x0), Phi(x1)], so no candidate exceeds max(G(x1) - Phi(x0), Phi(x1) - G(x0)). The
 * maximum is order-free, so the result is the oracle's. Phi at a block's lower edge is computed
 * once and shared with the previous block's upper edge where the buckets touch. cum: scratch of
 * nb + 1 (G at each bucket's lower edge) then ceil(nb / KS_BLOCK) (Phi at each block's lower edge).
 */
export function ksNormal(lo: usize, hi: usize, cnt: usize, nb: i32, n: f64, mean: f64, std: f64, cum: usize): f64 {
  let c: f64 = 0;
  for (let j = 0; j < nb; j++) {
    st(cum, j, c);
    c += ld(cnt, j) / n;
  }
  st(cum, nb, c);
  // Phi at each block's lower edge, computed once (the first bound, the blocks' bounds and their first buckets share it)
  const blocks = (nb + KS_BLOCK - 1) / KS_BLOCK, phiLo = cum + ((<usize>nb + 1) << 3);
  let dist: f64 = 0;
  for (let b = 0; b < blocks; b++) {
    const j0 = b * KS_BLOCK, f0 = normalCdf((ld(lo, j0) - mean) / std);
    st(phiLo, b, f0);
    dist = max(dist, Math.abs(ld(cum, j0) - f0));
  }
  for (let b = 0; b < blocks; b++) {
    const j0 = b * KS_BLOCK, j1 = min(nb, j0 + KS_BLOCK);
    const top = ld(hi, j1 - 1), f0 = ld(phiLo, b);
    // Phi at the block's upper edge: the next block's lower one when the buckets touch
    const f1 = b + 1 < blocks && ld(lo, j1) == top ? ld(phiLo, b + 1) : normalCdf((top - mean) / std);
    const bound = max(ld(cum, j1) - f0, f1 - ld(cum, j0));
    if (bound + KS_MARGIN < dist) continue;
    dist = max(dist, ksBlock(lo, hi, cnt, j0, j1, n, mean, std, ld(cum, j0), f0));
  }
  return dist;
}

/** binnedKsToNormal's loop over buckets j0..j1 - 1 (cum: G below bucket j0; phiStart: Phi at its lower edge). */
function ksBlock(lo: usize, hi: usize, cnt: usize, j0: i32, j1: i32, n: f64, mean: f64, std: f64, cumStart: f64, phiStart: f64): f64 {
  // Phi at the upper edges of the block's buckets (not atoms), two at a time (normalCdf2: the same values)
  const M = f64x2.splat(mean), S = f64x2.splat(std), at = KS_PHI_HI - (<usize>j0 << 3); // at + 8 j: bucket j's
  let j = j0;
  for (; j + 2 <= j1; j += 2) {
    const w0 = ld(hi, j) != ld(lo, j), w1 = ld(hi, j + 1) != ld(lo, j + 1);
    if (w0 && w1) v128.store(at + (<usize>j << 3), normalCdf2(f64x2.div(f64x2.sub(v128.load(hi + (<usize>j << 3)), M), S)));
    else {
      if (w0) st(at, j, normalCdf((ld(hi, j) - mean) / std));
      if (w1) st(at, j + 1, normalCdf((ld(hi, j + 1) - mean) / std));
    }
  }
  if (j < j1 && ld(hi, j) != ld(lo, j)) st(at, j, normalCdf((ld(hi, j) - mean) / std));
  let dist: f64 = 0, cum = cumStart, edge: f64 = ld(lo, j0), phiAtEdge: f64 = phiStart;
  for (j = j0; j < j1; j++) {
    const a = ld(lo, j), b = ld(hi, j), p = ld(cnt, j) / n;
    const fa = a == edge ? phiAtEdge : normalCdf((a - mean) / std);
    const fb = b == a ? fa : ld(at, j);
    edge = b;
    phiAtEdge = fb;
    dist = max(max(dist, Math.abs(cum - fa)), Math.abs(cum + p - fb));
    if (b > a) {
      const slope = p / (b - a), peak = slope * std * SQRT_2PI;
      if (peak < 1) {
        const z = Math.sqrt(-2 * fdLog(peak));
        const x0 = mean - z * std, x1 = mean + z * std;
        if (x0 > a && x0 < b) dist = max(dist, Math.abs(cum + slope * (x0 - a) - normalCdf((x0 - mean) / std)));
        if (x1 > a && x1 < b) dist = max(dist, Math.abs(cum + slope * (x1 - a) - normalCdf((x1 - mean) / std)));
      }
    }
    cum += p;
  }
  return dist;
}

// ---- Weibull probability-plot sums (binned-fits.ts binnedWeibullFit)

/**
 * The regression sums of binnedWeibullFit over G's |w| buckets (merged from the signed buckets
 * into mlo, mhi, mcnt: scratch of nb each) for ranks first..last of n: writes m, st, sy, stt,
 * sty, syy and eta to out (7 f64).
 */
export function weibullSums(lo: usize, hi: usize, cnt: usize, nb: i32, n: f64, first: f64, last: f64, mlo: usize, mhi: usize, mcnt: usize, out: usize): void {
  let fnn = 0;
  while (fnn < nb && ld(hi, fnn) <= 0 && ld(lo, fnn) < 0) fnn++;
  let nm = 0, i = fnn - 1, j = fnn;
  while (i >= 0 || j < nb) {
    const li = i >= 0 ? -ld(hi, i) : Infinity, lj = j < nb ? ld(lo, j) : Infinity;
    let l: f64, h: f64, c: f64;
    if (li <= lj) { l = li; h = -ld(lo, i); c = ld(cnt, i); i--; }
    else { l = lj; h = ld(hi, j); c = ld(cnt, j); j++; }
    if (nm > 0 && ld(mlo, nm - 1) == l && ld(mhi, nm - 1) == h) st(mcnt, nm - 1, ld(mcnt, nm - 1) + c);
    else {
      st(mlo, nm, l);
      st(mhi, nm, h);
      st(mcnt, nm, c);
      nm++;
    }
  }
  let m: f64 = 0, sT: f64 = 0, sY: f64 = 0, sTT: f64 = 0, sTY: f64 = 0, sYY: f64 = 0, eta: f64 = 0, ratio: f64 = 0, before: f64 = 0;
  for (let k = 0; k < nm; k++) {
    const c = ld(mcnt, k), l = ld(mlo, k), w = ld(mhi, k) - l;
    const p = max(first, before + 1), q = min(last, before + c);
    if (l > 0 && q >= p) {
      const count = q - p + 1, mid = 0.5 * (p + q);
      const value = l + ((mid - before - 0.5) / c) * w;
      const f = (mid - 0.3) / (n + 0.4), tail = -fdLog1p(-f);
      const t = fdLog(value), y = fdLog(tail);
      const dt = w / c / value, dy = 1 / ((n + 0.4) * (1 - f) * tail);
      const s2 = (count * (count * count - 1)) / 12;
      m += count; sT += count * t; sY += count * y;
      sTT += count * t * t + dt * dt * s2; sTY += count * t * y + dt * dy * s2; sYY += count * y * y + dy * dy * s2;
      ratio = max(ratio, ld(mhi, k) / l);
    }
    before += c;
  }
  // eta = max ln(hi / lo) = ln(max hi / lo): the ratios of bucket edges are a few distinct values
  // far more than an ulp apart, on which log is increasing, so the same value with one log
  if (ratio > 0) eta = fdLog(ratio);
  st(out, 0, m); st(out, 1, sT); st(out, 2, sY); st(out, 3, sTT); st(out, 4, sTY); st(out, 5, sYY); st(out, 6, eta);
}
