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
  const minTail = options.minTail ?? MIN_POWER_LAW_TAIL;
  const x = Float64Array.from(Array.from(values).filter((v) => v > 0)).sort();
  for (const v of x) if (!Number.isFinite(v)) throw new UsageError("fitPowerLaw: non-finite value");
  const n = x.length;
  // suffix sums of ln x: sumLog[i] = sum_{j >= i} ln x_j
  const sumLog = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) sumLog[i] = sumLog[i + 1]! + Math.log(x[i]!);
  let best: PowerLawFit | undefined;
  for (let i = 0; i < n; ) {
    const xmin = x[i]!;
    let next = i + 1;
    while (next < n && x[next] === xmin) next++;
    const nTail = n - i;
    if (next >= n || nTail < minTail) break; // xmin = the largest distinct value is not a candidate
    const alpha = 1 + nTail / (sumLog[i]! - nTail * Math.log(xmin));
    const ks = ksDistance(x, i, alpha, best?.ks ?? Infinity);
    if (best === undefined || ks < best.ks) best = { alpha, xmin, ks, nTail, sigma: (alpha - 1) / Math.sqrt(nTail) };
    i = next;
  }
  if (best === undefined) throw new NotEnoughPointsError("fitPowerLaw (distinct positive values)", minTail, n);
  return best;
}

/**
 * powerlaw's D for the tail x[start..] (sorted) at exponent alpha. D is a running maximum, so once
 * it reaches `stopAt` (the best D so far, which only a smaller D replaces) the rest cannot change
 * the choice: the partial maximum is returned.
 */
function ksDistance(x: Float64Array, start: number, alpha: number, stopAt: number): number {
  const n = x.length - start;
  const xmin = x[start]!;
  let d = 0;
  for (let i = start; i < x.length; ) {
    const u = x[i]!;
    const empirical = (i - start) / n;
    const fitted = 1 - Math.pow(u / xmin, 1 - alpha);
    d = Math.max(d, Math.abs(fitted - empirical));
    if (d >= stopAt) return d;
    while (i < x.length && x[i] === u) i++;
  }
  return d;
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

/** Spectral summary of one weight matrix. */
export function spectralSummary(w: ArrayLike<number>, rows: number, cols: number, options: { normalize?: boolean; minTail?: number } = {}): SpectralSummary {
  const eigenvalues = empiricalSpectralDensity(w, rows, cols, options);
  const normalization = options.normalize === false ? 1 : Math.max(rows, cols);
  const lambdaMax = eigenvalues.length > 0 ? eigenvalues[eigenvalues.length - 1]! : 0;
  let sum = 0;
  for (const v of eigenvalues) sum += v;
  let powerLaw: PowerLawFit | null = null;
  const distinct = new Set(Array.from(eigenvalues).filter((v) => v > 0)).size;
  if (distinct >= 3) powerLaw = fitPowerLaw(eigenvalues, options.minTail !== undefined ? { minTail: options.minTail } : {});
  return {
    rows, cols, normalization, eigenvalues, lambdaMax,
    spectralNorm: Math.sqrt(lambdaMax * normalization),
    stableRank: lambdaMax > 0 ? sum / lambdaMax : 0,
    powerLaw,
  };
}
