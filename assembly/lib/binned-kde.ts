// The binned KDE (kde-binned.ts: hat weights, convolution, exact evaluation) and bw.SJ's pair counts by FFT
// (bandwidth-binned.ts), for assembly/shape-binned.ts.
import { ld, st, SQRT_2PI, normalCdf } from "./binned-common";
import { fdExp } from "./binned-math";
import { normalCdf2 } from "./binned-cdf";
import { fftBinned } from "./binned-fft";
import { gridModes, gridModesCapacity, gridModesProminence } from "./grid-modes";

// ---- binned KDE (kde-binned.ts)

const KDE_REACH: f64 = 8; // BINNED_KDE_REACH

/**
 * (G * K_h)(t) at the np points at `pts` into `out` (binnedKdeEvaluate). The CDFs at the upper
 * edges of the buckets in t's window are computed first, two at a time (normalCdf2: the same
 * values), then summed in binnedKdeEvaluate's order. cdf: scratch of nb.
 */
export function kdeEvaluate(lo: usize, hi: usize, cnt: usize, nb: i32, total: f64, h: f64, pts: usize, np: i32, out: usize, cdf: usize): void {
  const wide = 1e-4 * h;
  for (let p = 0; p < np; p++) {
    const t = ld(pts, p);
    // lower bound of t - reach h in hi
    const v = t - KDE_REACH * h, top = t + KDE_REACH * h;
    let a0 = 0, b0 = nb;
    while (a0 < b0) {
      const mid = (a0 + b0) >> 1;
      if (ld(hi, mid) < v) a0 = mid + 1;
      else b0 = mid;
    }
    let j1 = a0;
    while (j1 < nb && ld(lo, j1) <= top) j1++;
    const T = f64x2.splat(t), H = f64x2.splat(h), at = cdf - (<usize>a0 << 3); // at + 8 j: bucket j's CDF
    let j = a0;
    for (; j + 2 <= j1; j += 2) {
      const w0 = ld(hi, j) - ld(lo, j) > wide, w1 = ld(hi, j + 1) - ld(lo, j + 1) > wide;
      if (w0 && w1) v128.store(at + (<usize>j << 3), normalCdf2(f64x2.div(f64x2.sub(T, v128.load(hi + (<usize>j << 3))), H)));
      else {
        if (w0) st(at, j, normalCdf((t - ld(hi, j)) / h));
        if (w1) st(at, j + 1, normalCdf((t - ld(hi, j + 1)) / h));
      }
    }
    if (j < j1 && ld(hi, j) - ld(lo, j) > wide) st(at, j, normalCdf((t - ld(hi, j)) / h));
    let sum: f64 = 0, edge: f64 = NaN, cdfAtEdge: f64 = 0;
    for (j = a0; j < j1; j++) {
      const a = ld(lo, j), b = ld(hi, j), c = ld(cnt, j);
      if (b - a > wide) {
        const fa = a == edge ? cdfAtEdge : normalCdf((t - a) / h);
        const fb = ld(at, j);
        sum += (c * (fa - fb)) / (b - a);
        edge = b;
        cdfAtEdge = fb;
      } else {
        const u = (t - 0.5 * (a + b)) / h;
        sum += (c * fdExp(-0.5 * u * u)) / (h * SQRT_2PI);
      }
    }
    st(out, p, sum / total);
  }
}

@inline function upperPartialMean(a: f64, b: f64, t: f64): f64 {
  if (t <= a) return 0.5 * (a + b) - t;
  if (t >= b) return 0;
  return ((b - t) * (b - t)) / (2 * (b - a));
}

/**
 * binnedKdeGrid's density on the m nodes glo + j step: G's mass onto the nodes' hat functions
 * (weights, scratch of m), convolved with the sampled kernel kern[0..reach] (full: scratch of
 * 2 reach + 17), times norm, into `out`.
 */
export function kdeGrid(lo: usize, hi: usize, cnt: usize, nb: i32, glo: f64, step: f64, m: i32, kern: usize, reach: i32, norm: f64, weights: usize, full: usize, out: usize): void {
  memory.fill(weights, 0, <usize>m << 3);
  let prevE: f64 = NaN, prevFe: f64 = 0; // the last bucket's upper edge and its grid interval: the next one's lower edge where they touch
  for (let b = 0; b < nb; b++) {
    const a = ld(lo, b), e = ld(hi, b), c = ld(cnt, b);
    const fa = a == prevE ? prevFe : Math.floor((a - glo) / step), fe = Math.floor((e - glo) / step);
    prevE = e;
    prevFe = fe;
    if (fa == fe || !(e > a)) {
      const j = <i32>min(<f64>(m - 2), max(0, fa)), t = (0.5 * (a + e) - (glo + <f64>j * step)) / step;
      st(weights, j, ld(weights, j) + c * (1 - t));
      st(weights, j + 1, ld(weights, j + 1) + c * t);
      continue;
    }
    const ja = <i32>fa, je = <i32>fe;
    const j0 = max(0, ja - 1), j1 = min(m - 1, je + 2);
    let sPrev = upperPartialMean(a, e, glo + <f64>(j0 - 1) * step), sHere = upperPartialMean(a, e, glo + <f64>j0 * step);
    for (let j = j0; j <= j1; j++) {
      const sNext = upperPartialMean(a, e, glo + <f64>(j + 1) * step);
      st(weights, j, ld(weights, j) + (c * (sPrev - 2 * sHere + sNext)) / step);
      sPrev = sHere;
      sHere = sNext;
    }
  }
  convolve(weights, m, kern, full, reach, out);
  for (let i = 0; i < m; i++) st(out, i, ld(out, i) * norm);
}

/**
 * out[i] = sum_j w[j] kern[|i - j|] over |i - j| <= reach, j ascending and zero weights skipped
 * (convolveKernel's order for each out[i]). Eight outputs at a time are held in four f64x2
 * accumulators while j walks over their reach; full[8 + reach + t] = kern[|t|] for |t| <= reach and
 * 0 up to 8 beyond (full: scratch of 2 reach + 17), so a j beyond the reach of some of the eight
 * adds w 0 = +-0 to them, which leaves the sum as it is (a sum started at +0 is never -0).
 */
function convolve(w: usize, m: i32, kern: usize, full: usize, reach: i32, out: usize): void {
  memory.fill(full, 0, <usize>(2 * reach + 17) << 3);
  for (let t = 0; t <= reach; t++) {
    const k = ld(kern, t);
    st(full, 8 + reach + t, k);
    st(full, 8 + reach - t, k);
  }
  let i0 = 0;
  for (; i0 + 8 <= m; i0 += 8) {
    let acc0 = f64x2.splat(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const ja = max(0, i0 - reach), jb = min(m - 1, i0 + 7 + reach);
    for (let j = ja; j <= jb; j++) {
      const wj = ld(w, j);
      if (wj == 0) continue;
      const W = f64x2.splat(wj);
      const f = full + (<usize>(8 + reach + i0 - j) << 3); // lanes i0 + l: full[8 + reach + i0 + l - j]
      acc0 = f64x2.add(acc0, f64x2.mul(W, v128.load(f)));
      acc1 = f64x2.add(acc1, f64x2.mul(W, v128.load(f, 16)));
      acc2 = f64x2.add(acc2, f64x2.mul(W, v128.load(f, 32)));
      acc3 = f64x2.add(acc3, f64x2.mul(W, v128.load(f, 48)));
    }
    const o = out + (<usize>i0 << 3);
    v128.store(o, acc0);
    v128.store(o, acc1, 16);
    v128.store(o, acc2, 32);
    v128.store(o, acc3, 48);
  }
  for (let i = i0; i < m; i++) {
    let acc: f64 = 0;
    const ja = max(0, i - reach), jb = min(m - 1, i + reach);
    for (let j = ja; j <= jb; j++) {
      const wj = ld(w, j);
      if (wj == 0) continue;
      acc += wj * ld(kern, i > j ? i - j : j - i);
    }
    st(out, i, acc);
  }
}

// ---- bw.SJ pair counts (bandwidth-binned.ts binnedPairCounts)

/**
 * G's mass on R's bins of `width` (bin = trunc(x / width), first..first + len - 1) into `mass`,
 * then its autocorrelation by an FFT of `size` (re, im, tw: scratch of size each) into `counts` (nb):
 * counts[0] = max(0, (auto[0] - total mass) / 2), counts[k] = max(0, auto[k]).
 */
export function pairCounts(lo: usize, hi: usize, cnt: usize, nb: i32, width: f64, first: i32, len: i32, mass: usize, size: i32, re: usize, im: usize, tw: usize, nbins: i32, counts: usize): void {
  memory.fill(mass, 0, <usize>len << 3);
  for (let j = 0; j < nb; j++) {
    const a = ld(lo, j), b = ld(hi, j), c = ld(cnt, j);
    const ka = <i32>Math.trunc(a / width), kb = <i32>Math.trunc(b / width);
    if (ka == kb || !(b > a)) {
      st(mass, ka - first, ld(mass, ka - first) + c);
      continue;
    }
    for (let k = ka; k <= kb; k++) {
      const left = <f64>(k > 0 ? k : k - 1) * width, right = <f64>(k >= 0 ? k + 1 : k) * width;
      const overlap = min(b, right) - max(a, left);
      if (overlap > 0) st(mass, k - first, ld(mass, k - first) + (c * overlap) / (b - a));
    }
  }
  memory.fill(re, 0, <usize>size << 3);
  memory.fill(im, 0, <usize>size << 3);
  memory.copy(re, mass, <usize>len << 3);
  fftBinned(re, im, size, false, tw);
  for (let i = 0; i < size; i++) {
    const r = ld(re, i), q = ld(im, i);
    st(re, i, r * r + q * q);
    st(im, i, 0);
  }
  fftBinned(re, im, size, true, tw);
  memory.fill(counts, 0, <usize>nbins << 3);
  let self: f64 = 0;
  for (let i = 0; i < len; i++) self += ld(mass, i);
  st(counts, 0, max(0, 0.5 * (ld(re, 0) / <f64>size - self)));
  for (let k = 1; k < nbins && k < len; k++) st(counts, k, max(0, ld(re, k) / <f64>size));
}


// ---- binned KDE modes (kde-binned.ts binnedKdeModes)

/**
 * binnedKdeModes in one call: the kernel sampled at the grid step (kern[0..reach], fdExp: Math.exp's
 * bits), the grid density (kdeGrid, into dens), its modes (lib/grid-modes.ts, work: gridModesWorkBytes(m))
 * and their exact heights (kdeEvaluate, cdf: scratch of nb). out: four arrays of gridModesCapacity(m)
 * f64 (locations, heights, masses, prominences); returns the number of modes.
 */
export function kdeModes(lo: usize, hi: usize, cnt: usize, nb: i32, total: f64, h: f64, glo: f64, step: f64, m: i32, reach: i32, norm: f64, minRelativeProminence: f64,
  kern: usize, weights: usize, full: usize, dens: usize, work: usize, out: usize, cdf: usize): i32 {
  for (let k = 0; k <= reach; k++) {
    const t = (<f64>k * step) / h;
    st(kern, k, fdExp(-0.5 * (t * t)));
  }
  kdeGrid(lo, hi, cnt, nb, glo, step, m, kern, reach, norm, weights, full, dens);
  const count = gridModes(dens, m, glo, step, minRelativeProminence, work, out);
  const cap = gridModesCapacity(m);
  kdeEvaluate(lo, hi, cnt, nb, total, h, out, count, out + (<usize>cap << 3), cdf);
  gridModesProminence(out, count, cap);
  return count;
}
