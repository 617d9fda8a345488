// All shape statistics of one snapshot in one JSON-serialisable object (no NaN: null), for the
// results store. Large inputs are analysed on a seeded uniform sample. Pure; no I/O.
import { ForkingPathsError, notEnoughPointsMessage } from "../../util/errors.js";
import { bimodalityCoefficient, type BimodalityResult } from "./bimodality.js";
import { dipTestOfDip, type DipTestResult } from "./dip-test.js";
import { dipOfSorted } from "./dip.js";
import { selectMixtureByBic, type GaussianMixtureFit, type GaussianMixtureOptions } from "./gmm.js";
import { selectMixtureByBicRefined } from "./gmm-refined.js";
import { kdeModes, type KdeMode } from "./kde-modes.js";
import { gaussianKde, type BandwidthSpec } from "./kde.js";
import { ksToNormal, type KsNormalResult } from "./ks.js";
import { markSortedFinite, seededSample, sortedFiniteCopy, SHAPE_SAMPLE_SIZE } from "./sample.js";
import { weibullFitAbs, type WeibullFit } from "./weibull.js";
import { finiteJsonCopy } from "./json-safe.js";

export interface ShapeSummaryOptions {
  /** Values analysed at most (seeded uniform sample beyond; default SHAPE_SAMPLE_SIZE). */
  sampleSize?: number;
  seed?: number;
  /** Mixtures with 1..maxComponents components (default 3). */
  maxComponents?: 1 | 2 | 3;
  /** Bandwidth rules for the KDE modes (default ["silverman", "sj"]). */
  kdeBandwidths?: BandwidthSpec[];
  gridSize?: number;
  /** KDE modes less prominent than this fraction of the peak density are merged (default 0.01). */
  minRelativeProminence?: number;
  /**
   * EM settings of the mixtures (default: fitGaussianMixture's, tol 1e-6, 3 starts, plain EM).
   * With `cells`, each k >= 2 is fitted in two stages from one start (gmm-refined.ts: the EM on
   * that many cells of the values, then the accelerated exact EM from its optimum); nInit and
   * accelerate are then unused.
   */
  mixtureEm?: Pick<GaussianMixtureOptions, "tol" | "nInit" | "maxIter" | "accelerate"> & { cells?: number };
}

export interface ShapeSummary {
  /** Values in the input, finite values among them, and values analysed. */
  n: number;
  nonFinite: number;
  nAnalysed: number;
  sampled: boolean;
  seed: number;
  /**
   * Bound on sup |F_used - F_input|: DKW at 95% for a sample (0 if not sampled); from a histogram
   * (histogram-shape.ts) the largest bucket mass, a deterministic bound.
   */
  cdfErrorBound95: number;
  bimodality: BimodalityResult | null;
  dip: (DipTestResult & { modalLow: number; modalHigh: number }) | null;
  mixtures: { fits: GaussianMixtureFit[]; bestComponents: number } | null;
  kde: Array<{ rule: string; bandwidth: number; modes: KdeMode[] } | null>;
  weibull: WeibullFit | null;
  ks: KsNormalResult | null;
  /** Why a statistic is null (too few points, degenerate sample). */
  notes: string[];
}

export function shapeSummary(x: ArrayLike<number>, options: ShapeSummaryOptions = {}): ShapeSummary {
  const size = options.sampleSize ?? SHAPE_SAMPLE_SIZE;
  const seed = options.seed ?? 0;
  const sampled = x.length > size;
  // sorted once here and marked: every statistic below reads it in place (sample.ts sortedFinite)
  const v = markSortedFinite(sortedFiniteCopy(sampled ? seededSample(x, size, seed) : x));
  let nonFinite = sampled ? 0 : x.length - v.length; // the copy holds the finite values
  if (sampled) for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) nonFinite++;
  const notes: string[] = [];
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ForkingPathsError)) throw e;
      notes.push(`${what}: ${e.message}`);
      return null;
    }
  };
  // Too few points: the note each statistic's NotEnoughPointsError would give, without throwing.
  const counted = <T>(what: string, needed: { n: number; by: string } | null, f: () => T): T | null => {
    if (needed === null || v.length >= needed.n) return attempt(what, f);
    notes.push(`${what}: ${notEnoughPointsMessage(needed.by, needed.n, v.length)}`);
    return null;
  };
  const summary: ShapeSummary = {
    n: x.length, nonFinite, nAnalysed: v.length, sampled, seed,
    cdfErrorBound95: sampled ? Math.sqrt(Math.log(2 / 0.05) / (2 * v.length)) : 0,
    bimodality: counted("bimodality", { n: 4, by: "bimodalityCoefficient" }, () => bimodalityCoefficient(v)),
    dip: counted("dip", { n: 4, by: "dipTest" }, () => {
      // dipTest's result from one dip pass (v is sorted and finite), with the modal interval of the same pass
      const d = dipOfSorted(v);
      return { ...dipTestOfDip(d.dip, v.length), modalLow: d.modalLow, modalHigh: d.modalHigh };
    }),
    mixtures: counted("mixtures", mixtureCountCheck(v, options.maxComponents ?? 3), () => {
      const em = options.mixtureEm, maxK = options.maxComponents ?? 3;
      const r = em?.cells === undefined
        ? selectMixtureByBic(v, maxK, { ...em, seed })
        : selectMixtureByBicRefined(v, maxK, { cells: em.cells, seed, ...(em.tol === undefined ? {} : { tol: em.tol }), ...(em.maxIter === undefined ? {} : { maxIter: em.maxIter }) });
      return { fits: r.fits, bestComponents: r.best.components };
    }),
    kde: (options.kdeBandwidths ?? ["silverman", "sj"]).map((rule) =>
      counted(`kde(${String(rule)})`, { n: 2, by: "gaussianKde" }, () => {
        const k = gaussianKde(v, { bandwidth: rule });
        return { rule: k.rule, bandwidth: k.bandwidth, modes: kdeModes(k, { gridSize: options.gridSize ?? 1024, minRelativeProminence: options.minRelativeProminence ?? 0.01 }) };
      }),
    ),
    weibull: counted("weibull", { n: 10, by: "weibullFitAbs" }, () => weibullFitAbs(v)),
    ks: counted("ks", { n: 2, by: "ksToNormal" }, () => ksToNormal(v)),
    notes,
  };
  return finiteJsonCopy(summary);
}

/**
 * The count check selectMixtureByBic fails first: k components need 2k + 1 points, tried for
 * k = 1, 2, ...; an all-equal sample fails k = 1 as degenerate before any larger k is counted.
 */
function mixtureCountCheck(v: Float64Array, maxComponents: number): { n: number; by: string } | null {
  if (v.length < 3) return { n: 3, by: "fitGaussianMixture" };
  let allEqual = true;
  for (let i = 1; i < v.length && allEqual; i++) allEqual = v[i] === v[0];
  if (allEqual) return null;
  for (let k = 2; k <= maxComponents; k++) if (v.length < 2 * k + 1) return { n: 2 * k + 1, by: "fitGaussianMixture" };
  return null;
}
