// Histogram shape-statistics kernels: the per-bucket loops of the statistics of a histogram's
// distribution G (src/stats/shape: binned-fits.ts KS and Weibull sums, kde-binned.ts grid
// weights, convolution and exact evaluation, bandwidth-binned.ts bw.SJ pair counts by FFT,
// dip-binned.ts knots and dip). Each is the TypeScript oracle's arithmetic in the same order,
// and exp, log, log1p, cos and sin are the host's own Math functions (imported), so the results
// are the oracles' bit for bit (test/kernels/shape-binned-wasm.test.ts). The host side is
// src/kernels/shape-binned-wasm.ts. A distribution is value-ordered buckets: lo, hi, count (f64).

export { reserve } from "./lib/scratch";

@external("env", "exp") declare function hostExp(x: f64): f64;
@external("env", "log") declare function hostLog(x: f64): f64;
@external("env", "log1p") declare function hostLog1p(x: f64): f64;
@external("env", "cos") declare function hostCos(x: f64): f64;
@external("env", "sin") declare function hostSin(x: f64): f64;

@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
@inline function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

const SQRT_2PI: f64 = Math.sqrt(2 * Math.PI);

// ---- erfc and the normal CDF: src/util/special.ts (fdlibm's s_erf.c coefficients), same operations

const ERX: f64 = 8.45062911510467529297e-01;

@inline function smallErf(x: f64): f64 {
  const z = x * x;
  const p = (((-2.37630166566501626084e-05 * z + -5.77027029648944159157e-03) * z + -2.84817495755985104766e-02) * z + -3.25042107247001499370e-01) * z + 1.28379167095512558561e-01;
  const q = ((((-3.96022827877536812320e-06 * z + 1.32494738004321644526e-04) * z + 5.08130628187576562776e-03) * z + 6.50222499887672944485e-02) * z + 3.97917223959155352819e-01) * z + 1;
  return x + x * (p / q);
}

function erfcTail(a: f64): f64 {
  if (a < 1.25) {
    const s = a - 1;
    const p = (((((-2.16637559486879084300e-03 * s + 3.54783043256182359371e-02) * s + -1.10894694282396677476e-01) * s + 3.18346619901161753674e-01) * s + -3.72207876035701323847e-01) * s + 4.14856118683748331666e-01) * s + -2.36211856075265944077e-03;
    const q = (((((1.19844998467991074170e-02 * s + 1.36370839120290507362e-02) * s + 1.26171219808761642112e-01) * s + 7.18286544141962662868e-02) * s + 5.40397917702171048937e-01) * s + 1.06420880400844228286e-01) * s + 1;
    return 1 - ERX - p / q;
  }
  if (a >= 28) return 0;
  const s = 1 / (a * a);
  let rs: f64;
  if (a < 1 / 0.35) {
    const r = ((((((-9.81432934416914548592e+00 * s + -8.12874355063065934246e+01) * s + -1.84605092906711035994e+02) * s + -1.62396669462573470355e+02) * s + -6.23753324503260060396e+01) * s + -1.05586262253232909814e+01) * s + -6.93858572707181764372e-01) * s + -9.86494403484714822705e-03;
    const q = (((((((-6.04244152148580987438e-02 * s + 6.57024977031928170135e+00) * s + 1.08635005541779435134e+02) * s + 4.29008140027567833386e+02) * s + 6.45387271733267880336e+02) * s + 4.34565877475229228821e+02) * s + 1.37657754143519042600e+02) * s + 1.96512716674392571292e+01) * s + 1;
    rs = r / q;
  } else {
    const r = (((((-4.83519191608651397019e+02 * s + -1.02509513161107724954e+03) * s + -6.37566443368389627722e+02) * s + -1.60636384855821916062e+02) * s + -1.77579549177547519889e+01) * s + -7.99283237680523006574e-01) * s + -9.86494292470009928597e-03;
    const q = ((((((-2.24409524465858183362e+01 * s + 4.74528541206955367215e+02) * s + 2.55305040643316442583e+03) * s + 3.19985821950859553908e+03) * s + 1.53672958608443695994e+03) * s + 3.25792512996573918826e+02) * s + 3.03380607434824582924e+01) * s + 1;
    rs = r / q;
  }
  return hostExp(-a * a - 0.5625 + rs) / a;
}

function erfc(x: f64): f64 {
  const a = Math.abs(x);
  if (isNaN(x)) return NaN;
  if (a < 0.84375) return 1 - smallErf(x);
  const t = erfcTail(a);
  return x < 0 ? 2 - t : t;
}

@inline function normalCdf(z: f64): f64 { return 0.5 * erfc(-z / Math.SQRT2); }

// ---- KS distance to the normal (binned-fits.ts binnedKsToNormal)

/** Buckets per block of ksNormal's pruning. */
const KS_BLOCK: i32 = 16;
/** A block is skipped when its bound is below the distance so far by more than this (the rounding of its candidates is below 1e-15). */
const KS_MARGIN: f64 = 1e-12;

/**
 * sup |G - Phi((x - mean) / std)| over the nb buckets (lo, hi, cnt) of total n: the maximum of
 * binnedKsToNormal's candidates (at each bucket's two edges and where the difference is extremal
 * inside it), each computed as there. Blocks of KS_BLOCK buckets whose candidates cannot reach
 * the distance found so far are skipped: in a block from x0 to x1, G lies in [G(x0), G(x1)] and
 * Phi in [Phi(x0), Phi(x1)], so no candidate exceeds max(G(x1) - Phi(x0), Phi(x1) - G(x0)). The
 * maximum is order-free, so the result is the oracle's. cum: scratch of nb + 1 (G at each bucket's lower edge).
 */
export function ksNormal(lo: usize, hi: usize, cnt: usize, nb: i32, n: f64, mean: f64, std: f64, cum: usize): f64 {
  let c: f64 = 0;
  for (let j = 0; j < nb; j++) {
    st(cum, j, c);
    c += ld(cnt, j) / n;
  }
  st(cum, nb, c);
  // a first distance from the candidates at the blocks' lower edges (|cum - Phi(a)| of their first buckets)
  let dist: f64 = 0;
  for (let j0 = 0; j0 < nb; j0 += KS_BLOCK) dist = max(dist, Math.abs(ld(cum, j0) - normalCdf((ld(lo, j0) - mean) / std)));
  for (let j0 = 0; j0 < nb; j0 += KS_BLOCK) {
    const j1 = min(nb, j0 + KS_BLOCK);
    const f0 = normalCdf((ld(lo, j0) - mean) / std), f1 = normalCdf((ld(hi, j1 - 1) - mean) / std);
    const bound = max(ld(cum, j1) - f0, f1 - ld(cum, j0));
    if (bound + KS_MARGIN < dist) continue;
    dist = max(dist, ksBlock(lo, hi, cnt, j0, j1, n, mean, std, ld(cum, j0)));
  }
  return dist;
}

/** binnedKsToNormal's loop over buckets j0..j1 - 1 (cum: G below bucket j0). */
function ksBlock(lo: usize, hi: usize, cnt: usize, j0: i32, j1: i32, n: f64, mean: f64, std: f64, cumStart: f64): f64 {
  let dist: f64 = 0, cum = cumStart, edge: f64 = NaN, phiAtEdge: f64 = 0;
  for (let j = j0; j < j1; j++) {
    const a = ld(lo, j), b = ld(hi, j), p = ld(cnt, j) / n;
    const fa = a == edge ? phiAtEdge : normalCdf((a - mean) / std);
    const fb = b == a ? fa : normalCdf((b - mean) / std);
    edge = b;
    phiAtEdge = fb;
    dist = max(max(dist, Math.abs(cum - fa)), Math.abs(cum + p - fb));
    if (b > a) {
      const slope = p / (b - a), peak = slope * std * SQRT_2PI;
      if (peak < 1) {
        const z = Math.sqrt(-2 * hostLog(peak));
        const x0 = mean - z * std, x1 = mean + z * std;
        if (x0 > a && x0 < b) dist = max(dist, Math.abs(cum + slope * (x0 - a) - normalCdf((x0 - mean) / std)));
        if (x1 > a && x1 < b) dist = max(dist, Math.abs(cum + slope * (x1 - a) - normalCdf((x1 - mean) / std)));
      }
    }
    cum += p;
  }
  return dist;
}

// ---- binned KDE (kde-binned.ts)

const KDE_REACH: f64 = 8; // BINNED_KDE_REACH

/** (G * K_h)(t) at the np points at `pts` into `out` (binnedKdeEvaluate). */
export function kdeEvaluate(lo: usize, hi: usize, cnt: usize, nb: i32, total: f64, h: f64, pts: usize, np: i32, out: usize): void {
  for (let p = 0; p < np; p++) {
    const t = ld(pts, p);
    // lower bound of t - reach h in hi
    const v = t - KDE_REACH * h;
    let a0 = 0, b0 = nb;
    while (a0 < b0) {
      const mid = (a0 + b0) >> 1;
      if (ld(hi, mid) < v) a0 = mid + 1;
      else b0 = mid;
    }
    let sum: f64 = 0, edge: f64 = NaN, cdfAtEdge: f64 = 0;
    for (let j = a0; j < nb && ld(lo, j) <= t + KDE_REACH * h; j++) {
      const a = ld(lo, j), b = ld(hi, j), c = ld(cnt, j);
      if (b - a > 1e-4 * h) {
        const fa = a == edge ? cdfAtEdge : normalCdf((t - a) / h);
        const fb = normalCdf((t - b) / h);
        sum += (c * (fa - fb)) / (b - a);
        edge = b;
        cdfAtEdge = fb;
      } else {
        const u = (t - 0.5 * (a + b)) / h;
        sum += (c * hostExp(-0.5 * u * u)) / (h * SQRT_2PI);
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
 * (weights, scratch of m), convolved with the sampled kernel kern[0..reach] (krev: scratch of
 * reach + 1), times norm, into `out`.
 */
export function kdeGrid(lo: usize, hi: usize, cnt: usize, nb: i32, glo: f64, step: f64, m: i32, kern: usize, reach: i32, norm: f64, weights: usize, full: usize, out: usize): void {
  memory.fill(weights, 0, <usize>m << 3);
  for (let b = 0; b < nb; b++) {
    const a = ld(lo, b), e = ld(hi, b), c = ld(cnt, b);
    const fa = Math.floor((a - glo) / step), fe = Math.floor((e - glo) / step);
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
 * then its autocorrelation by an FFT of `size` (re, im: scratch of size each) into `counts` (nb):
 * counts[0] = max(0, (auto[0] - total mass) / 2), counts[k] = max(0, auto[k]).
 */
export function pairCounts(lo: usize, hi: usize, cnt: usize, nb: i32, width: f64, first: i32, len: i32, mass: usize, size: i32, re: usize, im: usize, nbins: i32, counts: usize): void {
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
  fft(re, im, size, false);
  for (let i = 0; i < size; i++) {
    const r = ld(re, i), q = ld(im, i);
    st(re, i, r * r + q * q);
    st(im, i, 0);
  }
  fft(re, im, size, true);
  memory.fill(counts, 0, <usize>nbins << 3);
  let self: f64 = 0;
  for (let i = 0; i < len; i++) self += ld(mass, i);
  st(counts, 0, max(0, 0.5 * (ld(re, 0) / <f64>size - self)));
  for (let k = 1; k < nbins && k < len; k++) st(counts, k, max(0, ld(re, k) / <f64>size));
}

/** In-place iterative radix-2 complex FFT (bandwidth-binned.ts fft); `inverse` without the 1/n factor. */
function fft(re: usize, im: usize, n: i32, inverse: bool): void {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = ld(re, i), ti = ld(im, i);
      st(re, i, ld(re, j));
      st(im, i, ld(im, j));
      st(re, j, tr);
      st(im, j, ti);
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / <f64>len;
    const wr = hostCos(angle), wi = hostSin(angle);
    const halfLen = len >> 1;
    for (let start = 0; start < n; start += len) {
      let cr: f64 = 1, ci: f64 = 0;
      for (let k = 0; k < halfLen; k++) {
        const i = start + k, j = i + halfLen;
        const rj = ld(re, j), ij = ld(im, j);
        const tr = rj * cr - ij * ci, ti = rj * ci + ij * cr;
        const ri = ld(re, i), ii = ld(im, i);
        st(re, j, ri - tr);
        st(im, j, ii - ti);
        st(re, i, ri + tr);
        st(im, i, ii + ti);
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

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
  let m: f64 = 0, sT: f64 = 0, sY: f64 = 0, sTT: f64 = 0, sTY: f64 = 0, sYY: f64 = 0, eta: f64 = 0, before: f64 = 0;
  for (let k = 0; k < nm; k++) {
    const c = ld(mcnt, k), l = ld(mlo, k), w = ld(mhi, k) - l;
    const p = max(first, before + 1), q = min(last, before + c);
    if (l > 0 && q >= p) {
      const count = q - p + 1, mid = 0.5 * (p + q);
      const value = l + ((mid - before - 0.5) / c) * w;
      const f = (mid - 0.3) / (n + 0.4), tail = -hostLog1p(-f);
      const t = hostLog(value), y = hostLog(tail);
      const dt = w / c / value, dy = 1 / ((n + 0.4) * (1 - f) * tail);
      const s2 = (count * (count * count - 1)) / 12;
      m += count; sT += count * t; sY += count * y;
      sTT += count * t * t + dt * dt * s2; sTY += count * t * y + dt * dy * s2; sYY += count * y * y + dy * dy * s2;
      eta = max(eta, hostLog(ld(mhi, k) / l));
    }
    before += c;
  }
  st(out, 0, m); st(out, 1, sT); st(out, 2, sY); st(out, 3, sTT); st(out, 4, sTY); st(out, 5, sYY); st(out, 6, eta);
}

// ---- the histogram-cell Gaussian mixture EM (gmm-binned.ts runEm: squarem.ts runSquarem over emStep)

// exp(x) of the cell EM pass: assembly/shape.ts's expV, copied so the EM run here gives the same
// bits as gmm-binned.ts driving that kernel's binnedEmSums (a Cody-Waite reduction and a degree-12
// Taylor polynomial; 0 below -708).
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const SHIFTER: f64 = 6755399441055744.0;
const EXP_MIN: f64 = -708.0;
const EXP_MAX: f64 = 709.0;

@inline function expV(x: v128): v128 {
  const xc = f64x2.pmin(f64x2.pmax(x, f64x2.splat(EXP_MIN)), f64x2.splat(EXP_MAX));
  const t = f64x2.add(f64x2.mul(xc, f64x2.splat(LOG2E)), f64x2.splat(SHIFTER));
  const n = f64x2.sub(t, f64x2.splat(SHIFTER));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)));
  let p = f64x2.splat(2.08767569878680989792e-9);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.50521083854417187751e-8));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.75573192239858906526e-7));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.75573192239858906526e-6));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.48015873015873015873e-5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.98412698412698412698e-4));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.38888888888888888889e-3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(8.33333333333333333333e-3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(4.16666666666666666667e-2));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.66666666666666666667e-1));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  const y = f64x2.mul(p, scale);
  return v128.and(y, f64x2.ge(x, f64x2.splat(EXP_MIN)));
}

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }

/** assembly/shape.ts binnedEmSums, unchanged: one pass over the cells (3 components, dummies with base -Inf). */
function binnedEmSums(cnt: usize, mean: usize, vr: usize, nc: i32, par: usize, out: usize): f64 {
  const M0 = f64x2.splat(load<f64>(par)), M1 = f64x2.splat(load<f64>(par, 8)), M2 = f64x2.splat(load<f64>(par, 16));
  const B0 = f64x2.splat(load<f64>(par, 24)), B1 = f64x2.splat(load<f64>(par, 32)), B2 = f64x2.splat(load<f64>(par, 40));
  const I0 = f64x2.splat(load<f64>(par, 48)), I1 = f64x2.splat(load<f64>(par, 56)), I2 = f64x2.splat(load<f64>(par, 64));
  const zero = f64x2.splat(0), half = f64x2.splat(0.5), one = f64x2.splat(1), two = f64x2.splat(2);
  let a0 = zero, a1 = zero, a2 = zero, f0 = zero, f1 = zero, f2 = zero, g0 = zero, g1 = zero, g2 = zero;
  let logLik: f64 = 0;
  for (let b = 0; b < nc; b += 2) {
    const o = <usize>b << 3, last = b + 1 == nc;
    const n = last ? f64x2.replace_lane(f64x2.splat(load<f64>(cnt + o)), 1, 0) : v128.load(cnt + o);
    const m = last ? f64x2.splat(load<f64>(mean + o)) : v128.load(mean + o);
    const v = last ? f64x2.splat(load<f64>(vr + o)) : v128.load(vr + o);
    const d0 = f64x2.sub(m, M0), d1 = f64x2.sub(m, M1), d2 = f64x2.sub(m, M2);
    const l0 = f64x2.sub(B0, f64x2.mul(f64x2.mul(half, f64x2.mul(d0, d0)), I0));
    const l1 = f64x2.sub(B1, f64x2.mul(f64x2.mul(half, f64x2.mul(d1, d1)), I1));
    const l2 = f64x2.sub(B2, f64x2.mul(f64x2.mul(half, f64x2.mul(d2, d2)), I2));
    const q0 = f64x2.neg(f64x2.mul(d0, I0)), q1 = f64x2.neg(f64x2.mul(d1, I1)), q2 = f64x2.neg(f64x2.mul(d2, I2));
    const mx = f64x2.pmax(f64x2.pmax(l0, l1), l2);
    const e0 = expV(f64x2.sub(l0, mx)), e1 = expV(f64x2.sub(l1, mx)), e2 = expV(f64x2.sub(l2, mx));
    const s = f64x2.add(f64x2.add(e0, e1), e2), inv = f64x2.div(one, s);
    const r0 = f64x2.mul(e0, inv), r1 = f64x2.mul(e1, inv), r2 = f64x2.mul(e2, inv);
    const L1 = f64x2.add(f64x2.add(f64x2.mul(r0, q0), f64x2.mul(r1, q1)), f64x2.mul(r2, q2));
    const u0 = f64x2.sub(q0, L1), u1 = f64x2.sub(q1, L1), u2 = f64x2.sub(q2, L1);
    const p0 = f64x2.mul(r0, u0), p1 = f64x2.mul(r1, u1), p2 = f64x2.mul(r2, u2);
    const L2 = f64x2.add(f64x2.add(
      f64x2.sub(f64x2.mul(p0, q0), f64x2.mul(r0, I0)),
      f64x2.sub(f64x2.mul(p1, q1), f64x2.mul(r1, I1))),
      f64x2.sub(f64x2.mul(p2, q2), f64x2.mul(r2, I2)));
    const ll = f64x2.mul(n, f64x2.add(mx, f64x2.mul(f64x2.mul(half, v), L2)));
    logLik += lane0(ll) + lane1(ll) + lane0(n) * Math.log(lane0(s)) + (last ? 0 : lane1(n) * Math.log(lane1(s)));
    const hv = f64x2.mul(half, v), nv = f64x2.mul(n, v);
    const w0 = f64x2.pmax(zero, f64x2.add(r0, f64x2.mul(hv, f64x2.sub(f64x2.mul(p0, u0), f64x2.mul(r0, f64x2.add(I0, L2))))));
    const w1 = f64x2.pmax(zero, f64x2.add(r1, f64x2.mul(hv, f64x2.sub(f64x2.mul(p1, u1), f64x2.mul(r1, f64x2.add(I1, L2))))));
    const w2 = f64x2.pmax(zero, f64x2.add(r2, f64x2.mul(hv, f64x2.sub(f64x2.mul(p2, u2), f64x2.mul(r2, f64x2.add(I2, L2))))));
    const nw0 = f64x2.mul(n, w0), nw1 = f64x2.mul(n, w1), nw2 = f64x2.mul(n, w2);
    a0 = f64x2.add(a0, nw0); a1 = f64x2.add(a1, nw1); a2 = f64x2.add(a2, nw2);
    f0 = f64x2.add(f0, f64x2.add(f64x2.mul(nw0, d0), f64x2.mul(p0, nv)));
    f1 = f64x2.add(f1, f64x2.add(f64x2.mul(nw1, d1), f64x2.mul(p1, nv)));
    f2 = f64x2.add(f2, f64x2.add(f64x2.mul(nw2, d2), f64x2.mul(p2, nv)));
    g0 = f64x2.add(g0, f64x2.add(f64x2.mul(f64x2.mul(nw0, d0), d0), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p0, d0)), r0))));
    g1 = f64x2.add(g1, f64x2.add(f64x2.mul(f64x2.mul(nw1, d1), d1), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p1, d1)), r1))));
    g2 = f64x2.add(g2, f64x2.add(f64x2.mul(f64x2.mul(nw2, d2), d2), f64x2.mul(nv, f64x2.add(f64x2.mul(two, f64x2.mul(p2, d2)), r2))));
  }
  store<f64>(out, hsum(a0)); store<f64>(out, hsum(a1), 8); store<f64>(out, hsum(a2), 16);
  store<f64>(out, hsum(f0), 24); store<f64>(out, hsum(f1), 32); store<f64>(out, hsum(f2), 40);
  store<f64>(out, hsum(g0), 48); store<f64>(out, hsum(g1), 56); store<f64>(out, hsum(g2), 64);
  return logLik;
}

const TINY: f64 = 10 * f64.EPSILON;
const MAX_BACKTRACKS: i32 = 4;
/** A parameter set: weights (3), means (3), variances (3); components k..2 unused. */
const PARAMS: usize = 72;

// EM state of one run: the cells, k, regCovar, ln 2 pi and the pass's scratch (par, out: 9 f64 each)
let emCnt: usize = 0, emMean: usize = 0, emVar: usize = 0, emCells: i32 = 0, emK: i32 = 0;
let emReg: f64 = 0, emTotal: f64 = 0, emLog2Pi: f64 = 0, emPar: usize = 0, emOut: usize = 0;

/** gmm-binned.ts emStep: the mean log-likelihood at p; the parameters after the step into next. */
function emStep(p: usize, next: usize): f64 {
  const k = emK;
  for (let c = 0; c < 3; c++) {
    st(emPar, c, c < k ? ld(p, 3 + c) : 0);
    st(emPar, 3 + c, c < k ? hostLog(ld(p, c)) + -0.5 * (emLog2Pi + hostLog(ld(p, 6 + c))) : -Infinity);
    st(emPar, 6 + c, c < k ? 1 / ld(p, 6 + c) : 0);
  }
  const logLik = binnedEmSums(emCnt, emMean, emVar, emCells, emPar, emOut);
  let total: f64 = 0;
  for (let c = 0; c < k; c++) total += TINY + ld(emOut, c);
  for (let c = 0; c < k; c++) {
    const s0 = TINY + ld(emOut, c), s1 = 0 + ld(emOut, 3 + c), s2 = 0 + ld(emOut, 6 + c);
    const shift = s1 / s0;
    st(next, c, s0 / total);
    st(next, 3 + c, ld(p, 3 + c) + shift);
    st(next, 6 + c, max(0, s2 / s0 - shift * shift) + emReg);
  }
  return logLik / emTotal;
}

/** squarem.ts steplength over the k used entries of each field. */
function steplength(p: usize, p1: usize, p2: usize): f64 {
  let rr: f64 = 0, vv: f64 = 0;
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < emK; c++) {
      const i = 3 * f + c;
      const r = ld(p1, i) - ld(p, i), v = ld(p2, i) - 2 * ld(p1, i) + ld(p, i);
      rr += r * r;
      vv += v * v;
    }
  }
  return vv > 0 ? -max(1, Math.sqrt(rr / vv)) : -1;
}

/** squarem.ts extrapolate into out; false when it is not a valid mixture. */
function extrapolate(p: usize, p1: usize, p2: usize, alpha: f64, out: usize): bool {
  for (let f = 0; f < 3; f++) {
    for (let c = 0; c < emK; c++) {
      const i = 3 * f + c;
      const r = ld(p1, i) - ld(p, i), v = ld(p2, i) - 2 * ld(p1, i) + ld(p, i);
      st(out, i, ld(p, i) - 2 * alpha * r + alpha * alpha * v);
    }
  }
  let total: f64 = 0;
  for (let c = 0; c < emK; c++) {
    if (!(ld(out, c) > 0) || !(ld(out, 6 + c) >= emReg)) return false;
    total += ld(out, c);
  }
  for (let c = 0; c < emK; c++) st(out, c, ld(out, c) / total);
  return true;
}

/**
 * squarem.ts runSquarem over gmm-binned.ts emStep on nc cells (cnt, mean, vr) from the k-component
 * parameters at `start` (w, mu, v: 3 slots each); work: scratch of 672 bytes. Writes the
 * final parameters (9 f64), then meanLogLik, converged (1/0) and iterations to out (12 f64).
 */
export function binnedEmRun(cnt: usize, mean: usize, vr: usize, nc: i32, total: f64, k: i32, start: usize, maxIter: i32, tol: f64, regCovar: f64, log2Pi: f64, work: usize, out: usize): void {
  emCnt = cnt; emMean = mean; emVar = vr; emCells = nc; emK = k; emReg = regCovar; emTotal = total; emLog2Pi = log2Pi;
  emPar = work; emOut = work + 80; // 9 f64 each, 16-byte aligned
  let p = work + 160, c = p + 3 * PARAMS;
  const a = p + PARAMS, b = a + PARAMS, jump = c + PARAMS;
  memory.copy(p, start, PARAMS);
  let prevLogLik: f64 = -Infinity, steps = 0, cycleSteps = 1;
  while (steps < maxIter) {
    const cycleStart = steps;
    steps++;
    const la = emStep(p, a);
    if (Math.abs(la - prevLogLik) < tol * <f64>cycleSteps) {
      finish(a, true, steps, out);
      return;
    }
    steps++;
    const lb = emStep(a, b);
    let haveC = false;
    let alpha = steplength(p, a, b);
    for (let tries = 0; alpha < -1 && tries < MAX_BACKTRACKS && !haveC; alpha = (alpha - 1) / 2, tries++) {
      if (!extrapolate(p, a, b, alpha, jump)) continue;
      steps++;
      const lc = emStep(jump, c);
      haveC = lc >= lb;
    }
    if (!haveC) {
      steps++;
      emStep(b, c);
    }
    prevLogLik = la;
    cycleSteps = steps - cycleStart;
    // p = c.next: swap the slots
    const t = p; p = c; c = t;
  }
  finish(p, false, steps, out);
}

/** runSquarem's done(q, converged): q, the mean log-likelihood at q (an uncounted step), converged, iterations. */
function finish(q: usize, converged: bool, steps: i32, out: usize): void {
  const scratch = emOut + 80 + 5 * PARAMS; // past the run's parameter slots
  const ll = emStep(q, scratch);
  memory.copy(out, q, PARAMS);
  st(out, 9, ll);
  st(out, 10, converged ? 1 : 0);
  st(out, 11, <f64>steps);
}

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
