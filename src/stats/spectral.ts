// WeightWatcher-style spectral metrics of a 2-D weight matrix: the empirical spectral density
// (eigenvalues of X = W^T W / N, N = max(rows, cols)), the power-law tail exponent alpha with
// xmin chosen by KS distance (Clauset et al., as the `powerlaw` package), stable rank, norms.
import { NotEnoughPointsError, UsageError } from "../util/errors.js";
import { smallGram, symmetricEigenvaluesInPlace } from "./eigen.js";
import { spectralKernels } from "./spectral-kernels.js";

/** Fewest tail eigenvalues a candidate xmin may leave (powerlaw drops xmin = the largest value, i.e. n = 1). */
export const MIN_POWER_LAW_TAIL = 2;

export interface PowerLawFit {
  /** Continuous MLE alpha = 1 + n / sum ln(lambda_i / xmin) over the tail lambda_i >= xmin. */
  alpha: number;
  xmin: number;
  /** KS distance of the chosen fit (powerlaw's D; see fitPowerLaw). */
  ks: number;
  /** Number of values >= xmin. */
  nTail: number;
  /** Standard error (alpha - 1) / sqrt(nTail) (Clauset et al. eq. 3.2). */
  sigma: number;
}

/**
 * Power-law fit of the tail, xmin by minimum KS distance over candidates = the distinct
 * positive values except the largest (those leaving fewer than minTail values are skipped).
 * For each candidate the fitted CDF F(x) = 1 - (x/xmin)^(1-alpha) is compared with the
 * empirical CDF at each distinct tail value u taken as (#tail values < u) / n, as the
 * `powerlaw` package does (its cdf() with searchsorted side="left"): D = max |F(u) - E(u)|.
 * Ties in D keep the smallest xmin. Values <= 0 are ignored (zero eigenvalues of a rank-
 * deficient W^T W).
 */
export function fitPowerLaw(values: ArrayLike<number>, options: { minTail?: number } = {}): PowerLawFit {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > 0) count++;
  const x = new Float64Array(count);
  for (let i = 0, j = 0; i < values.length; i++) if (values[i]! > 0) x[j++] = values[i]!;
  return fitSortedPositive(x.sort(), options.minTail ?? MIN_POWER_LAW_TAIL);
}

/** fitPowerLaw of positive values already sorted ascending (x is not modified). */
function fitSortedPositive(x: Float64Array, minTail: number): PowerLawFit {
  for (const v of x) if (!Number.isFinite(v)) throw new UsageError("fitPowerLaw: non-finite value");
  const n = x.length;
  // suffix sums of ln x: sumLog[i] = sum_{j >= i} ln x_j
  const sumLog = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) sumLog[i] = sumLog[i + 1]! + Math.log(x[i]!);
  const search = new KsSearch(x);
  const starts = search.starts;
  let best: PowerLawFit | undefined;
  for (let c = 0; c < starts.length; c++) {
    const i = starts[c]!, xmin = x[i]!;
    const nTail = n - i;
    if (c + 1 >= starts.length || nTail < minTail) break; // xmin = the largest distinct value is not a candidate
    const alpha = 1 + nTail / (sumLog[i]! - nTail * Math.log(xmin));
    const ks = search.distance(c, alpha, best?.ks ?? Infinity);
    if (best === undefined || ks < best.ks) best = { alpha, xmin, ks, nTail, sigma: (alpha - 1) / Math.sqrt(nTail) };
  }
  if (best === undefined) throw new NotEnoughPointsError("fitPowerLaw (distinct positive values)", minTail, n);
  return best;
}

/**
 * Margin of the skipped points of KsSearch.distance. With r = u / xmin as computed (the argument of
 * pow), the computed F = 1 - pow(r, 1 - alpha) is within 2 ulps of 1 of the exact function of r,
 * which rises and is concave; its bounds (chord, tangents: terms at most 1 in size where they bind)
 * are within a few ulps of 1 times (alpha - 1) of the exact ones. A point is skipped only when its
 * bound is below the running maximum by more than this, so no skipped value can exceed it.
 */
const KS_SKIP_MARGIN = 1e-12;
/** Largest alpha searched with bounds: (alpha - 1) times the rounding of the bounds stays below KS_SKIP_MARGIN / 100. */
const KS_BOUNDS_MAX_ALPHA = 1000;
/** Ranges of up to this many points are checked point by point (the bounds of each point are cheap, F is not). */
const KS_LEAF = 16;

/**
 * powerlaw's D of each candidate xmin over the sorted values x, evaluating F at as few points as
 * give the same maximum. For 1 < alpha <= KS_BOUNDS_MAX_ALPHA, F = 1 - r^(1 - alpha) rises with
 * r = u / xmin and is concave, and E rises with the index: between two evaluated points lo and hi,
 * F lies above the chord and below the tangents at both ends, so a range whose bound on |F - E|
 * cannot reach the running maximum is skipped; the others are halved, and short ones (KS_LEAF) are
 * checked point by point against each point's own bounds (on the demo's spectra F is evaluated at
 * an eighth of the points). Every evaluated |F - E| is the arithmetic of a full scan and D is a
 * maximum, so D is the full scan's bit for bit. D only matters when it is below the best so far
 * (`stopAt`, which only a smaller D replaces): once it reaches that the search stops; the point
 * where the last candidate reached its maximum is tried first.
 */
class KsSearch {
  /** Index in x of the first of each run of equal values. */
  readonly starts: Int32Array;
  /** Ranges (lo, hi) of positions in `starts` still to search, with F at both ends. */
  private readonly stackLo: Int32Array;
  private readonly stackHi: Int32Array;
  private readonly stackF: Float64Array;
  /** Position in `starts` where the last distance reached its maximum (or the stop): tried first for the next candidate. */
  private hint = -1;
  // the candidate being searched (set by distance)
  private start = 0;
  private n = 1;
  private xmin = 1;
  private exponent = 0;
  private beta = 0;
  private d = 0;
  private at = 0;

  constructor(private readonly x: Float64Array) {
    let runs = 0;
    for (let i = 0; i < x.length; i++) if (i === 0 || x[i] !== x[i - 1]) runs++;
    this.starts = new Int32Array(runs);
    for (let i = 0, r = 0; i < x.length; i++) if (i === 0 || x[i] !== x[i - 1]) this.starts[r++] = i;
    const depth = 2 * (32 - Math.clz32(runs)) + 2;
    this.stackLo = new Int32Array(depth);
    this.stackHi = new Int32Array(depth);
    this.stackF = new Float64Array(2 * depth);
  }

  /** D of the candidate xmin = x[starts[c]] at exponent alpha, or a partial maximum >= stopAt. */
  distance(c: number, alpha: number, stopAt: number): number {
    if (!(alpha > 1 && alpha <= KS_BOUNDS_MAX_ALPHA)) return this.fullScan(c, alpha, stopAt);
    const { starts, stackLo, stackHi, stackF } = this;
    this.start = starts[c]!;
    this.n = this.x.length - this.start;
    this.xmin = this.x[this.start]!;
    this.exponent = 1 - alpha;
    this.beta = alpha - 1;
    this.d = 0;
    this.at = c;
    const last = starts.length - 1;
    if (this.hint > c && this.hint <= last) {
      this.visit(this.hint);
      if (this.d >= stopAt) return this.stop();
    }
    const fLo = this.visit(c), fHi = this.visit(last);
    if (this.d >= stopAt) return this.stop();
    stackLo[0] = c; stackHi[0] = last; stackF[0] = fLo; stackF[1] = fHi;
    let top = 1;
    while (top > 0) {
      top--;
      const lo = stackLo[top]!, hi = stackHi[top]!, f0 = stackF[2 * top]!, f1 = stackF[2 * top + 1]!;
      if (hi - lo <= 1 || this.rangeBound(lo, hi, f0, f1) + KS_SKIP_MARGIN <= this.d) continue;
      if (hi - lo <= KS_LEAF) {
        if (this.leaf(lo, hi, f0, f1, stopAt)) return this.stop();
        continue;
      }
      const mid = (lo + hi) >>> 1, fMid = this.visit(mid);
      if (this.d >= stopAt) return this.stop();
      // (mid, hi) below (lo, mid): the lower half is searched first
      stackLo[top] = mid; stackHi[top] = hi; stackF[2 * top] = fMid; stackF[2 * top + 1] = f1; top++;
      stackLo[top] = lo; stackHi[top] = mid; stackF[2 * top] = f0; stackF[2 * top + 1] = fMid; top++;
    }
    return this.stop();
  }

  /** r = u / xmin of position p, as the argument of pow. */
  private ratio(p: number): number {
    return this.x[this.starts[p]!]! / this.xmin;
  }

  /** E at position p. */
  private empirical(p: number): number {
    return (this.starts[p]! - this.start) / this.n;
  }

  /** F at position p (a full scan's arithmetic); the running maximum takes |F - E|. */
  private visit(p: number): number {
    const f = 1 - Math.pow(this.ratio(p), this.exponent), dev = Math.abs(f - this.empirical(p));
    if (dev > this.d) { this.d = dev; this.at = p; }
    return f;
  }

  /** Bound on |F - E| strictly between lo and hi: F is below the tangent at hi (rising) and above the chord. */
  private rangeBound(lo: number, hi: number, f0: number, f1: number): number {
    const r0 = this.ratio(lo), r1 = this.ratio(hi);
    const upper = f1 - this.beta * (1 - f1) / r1 * (r1 - this.ratio(hi - 1));
    const lower = f0 + (f1 - f0) / (r1 - r0) * (this.ratio(lo + 1) - r0);
    return Math.max(upper - this.empirical(lo + 1), this.empirical(hi - 1) - lower);
  }

  /** Each point strictly between lo and hi against its own bounds (tangents at both ends, chord); F only where they reach d. True when d reached stopAt. */
  private leaf(lo: number, hi: number, f0: number, f1: number, stopAt: number): boolean {
    const r0 = this.ratio(lo), r1 = this.ratio(hi);
    const s0 = this.beta * (1 - f0) / r0, s1 = this.beta * (1 - f1) / r1, chord = (f1 - f0) / (r1 - r0);
    for (let p = lo + 1; p < hi; p++) {
      const r = this.ratio(p), e = this.empirical(p);
      const upper = Math.min(f0 + s0 * (r - r0), f1 - s1 * (r1 - r)), lower = f0 + chord * (r - r0);
      if (Math.max(upper - e, e - lower) + KS_SKIP_MARGIN <= this.d) continue;
      this.visit(p);
      if (this.d >= stopAt) return true;
    }
    return false;
  }

  private stop(): number {
    this.hint = this.at;
    return this.d;
  }

  /** Every point in order (alpha <= 1, above KS_BOUNDS_MAX_ALPHA, infinite or NaN). */
  private fullScan(c: number, alpha: number, stopAt: number): number {
    const { x, starts } = this;
    const start = starts[c]!, n = x.length - start, xmin = x[start]!;
    let d = 0;
    for (let p = c; p < starts.length; p++) {
      const i = starts[p]!;
      d = Math.max(d, Math.abs(1 - Math.pow(x[i]! / xmin, 1 - alpha) - (i - start) / n));
      if (d >= stopAt) return d;
    }
    return d;
  }
}

export interface SpectralSummary {
  rows: number;
  cols: number;
  /** N = max(rows, cols): the normalisation of the ESD (1 when normalize is false). */
  normalization: number;
  /** Eigenvalues of W^T W / N (min(rows, cols) of them, the nonzero part), ascending. */
  eigenvalues: Float64Array;
  /** max eigenvalue of the ESD (WeightWatcher's `spectral_norm` column). */
  lambdaMax: number;
  /** ||W||_2 = largest singular value of W (not normalised). */
  spectralNorm: number;
  /** sum lambda / max lambda = ||W||_F^2 / ||W||_2^2. */
  stableRank: number;
  /** Power-law fit of the ESD tail; null when it has fewer than 3 distinct positive eigenvalues. */
  powerLaw: PowerLawFit | null;
}

/**
 * Eigenvalues of X = W^T W / N for a rows x cols row-major W, N = max(rows, cols)
 * (WeightWatcher's normalisation: evals = sv^2 / N; alpha does not depend on it, xmin and
 * lambdaMax do). Computed from the min(rows, cols)-sized Gram matrix.
 */
export function empiricalSpectralDensity(w: ArrayLike<number>, rows: number, cols: number, options: { normalize?: boolean } = {}): Float64Array {
  const eig = gramEigenvalues(w, rows, cols);
  const scale = options.normalize === false ? 1 : 1 / Math.max(rows, cols);
  // Round-off can leave tiny negative eigenvalues of a PSD matrix: clamp to 0.
  for (let i = 0; i < eig.length; i++) eig[i] = Math.max(0, eig[i]!) * scale;
  return eig;
}

/** Eigenvalues of the small Gram matrix: the thread's WASM kernel for f32 values (bit-identical), else the TypeScript oracle. */
function gramEigenvalues(w: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const kernels = spectralKernels();
  if (kernels !== null && w instanceof Float32Array) return kernels.gramEigenvalues(w, rows, cols);
  const { gram, m } = smallGram(w, rows, cols);
  return symmetricEigenvaluesInPlace(gram, m); // gram is ours: no copy
}

/** True when every value is finite (the thread's WASM kernel for f32 values). */
export function allFinite(values: ArrayLike<number>): boolean {
  const kernels = spectralKernels();
  if (kernels !== null && values instanceof Float32Array) return kernels.allFinite(values);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/** Spectral summary of one weight matrix. */
export function spectralSummary(w: ArrayLike<number>, rows: number, cols: number, options: { normalize?: boolean; minTail?: number } = {}): SpectralSummary {
  const eigenvalues = empiricalSpectralDensity(w, rows, cols, options);
  const normalization = options.normalize === false ? 1 : Math.max(rows, cols);
  const lambdaMax = eigenvalues.length > 0 ? eigenvalues[eigenvalues.length - 1]! : 0;
  let sum = 0;
  for (const v of eigenvalues) sum += v;
  let powerLaw: PowerLawFit | null = null;
  const positive = sortedPositive(eigenvalues);
  let distinct = 0;
  for (let i = 0; i < positive.length; i++) if (i === 0 || positive[i] !== positive[i - 1]) distinct++;
  if (distinct >= 3) powerLaw = fitSortedPositive(positive, options.minTail ?? MIN_POWER_LAW_TAIL);
  return {
    rows, cols, normalization, eigenvalues, lambdaMax,
    spectralNorm: Math.sqrt(lambdaMax * normalization),
    stableRank: lambdaMax > 0 ? sum / lambdaMax : 0,
    powerLaw,
  };
}

/** The positive values of an ascending array, sorted: its tail (a view) when it is sorted, else a sorted copy. */
function sortedPositive(values: Float64Array): Float64Array {
  let first = values.length;
  for (let i = 0; i < values.length; i++) {
    if (i > 0 && !(values[i - 1]! <= values[i]!)) return values.filter((v) => v > 0).sort();
    if (first === values.length && values[i]! > 0) first = i;
  }
  return values.subarray(first);
}
