// Shape-statistics kernels: the hot loops of the exact-value Gaussian-mixture EM (one E step and
// the M step's sufficient statistics) and of the kernel density grids (exact sum on an even grid
// by the Gaussian's recurrence, and the convolution of binned weights with a sampled kernel),
// in f64x2 SIMD, and the dip of sorted values (lib/dip-sorted.ts). The TypeScript oracles are in src/stats/shape (em-sums.ts, kde.ts, dip.ts); the host
// side is src/kernels/shape-wasm.ts. Not a general math library: expV is for arguments <= 709.

export { reserve } from "./lib/scratch";
import { expV } from "./lib/em-common";
import { fft } from "./lib/fft";
import { fdExp } from "./lib/binned-math";
import { gridModes, gridModesCapacity, gridModesProminence } from "./lib/grid-modes";
export { binnedEmSums } from "./lib/em-common";
export { dipCountsOfSorted } from "./lib/dip-sorted";
export { emSums, emSumsSerial, exactEmRun, quantileStart } from "./lib/em-values";
export { ksDistance, weibullPlotSums } from "./lib/exact-fits";
export { sortFiniteF32 } from "./lib/sort-f32";
export { sjPhiSum, sjPhiSumSerial, sjSolve } from "./lib/sj-solve";

/** expV of `n` values at `p`, in place (to measure its error against Math.exp). */
export function expBatch(p: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(p + (<usize>i << 3), expV(v128.load(p + (<usize>i << 3))));
  if (i < n) store<f64>(p + (<usize>i << 3), f64x2.extract_lane(expV(f64x2.splat(load<f64>(p + (<usize>i << 3)))), 0));
}

@inline function lane0(v: v128): f64 { return f64x2.extract_lane(v, 0); }
@inline function lane1(v: v128): f64 { return f64x2.extract_lane(v, 1); }
@inline function hsum(v: v128): f64 { return lane0(v) + lane1(v); }

/**
 * Unnormalised Gaussian kernel sums on the grid lo + j step (j < m) of the n values at `dp`:
 * out[j] = sum_i exp(-((lo + j step - x_i) / h)^2 / 2) over the terms with |u| <= reach, by the
 * recurrence of kdeOnEvenGrid (src/stats/shape/kde.ts): each value starts at its nearest node and
 * walks out both ways, four nodes per iteration (two f64x2 lanes pairs: e_{j+4} = e_j T_j,
 * T_{j+4} = T_j q^16, q = exp(-delta^2)). `qpow`: scratch of m + 1 f64 for the powers q^t the
 * walks resume their scalar recurrence from (each Math.pow(q, t) computed once per grid). Each sum
 * is then multiplied by `norm` (kde.ts's 1 / (n h sqrt(2 pi)); 1: none).
 */
export function kdeGrid(dp: usize, n: i32, h: f64, lo: f64, step: f64, m: i32, reach: f64, out: usize, qpow: usize, norm: f64): void {
  memory.fill(out, 0, <usize>m << 3);
  memory.fill(qpow, 0, <usize>(m + 1) << 3); // q^t, filled as walks need them (0: not yet)
  const delta = step / h, q = Math.exp(-delta * delta), q16 = Math.exp(-16 * delta * delta);
  const half = 0.5 * delta * delta;
  for (let i = 0; i < n; i++) {
    const xi = load<f64>(dp + (<usize>i << 3));
    const j0 = <i32>min(<f64>(m - 1), max(0, Math.round((xi - lo) / step)));
    const u0 = (lo + <f64>j0 * step - xi) / h;
    const e0 = Math.exp(-0.5 * u0 * u0);
    const p0 = out + (<usize>j0 << 3);
    store<f64>(p0, load<f64>(p0) + e0);
    const right = <i32>min(<f64>(m - 1), Math.floor((xi + reach * h - lo) / step)) - j0;
    const left = j0 - <i32>max(0, Math.ceil((xi - reach * h - lo) / step));
    const rRight = right > 0 ? Math.exp(-u0 * delta - half) : 0, rLeft = left > 0 ? Math.exp(u0 * delta - half) : 0;
    if (right >= 8 && left >= 8) walkBoth(out, j0, right, left, e0, rRight, rLeft, q, q16, qpow);
    else {
      if (right > 0) walk(out, j0, right, e0, rRight, q, q16, 1, qpow);
      if (left > 0) walk(out, j0, left, e0, rLeft, q, q16, -1, qpow);
    }
  }
  if (norm != 1) for (let j = 0; j < m; j++) store<f64>(out + (<usize>j << 3), load<f64>(out + (<usize>j << 3)) * norm);
}

/** Adds e_t = e0 prod_{s<t} r_s (r_s = r0 q^s) at nodes j0 + dir t, t = 1..count. */
function walk(out: usize, j0: i32, count: i32, e0: f64, r0: f64, q: f64, q16: f64, dir: i32, qpow: usize): void {
  if (count < 8) {
    scalarWalk(out, j0, 1, count, e0, r0, q, dir);
    return;
  }
  walkLanes(e0, r0, q, dir);
  walkRest(out, j0, count, 1, laneEa, laneEb, laneTa, laneTb, r0, q, q16, dir, qpow);
}

/**
 * walk to the right (count right) and to the left (count left, both >= 8) in one loop while
 * both go on: two independent recurrences side by side instead of one after the other (the
 * same terms added to the same, disjoint, nodes), then each walk's rest alone.
 */
function walkBoth(out: usize, j0: i32, right: i32, left: i32, e0: f64, rRight: f64, rLeft: f64, q: f64, q16: f64, qpow: usize): void {
  walkLanes(e0, rRight, q, 1);
  let ra = laneEa, rb = laneEb, rta = laneTa, rtb = laneTb;
  walkLanes(e0, rLeft, q, -1);
  let la = laneEa, lb = laneEb, lta = laneTa, ltb = laneTb;
  const Q = f64x2.splat(q16), both = min(right, left);
  let t = 1;
  for (; t + 3 <= both; t += 4) {
    const pr = out + (<usize>(j0 + t) << 3), pl = out + (<usize>(j0 - t - 3) << 3);
    v128.store(pr, f64x2.add(v128.load(pr), ra));
    v128.store(pr, f64x2.add(v128.load(pr, 16), rb), 16);
    v128.store(pl, f64x2.add(v128.load(pl), la));
    v128.store(pl, f64x2.add(v128.load(pl, 16), lb), 16);
    ra = f64x2.mul(ra, rta); rb = f64x2.mul(rb, rtb);
    la = f64x2.mul(la, lta); lb = f64x2.mul(lb, ltb);
    rta = f64x2.mul(rta, Q); rtb = f64x2.mul(rtb, Q);
    lta = f64x2.mul(lta, Q); ltb = f64x2.mul(ltb, Q);
  }
  walkRest(out, j0, right, t, ra, rb, rta, rtb, rRight, q, q16, 1, qpow);
  walkRest(out, j0, left, t, la, lb, lta, ltb, rLeft, q, q16, -1, qpow);
}

// walkLanes' results: a walk's terms e_1..e_4 and 4-step ratios T_1..T_4 as lanes in memory order
let laneEa: v128 = f64x2(0, 0), laneEb: v128 = f64x2(0, 0), laneTa: v128 = f64x2(0, 0), laneTb: v128 = f64x2(0, 0);

/** A walk's first four terms and their 4-step ratios (count >= 8) into laneEa, laneEb, laneTa, laneTb. */
@inline function walkLanes(e0: f64, r0: f64, q: f64, dir: i32): void {
  // e_1..e_4 and r_0..r_7; node t's 4-step ratio is T_t = r_t r_{t+1} r_{t+2} r_{t+3}
  const r1 = r0 * q, r2 = r1 * q, r3 = r2 * q, r4 = r3 * q, r5 = r4 * q, r6 = r5 * q, r7 = r6 * q;
  const e1 = e0 * r0, e2 = e1 * r1, e3 = e2 * r2, e4 = e3 * r3;
  const t1 = r1 * r2 * r3 * r4, t2 = r2 * r3 * r4 * r5, t3 = r3 * r4 * r5 * r6, t4 = r4 * r5 * r6 * r7;
  // lanes in memory order: right walk (t, t+1 | t+2, t+3), left walk (t+3, t+2 | t+1, t)
  if (dir > 0) {
    laneEa = pair(e1, e2); laneEb = pair(e3, e4); laneTa = pair(t1, t2); laneTb = pair(t3, t4);
  } else {
    laneEa = pair(e4, e3); laneEb = pair(e2, e1); laneTa = pair(t4, t3); laneTb = pair(t2, t1);
  }
}

/** A walk from node t on (its terms e_t..e_{t+3} and ratios in the lanes): four nodes at a time, then the last few one by one. */
function walkRest(out: usize, j0: i32, count: i32, t0: i32, ea: v128, eb: v128, ta: v128, tb: v128, r0: f64, q: f64, q16: f64, dir: i32, qpow: usize): void {
  const Q = f64x2.splat(q16);
  let t = t0;
  for (; t + 3 <= count; t += 4) {
    const p = out + (<usize>(dir > 0 ? j0 + t : j0 - t - 3) << 3);
    v128.store(p, f64x2.add(v128.load(p), ea));
    v128.store(p, f64x2.add(v128.load(p, 16), eb), 16);
    ea = f64x2.mul(ea, ta); eb = f64x2.mul(eb, tb);
    ta = f64x2.mul(ta, Q); tb = f64x2.mul(tb, Q);
  }
  if (t > count) return;
  // fewer than 4 nodes left: node t's term is in a lane; the scalar recurrence goes on from it
  const e = dir > 0 ? lane0(ea) : lane1(eb);
  const pe = out + (<usize>(j0 + dir * t) << 3);
  store<f64>(pe, load<f64>(pe) + e);
  const pt = qpow + (<usize>t << 3);
  let qt = load<f64>(pt);
  if (qt == 0) {
    qt = Math.pow(q, <f64>t);
    store<f64>(pt, qt);
  }
  scalarWalk(out, j0, t + 1, count, e, r0 * qt, q, dir);
}

/** Adds e_s = e prod r_.. at nodes j0 + dir s, s = t..count (e: the term at node t - 1, r: its ratio to node t). */
@inline function scalarWalk(out: usize, j0: i32, t0: i32, count: i32, e0: f64, r0: f64, q: f64, dir: i32): void {
  let e = e0, r = r0;
  for (let t = t0; t <= count; t++) {
    e *= r;
    const p = out + (<usize>(j0 + dir * t) << 3);
    store<f64>(p, load<f64>(p) + e);
    r *= q;
  }
}

@inline function pair(a: f64, b: f64): v128 { return f64x2.replace_lane(f64x2.splat(a), 1, b); }

/**
 * out[i] = sum_j w[j] kern[|i - j|] over |i - j| <= reach (zero weights skipped), for i, j < m.
 * `krev` holds kern reversed (krev[t] = kern[reach - t]) so both halves of each kernel are
 * contiguous f64x2 runs. The oracle is the convolution loop of kdeGrid / binnedKdeGrid.
 */
export function convolve(w: usize, m: i32, kern: usize, krev: usize, reach: i32, out: usize): void {
  memory.fill(out, 0, <usize>m << 3);
  for (let j = 0; j < m; j++) {
    const wj = load<f64>(w + (<usize>j << 3));
    if (wj == 0) continue;
    const W = f64x2.splat(wj);
    // left half: i in [a, j), kern[j - i] = krev[reach - j + i]
    const a = max(0, j - reach);
    axpy(out + (<usize>a << 3), krev + (<usize>(reach - j + a) << 3), W, wj, j - a);
    // right half: i in [j, b], kern[i - j]
    const b = min(m - 1, j + reach);
    axpy(out + (<usize>j << 3), kern, W, wj, b - j + 1);
  }
}

/** y[t] += w x[t] for t < len. */
@inline function axpy(y: usize, x: usize, W: v128, w: f64, len: i32): void {
  let t = 0;
  for (; t + 2 <= len; t += 2) {
    const py = y + (<usize>t << 3);
    v128.store(py, f64x2.add(v128.load(py), f64x2.mul(W, v128.load(x + (<usize>t << 3)))));
  }
  if (t < len) {
    const py = y + (<usize>t << 3);
    store<f64>(py, load<f64>(py) + w * load<f64>(x + (<usize>t << 3)));
  }
}

/**
 * Pair counts by bin distance (bandwidth.ts pairCounts): out[0] = sum_b w_b (w_b - 1) / 2 and
 * out[d] = sum_b w_b w_{b+d} for 0 < d < nb, from the L bin counts at `bins`. Integer-valued sums
 * below 2^53: exact, whatever the order. When the direct pass (L min(nb, L) / 2 products) costs
 * more than an FFT of `size` >= 2L points, the sums come from the FFT (re, im: scratch of `size`
 * each; size 0: never) rounded to the nearest integer. The FFT's absolute error is of order
 * (sum w)^2 size eps (twiddles by recurrence); the host offers the FFT only when that is far
 * below 1/2 (src/kernels/shape-wasm.ts), so the rounded sums are the exact integers.
 */
export function binAutocorrelation(bins: usize, L: i32, nb: i32, out: usize, re: usize, im: usize, size: i32): void {
  memory.fill(out, 0, <usize>nb << 3);
  let c0: f64 = 0;
  for (let b = 0; b < L; b++) {
    const w = load<f64>(bins + (<usize>b << 3));
    c0 += (w * (w - 1)) / 2;
  }
  store<f64>(out, c0);
  const dMax = min(nb, L);
  if (size > 0 && <f64>L * <f64>dMax > FFT_DIRECT_RATIO * <f64>size * <f64>(ctz(size) + 1)) {
    autocorrelationFft(bins, L, re, im, size);
    const scale = 1 / <f64>size;
    for (let d = 1; d < dMax; d++) store<f64>(out + (<usize>d << 3), nearest(load<f64>(re + (<usize>d << 3)) * scale) + 0.0);
    return;
  }
  for (let d = 1; d < dMax; d++) {
    const len = L - d;
    let acc = f64x2.splat(0), b = 0;
    for (; b + 2 <= len; b += 2) acc = f64x2.add(acc, f64x2.mul(v128.load(bins + (<usize>b << 3)), v128.load(bins + (<usize>(b + d) << 3))));
    let s = hsum(acc);
    if (b < len) s += load<f64>(bins + (<usize>b << 3)) * load<f64>(bins + (<usize>(b + d) << 3));
    store<f64>(out + (<usize>d << 3), s);
  }
}

/** The FFT replaces the direct pass when L min(nb, L) exceeds this many times size (log2 size + 1). */
const FFT_DIRECT_RATIO: f64 = 4;

/** re[0..size) = the (cyclic, unnormalised) autocorrelation of the L values at `bins` zero-padded to size >= 2L. */
function autocorrelationFft(bins: usize, L: i32, re: usize, im: usize, size: i32): void {
  memory.fill(re, 0, <usize>size << 3);
  memory.fill(im, 0, <usize>size << 3);
  memory.copy(re, bins, <usize>L << 3);
  fft(re, im, size, false);
  for (let i = 0; i < size; i++) {
    const p = re + (<usize>i << 3), q = im + (<usize>i << 3);
    const a = load<f64>(p), b = load<f64>(q);
    store<f64>(p, a * a + b * b);
    store<f64>(q, 0);
  }
  fft(re, im, size, true);
}


/**
 * kde-modes.ts kdeModes of the n sorted values at dp with bandwidth h on the m-node grid
 * glo + j step: the grid density (binned == 0: kdeGrid with reach gridReach, qpow: scratch of
 * m + 1; else kde.ts's linear binning into `weights` convolved with the kernel sampled at the step,
 * kern/krev: scratch of kreach + 1 each), times norm, into dens; its modes (lib/grid-modes.ts,
 * work: gridModesWorkBytes(m)) and their exact heights (kdeEvaluate's sum, fdExp: Math.exp's bits).
 * out: four arrays of gridModesCapacity(m) f64 (locations, heights, masses, prominences); returns
 * the number of modes.
 */
export function kdeModesExact(dp: usize, n: i32, h: f64, glo: f64, step: f64, m: i32, binned: i32, gridReach: f64, kreach: i32, norm: f64, minRelativeProminence: f64,
  kern: usize, krev: usize, weights: usize, dens: usize, qpow: usize, work: usize, out: usize): i32 {
  if (binned == 0) kdeGrid(dp, n, h, glo, step, m, gridReach, dens, qpow, norm);
  else {
    memory.fill(weights, 0, <usize>m << 3);
    for (let i = 0; i < n; i++) {
      const pos = (load<f64>(dp + (<usize>i << 3)) - glo) / step;
      const jf = min(<f64>(m - 2), Math.floor(pos)), j = <i32>jf;
      const t = pos - jf;
      const w = weights + (<usize>j << 3);
      store<f64>(w, load<f64>(w) + (1 - t));
      store<f64>(w, load<f64>(w, 8) + t, 8);
    }
    for (let d = 0; d <= kreach; d++) {
      const u = (<f64>d * step) / h;
      const k = fdExp(-0.5 * (u * u));
      store<f64>(kern + (<usize>d << 3), k);
      store<f64>(krev + (<usize>(kreach - d) << 3), k);
    }
    convolve(weights, m, kern, krev, kreach, dens);
    for (let i = 0; i < m; i++) store<f64>(dens + (<usize>i << 3), load<f64>(dens + (<usize>i << 3)) * norm);
  }
  const count = gridModes(dens, m, glo, step, minRelativeProminence, work, out);
  const cap = gridModesCapacity(m);
  kdeEvaluateExact(dp, n, h, out, count, norm, out + (<usize>cap << 3));
  gridModesProminence(out, count, cap);
  return count;
}

/** kde.ts kdeEvaluate: norm sum_i exp(-u^2/2), u = (p - x_i) / h, over the sorted values within 40 h of each point (KERNEL_REACH). */
function kdeEvaluateExact(dp: usize, n: i32, h: f64, pts: usize, np: i32, norm: f64, out: usize): void {
  for (let j = 0; j < np; j++) {
    const p = load<f64>(pts + (<usize>j << 3));
    const v = p - 40 * h;
    let a = 0, b = n;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (load<f64>(dp + (<usize>mid << 3)) < v) a = mid + 1;
      else b = mid;
    }
    let sum: f64 = 0;
    for (let i = a; i < n; i++) {
      const xi = load<f64>(dp + (<usize>i << 3));
      if (!(xi <= p + 40 * h)) break;
      const u = (p - xi) / h;
      sum += fdExp(-0.5 * u * u);
    }
    store<f64>(out + (<usize>j << 3), sum * norm);
  }
}

/**
 * bandwidth.ts pairCounts' bins: bin = trunc(x / d) of each of the n values at xp, counted from the
 * lowest bin into `bins` (capacity cap); returns the number of bins L (from lowest to highest),
 * or -1 when a bin index leaves the i32 range or L exceeds cap (the host then keeps its own loop).
 * The lowest bin is at out (i32).
 */
export function sjBins(xp: usize, n: i32, d: f64, bins: usize, cap: i32, out: usize): i32 {
  let lowest: f64 = Infinity, highest: f64 = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = Math.trunc(load<f64>(xp + (<usize>i << 3)) / d);
    if (!(t > -2147483648 && t < 2147483647)) return -1;
    lowest = min(lowest, t);
    highest = max(highest, t);
  }
  const len = highest - lowest + 1;
  if (!(len <= <f64>cap)) return -1;
  const L = <i32>len, low = <i32>lowest;
  memory.fill(bins, 0, <usize>L << 3);
  for (let i = 0; i < n; i++) {
    const b = bins + (<usize>(<i32>Math.trunc(load<f64>(xp + (<usize>i << 3)) / d) - low) << 3);
    store<f64>(b, load<f64>(b) + 1);
  }
  store<i32>(out, low);
  return L;
}

/** bandwidth.ts pairCounts' loop over pairs of occupied bins (integer sums, exact in any order): out[0..nb). occ: i32 scratch of L. */
export function sjPairLoop(bins: usize, L: i32, nb: i32, occ: usize, out: usize): void {
  memory.fill(out, 0, <usize>nb << 3);
  let nOcc = 0;
  for (let a = 0; a < L; a++) {
    const w = load<f64>(bins + (<usize>a << 3));
    if (w == 0) continue;
    store<f64>(out, load<f64>(out) + (w * (w - 1)) / 2);
    for (let t = 0; t < nOcc; t++) {
      const b = load<i32>(occ + (<usize>t << 2));
      if (a - b < nb) {
        const o = out + (<usize>(a - b) << 3);
        store<f64>(o, load<f64>(o) + w * load<f64>(bins + (<usize>b << 3)));
      }
    }
    store<i32>(occ + (<usize>nOcc << 2), a);
    nOcc++;
  }
}

/**
 * gmm-refined.ts cellsOfSorted of the n sorted values at xp into `cells` equal-width intervals:
 * each non-empty cell's count, mean and variance at count, mean, variance (cells f64 each), the
 * widest cell's value range at out; returns the number of non-empty cells. The same operations
 * in the same order as the oracle.
 */
export function cellsOfSorted(xp: usize, n: i32, cells: i32, count: usize, mean: usize, variance: usize, out: usize): i32 {
  const lo = load<f64>(xp), width = (load<f64>(xp + (<usize>(n - 1) << 3)) - lo) / <f64>cells;
  let maxWidth: f64 = 0, nc = 0;
  for (let i = 0; i < n; ) {
    const cell = cellOf(load<f64>(xp + (<usize>i << 3)), lo, width, cells);
    let j = i, sum: f64 = 0;
    while (j < n) {
      const v = load<f64>(xp + (<usize>j << 3));
      if (cellOf(v, lo, width, cells) != cell) break;
      sum += v;
      j++;
    }
    const m = sum / <f64>(j - i);
    let ss: f64 = 0;
    for (let t = i; t < j; t++) {
      const v = load<f64>(xp + (<usize>t << 3));
      ss += (v - m) * (v - m);
    }
    store<f64>(count + (<usize>nc << 3), <f64>(j - i));
    store<f64>(mean + (<usize>nc << 3), m);
    store<f64>(variance + (<usize>nc << 3), ss / <f64>(j - i));
    nc++;
    maxWidth = max(maxWidth, load<f64>(xp + (<usize>(j - 1) << 3)) - load<f64>(xp + (<usize>i << 3)));
    i = j;
  }
  store<f64>(out, maxWidth);
  return nc;
}

/** cellsOfSorted's cell of v (as f64: the oracle compares these numbers). */
@inline function cellOf(v: f64, lo: f64, width: f64, cells: i32): f64 {
  return width > 0 ? min(<f64>(cells - 1), Math.floor((v - lo) / width)) : 0;
}
