// Detrending before early-warning statistics (as ewstools' detrend): subtract a smooth trend
// so that rolling statistics measure fluctuations, not the slow drift of the series.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";

export type DetrendOptions =
  | { method: "none" }
  /**
   * Gaussian kernel smoothing as scipy.ndimage.gaussian_filter1d(x, sigma, mode="reflect",
   * truncate=4), which ewstools uses: sigma = bandwidth * n if 0 < bandwidth <= 1 (fraction
   * of the series length), else bandwidth points. Default bandwidth 0.2 (ewstools' default).
   */
  | { method: "gaussian"; bandwidth?: number }
  /**
   * Centred moving average over an odd window of 2 * floor(span * n / 2) + 1 points (span a
   * fraction of n, default 0.2), edges reflected: scipy.ndimage.uniform_filter1d(mode="reflect").
   */
  | { method: "moving-average"; span?: number };

export interface Detrended {
  trend: Float64Array;
  residuals: Float64Array;
}

export const DEFAULT_GAUSSIAN_BANDWIDTH = 0.2;
export const DEFAULT_MOVING_AVERAGE_SPAN = 0.2;
/** Kernel radius in standard deviations (scipy's default truncate). */
const GAUSSIAN_TRUNCATE = 4;

/** Index into x of the "reflect" extension (d c b a | a b c d | d c b a), any distance out. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** Correlate x with a symmetric kernel of odd length (centre at kernel.length >> 1), reflect mode. */
function correlateReflect(x: Float64Array, kernel: Float64Array): Float64Array {
  const n = x.length;
  const radius = kernel.length >> 1;
  // x extended by reflection on both sides once (the same terms in the same order as indexing
  // through reflectIndex per term, without a modulo in the inner loop)
  const ext = new Float64Array(n + 2 * radius);
  for (let j = 0; j < ext.length; j++) ext[j] = x[reflectIndex(j - radius, n)]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < kernel.length; k++) sum += kernel[k]! * ext[i + k]!;
    out[i] = sum;
  }
  return out;
}

/** The last Gaussian kernel built, by sigma (the surrogates of one early-warning test share it). */
let cachedKernel: { sigma: number; kernel: Float64Array } | null = null;

function cachedGaussianKernel(sigma: number): Float64Array {
  if (cachedKernel?.sigma !== sigma) cachedKernel = { sigma, kernel: gaussianKernel(sigma) };
  return cachedKernel.kernel;
}

export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(GAUSSIAN_TRUNCATE * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp((-0.5 * k * k) / (sigma * sigma));
    kernel[k + radius] = w;
    total += w;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] = kernel[k]! / total;
  return kernel;
}

/**
 * detrend's residuals for many series of one length n and options, written into `residuals`
 * without allocating: the early-warning surrogates detrend hundreds of series of the same length.
 * The same kernel and the same sums in the same order as detrend, so bit for bit its residuals.
 * Checks the options and n as detrend does (throws the same errors).
 */
export function residualsDetrender(n: number, options: DetrendOptions = { method: "gaussian" }): (x: Float64Array, residuals: Float64Array) => void {
  const kernel = detrendKernel(n, options);
  if (kernel === null) return (x, residuals) => {
    for (let i = 0; i < n; i++) residuals[i] = x[i]! - 0;
  };
  const radius = kernel.length >> 1;
  const source = Int32Array.from({ length: n + 2 * radius }, (_, j) => reflectIndex(j - radius, n));
  const ext = new Float64Array(source.length);
  return (x, residuals) => {
    for (let j = 0; j < ext.length; j++) ext[j] = x[source[j]!]!;
    correlateBlocked(x, ext, kernel, n, residuals);
  };
}

/**
 * residuals[i] = x[i] - sum_k kernel[k] ext[i + k], each sum from 0 in k order (correlateReflect's
 * terms in its order, so the same bits), DETREND_BLOCK outputs at a time: their sums are
 * independent chains of additions that the CPU overlaps (one sum alone waits on each add), and each
 * ext value is loaded once per block and passed down the block's registers.
 */
function correlateBlocked(x: Float64Array, ext: Float64Array, kernel: Float64Array, n: number, residuals: Float64Array): void {
  const taps = kernel.length;
  let i = 0;
  for (; i + DETREND_BLOCK <= n; i += DETREND_BLOCK) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let e0 = ext[i]!, e1 = ext[i + 1]!, e2 = ext[i + 2]!;
    for (let k = 0; k < taps; k++) {
      const w = kernel[k]!, e3 = ext[i + k + 3]!;
      s0 += w * e0;
      s1 += w * e1;
      s2 += w * e2;
      s3 += w * e3;
      e0 = e1;
      e1 = e2;
      e2 = e3;
    }
    residuals[i] = x[i]! - s0;
    residuals[i + 1] = x[i + 1]! - s1;
    residuals[i + 2] = x[i + 2]! - s2;
    residuals[i + 3] = x[i + 3]! - s3;
  }
  for (; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < taps; k++) sum += kernel[k]! * ext[i + k]!;
    residuals[i] = x[i]! - sum;
  }
}

/** Outputs of correlateBlocked computed together (4 chains of additions). */
const DETREND_BLOCK = 4;

/** The smoothing kernel of detrend for a series of n points (null: no trend), after detrend's checks. */
function detrendKernel(n: number, options: DetrendOptions): Float64Array | null {
  if (n < 2) throw new NotEnoughPointsError("detrend", 2, n);
  switch (options.method) {
    case "none":
      return null;
    case "gaussian": {
      const bandwidth = options.bandwidth ?? DEFAULT_GAUSSIAN_BANDWIDTH;
      if (!(bandwidth > 0) || !Number.isFinite(bandwidth)) throw new UsageError(`detrend: gaussian bandwidth must be > 0, got ${bandwidth}`);
      return cachedGaussianKernel(bandwidth <= 1 ? bandwidth * n : bandwidth);
    }
    case "moving-average": {
      const span = options.span ?? DEFAULT_MOVING_AVERAGE_SPAN;
      if (!(span > 0 && span <= 1)) throw new UsageError(`detrend: moving-average span must be in (0, 1], got ${span}`);
      const size = 2 * Math.floor((span * n) / 2) + 1;
      return new Float64Array(size).fill(1 / size);
    }
  }
}

export function detrend(values: ArrayLike<number>, options: DetrendOptions = { method: "gaussian" }): Detrended {
  const x = Float64Array.from(values);
  const n = x.length;
  if (n < 2) throw new NotEnoughPointsError("detrend", 2, n);
  let trend: Float64Array;
  switch (options.method) {
    case "none":
      trend = new Float64Array(n);
      break;
    case "gaussian": {
      const bandwidth = options.bandwidth ?? DEFAULT_GAUSSIAN_BANDWIDTH;
      if (!(bandwidth > 0) || !Number.isFinite(bandwidth)) throw new UsageError(`detrend: gaussian bandwidth must be > 0, got ${bandwidth}`);
      const sigma = bandwidth <= 1 ? bandwidth * n : bandwidth;
      trend = correlateReflect(x, cachedGaussianKernel(sigma));
      break;
    }
    case "moving-average": {
      const span = options.span ?? DEFAULT_MOVING_AVERAGE_SPAN;
      if (!(span > 0 && span <= 1)) throw new UsageError(`detrend: moving-average span must be in (0, 1], got ${span}`);
      const size = 2 * Math.floor((span * n) / 2) + 1;
      trend = correlateReflect(x, new Float64Array(size).fill(1 / size));
      break;
    }
  }
  const residuals = x.map((v, i) => v - trend[i]!);
  return { trend, residuals };
}
