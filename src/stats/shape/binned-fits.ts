// Sarle's bimodality coefficient, the KS distance to the fitted normal and the Weibull
// probability-plot fit of |w|, each computed from a histogram's distribution G (each bucket
// uniform on its interval) with n = the histogram's total count, in O(buckets). Pure; no I/O.
import { NotEnoughPointsError } from "../../util/errors.js";
import { normalCdf } from "../../util/special.js";
import { DegenerateSampleError } from "./bandwidth.js";
import type { BinnedDistribution, BinnedMoments } from "./binned.js";
import { BC_METHOD, BC_THRESHOLD, type BimodalityResult } from "./bimodality.js";
import { KS_METHOD, type KsNormalResult } from "./ks.js";
import { binnedShapeKernels } from "./binned-kernels.js";
import { WEIBULL_F_RANGE, WEIBULL_METHOD, type WeibullFit } from "./weibull.js";

/** bimodalityCoefficient's formula on G's central moments with n = the total count. */
export function binnedBimodality(n: number, mo: BinnedMoments): BimodalityResult {
  if (n < 4) throw new NotEnoughPointsError("binnedBimodality", 4, n);
  if (!(mo.m2 > 0)) throw new DegenerateSampleError("binnedBimodality", "variance is zero");
  const g1 = mo.m3 / Math.pow(mo.m2, 1.5);
  const g2 = mo.m4 / (mo.m2 * mo.m2) - 3;
  const skewness = (Math.sqrt(n * (n - 1)) / (n - 2)) * g1;
  const excessKurtosis = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  const coefficient = (skewness * skewness + 1) / (excessKurtosis + (3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3)));
  return { method: BC_METHOD, n, coefficient, skewness, excessKurtosis, suggestsBimodality: coefficient > BC_THRESHOLD };
}

/**
 * sup_x |G(x) - Phi((x - mean) / std)| with G's mean and std (ddof 1): at every bucket edge, at
 * the atom's two sides, and where the difference is extremal inside a bucket (Phi' = G's slope).
 */
export function binnedKsToNormal(d: BinnedDistribution, mo: BinnedMoments): KsNormalResult {
  const n = d.total;
  if (n < 2) throw new NotEnoughPointsError("binnedKsToNormal", 2, n);
  const std = Math.sqrt((mo.m2 * n) / (n - 1));
  if (!(std > 0)) throw new DegenerateSampleError("binnedKsToNormal", "standard deviation is zero");
  const dist = binnedShapeKernels()?.ksNormal(d, mo.mean, std) ?? ksDistanceToNormal(d, mo.mean, std);
  return { method: KS_METHOD, n, d: dist, mean: mo.mean, std };
}

/** sup_x |G(x) - Phi((x - mean) / std)| (the oracle of the WASM kernel's ksNormal). */
export function ksDistanceToNormal(d: BinnedDistribution, mean: number, std: number): number {
  const n = d.total;
  const phi = (x: number): number => normalCdf((x - mean) / std);
  let dist = 0, cum = 0, edge = NaN, phiAtEdge = 0;
  for (let j = 0; j < d.count.length; j++) {
    const a = d.lo[j]!, b = d.hi[j]!, p = d.count[j]! / n;
    const fa = a === edge ? phiAtEdge : phi(a), fb = b === a ? fa : phi(b);
    edge = b;
    phiAtEdge = fb;
    dist = Math.max(dist, Math.abs(cum - fa), Math.abs(cum + p - fb));
    if (b > a) {
      const slope = p / (b - a), peak = slope * std * Math.sqrt(2 * Math.PI);
      if (peak < 1) {
        const z = Math.sqrt(-2 * Math.log(peak));
        for (const x of [mean - z * std, mean + z * std]) if (x > a && x < b) dist = Math.max(dist, Math.abs(cum + slope * (x - a) - phi(x)));
      }
    }
    cum += p;
  }
  return dist;
}

/** |w| buckets (the two signs of a magnitude merged) in increasing order; the zero atom first. */
function magnitudes(d: BinnedDistribution): { lo: Float64Array; hi: Float64Array; count: Float64Array } {
  const nb = d.count.length;
  let firstNonNegative = 0;
  while (firstNonNegative < nb && d.hi[firstNonNegative]! <= 0 && d.lo[firstNonNegative]! < 0) firstNonNegative++;
  const lo = new Float64Array(nb), hi = new Float64Array(nb), count = new Float64Array(nb);
  let out = 0, i = firstNonNegative - 1, j = firstNonNegative; // negatives walk down towards larger magnitudes
  while (i >= 0 || j < nb) {
    const li = i >= 0 ? -d.hi[i]! : Infinity, lj = j < nb ? d.lo[j]! : Infinity;
    const take = li <= lj ? { l: li, h: -d.lo[i]!, c: d.count[i--]! } : { l: lj, h: d.hi[j]!, c: d.count[j++]! };
    if (out > 0 && lo[out - 1] === take.l && hi[out - 1] === take.h) count[out - 1]! += take.c;
    else {
      lo[out] = take.l;
      hi[out] = take.h;
      count[out++] = take.c;
    }
  }
  return { lo: lo.subarray(0, out), hi: hi.subarray(0, out), count: count.subarray(0, out) };
}

/**
 * binnedWeibullFit's regression sums over G's |w| buckets for ranks first..last of n (the oracle
 * of the WASM kernel's weibullSums): [m, sum t, sum y, sum t^2, sum t y, sum y^2, eta].
 */
export function weibullSums(d: BinnedDistribution, n: number, first: number, last: number): Float64Array {
  const mag = magnitudes(d);
  let m = 0, st = 0, sy = 0, stt = 0, sty = 0, syy = 0, eta = 0;
  let before = 0;
  for (let j = 0; j < mag.count.length; j++) {
    const c = mag.count[j]!, lo = mag.lo[j]!, w = mag.hi[j]! - lo;
    const p = Math.max(first, before + 1), q = Math.min(last, before + c);
    if (lo > 0 && q >= p) {
      const count = q - p + 1, mid = 0.5 * (p + q);
      const value = lo + ((mid - before - 0.5) / c) * w;
      const f = (mid - 0.3) / (n + 0.4), tail = -Math.log1p(-f);
      const t = Math.log(value), y = Math.log(tail);
      const dt = w / c / value, dy = 1 / ((n + 0.4) * (1 - f) * tail);
      const s2 = (count * (count * count - 1)) / 12;
      m += count; st += count * t; sy += count * y;
      stt += count * t * t + dt * dt * s2; sty += count * t * y + dt * dy * s2; syy += count * y * y + dy * dy * s2;
      eta = Math.max(eta, Math.log(mag.hi[j]! / lo));
    }
    before += c;
  }
  return Float64Array.of(m, st, sy, stt, sty, syy, eta);
}

export interface BinnedWeibull {
  fit: WeibullFit;
  /** Largest ln(hi / lo) of the |w| buckets in the regression: the bound on each point's ln|w| error. */
  logValueError: number;
  /** Bound on |k - k of the values| from logValueError (see binnedWeibullFit). */
  kErrorBound: number;
}

/**
 * weibullFitAbs on G: rank i of the sorted |w| (n = the total count) gets F_i = (i - 0.3)/(n + 0.4);
 * ranks with F in [0.1, 0.9] and |w| > 0 enter the regression of y = ln(-ln(1 - F)) on t = ln|w|,
 * the ranks of a bucket spread evenly over it. Each bucket's sums are taken to first order in the
 * rank (t and y are smooth within a bucket: t moves by at most ln(1 + 2^-7)).
 * Error bound: the i-th value's t is within eta = max ln(hi/lo) of the true i-th |w|'s (same
 * bucket): t_true = t + e, |e| <= eta. With y = ybar + k (t - tbar) + res, k_true - k =
 * (-k cov(t, e) + cov(res, e) - k var(e)) / var(t_true), and var(t_true) >= var(t) - 2 eta sd(t) - eta^2,
 * so |k - k_values| <= (|k| eta sd(t) + eta sd(res) + |k| eta^2) / (var(t) - 2 eta sd(t) - eta^2).
 */
export function binnedWeibullFit(d: BinnedDistribution): BinnedWeibull {
  const n = d.total;
  if (n < 10) throw new NotEnoughPointsError("binnedWeibullFit", 10, n);
  const first = Math.ceil(WEIBULL_F_RANGE[0] * (n + 0.4) + 0.3 - 1e-9), last = Math.floor(WEIBULL_F_RANGE[1] * (n + 0.4) + 0.3 + 1e-9);
  const sums = binnedShapeKernels()?.weibullSums(d, n, first, last) ?? weibullSums(d, n, first, last);
  const [m = 0, st = 0, sy = 0, stt = 0, sty = 0, syy = 0, eta = 0] = sums;
  if (m < 3) throw new NotEnoughPointsError("binnedWeibullFit (non-zero |w| in the middle 80%)", 3, m);
  const vt = stt / m - (st / m) ** 2, vy = syy / m - (sy / m) ** 2, cty = sty / m - (st / m) * (sy / m);
  if (!(vt > 0)) throw new DegenerateSampleError("binnedWeibullFit", "all |w| in the middle 80% are equal");
  const k = cty / vt;
  const intercept = sy / m - k * (st / m);
  const sdT = Math.sqrt(vt), sdRes = Math.sqrt(Math.max(0, vy - (cty * cty) / vt));
  const floor = vt - 2 * eta * sdT - eta * eta;
  const kErrorBound = floor > 0 ? (Math.abs(k) * eta * sdT + eta * sdRes + Math.abs(k) * eta * eta) / floor : Infinity;
  return {
    fit: { method: WEIBULL_METHOD, n, nUsed: m, k, lambda: Math.exp(-intercept / k), r2: (cty * cty) / (vt * vy) },
    logValueError: eta, kErrorBound,
  };
}
