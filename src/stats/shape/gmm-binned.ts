// 1-D Gaussian mixtures (1-3 components) fitted by EM to a histogram's cells instead of to the
// values, with scikit-learn GaussianMixture's conventions (reg_covar, BIC = -2 logL + (3k-1) ln n).
// Each cell stands for its values through its count, mean m and within-cell variance v: every
// per-value sum of EM (responsibility masses, first and second moments, log-likelihood) is
// replaced by its second-order expansion about m, sum_i f(x_i) = n (f(m) + f''(m) v / 2) + O(n w^3 f'''),
// exact in the first order because sum_i (x_i - m) = 0. So the fit is the per-value EM's up to
// terms in (cell width / component sd)^2 (measured in test/stats/shape/histogram-shape.test.ts).
// Pure; no I/O.
import { UsageError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { DegenerateSampleError } from "./bandwidth.js";
import type { BinnedCells } from "./binned.js";
import { describeMixture, GMM_BINNED_METHOD, type GaussianMixtureFit } from "./gmm.js";
import { NotEnoughPointsError } from "../../util/errors.js";
import { binnedShapeKernels } from "./binned-kernels.js";
import { shapeKernels, type BinnedEmSumsFn } from "./kernels.js";
import { runSquarem, type EmRun, type MixtureParams } from "./squarem.js";

export interface BinnedMixtureOptions {
  /** Seed of the k-means++ initialisations (default 0). */
  seed?: number;
  /** EM iterations per initialisation (default 300). */
  maxIter?: number;
  /** Stop when the mean log-likelihood per value changes by less than this (default 1e-6). */
  tol?: number;
  /** Initialisations: the first by quantiles, the rest by seeded weighted k-means++ (default 3). */
  nInit?: number;
  /** Added to each variance at every M step, as scikit-learn's reg_covar (default 1e-6). */
  regCovar?: number;
}

type Params = MixtureParams;

const LOG_2PI = Math.log(2 * Math.PI);
const TINY = 10 * Number.EPSILON;

export function fitGaussianMixtureBinned(cells: BinnedCells, components: 1 | 2 | 3, options: BinnedMixtureOptions = {}): GaussianMixtureFit {
  const k = components;
  if (k !== 1 && k !== 2 && k !== 3) throw new UsageError(`fitGaussianMixtureBinned: components must be 1, 2 or 3, got ${String(k)}`);
  if (cells.total < 2 * k + 1) throw new NotEnoughPointsError("fitGaussianMixtureBinned", 2 * k + 1, cells.total);
  const nc = cells.count.length;
  if (nc < 2 && cells.variance[0]! === 0) throw new DegenerateSampleError("fitGaussianMixtureBinned", "all values are equal");
  const cfg = { maxIter: options.maxIter ?? 300, tol: options.tol ?? 1e-6, regCovar: options.regCovar ?? 1e-6 };
  const rng = new Rng(options.seed ?? 0);
  let best: EmRun | undefined;
  for (let r = 0; r < Math.max(1, options.nInit ?? 3); r++) {
    const labels = r === 0 ? quantileLabels(cells, k) : kmeansLabels(cells, k, rng);
    const run = runEm(cells, hardStart(cells, labels, k, cfg.regCovar), cfg);
    if (best === undefined || run.meanLogLik > best.meanLogLik) best = run;
    if (k === 1) break; // one component: every start gives the same fit
  }
  return describeMixture(GMM_BINNED_METHOD, cells.total, k, best!);
}

/** Fits 1..maxComponents components to the cells; all fits and the one with the lowest BIC. */
export function selectMixtureByBicBinned(cells: BinnedCells, maxComponents: 1 | 2 | 3 = 3, options: BinnedMixtureOptions = {}): { best: GaussianMixtureFit; fits: GaussianMixtureFit[] } {
  const fits: GaussianMixtureFit[] = [];
  for (let k = 1; k <= maxComponents; k++) fits.push(fitGaussianMixtureBinned(cells, k as 1 | 2 | 3, options));
  return { best: fits.reduce((a, b) => (b.bic < a.bic ? b : a)), fits };
}

function runEm(cells: BinnedCells, start: Params, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun {
  // the whole run in the histogram kernel: the same run as below over the shape kernel's cell pass
  const whole = shapeKernels() !== null ? binnedShapeKernels() : null;
  if (whole !== null) return whole.emRun(cells, start, cfg);
  const sums = shapeKernels()?.binnedEmSums(cells) ?? scalarBinnedEmSums(cells);
  return runSquarem((q) => emStep(sums, cells, q, cfg.regCovar), start, cfg);
}

/**
 * One E step and M step over the cells. For value x: log-density l_c(x) of component c with
 * weight, responsibilities r_c = softmax(l), r_c' = r_c (l_c' - L1), L1 = sum r_j l_j' (the
 * derivative of log p), L2 = sum (r_j' l_j' + r_j l_j'') (its second derivative), and
 * r_c'' = r_c' (l_c' - L1) + r_c (l_c'' - L2). Sums over a cell's values of r, r x, r (x - a)^2
 * and log p take their second-order expansions about the cell mean (see the file header).
 */
function emStep(sums: BinnedEmSumsFn, cells: BinnedCells, p: Params, regCovar: number): { meanLogLik: number; next: Params } {
  const k = p.means.length;
  const base = new Float64Array(k), inv = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    base[c] = Math.log(p.weights[c]!) + -0.5 * (LOG_2PI + Math.log(p.variances[c]!));
    inv[c] = 1 / p.variances[c]!;
  }
  const s0 = new Float64Array(k).fill(TINY), s1 = new Float64Array(k), s2 = new Float64Array(k);
  const logLik = sums(p.means, base, inv, s0, s1, s2);
  let total = 0;
  for (let c = 0; c < k; c++) total += s0[c]!;
  const next: Params = { weights: new Float64Array(k), means: new Float64Array(k), variances: new Float64Array(k) };
  for (let c = 0; c < k; c++) {
    const shift = s1[c]! / s0[c]!;
    next.weights[c] = s0[c]! / total;
    next.means[c] = p.means[c]! + shift;
    next.variances[c] = Math.max(0, s2[c]! / s0[c]! - shift * shift) + regCovar;
  }
  return { meanLogLik: logLik / cells.total, next };
}

/**
 * The pass over the cells of one EM step (the oracle of the WASM kernel, kernels.ts): adds to
 * s0, s1, s2 the second-order sums of r, r (x - mu_c), r (x - mu_c)^2 and returns the
 * log-likelihood. base[c] = ln w_c - ln(2 pi v_c) / 2, inv[c] = 1 / v_c.
 */
export function scalarBinnedEmSums(cells: Pick<BinnedCells, "count" | "mean" | "variance">): BinnedEmSumsFn {
  return (means, base, inv, s0, s1, s2) => {
    const k = means.length, nc = cells.count.length;
    const lp = new Float64Array(k), r = new Float64Array(k), d1 = new Float64Array(k), r1 = new Float64Array(k);
    let logLik = 0;
    for (let b = 0; b < nc; b++) {
      const n = cells.count[b]!, m = cells.mean[b]!, v = cells.variance[b]!;
      let mx = -Infinity, top = 0;
      for (let c = 0; c < k; c++) {
        const d = m - means[c]!;
        lp[c] = base[c]! - 0.5 * d * d * inv[c]!;
        d1[c] = -d * inv[c]!;
        if (lp[c]! > mx) {
          mx = lp[c]!;
          top = c;
        }
      }
      let s = 0;
      for (let c = 0; c < k; c++) s += (r[c] = c === top ? 1 : Math.exp(lp[c]! - mx)); // exp(0) = 1 exactly
      let l1 = 0;
      for (let c = 0; c < k; c++) {
        r[c]! /= s;
        l1 += r[c]! * d1[c]!;
      }
      let l2 = 0;
      for (let c = 0; c < k; c++) {
        r1[c] = r[c]! * (d1[c]! - l1);
        l2 += r1[c]! * d1[c]! - r[c]! * inv[c]!;
      }
      logLik += n * (mx + Math.log(s) + 0.5 * v * l2);
      for (let c = 0; c < k; c++) {
        const r2 = r1[c]! * (d1[c]! - l1) + r[c]! * (-inv[c]! - l2);
        const a = Math.max(0, r[c]! + 0.5 * r2 * v), dm = m - means[c]!;
        s0[c]! += n * a;
        s1[c]! += n * (a * dm + r1[c]! * v);
        s2[c]! += n * (a * dm * dm + 2 * r1[c]! * dm * v + r[c]! * v);
      }
    }
    return logLik;
  };
}

/** Initial parameters from hard cell labels (one M step with 0/1 responsibilities). */
function hardStart(cells: BinnedCells, labels: Int32Array, k: number, regCovar: number): Params {
  const s0 = new Float64Array(k).fill(TINY), s1 = new Float64Array(k), s2 = new Float64Array(k);
  for (let b = 0; b < labels.length; b++) {
    const c = labels[b]!, n = cells.count[b]!, m = cells.mean[b]!;
    s0[c]! += n;
    s1[c]! += n * m;
    s2[c]! += n * (m * m + cells.variance[b]!);
  }
  let total = 0;
  for (let c = 0; c < k; c++) total += s0[c]!;
  const means = s1.map((s, c) => s / s0[c]!);
  return { weights: s0.map((s) => s / total), means, variances: s2.map((s, c) => Math.max(0, s / s0[c]! - means[c]! ** 2) + regCovar) };
}

/** k groups of (nearly) equal count along the value order (a cell goes where its middle count falls). */
function quantileLabels(cells: BinnedCells, k: number): Int32Array {
  const labels = new Int32Array(cells.count.length);
  let before = 0;
  for (let b = 0; b < labels.length; b++) {
    labels[b] = Math.min(k - 1, Math.floor((k * (before + 0.5 * cells.count[b]!)) / cells.total));
    before += cells.count[b]!;
  }
  return labels;
}

/** Count-weighted k-means++ seeding then Lloyd iterations on the cell means; returns cell labels. */
function kmeansLabels(cells: BinnedCells, k: number, rng: Rng): Int32Array {
  const x = cells.mean, w = cells.count, n = x.length;
  const pick = (weightOf: (i: number) => number): number => {
    let total = 0;
    for (let i = 0; i < n; i++) total += weightOf(i);
    let target = rng.uniform() * total;
    for (let i = 0; i < n; i++) if ((target -= weightOf(i)) <= 0) return i;
    return n - 1;
  };
  const centres = [x[pick((i) => w[i]!)]!];
  while (centres.length < k) centres.push(x[pick((i) => w[i]! * Math.min(...centres.map((c) => (x[i]! - c) ** 2)))]!);
  const labels = new Int32Array(n);
  for (let iter = 0; iter < 100; iter++) {
    let changed = iter === 0;
    const sum = new Float64Array(k), count = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (Math.abs(x[i]! - centres[c]!) < Math.abs(x[i]! - centres[best]!)) best = c;
      if (labels[i] !== best) { changed = true; labels[i] = best; }
      sum[best]! += w[i]! * x[i]!;
      count[best]! += w[i]!;
    }
    for (let c = 0; c < k; c++) if (count[c]! > 0) centres[c] = sum[c]! / count[c]!;
    if (!changed) break;
  }
  return labels;
}

