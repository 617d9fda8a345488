// Modes of a kernel density estimate: local maxima on a fine grid, refined by a parabola and
// re-evaluated exactly, with each mode's mass between its bounding minima and its prominence.
// Pure; no I/O.
import { kdeEvaluate, kdeGrid, kdeGridLayout, kdeNorm, type GaussianKde, type KdeGridOptions } from "./kde.js";
import { shapeKernels } from "./kernels.js";

export interface KdeMode {
  /** Refined location of the local maximum. */
  location: number;
  /** Exact density at `location`. */
  height: number;
  /** Integral of the density between the two bounding minima (grid ends for the outer modes). */
  mass: number;
  /** height minus the higher of the two bounding minima. */
  prominence: number;
}

export interface KdeModesOptions extends KdeGridOptions {
  /**
   * Modes whose prominence is below this fraction of the highest grid density are merged into
   * the neighbour across their higher bounding minimum (lowest prominence first), their mass
   * going with them. Default 0: every local maximum is reported.
   */
  minRelativeProminence?: number;
}

/**
 * Local maxima of the density on a grid of `gridSize` points (default 1024), left to right. With
 * the kernels installed (kernels.ts) the grid, the modes and their heights come from one kernel
 * call (the same modes bit for bit: test/kernels/kde-modes-wasm.test.ts); this is its oracle.
 */
export function kdeModes(kde: GaussianKde, options: KdeModesOptions = {}): KdeMode[] {
  const kernels = shapeKernels();
  if (kernels !== null) return kernels.kdeModes(kde.data, kde.bandwidth, kdeGridLayout(kde, options), kdeNorm(kde), options.minRelativeProminence ?? 0);
  return modesOnGrid(kdeGrid(kde, options), (points) => kdeEvaluate(kde, points), options.minRelativeProminence ?? 0);
}

/**
 * Modes of a density given on an even grid: local maxima, weak ones merged (see
 * KdeModesOptions.minRelativeProminence), locations refined by a parabola, heights from
 * `evaluate` at those locations, masses by the trapezoid rule between the bounding minima.
 */
export function modesOnGrid(g: { x: Float64Array; density: Float64Array; step: number }, evaluate: (points: number[]) => Float64Array, minRelativeProminence: number): KdeMode[] {
  const f = g.density, m = f.length;
  const peaks: number[] = [];
  for (let i = 1; i < m - 1; i++) {
    if (f[i]! > f[i - 1]! && f[i]! >= f[i + 1]!) peaks.push(i);
  }
  if (peaks.length === 0) peaks.push(f[0]! >= f[m - 1]! ? 0 : m - 1); // monotone on the grid
  // bounding minima: grid ends outside, argmin of the density between consecutive peaks
  const bounds = [0];
  for (let p = 0; p + 1 < peaks.length; p++) {
    let arg = peaks[p]!;
    for (let i = peaks[p]!; i <= peaks[p + 1]!; i++) if (f[i]! < f[arg]!) arg = i;
    bounds.push(arg);
  }
  bounds.push(m - 1);
  let top = 0;
  for (let i = 0; i < m; i++) top = Math.max(top, f[i]!);
  mergeWeakPeaks(f, peaks, bounds, minRelativeProminence * top);
  const locations = peaks.map((i) => refinePeak(g.x, f, i));
  const heights = evaluate(locations);
  return peaks.map((_, p) => {
    const a = bounds[p]!, b = bounds[p + 1]!;
    let mass = 0;
    for (let i = a; i < b; i++) mass += 0.5 * (f[i]! + f[i + 1]!) * g.step;
    const height = heights[p]!;
    return { location: locations[p]!, height, mass, prominence: height - Math.max(f[a]!, f[b]!) };
  });
}

/**
 * Removes, lowest first, peaks less prominent than `threshold` together with their higher bound.
 * The peaks live in a linked list of slots and their prominences in a min-heap (ties: the
 * leftmost), so each merge costs O(log P) instead of a rescan of all P peaks: the same merges in
 * the same order as rescanning (a merge changes only the surviving neighbour's prominence).
 */
function mergeWeakPeaks(f: Float64Array, peaks: number[], bounds: number[], threshold: number): void {
  const count = peaks.length;
  if (count < 2) return;
  const top = Int32Array.from(peaks), lb = new Int32Array(count), rb = new Int32Array(count);
  const prev = new Int32Array(count), next = new Int32Array(count), version = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    lb[s] = bounds[s]!;
    rb[s] = bounds[s + 1]!;
    prev[s] = s - 1;
    next[s] = s + 1 < count ? s + 1 : -1;
  }
  const prominence = (s: number): number => f[top[s]!]! - Math.max(f[lb[s]!]!, f[rb[s]!]!);
  const heap = new ProminenceHeap();
  for (let s = 0; s < count; s++) heap.push(prominence(s), s, 0);
  let alive = count, first = 0;
  while (alive > 1) {
    const e = heap.pop()!;
    if (e.version !== version[e.slot]) continue; // stale: the slot's prominence changed or it was removed
    if (e.prominence >= threshold) break;
    const w = e.slot, left = lb[w]!, right = rb[w]!;
    const dropLeft = prev[w]! >= 0 && (next[w]! < 0 || f[left]! >= f[right]!);
    const neighbour = dropLeft ? prev[w]! : next[w]!;
    if (f[top[neighbour]!]! < f[top[w]!]!) top[neighbour] = top[w]!; // keep the higher top
    if (dropLeft) rb[neighbour] = right;
    else lb[neighbour] = left;
    if (prev[w]! >= 0) next[prev[w]!] = next[w]!;
    else first = next[w]!;
    if (next[w]! >= 0) prev[next[w]!] = prev[w]!;
    version[w] = -1;
    alive--;
    version[neighbour]!++;
    heap.push(prominence(neighbour), neighbour, version[neighbour]!);
  }
  peaks.length = 0;
  bounds.length = 0;
  for (let s = first; s >= 0; s = next[s]!) {
    peaks.push(top[s]!);
    bounds.push(lb[s]!);
  }
  bounds.push(rb[peaks.length === 0 ? 0 : lastSlot(next, first)]!);
}

function lastSlot(next: Int32Array, first: number): number {
  let s = first;
  while (next[s]! >= 0) s = next[s]!;
  return s;
}

/** Binary min-heap of (prominence, slot, version), ordered by prominence then slot. */
class ProminenceHeap {
  private readonly prom: number[] = [];
  private readonly slot: number[] = [];
  private readonly ver: number[] = [];

  push(prominence: number, slot: number, version: number): void {
    let i = this.prom.length;
    this.prom.push(prominence);
    this.slot.push(slot);
    this.ver.push(version);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { prominence: number; slot: number; version: number } | undefined {
    const n = this.prom.length;
    if (n === 0) return undefined;
    const out = { prominence: this.prom[0]!, slot: this.slot[0]!, version: this.ver[0]! };
    this.swap(0, n - 1);
    this.prom.pop();
    this.slot.pop();
    this.ver.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n - 1 && this.less(l, m)) m = l;
      if (r < n - 1 && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return out;
  }

  private less(a: number, b: number): boolean {
    return this.prom[a]! < this.prom[b]! || (this.prom[a] === this.prom[b] && this.slot[a]! < this.slot[b]!);
  }

  private swap(a: number, b: number): void {
    [this.prom[a], this.prom[b]] = [this.prom[b]!, this.prom[a]!];
    [this.slot[a], this.slot[b]] = [this.slot[b]!, this.slot[a]!];
    [this.ver[a], this.ver[b]] = [this.ver[b]!, this.ver[a]!];
  }
}

/** Vertex of the parabola through the peak and its two neighbours (the grid point at the ends). */
function refinePeak(x: Float64Array, f: Float64Array, i: number): number {
  if (i === 0 || i === f.length - 1) return x[i]!;
  const l = f[i - 1]!, c = f[i]!, r = f[i + 1]!;
  const curvature = l - 2 * c + r;
  if (!(curvature < 0)) return x[i]!;
  const offset = (0.5 * (l - r)) / curvature;
  return x[i]! + Math.max(-0.5, Math.min(0.5, offset)) * (x[1]! - x[0]!);
}
