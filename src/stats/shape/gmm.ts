// 1-D Gaussian mixtures with 1-3 components fitted by EM, with the conventions of
// scikit-learn's GaussianMixture(covariance_type="full"): reg_covar added to every variance,
// convergence on the change of the mean log-likelihood, BIC = -2 logL + (3k - 1) ln n. Pure.
import { UsageError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { DegenerateSampleError } from "./bandwidth.js";
import { sortedFinite, type Values } from "./sample.js";
import { scalarEmSums } from "./em-sums.js";
import { shapeKernels, type EmSumsFn } from "./kernels.js";
import { runSquarem, type EmRun, type MixtureParams } from "./squarem.js";

export const GMM_METHOD = "EM, 1-D Gaussian mixture (scikit-learn GaussianMixture conventions)" as const;
/** The same fit from a histogram's cells (gmm-binned.ts). */
export const GMM_BINNED_METHOD = "EM on histogram cells (second-order within-cell terms), 1-D Gaussian mixture (scikit-learn GaussianMixture conventions)" as const;

export interface GaussianMixtureOptions {
  components: 1 | 2 | 3;
  /** Seed of the k-means++ initialisations (default 0). */
  seed?: number;
  /** EM iterations per initialisation (default 300). */
  maxIter?: number;
  /** Stop when the mean log-likelihood per point changes by less than this (default 1e-6; scikit-learn's default is 1e-3). */
  tol?: number;
  /** Initialisations: the first is by quantiles, the rest by seeded k-means++ (default 3). */
  nInit?: number;
  /** Added to each variance at every M step, as scikit-learn's reg_covar (default 1e-6). */
  regCovar?: number;
  /**
   * SQUAREM-accelerated EM (squarem.ts; default false: plain EM as scikit-learn). Same fixed
   * points; stops when an accelerated cycle gains less than tol per EM step (plain EM's rule per
   * cycle); far fewer steps on slowly converging fits (overfitted components).
   */
  accelerate?: boolean;
}

export interface GaussianMixtureFit {
  method: typeof GMM_METHOD | typeof GMM_BINNED_METHOD;
  n: number;
  components: number;
  /** Components sorted by mean. */
  weights: number[];
  means: number[];
  variances: number[];
  /** Total log-likelihood sum_i ln p(x_i) at the fitted parameters. */
  logLikelihood: number;
  /** -2 logL + (3k - 1) ln n, as scikit-learn's bic(). */
  bic: number;
  converged: boolean;
  /** EM iterations of the chosen initialisation. */
  iterations: number;
}

type Params = MixtureParams;

const LOG_2PI = Math.log(2 * Math.PI);
const TINY = 10 * Number.EPSILON; // scikit-learn adds 10 eps to component masses

export function fitGaussianMixture(x: Values, options: GaussianMixtureOptions): GaussianMixtureFit {
  const k = options.components;
  if (k !== 1 && k !== 2 && k !== 3) throw new UsageError(`fitGaussianMixture: components must be 1, 2 or 3, got ${String(k)}`);
  const data = sortedFinite(x, 2 * k + 1, "fitGaussianMixture");
  if (data[0] === data[data.length - 1]) throw new DegenerateSampleError("fitGaussianMixture", "all values are equal");
  const nInit = Math.max(1, options.nInit ?? 3);
  const rng = new Rng(options.seed ?? 0);
  const cfg = { maxIter: options.maxIter ?? 300, tol: options.tol ?? 1e-6, regCovar: options.regCovar ?? 1e-6 };
  const run = options.accelerate === true ? (start: Params) => acceleratedEm(data, start, cfg) : (start: Params) => runEm(data, start, new Float64Array(data.length * k), cfg);
  let best: EmRun | undefined;
  const kernels = shapeKernels();
  for (let r = 0; r < nInit; r++) {
    const fit = run(r === 0 ? kernels?.quantileStart(data, k, cfg.regCovar) ?? quantileStart(data, k, cfg.regCovar) : mStepHard(data, kmeansLabels(data, k, rng), k, cfg.regCovar));
    if (best === undefined || fit.meanLogLik > best.meanLogLik) best = fit;
    if (k === 1) break; // one component: every start gives the same fit (the sample mean and variance)
  }
  return describeMixture(GMM_METHOD, data.length, k, best!);
}

/**
 * The accelerated exact EM (as fitGaussianMixture with accelerate) from given start parameters
 * instead of its own starts: gmm-refined.ts starts it at the optimum of the EM on cells.
 */
export function fitGaussianMixtureFrom(x: Values, start: MixtureParams, options: Pick<GaussianMixtureOptions, "maxIter" | "tol" | "regCovar"> = {}): GaussianMixtureFit {
  const k = start.means.length;
  const data = sortedFinite(x, 2 * k + 1, "fitGaussianMixture");
  if (data[0] === data[data.length - 1]) throw new DegenerateSampleError("fitGaussianMixture", "all values are equal");
  const cfg = { maxIter: options.maxIter ?? 300, tol: options.tol ?? 1e-6, regCovar: options.regCovar ?? 1e-6 };
  return describeMixture(GMM_METHOD, data.length, k, acceleratedEm(data, start, cfg));
}

/**
 * The accelerated EM run over the values (runSquarem over emStep): the whole run in the shape
 * kernel when it is installed (the same run bit for bit: test/kernels/shape-wasm.test.ts), else
 * here, one pass per step through em-sums.ts.
 */
function acceleratedEm(data: Float64Array, start: Params, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun {
  const kernels = shapeKernels();
  if (kernels !== null) return kernels.emRun(data, start, cfg);
  return acceleratedEmScalar(data, start, cfg);
}

/** acceleratedEm in TypeScript (the kernel's oracle): runSquarem over emStep with em-sums.ts's pass. */
export function acceleratedEmScalar(data: Float64Array, start: Params, cfg: { maxIter: number; tol: number; regCovar: number }, sums: EmSumsFn = scalarEmSums(data)): EmRun {
  return runSquarem((q) => emStep(sums, data.length, q, cfg.regCovar), start, cfg);
}

/** Fits 1..maxComponents components and returns all fits and the one with the lowest BIC. */
export function selectMixtureByBic(x: Values, maxComponents: 1 | 2 | 3 = 3, options: Omit<GaussianMixtureOptions, "components"> = {}): { best: GaussianMixtureFit; fits: GaussianMixtureFit[] } {
  const fits: GaussianMixtureFit[] = [];
  for (let k = 1; k <= maxComponents; k++) fits.push(fitGaussianMixture(x, { ...options, components: k as 1 | 2 | 3 }));
  const best = fits.reduce((a, b) => (b.bic < a.bic ? b : a));
  return { best, fits };
}

function runEm(x: Float64Array, start: Params, resp: Float64Array, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun {
  let params = start;
  let bound = -Infinity;
  for (let it = 1; it <= cfg.maxIter; it++) {
    const prev = bound;
    bound = eStep(x, params, resp);
    params = mStep(x, resp, params.means.length, cfg.regCovar);
    if (Math.abs(bound - prev) < cfg.tol) return { params, meanLogLik: eStep(x, params, resp), converged: true, iterations: it };
  }
  return { params, meanLogLik: eStep(x, params, resp), converged: false, iterations: cfg.maxIter };
}

/** Fills responsibilities (row-major n x k) and returns the mean log-likelihood per point. */
function eStep(x: Float64Array, p: Params, resp: Float64Array): number {
  const k = p.means.length;
  const logW = Array.from(p.weights, Math.log);
  const logNorm = Array.from(p.variances, (v) => -0.5 * (LOG_2PI + Math.log(v)));
  const halfInv = Array.from(p.variances, (v) => 0.5 / v);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      const d = x[i]! - p.means[c]!;
      const lp = logW[c]! + logNorm[c]! - d * d * halfInv[c]!;
      resp[i * k + c] = lp;
      if (lp > mx) mx = lp;
    }
    let s = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(resp[i * k + c]! - mx);
      resp[i * k + c] = e;
      s += e;
    }
    for (let c = 0; c < k; c++) resp[i * k + c]! /= s;
    total += mx + Math.log(s);
  }
  return total / x.length;
}

/**
 * One E and M step in a single pass (the map SQUAREM accelerates): the mean log-likelihood at p
 * and the next parameters, from per-component sums of r, r (x - mu_c) and r (x - mu_c)^2 about
 * the current means (no cancellation: the shift is small near convergence). Equals eStep then mStep
 * up to rounding. The pass over the values is `sums`: em-sums.ts, or the WASM kernel (kernels.ts).
 */
function emStep(sums: EmSumsFn, n: number, p: Params, regCovar: number): { meanLogLik: number; next: Params } {
  const k = p.means.length;
  const { base, halfInv, s } = stepScratch[k]!; // read back before the next step: reused
  for (let c = 0; c < k; c++) {
    base[c] = Math.log(p.weights[c]!) - 0.5 * (LOG_2PI + Math.log(p.variances[c]!));
    halfInv[c] = 0.5 / p.variances[c]!;
  }
  for (let c = 0; c < k; c++) s[c] = TINY;
  const total = sums(p.means, base, halfInv, s);
  let mass = 0;
  for (let c = 0; c < k; c++) mass += s[c]!;
  const next: Params = { weights: new Float64Array(k), means: new Float64Array(k), variances: new Float64Array(k) };
  for (let c = 0; c < k; c++) {
    const shift = s[k + c]! / s[c]!;
    next.weights[c] = s[c]! / mass;
    next.means[c] = p.means[c]! + shift;
    next.variances[c] = Math.max(0, s[2 * k + c]! / s[c]! - shift * shift) + regCovar;
  }
  return { meanLogLik: total / n, next };
}

/** emStep's per-component inputs and sums for k = 1, 2, 3 (every step fills them before use). */
const stepScratch = [1, 2, 3].reduce<Record<number, { base: Float64Array; halfInv: Float64Array; s: Float64Array }>>((all, k) => {
  all[k] = { base: new Float64Array(k), halfInv: new Float64Array(k), s: new Float64Array(3 * k) };
  return all;
}, {});

function mStep(x: Float64Array, resp: Float64Array, k: number, regCovar: number): Params {
  const mass = new Float64Array(k).fill(TINY), sums = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    for (let c = 0; c < k; c++) {
      mass[c]! += resp[i * k + c]!;
      sums[c]! += resp[i * k + c]! * x[i]!;
    }
  }
  const means = sums.map((s, c) => s / mass[c]!);
  const sq = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    for (let c = 0; c < k; c++) {
      const d = x[i]! - means[c]!;
      sq[c]! += resp[i * k + c]! * d * d;
    }
  }
  const total = mass.reduce((a, b) => a + b, 0);
  return { weights: mass.map((m) => m / total), means, variances: sq.map((s, c) => s / mass[c]! + regCovar) };
}

/**
 * Initial parameters from hard labels: mStep with 0/1 responsibilities, without the n x k array.
 * The same sums in the same order: mStep's zero terms add +0, which changes no sum (each starts
 * at +0 or TINY and only gains terms of the form 1 x, 1, (x - mu)^2).
 */
function mStepHard(x: Float64Array, labels: Int32Array, k: number, regCovar: number): Params {
  const mass = new Float64Array(k).fill(TINY), sums = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    mass[labels[i]!]! += 1;
    sums[labels[i]!]! += x[i]!;
  }
  const means = sums.map((s, c) => s / mass[c]!);
  const sq = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - means[labels[i]!]!;
    sq[labels[i]!]! += d * d;
  }
  const total = mass.reduce((a, b) => a + b, 0);
  return { weights: mass.map((m) => m / total), means, variances: sq.map((s, c) => s / mass[c]! + regCovar) };
}

/** The start from k groups of (nearly) equal count along the sorted data (the WASM kernel's oracle: kernels.ts quantileStart). */
export function quantileStart(x: Float64Array, k: number, regCovar: number): Params {
  return mStepHard(x, quantileLabels(x.length, k), k, regCovar);
}

/** k groups of (nearly) equal count along the sorted data. */
function quantileLabels(n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.min(k - 1, Math.floor((i * k) / n));
  return labels;
}

/** k-means++ seeding then Lloyd iterations (1-D, data sorted); returns cluster labels. */
function kmeansLabels(x: Float64Array, k: number, rng: Rng): Int32Array {
  const n = x.length;
  const centres = [x[rng.int(n)]!];
  const d2 = new Float64Array(n);
  while (centres.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      d2[i] = Math.min(...centres.map((c) => (x[i]! - c) ** 2));
      total += d2[i]!;
    }
    let target = rng.uniform() * total, pick = n - 1;
    for (let i = 0; i < n; i++) if ((target -= d2[i]!) <= 0) { pick = i; break; }
    centres.push(x[pick]!);
  }
  const labels = new Int32Array(n);
  for (let iter = 0; iter < 100; iter++) {
    let changed = false;
    const sum = new Float64Array(k), count = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (Math.abs(x[i]! - centres[c]!) < Math.abs(x[i]! - centres[best]!)) best = c;
      if (labels[i] !== best || iter === 0) { changed ||= labels[i] !== best; labels[i] = best; }
      sum[best]! += x[i]!;
      count[best]! += 1;
    }
    for (let c = 0; c < k; c++) if (count[c]! > 0) centres[c] = sum[c]! / count[c]!;
    if (!changed && iter > 0) break;
  }
  return labels;
}

/**
 * Components 0..k-1 by increasing mean, ties in index order: a stable insertion sort, the order
 * Array.prototype.sort gives with the comparator means[a] - means[b] when every mean is finite (else
 * that sort itself: Infinity - Infinity is NaN, an order it leaves to its algorithm).
 */
function componentOrder(means: ArrayLike<number>, k: number): number[] {
  const order: number[] = [];
  for (let c = 0; c < k; c++) {
    if (!Number.isFinite(means[c])) return Array.from({ length: k }, (_, i) => i).sort((a, b) => means[a]! - means[b]!);
    let at = order.length;
    while (at > 0 && means[order[at - 1]!]! > means[c]!) at--;
    order.splice(at, 0, c);
  }
  return order;
}

/** A converged EM run as a fit: components in increasing mean, log-likelihood and BIC over n values (both EM paths). */
export function describeMixture(method: GaussianMixtureFit["method"], n: number, k: number, run: EmRun): GaussianMixtureFit {
  const { weights: w, means: mu, variances: v } = run.params;
  const order = componentOrder(mu, k);
  const weights: number[] = [], means: number[] = [], variances: number[] = [];
  for (const c of order) {
    weights.push(w[c]!);
    means.push(mu[c]!);
    variances.push(v[c]!);
  }
  const logLikelihood = run.meanLogLik * n;
  return {
    method, n, components: k,
    weights,
    means,
    variances,
    logLikelihood,
    bic: -2 * logLikelihood + (3 * k - 1) * Math.log(n),
    converged: run.converged,
    iterations: run.iterations,
  };
}
