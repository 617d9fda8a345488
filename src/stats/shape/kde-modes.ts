// Modes of a kernel density estimate: local maxima on a fine grid, refined by a parabola and
// re-evaluated exactly, with each mode's mass between its bounding minima and its prominence.
// Pure; no I/O.
import { kdeEvaluate, kdeGrid, type GaussianKde, type KdeGridOptions } from "./kde.js";

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

/** Local maxima of the density on a grid of `gridSize` points (default 1024), left to right. */
export function kdeModes(kde: GaussianKde, options: KdeModesOptions = {}): KdeMode[] {
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

/** Removes, lowest first, peaks less prominent than `threshold` together with their higher bound. */
function mergeWeakPeaks(f: Float64Array, peaks: number[], bounds: number[], threshold: number): void {
  const prominence = (p: number): number => f[peaks[p]!]! - Math.max(f[bounds[p]!]!, f[bounds[p + 1]!]!);
  while (peaks.length > 1) {
    let weakest = 0;
    for (let p = 1; p < peaks.length; p++) if (prominence(p) < prominence(weakest)) weakest = p;
    if (prominence(weakest) >= threshold) return;
    // the boundary to drop is the higher one, unless it is a grid end
    const left = bounds[weakest]!, right = bounds[weakest + 1]!;
    const dropLeft = weakest > 0 && (weakest === peaks.length - 1 || f[left]! >= f[right]!);
    const neighbour = dropLeft ? weakest - 1 : weakest + 1;
    if (f[peaks[neighbour]!]! < f[peaks[weakest]!]!) peaks[neighbour] = peaks[weakest]!; // keep the higher top
    peaks.splice(weakest, 1);
    bounds.splice(dropLeft ? weakest : weakest + 1, 1);
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
