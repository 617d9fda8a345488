// Seeded synthetic series with known answers, for validating the detectors: piecewise
// constant means (as ruptures' pw_constant), piecewise constant variances, smoothly widening
// noise (a null for variance changes), and the stochastic pitchfork normal form.

import { UsageError } from "../util/errors.js";
import { Rng } from "../util/rng.js";

export interface PiecewiseSignal {
  signal: Float64Array;
  /** True breakpoints, convention of changepoints/costs/cost.ts: sorted, last = n. */
  bkps: number[];
}

export interface SegmentOptions {
  /** Shortest segment; default max(1, floor(n / (nBkps + 1) / 2)). */
  minSegment?: number;
}

/**
 * Random breakpoints: every segment has length >= minSegment; the n - (nBkps+1)*minSegment
 * spare samples are spread by nBkps sorted uniform integer draws in [0, spare].
 */
export function randomBreakpoints(n: number, nBkps: number, rng: Rng, options: SegmentOptions = {}): number[] {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`randomBreakpoints: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(nBkps) || nBkps < 0) throw new UsageError(`randomBreakpoints: nBkps must be an integer >= 0, got ${nBkps}`);
  const minSegment = options.minSegment ?? Math.max(1, Math.floor(n / (nBkps + 1) / 2));
  const spare = n - (nBkps + 1) * minSegment;
  if (!Number.isInteger(minSegment) || minSegment < 1 || spare < 0) {
    throw new UsageError(`randomBreakpoints: ${nBkps + 1} segments of at least ${minSegment} samples do not fit in n = ${n}; lower nBkps or minSegment`);
  }
  const cuts = Array.from({ length: nBkps }, () => rng.int(spare + 1)).sort((a, b) => a - b);
  const bkps = cuts.map((c, i) => c + (i + 1) * minSegment);
  bkps.push(n);
  return bkps;
}

/**
 * Piecewise-constant mean plus Gaussian noise (ruptures' pw_constant): the level starts at 0
 * and each segment, the first included, moves it by a jump of size uniform in delta
 * (default [1, 10], as ruptures) with a random sign; noise is N(0, noiseStd^2).
 */
export function pwConstant(
  n: number,
  nBkps: number,
  noiseStd: number,
  seed: number,
  options: SegmentOptions & { delta?: [number, number] } = {},
): PiecewiseSignal {
  const [deltaMin, deltaMax] = options.delta ?? [1, 10];
  if (!(deltaMin >= 0 && deltaMax >= deltaMin)) throw new UsageError(`pwConstant: delta must satisfy 0 <= min <= max, got [${deltaMin}, ${deltaMax}]`);
  if (!(noiseStd >= 0)) throw new UsageError(`pwConstant: noiseStd must be >= 0, got ${noiseStd}`);
  const rng = new Rng(seed);
  const bkps = randomBreakpoints(n, nBkps, rng, options);
  const signal = new Float64Array(n);
  let level = 0;
  let start = 0;
  for (const end of bkps) {
    const jump = deltaMin + (deltaMax - deltaMin) * rng.uniform();
    level += rng.uniform() < 0.5 ? -jump : jump;
    signal.fill(level, start, end);
    start = end;
  }
  for (let i = 0; i < n; i++) signal[i] = signal[i]! + noiseStd * rng.normal();
  return { signal, bkps };
}

/**
 * Zero-mean Gaussian noise whose standard deviation is constant within segments: it starts
 * at 1 and at each change is multiplied or divided (random choice) by a factor uniform in
 * ratio (default [2, 4]).
 */
export function pwVariance(n: number, nBkps: number, seed: number, options: SegmentOptions & { ratio?: [number, number] } = {}): PiecewiseSignal {
  const [ratioMin, ratioMax] = options.ratio ?? [2, 4];
  if (!(ratioMin >= 1 && ratioMax >= ratioMin)) throw new UsageError(`pwVariance: ratio must satisfy 1 <= min <= max, got [${ratioMin}, ${ratioMax}]`);
  const rng = new Rng(seed);
  const bkps = randomBreakpoints(n, nBkps, rng, options);
  const signal = new Float64Array(n);
  let std = 1;
  let start = 0;
  for (const [k, end] of bkps.entries()) {
    if (k > 0) {
      const factor = ratioMin + (ratioMax - ratioMin) * rng.uniform();
      std = rng.uniform() < 0.5 ? std / factor : std * factor;
    }
    for (let i = start; i < end; i++) signal[i] = std * rng.normal();
    start = end;
  }
  return { signal, bkps };
}

/** Zero-mean Gaussian noise whose std grows linearly from stdStart (i = 0) to stdEnd (i = n-1): no abrupt change. */
export function wideningNoise(n: number, stdStart: number, stdEnd: number, seed: number): Float64Array {
  if (!(stdStart >= 0 && stdEnd >= 0)) throw new UsageError(`wideningNoise: standard deviations must be >= 0, got ${stdStart}, ${stdEnd}`);
  const rng = new Rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (stdStart + ((stdEnd - stdStart) * i) / Math.max(n - 1, 1)) * rng.normal();
  return out;
}

/** r(t) through (steps[0], rStart), (crossAt, 0), (last step, rEnd), linear in between. */
export interface RampSpec {
  rStart: number;
  rEnd: number;
  crossAt: number;
}

export interface PitchforkOptions {
  /** Independent elements (e.g. entries of a parameter tensor). */
  nElements: number;
  /** Observation times, strictly increasing; the simulation starts at steps[0]. */
  steps: readonly number[];
  /** Bifurcation parameter as a function of time, or a piecewise-linear ramp through 0. */
  rOf: ((t: number) => number) | RampSpec;
  /** Noise amplitude s in dy = (r y - y^3) dt + s dW. */
  noise: number;
  seed: number;
  /** Largest Euler-Maruyama step; each observation interval is cut into equal sub-steps <= dt. */
  dt: number;
  /** Initial value of every element; default 0. */
  y0?: number;
}

export interface PitchforkSeries {
  steps: number[];
  /** values[k][j]: element j at observation k. */
  values: Float64Array[];
  /** Population mean at each observation. */
  mean: Float64Array;
  /** r at each observation time. */
  r: Float64Array;
  /** Sign (+1 / -1, or 0 if exactly 0) of each element at the last observation: its branch. */
  branch: Int8Array;
  /** First observation index with r >= 0 (the bifurcation), or null if r stays negative. */
  crossIndex: number | null;
}

function rampFunction(spec: RampSpec, t0: number, t1: number): (t: number) => number {
  if (!(t0 < spec.crossAt && spec.crossAt < t1)) throw new UsageError(`pitchforkSeries: crossAt = ${spec.crossAt} must lie strictly between the first (${t0}) and last (${t1}) step`);
  return (t) => (t <= spec.crossAt ? spec.rStart * ((spec.crossAt - t) / (spec.crossAt - t0)) : spec.rEnd * ((t - spec.crossAt) / (t1 - spec.crossAt)));
}

/** Sub-steps of one stretch of a pitchfork simulation (see advancePitchfork). */
export interface PitchforkStretch {
  /** Euler-Maruyama sub-steps, each of length h. */
  count: number;
  h: number;
  /** Time at which sub-step m (0 .. count - 1) starts: r is evaluated there. */
  timeOf: (m: number) => number;
  rOf: (t: number) => number;
  /** s in dW's coefficient. */
  noise: number;
  /** One standard normal per element per sub-step, elements inner. */
  rng: Rng;
  /** Per-element constant h_j added to the drift (a nudge towards one branch); default none. */
  bias?: ArrayLike<number>;
}

/**
 * The one pitchfork integrator: advances every element of `y` in place over `count`
 * Euler-Maruyama sub-steps of dy = (r(t) y - y^3 + h_j) dt + s dW, drift and r evaluated at the
 * start of each sub-step. pitchforkSeries (any time axis, sub-steps fitted to each observation
 * interval) and runs/synth-process.ts's simulatePitchfork (a fixed grid on ln(1 + step), biased
 * elements) are both built on it.
 */
export function advancePitchfork(y: Float64Array, o: PitchforkStretch): void {
  const { h, rng, bias } = o;
  const scale = o.noise * Math.sqrt(h);
  for (let m = 0; m < o.count; m++) {
    const rt = o.rOf(o.timeOf(m));
    if (bias === undefined) {
      for (let j = 0; j < y.length; j++) {
        const v = y[j]!;
        y[j] = v + (rt * v - v * v * v) * h + scale * rng.normal();
      }
    } else {
      for (let j = 0; j < y.length; j++) {
        const v = y[j]!;
        y[j] = v + (rt * v - v * v * v + (bias[j] ?? 0)) * h + scale * rng.normal();
      }
    }
  }
}

/**
 * Stochastic pitchfork normal form dy = (r(t) y - y^3) dt + s dW for each element,
 * integrated by Euler-Maruyama (drift and r evaluated at the start of each sub-step),
 * seeded, sampled at the given steps. For r < 0 each element fluctuates around 0 with
 * variance ~ s^2 / (2|r|) and relaxation rate |r| (critical slowing down as r -> 0-); for
 * r > 0 it settles on one of the branches +-sqrt(r).
 */
export function pitchforkSeries(options: PitchforkOptions): PitchforkSeries {
  const { nElements, steps, noise, dt } = options;
  if (!Number.isInteger(nElements) || nElements < 1) throw new UsageError(`pitchforkSeries: nElements must be a positive integer, got ${nElements}`);
  if (steps.length < 1) throw new UsageError("pitchforkSeries: needs at least one observation step");
  for (let k = 1; k < steps.length; k++) {
    if (!(steps[k]! > steps[k - 1]!)) throw new UsageError(`pitchforkSeries: steps must be strictly increasing (steps[${k - 1}] = ${steps[k - 1]}, steps[${k}] = ${steps[k]})`);
  }
  if (!(dt > 0) || !(noise >= 0)) throw new UsageError(`pitchforkSeries: need dt > 0 and noise >= 0, got dt = ${dt}, noise = ${noise}`);
  const rOf = typeof options.rOf === "function" ? options.rOf : rampFunction(options.rOf, steps[0]!, steps[steps.length - 1]!);
  const rng = new Rng(options.seed);
  const y = new Float64Array(nElements).fill(options.y0 ?? 0);
  const values: Float64Array[] = [];
  const mean = new Float64Array(steps.length);
  const r = new Float64Array(steps.length);
  for (let k = 0; k < steps.length; k++) {
    const start = steps[k - 1], end = steps[k]!;
    if (start !== undefined) {
      const subSteps = Math.ceil((end - start) / dt);
      const h = (end - start) / subSteps;
      advancePitchfork(y, { count: subSteps, h, timeOf: (m) => start + m * h, rOf, noise, rng });
    }
    values.push(Float64Array.from(y));
    r[k] = rOf(end);
    let sum = 0;
    for (let j = 0; j < nElements; j++) sum += y[j]!;
    mean[k] = sum / nElements;
  }
  const branch = Int8Array.from(y, (v) => Math.sign(v));
  let crossIndex: number | null = null;
  for (let k = 0; k < steps.length && crossIndex === null; k++) if (r[k]! >= 0) crossIndex = k;
  return { steps: [...steps], values, mean, r, branch, crossIndex };
}
