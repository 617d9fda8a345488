// Kernel-density bandwidths for the Gaussian kernel: scipy's Scott and Silverman factors, R's
// bw.nrd0, and the Sheather-Jones plug-in as R's bw.SJ computes it (binned pair counts, Brent
// root search with R's tolerance). Pure; no I/O.
import { ForkingPathsError, NotEnoughPointsError } from "../../util/errors.js";
import { shapeKernels } from "./kernels.js";
import { sortedFinite, standardDeviation } from "./sample.js";

/** A sample whose spread is zero or too sparse for a density estimate. */
export class DegenerateSampleError extends ForkingPathsError {
  constructor(what: string, problem: string) {
    super("DEGENERATE_SAMPLE", `${what}: ${problem} ---> HINT: the values are constant or nearly so; report the sample as degenerate instead of estimating a shape`);
  }
}

/** scipy's gaussian_kde factor "scott": n^(-1/5) (times the std with ddof = 1 gives h). */
export function scottFactor(n: number): number {
  return Math.pow(n, -1 / 5);
}

/** scipy's gaussian_kde factor "silverman" in 1-D: (n (d + 2) / 4)^(-1/(d + 4)) = (3n/4)^(-1/5). */
export function silvermanFactor(n: number): number {
  return Math.pow((n * 3) / 4, -1 / 5);
}

/** Bandwidth h = scipy silverman factor x sample std (ddof 1): scipy gaussian_kde(bw_method="silverman"). */
export function silvermanBandwidth(x: ArrayLike<number>): number {
  return silvermanFactor(x.length) * standardDeviation(x, 1);
}

/** Quantile of sorted values, R's type 7 (numpy's default "linear"). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const index = (sorted.length - 1) * p;
  const lo = Math.floor(index), hi = Math.ceil(index);
  const qlo = sorted[lo]!, qhi = sorted[hi]!;
  if (index === lo || qhi === qlo) return qlo;
  const h = index - lo;
  return (1 - h) * qlo + h * qhi;
}

/** R's bw.nrd0: 0.9 min(sd, IQR / 1.34) n^(-1/5), with R's fallbacks when that minimum is 0. */
export function bandwidthNrd0(x: ArrayLike<number>): number {
  const s = sortedFinite(x, 2, "bandwidthNrd0");
  const hi = standardDeviation(s, 1);
  let lo = Math.min(hi, (quantileSorted(s, 0.75) - quantileSorted(s, 0.25)) / 1.34);
  if (!lo) lo = hi || Math.abs(x[0]!) || 1;
  return 0.9 * lo * Math.pow(s.length, -0.2);
}

/** Number of bins R's bw.SJ uses for the pairwise-distance counts. */
export const SJ_BINS = 1000;
const DELMAX = 1000;

/** Counts of pairs of values by the distance of their bins (bins of width binWidth). */
export interface PairCounts {
  binWidth: number;
  counts: Float64Array;
}

/**
 * With the kernels installed, pairCounts sums over pairs of occupied bins (at most n^2 / 2) when
 * n^2 <= this x bins x nb, else the kernel's pass over every bin distance (bins x nb / 2 SIMD
 * products): small samples (128 values: 8 k pairs against 500 k products) take the pairs.
 */
const PAIR_LOOP_MAX_RATIO = 1 / 8;

/** Pair counts by bin distance, bins by truncation toward zero of x / d (as R's bw_den). */
export function pairCounts(x: ArrayLike<number>, nb: number, min: number, max: number): PairCounts {
  const d = ((max - min) * 1.01) / nb;
  const kernels = shapeKernels();
  if (kernels !== null && x instanceof Float64Array) {
    // the bins and their pair counts in the kernel (the same integer sums)
    const counts = kernels.sjPairCounts(x, nb, d, PAIR_LOOP_MAX_RATIO);
    if (counts !== null) return { binWidth: d, counts };
  }
  const idx = new Int32Array(x.length);
  let lowest = Infinity, highest = -Infinity;
  for (let i = 0; i < x.length; i++) {
    idx[i] = Math.trunc(x[i]! / d);
    lowest = Math.min(lowest, idx[i]!);
    highest = Math.max(highest, idx[i]!);
  }
  const bins = new Float64Array(highest - lowest + 1);
  for (let i = 0; i < x.length; i++) bins[idx[i]! - lowest]! += 1;
  // the kernel's O(bins x nb) pass, unless the pairs of values are fewer (the same integer sums, exactly)
  if (kernels !== null && x.length * x.length > PAIR_LOOP_MAX_RATIO * bins.length * nb) return { binWidth: d, counts: kernels.binAutocorrelation(bins, nb) };
  const counts = new Float64Array(nb);
  // over the occupied bins only: an empty bin adds exactly 0, so the sums are the same
  const occupied = new Int32Array(bins.length);
  let nOccupied = 0;
  for (let a = 0; a < bins.length; a++) {
    const w = bins[a]!;
    if (w === 0) continue;
    counts[0]! += (w * (w - 1)) / 2;
    for (let t = 0; t < nOccupied; t++) {
      const b = occupied[t]!;
      if (a - b < nb) counts[a - b]! += w * bins[b]!;
    }
    occupied[nOccupied++] = a;
  }
  return { binWidth: d, counts };
}

/** Binned estimate of the integrated squared r-th density derivative, r = 4 (phi4) or 6 (phi6). */
function phi(order: 4 | 6, n: number, pc: PairCounts, h: number): number {
  const kernels = shapeKernels();
  let sum = kernels === null ? 0 : kernels.sjPhiSum(pc.counts, phiTerms(pc, h), pc.binWidth, h, order);
  for (let i = 0; i < pc.counts.length && kernels === null; i++) {
    let delta = (i * pc.binWidth) / h;
    delta *= delta;
    if (delta >= DELMAX) break;
    const poly = order === 4 ? delta * delta - 6 * delta + 3 : delta * delta * delta - 15 * delta * delta + 45 * delta - 15;
    sum += Math.exp(-delta / 2) * poly * pc.counts[i]!;
  }
  sum = order === 4 ? 2 * sum + n * 3 : 2 * sum - 15 * n;
  return (sum / (n * (n - 1) * Math.pow(h, order + 1))) / Math.sqrt(2 * Math.PI);
}

/** The terms phi sums: bins i with ((i binWidth) / h)^2 < DELMAX (the same test as its loop). */
function phiTerms(pc: PairCounts, h: number): number {
  const beyond = (i: number) => {
    const delta = (i * pc.binWidth) / h;
    return delta * delta >= DELMAX;
  };
  let i = Math.min(pc.counts.length, Math.max(0, Math.floor((Math.sqrt(DELMAX) * h) / pc.binWidth)));
  while (i > 0 && beyond(i - 1)) i--;
  while (i < pc.counts.length && !beyond(i)) i++;
  return i;
}

/**
 * Sheather-Jones plug-in bandwidth, as R's `bw.SJ(x, nb = 1000, method)`: "ste" solves the
 * equation by R's Brent search with R's tolerance (0.1 x lower bound), so it reproduces R's
 * answer, which is itself only accurate to that tolerance; "dpi" is the direct plug-in.
 */
export function bandwidthSJ(x: ArrayLike<number>, method: "ste" | "dpi" = "ste"): number {
  const s = sortedFinite(x, 2, "bandwidthSJ");
  const n = s.length;
  if (s[n - 1] === s[0]) throw new DegenerateSampleError("bandwidthSJ", "all values are equal");
  const pc = pairCounts(s, SJ_BINS, s[0]!, s[n - 1]!);
  const scale = Math.min(standardDeviation(s, 1), (quantileSorted(s, 0.75) - quantileSorted(s, 0.25)) / 1.349);
  return bandwidthSJFromPairCounts(n, pc, scale, method);
}

/** bw.SJ's solution from n, the binned pair counts and the scale min(sd, IQR / 1.349). */
export function bandwidthSJFromPairCounts(n: number, pc: PairCounts, scale: number, method: "ste" | "dpi" = "ste"): number {
  const kernels = shapeKernels();
  if (kernels !== null && method === "ste") {
    // the whole equation in the kernel (test/kernels/kde-modes-wasm.test.ts: the same bandwidths and errors)
    const r = kernels.sjSolve(pc.counts, pc.binWidth, n, scale);
    if (r.status === 1) throw new DegenerateSampleError("bandwidthSJ", "sample is too sparse to find TD");
    if (r.status === 2) throw new DegenerateSampleError("bandwidthSJ", "sample is too sparse to find alph2");
    if (r.status === 3) throw new NotEnoughPointsError("bandwidthSJ: no solution in the bandwidth range", n + 1, n);
    return r.bandwidth;
  }
  return solveSJByPhi(n, pc, scale, method);
}

/** bandwidthSJFromPairCounts in TypeScript: the kernels' sjSolve's oracle (and "dpi"). */
export function solveSJByPhi(n: number, pc: PairCounts, scale: number, method: "ste" | "dpi"): number {
  const a = 1.24 * scale * Math.pow(n, -1 / 7);
  const b = 1.23 * scale * Math.pow(n, -1 / 9);
  const c1 = 1 / (2 * Math.sqrt(Math.PI) * n);
  const td = -phi(6, n, pc, b);
  if (!Number.isFinite(td) || td <= 0) throw new DegenerateSampleError("bandwidthSJ", "sample is too sparse to find TD");
  if (method === "dpi") return Math.pow(c1 / phi(4, n, pc, Math.pow(2.394 / (n * td), 1 / 7)), 1 / 5);
  const hmax = 1.144 * scale * Math.pow(n, -1 / 5);
  let lower = 0.1 * hmax, upper = hmax;
  const alph2 = 1.357 * Math.pow(phi(4, n, pc, a) / td, 1 / 7);
  if (!Number.isFinite(alph2)) throw new DegenerateSampleError("bandwidthSJ", "sample is too sparse to find alph2");
  const fSD = (h: number): number => Math.pow(c1 / phi(4, n, pc, alph2 * Math.pow(h, 5 / 7)), 1 / 5) - h;
  for (let attempt = 1; fSD(lower) * fSD(upper) > 0; attempt++) {
    if (attempt > 99) throw new NotEnoughPointsError("bandwidthSJ: no solution in the bandwidth range", n + 1, n);
    if (attempt % 2) upper *= 1.2;
    else lower /= 1.2;
  }
  return brentRoot(fSD, lower, upper, fSD(lower), fSD(upper), 0.1 * lower, 1000);
}

/**
 * Brent's zero finder (Forsythe, Malcolm & Moler's zeroin: bisection safeguarding secant and
 * inverse quadratic steps), with the step rules of R's uniroot so the iterates agree with R's.
 */
export function brentRoot(f: (x: number) => number, ax: number, bx: number, fa0: number, fb0: number, tol: number, maxIter: number): number {
  const EPS = Number.EPSILON;
  let a = ax, b = bx, fa = fa0, fb = fb0, c = a, fc = fa;
  if (fa === 0) return a;
  if (fb === 0) return b;
  for (let it = 0; it <= maxIter; it++) {
    const prevStep = b - a;
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tolAct = 2 * EPS * Math.abs(b) + tol / 2;
    let step = (c - b) / 2;
    if (Math.abs(step) <= tolAct || fb === 0) return b;
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      const cb = c - b;
      let p: number, q: number;
      if (a === c) {
        const t1 = fb / fa; // secant
        p = cb * t1;
        q = 1 - t1;
      } else {
        const qq = fa / fc, t1 = fb / fc, t2 = fb / fa; // inverse quadratic
        p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1));
        q = (qq - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) step = p / q;
    }
    if (Math.abs(step) < tolAct) step = step > 0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += step;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}
