// R's bw.SJ (Sheather-Jones, solve-the-equation) for a histogram's distribution G: R's own
// binning of the values (1000 bins of width 1.01 range / 1000, bin = trunc(x / width)) filled
// with G's mass (each bucket uniform, split across the bins it overlaps), pair counts by bin
// distance from the autocorrelation of the bin masses (by FFT, O(bins log bins)), then
// bw.SJ's equation as for values (bandwidth.ts). Pure; no I/O.
import { bandwidthSJFromPairCounts, DegenerateSampleError, SJ_BINS, type PairCounts } from "./bandwidth.js";
import { binnedQuantile, type BinnedDistribution } from "./binned.js";
import { binnedShapeKernels } from "./binned-kernels.js";

/** bw.SJ of G ("ste"); `sd` is G's standard deviation with ddof 1, `iqr` its interquartile range (computed when not given). */
export function binnedBandwidthSJ(d: BinnedDistribution, sd: number, iqr?: number): number {
  const nb = d.count.length;
  const min = d.lo[0]!, max = d.hi[nb - 1]!;
  if (!(max > min)) throw new DegenerateSampleError("binnedBandwidthSJ", "all values are equal");
  // n < 2: phi divides by n (n - 1) = 0, so TD is never finite; the same error without the FFT (one-element tensors).
  if (d.total < 2) throw new DegenerateSampleError("bandwidthSJ", "sample is too sparse to find TD");
  const scale = Math.min(sd, (iqr ?? binnedQuantile(d, 0.75) - binnedQuantile(d, 0.25)) / 1.349);
  return bandwidthSJFromPairCounts(d.total, binnedPairCounts(d, SJ_BINS, min, max), scale, "ste");
}

/** Pair counts of G's mass by bin distance, bins as R's bw_den (truncation toward zero of x / width). */
export function binnedPairCounts(d: BinnedDistribution, nb: number, min: number, max: number): PairCounts {
  const width = ((max - min) * 1.01) / nb;
  const binOf = (x: number): number => Math.trunc(x / width);
  const first = binOf(min), last = binOf(max);
  const kernels = binnedShapeKernels();
  if (kernels !== null) return { binWidth: width, counts: kernels.pairCounts(d, width, first, last - first + 1, fftSize(last - first + 1), nb) };
  const mass = new Float64Array(last - first + 1);
  // bin k holds [k w, (k+1) w) for k > 0, (-w, w) for k = 0, ((k-1) w, k w] for k < 0
  const left = (k: number): number => (k > 0 ? k : k - 1) * width;
  const right = (k: number): number => (k >= 0 ? k + 1 : k) * width;
  for (let j = 0; j < d.count.length; j++) {
    const a = d.lo[j]!, b = d.hi[j]!, c = d.count[j]!;
    const ka = binOf(a), kb = binOf(b);
    if (ka === kb || !(b > a)) {
      mass[ka - first]! += c;
      continue;
    }
    for (let k = ka; k <= kb; k++) {
      const overlap = Math.min(b, right(k)) - Math.max(a, left(k));
      if (overlap > 0) mass[k - first]! += (c * overlap) / (b - a);
    }
  }
  return { binWidth: width, counts: autocorrelationCounts(mass, nb) };
}

/** Pair counts by bin distance from the bin masses: [max(0, (auto_0 - sum mass) / 2), max(0, auto_1), ...] (nb of them). */
function autocorrelationCounts(mass: Float64Array, nb: number): Float64Array {
  const auto = autocorrelation(mass);
  const counts = new Float64Array(nb);
  let self = 0;
  for (let i = 0; i < mass.length; i++) self += mass[i]!;
  counts[0] = Math.max(0, 0.5 * (auto[0]! - self)); // sum of w (w - 1) / 2
  for (let k = 1; k < nb && k < auto.length; k++) counts[k] = Math.max(0, auto[k]!);
  return counts;
}

/** The zero-padded FFT length of autocorrelation for n values. */
function fftSize(n: number): number {
  let size = 1;
  while (size < 2 * n) size <<= 1;
  return size;
}

/** a[k] = sum_i x_i x_{i+k}, k = 0 .. n-1, by zero-padded FFT. */
function autocorrelation(x: Float64Array): Float64Array {
  const n = x.length;
  const size = fftSize(n);
  const re = new Float64Array(size), im = new Float64Array(size);
  re.set(x);
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i]! * re[i]! + im[i]! * im[i]!;
    im[i] = 0;
  }
  fft(re, im, true);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = re[k]! / size;
  return out;
}

/** In-place iterative radix-2 complex FFT (size a power of two); `inverse` without the 1/size factor. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i]!, ti = im[i]!;
      re[i] = re[j]!;
      im[i] = im[j]!;
      re[j] = tr;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(angle), wi = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const i = start + k, j = i + len / 2;
        const tr = re[j]! * cr - im[j]! * ci, ti = re[j]! * ci + im[j]! * cr;
        re[j] = re[i]! - tr;
        im[j] = im[i]! - ti;
        re[i]! += tr;
        im[i]! += ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}
