// Modes of a density on an even grid (src/stats/shape/kde-modes.ts modesOnGrid and mergeWeakPeaks,
// its oracle): local maxima, weak ones merged lowest prominence first through a min-heap, locations
// refined by a parabola, masses by the trapezoid rule; the heights at the refined locations are the
// caller's (each kernel module evaluates its own density). The same comparisons and arithmetic in
// the same order as the oracle, so the same modes bit for bit. Shared by assembly/shape.ts and
// assembly/shape-binned.ts; no host imports.

@inline function ldf(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function stf(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
@inline function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

/** Modes at most for a grid of m nodes (local maxima are at least two nodes apart): the capacity of each output array. */
export function gridModesCapacity(m: i32): i32 { return (m >> 1) + 2; }

/** Bytes of gridModes' work for m nodes. */
export function gridModesWorkBytes(m: i32): i32 { return 64 * (m + 4); }

// the heap of (prominence, slot, version) in three arrays (kde-modes.ts ProminenceHeap)
let hProm: usize = 0;
let hSlot: usize = 0;
let hVer: usize = 0;
let hSize: i32 = 0;

@inline function heapLess(a: i32, b: i32): bool {
  const pa = ldf(hProm, a), pb = ldf(hProm, b);
  return pa < pb || (pa == pb && ldi(hSlot, a) < ldi(hSlot, b));
}

function heapSwap(a: i32, b: i32): void {
  const p = ldf(hProm, a); stf(hProm, a, ldf(hProm, b)); stf(hProm, b, p);
  const s = ldi(hSlot, a); sti(hSlot, a, ldi(hSlot, b)); sti(hSlot, b, s);
  const v = ldi(hVer, a); sti(hVer, a, ldi(hVer, b)); sti(hVer, b, v);
}

function heapPush(prominence: f64, slot: i32, version: i32): void {
  let i = hSize++;
  stf(hProm, i, prominence);
  sti(hSlot, i, slot);
  sti(hVer, i, version);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!heapLess(i, parent)) break;
    heapSwap(i, parent);
    i = parent;
  }
}

// the popped entry
let popProm: f64 = 0;
let popSlot: i32 = 0;
let popVer: i32 = 0;

function heapPop(): void {
  const n = hSize;
  popProm = ldf(hProm, 0);
  popSlot = ldi(hSlot, 0);
  popVer = ldi(hVer, 0);
  heapSwap(0, n - 1);
  hSize--;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1, r = l + 1;
    let m = i;
    if (l < n - 1 && heapLess(l, m)) m = l;
    if (r < n - 1 && heapLess(r, m)) m = r;
    if (m == i) break;
    heapSwap(i, m);
    i = m;
  }
}

/**
 * mergeWeakPeaks over the `count` peaks at `peaks` and their count + 1 bounds at `bounds` (both
 * rewritten; returns the new count). work: i32 scratch of 6 count, then the heap (f64 and two i32
 * arrays of 2 count each).
 */
function mergeWeakPeaks(f: usize, peaks: usize, bounds: usize, count: i32, threshold: f64, work: usize): i32 {
  if (count < 2) return count;
  const top = work, lb = top + (<usize>count << 2), rb = lb + (<usize>count << 2);
  const prev = rb + (<usize>count << 2), next = prev + (<usize>count << 2), version = next + (<usize>count << 2);
  hProm = (version + (<usize>count << 2) + 15) & ~15;
  hSlot = hProm + (<usize>(2 * count) << 3);
  hVer = hSlot + (<usize>(2 * count) << 2);
  hSize = 0;
  for (let s = 0; s < count; s++) {
    sti(top, s, ldi(peaks, s));
    sti(lb, s, ldi(bounds, s));
    sti(rb, s, ldi(bounds, s + 1));
    sti(prev, s, s - 1);
    sti(next, s, s + 1 < count ? s + 1 : -1);
    sti(version, s, 0);
  }
  for (let s = 0; s < count; s++) heapPush(ldf(f, ldi(top, s)) - max(ldf(f, ldi(lb, s)), ldf(f, ldi(rb, s))), s, 0);
  let alive = count, first = 0;
  while (alive > 1) {
    heapPop();
    if (popVer != ldi(version, popSlot)) continue; // stale
    if (popProm >= threshold) break;
    const w = popSlot, left = ldi(lb, w), right = ldi(rb, w);
    const pw = ldi(prev, w), nw = ldi(next, w);
    const dropLeft = pw >= 0 && (nw < 0 || ldf(f, left) >= ldf(f, right));
    const nb = dropLeft ? pw : nw;
    if (ldf(f, ldi(top, nb)) < ldf(f, ldi(top, w))) sti(top, nb, ldi(top, w));
    if (dropLeft) sti(rb, nb, right);
    else sti(lb, nb, left);
    if (pw >= 0) sti(next, pw, nw);
    else first = nw;
    if (nw >= 0) sti(prev, nw, pw);
    sti(version, w, -1);
    alive--;
    const v = ldi(version, nb) + 1;
    sti(version, nb, v);
    heapPush(ldf(f, ldi(top, nb)) - max(ldf(f, ldi(lb, nb)), ldf(f, ldi(rb, nb))), nb, v);
  }
  let out = 0, last = first;
  for (let s = first; s >= 0; s = ldi(next, s)) {
    sti(peaks, out, ldi(top, s));
    sti(bounds, out, ldi(lb, s));
    out++;
    last = s;
  }
  sti(bounds, out, ldi(rb, last));
  return out;
}

/**
 * modesOnGrid's modes of the density f[0..m) on the grid x_i = lo + i step without their heights:
 * refined locations at out[0..count), masses at out + 2 cap, and the higher of each mode's two
 * bounding minima at out + 3 cap (cap = gridModesCapacity(m)); returns count. work: gridModesWorkBytes(m).
 */
export function gridModes(f: usize, m: i32, lo: f64, step: f64, minRelativeProminence: f64, work: usize, out: usize): i32 {
  const peaks = work, bounds = peaks + (<usize>(m + 2) << 2), rest = bounds + (<usize>(m + 2) << 2);
  let count = 0;
  for (let i = 1; i < m - 1; i++) {
    const fi = ldf(f, i);
    if (fi > ldf(f, i - 1) && fi >= ldf(f, i + 1)) sti(peaks, count++, i);
  }
  if (count == 0) sti(peaks, count++, ldf(f, 0) >= ldf(f, m - 1) ? 0 : m - 1);
  sti(bounds, 0, 0);
  for (let p = 0; p + 1 < count; p++) {
    let arg = ldi(peaks, p);
    const end = ldi(peaks, p + 1);
    for (let i = ldi(peaks, p); i <= end; i++) if (ldf(f, i) < ldf(f, arg)) arg = i;
    sti(bounds, p + 1, arg);
  }
  sti(bounds, count, m - 1);
  let top: f64 = 0;
  for (let i = 0; i < m; i++) top = max(top, ldf(f, i));
  count = mergeWeakPeaks(f, peaks, bounds, count, minRelativeProminence * top, rest);
  const cap = gridModesCapacity(m);
  const x1 = lo + 1 * step, x0 = lo + 0 * step;
  for (let p = 0; p < count; p++) {
    stf(out, p, refinePeak(f, m, lo, step, x1 - x0, ldi(peaks, p)));
    const a = ldi(bounds, p), b = ldi(bounds, p + 1);
    let mass: f64 = 0;
    for (let i = a; i < b; i++) mass += 0.5 * (ldf(f, i) + ldf(f, i + 1)) * step;
    stf(out + (<usize>(2 * cap) << 3), p, mass);
    stf(out + (<usize>(3 * cap) << 3), p, max(ldf(f, a), ldf(f, b)));
  }
  return count;
}

/** kde-modes.ts refinePeak: the vertex of the parabola through the peak and its neighbours (x_i = lo + i step, dx = x_1 - x_0). */
function refinePeak(f: usize, m: i32, lo: f64, step: f64, dx: f64, i: i32): f64 {
  const xi = lo + <f64>i * step;
  if (i == 0 || i == m - 1) return xi;
  const l = ldf(f, i - 1), c = ldf(f, i), r = ldf(f, i + 1);
  const curvature = l - 2 * c + r;
  if (!(curvature < 0)) return xi;
  const offset = (0.5 * (l - r)) / curvature;
  return xi + max(-0.5, min(0.5, offset)) * dx;
}

/** After the caller put the heights at out + cap: prominence (out + 3 cap, holding the bounds' maxima) = height - that maximum. */
export function gridModesProminence(out: usize, count: i32, cap: i32): void {
  for (let p = 0; p < count; p++) {
    const at = out + (<usize>(3 * cap) << 3);
    stf(at, p, ldf(out + (<usize>cap << 3), p) - ldf(at, p));
  }
}
