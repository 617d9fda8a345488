// Early warnings on short series (8 to a few hundred checkpoints before the event), with an
// honest trend test: the Kendall tau of the rolling indicators is compared with its
// distribution on seeded AR(1) surrogates of the same series (Dakos et al. 2012), not with a
// fixed threshold, because rolling indicators are autocorrelated and few.

import { NotEnoughPointsError, UsageError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { detrend, residualsDetrender, type DetrendOptions } from "./detrend.js";
import { expandingTauScratch, expandingTaus, expandingTausInto } from "./kendall.js";
import { rollingStatistics, rollingVarianceAc1Into } from "./rolling.js";

/** Fewest checkpoints strictly before the event: a 4-point window (kurtosis needs 4) on half of them. */
export const MIN_SHORT_EWS_POINTS = 8;
export const DEFAULT_SURROGATES = 199;
export const DEFAULT_SURROGATE_ALPHA = 0.05;
/** Fewest rolling values in an expanding window before the lead-time rule may count it. */
export const DEFAULT_SHORT_MIN_TREND_POINTS = 4;
/** |phi| of the AR(1) surrogates is clipped here so surrogates stay stationary. */
const MAX_SURROGATE_PHI = 0.95;

export interface ShortEarlyWarningOptions {
  /** Default gaussian, bandwidth 0.2 of the series (ewstools' default). */
  detrend?: DetrendOptions;
  /** Number of AR(1) surrogates (default 199). */
  surrogates?: number;
  /** Seed of the surrogates (default 0). */
  seed?: number;
  /** Announced when the surrogate p-value < alpha (default 0.05). */
  alpha?: number;
  minTrendPoints?: number;
}

export interface ShortEarlyWarningResult {
  /** Checkpoints strictly before the event used. */
  nPoints: number;
  /** Rolling window in points: floor(nPoints / 2). */
  window: number;
  tauVariance: number;
  tauAc1: number;
  tauSkewness: number;
  tauKurtosis: number;
  /** Test statistic: (tau of rolling variance + tau of rolling lag-1 autocorrelation) / 2. */
  tau: number;
  /** One-sided surrogate p-value of tau: (1 + #{surrogate tau >= tau}) / (surrogates + 1). */
  pValue: number;
  pVariance: number;
  pAc1: number;
  announced: boolean;
  /** event step - signal step when announced, else null. */
  leadTime: number | null;
  signalIndex: number | null;
  signalStep: number | null;
  eventStep: number;
  /** AR(1) coefficient and innovation sd fitted to the residuals (the null model). */
  phi: number;
  surrogates: number;
  seed: number;
  alpha: number;
  rule: string;
}

/** Taus of rolling variance and ac1 on every expanding prefix [first defined, k], k = 0..n-1 (NaN while < minPoints). */
function prefixTaus(residuals: Float64Array, window: number, minPoints: number): { variance: Float64Array; ac1: Float64Array; skewness: number; kurtosis: number } {
  const stats = rollingStatistics(residuals, { window });
  const last = residuals.length - 1;
  return {
    ...varianceAc1Taus(stats, minPoints),
    skewness: last >= 0 ? expandingTaus(stats.skewness, minPoints)[last]! : Number.NaN,
    kurtosis: last >= 0 ? expandingTaus(stats.kurtosis, minPoints)[last]! : Number.NaN,
  };
}

/** The expanding taus of rolling variance and ac1 (0 where tau is undefined once there are enough points). */
function varianceAc1Taus(stats: { variance: Float64Array; ac1: Float64Array }, minPoints: number): { variance: Float64Array; ac1: Float64Array } {
  return { variance: expandingTaus(stats.variance, minPoints, 0), ac1: expandingTaus(stats.ac1, minPoints, 0) };
}

/**
 * prefixTaus' variance and ac1 of the surrogates (the only parts the test compares), without
 * skewness and kurtosis: detrending, rolling indicators and taus of one surrogate after another
 * in the same buffers (the same sums as detrend, rollingVarianceAc1 and expandingTaus).
 */
function surrogateTaus(n: number, window: number, minPoints: number, detrendOptions: DetrendOptions): (series: Float64Array) => { variance: Float64Array; ac1: Float64Array } {
  const residualsOf = residualsDetrender(n, detrendOptions);
  const residuals = new Float64Array(n), rollingVariance = new Float64Array(n), rollingAc1 = new Float64Array(n);
  const variance = new Float64Array(n), ac1 = new Float64Array(n), scratch = expandingTauScratch(n);
  return (series) => {
    residualsOf(series, residuals);
    rollingVarianceAc1Into(residuals, window, rollingVariance, rollingAc1);
    expandingTausInto(rollingVariance, minPoints, 0, variance, scratch);
    expandingTausInto(rollingAc1, minPoints, 0, ac1, scratch);
    return { variance, ac1 };
  };
}

/** Lag-1 autocorrelation and sd of x (population), for the AR(1) null. */
function ar1Fit(x: Float64Array): { phi: number; sd: number } {
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  let c0 = 0, c1 = 0;
  for (let i = 0; i < n; i++) c0 += (x[i]! - mean) ** 2;
  for (let i = 1; i < n; i++) c1 += (x[i]! - mean) * (x[i - 1]! - mean);
  const phi = c0 > 0 ? Math.max(-MAX_SURROGATE_PHI, Math.min(MAX_SURROGATE_PHI, c1 / c0)) : 0;
  return { phi, sd: Math.sqrt(c0 / n) };
}

function checkInputs(steps: readonly number[], values: readonly number[], eventIndex: number): void {
  if (steps.length !== values.length) throw new UsageError(`earlyWarningShort: ${steps.length} steps but ${values.length} values`);
  if (!Number.isInteger(eventIndex) || eventIndex >= steps.length) throw new UsageError(`earlyWarningShort: eventIndex must be an integer < ${steps.length}, got ${eventIndex}`);
  if (eventIndex < MIN_SHORT_EWS_POINTS) throw new NotEnoughPointsError(`earlyWarningShort (points before the event)`, MIN_SHORT_EWS_POINTS, eventIndex);
  for (let i = 0; i <= eventIndex; i++) {
    if (!Number.isFinite(values[i]!) || !Number.isFinite(steps[i]!)) throw new UsageError(`earlyWarningShort: non-finite step or value at index ${i}`);
    if (i > 0 && !(steps[i]! > steps[i - 1]!)) throw new UsageError(`earlyWarningShort: steps must be strictly increasing (index ${i})`);
  }
}

/**
 * Rule: the n = eventIndex points before the event are detrended (Gaussian, bandwidth 0.2 n),
 * rolling variance and lag-1 autocorrelation of the residuals are computed on windows of
 * floor(n / 2) points, and tau = mean of their Kendall taus against time. The null: AR(1)
 * surrogates with the residuals' lag-1 autocorrelation and variance, added to the same trend
 * and put through the same detrending and indicators. Announced when the one-sided surrogate
 * p-value of tau is < alpha. Lead time: event step - the first step from which the p-value of
 * every expanding prefix (>= minTrendPoints rolling values) stays < alpha up to the event.
 */
export function earlyWarningShort(steps: readonly number[], values: readonly number[], eventIndex: number, options: ShortEarlyWarningOptions = {}): ShortEarlyWarningResult {
  checkInputs(steps, values, eventIndex);
  const nSur = options.surrogates ?? DEFAULT_SURROGATES;
  const seed = options.seed ?? 0;
  const alpha = options.alpha ?? DEFAULT_SURROGATE_ALPHA;
  const minPoints = options.minTrendPoints ?? DEFAULT_SHORT_MIN_TREND_POINTS;
  if (!Number.isInteger(nSur) || nSur < 19) throw new UsageError(`earlyWarningShort: surrogates must be an integer >= 19, got ${nSur}`);
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`earlyWarningShort: alpha must be in (0, 1), got ${alpha}`);
  const n = eventIndex;
  const window = Math.floor(n / 2);
  const detrendOptions = options.detrend ?? { method: "gaussian" as const };
  const { trend, residuals } = detrend(values.slice(0, n), detrendOptions);
  const observed = prefixTaus(residuals, window, minPoints);
  const { phi, sd } = ar1Fit(residuals);
  const rng = new Rng(seed);
  const innovation = sd * Math.sqrt(1 - phi * phi);
  // exceed[k]: surrogates whose combined prefix tau >= the observed one at k (and per indicator at the end).
  const exceed = new Int32Array(n);
  let exceedVariance = 0, exceedAc1 = 0;
  const combined = (t: { variance: Float64Array; ac1: Float64Array }, k: number) => 0.5 * (t.variance[k]! + t.ac1[k]!);
  const observedCombined = Float64Array.from({ length: n }, (_, k) => combined(observed, k));
  // one surrogate at a time in these buffers: z (the AR(1) noise), then z + trend
  const z = new Float64Array(n), series = new Float64Array(n);
  const surrogatePrefixTaus = surrogateTaus(n, window, minPoints, detrendOptions);
  for (let s = 0; s < nSur; s++) {
    z[0] = sd * rng.normal();
    for (let i = 1; i < n; i++) z[i] = phi * z[i - 1]! + innovation * rng.normal();
    for (let i = 0; i < n; i++) series[i] = z[i]! + trend[i]!;
    const sur = surrogatePrefixTaus(series);
    for (let k = 0; k < n; k++) if (0.5 * (sur.variance[k]! + sur.ac1[k]!) >= observedCombined[k]!) exceed[k]!++;
    if (sur.variance[n - 1]! >= observed.variance[n - 1]!) exceedVariance++;
    if (sur.ac1[n - 1]! >= observed.ac1[n - 1]!) exceedAc1++;
  }
  const pOf = (count: number) => (1 + count) / (nSur + 1);
  const tau = combined(observed, n - 1);
  const pValue = pOf(exceed[n - 1]!);
  const announced = pValue < alpha;
  let signalIndex: number | null = null;
  if (announced) {
    signalIndex = n - 1;
    while (signalIndex > 0 && Number.isFinite(combined(observed, signalIndex - 1)) && pOf(exceed[signalIndex - 1]!) < alpha) signalIndex--;
  }
  const eventStep = steps[eventIndex]!;
  const signalStep = signalIndex === null ? null : steps[signalIndex]!;
  return {
    nPoints: n, window, tau, pValue, announced, phi, seed, alpha, surrogates: nSur, eventStep, signalIndex, signalStep,
    tauVariance: observed.variance[n - 1]!, tauAc1: observed.ac1[n - 1]!, tauSkewness: observed.skewness, tauKurtosis: observed.kurtosis,
    pVariance: pOf(exceedVariance), pAc1: pOf(exceedAc1),
    leadTime: signalStep === null ? null : eventStep - signalStep,
    rule:
      `n = ${n} checkpoints before the event (>= ${MIN_SHORT_EWS_POINTS}), detrended (${detrendOptions.method}), rolling window ${window} = floor(n/2); ` +
      `tau = mean Kendall tau of rolling variance and lag-1 autocorrelation against time; announced when its one-sided p-value against ${nSur} ` +
      `AR(1) surrogates (phi = ${phi.toFixed(3)}, seed ${seed}) is < ${alpha}; lead time = event step - first step from which every expanding ` +
      `prefix of >= ${minPoints} rolling values keeps p < ${alpha}`,
  };
}
