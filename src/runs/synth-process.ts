// Designed parameter distributions for synthetic runs, with known answers: per-element
// pitchfork paths (a fork at a known step; the pitchfork itself is dynamics/synthetic.ts's
// advancePitchfork), drifting Gaussians, widening heavy tails.
// Pure computation: no file access.
import { advancePitchfork } from "../dynamics/synthetic.js";
import { Rng } from "../util/rng.js";

/** Euler-Maruyama step on the log-step axis u = ln(1 + step). */
export const PITCHFORK_DU = 0.001;
/** Noise level s of dy = (r(u) y - y^3 + h) du + s dW. */
export const PITCHFORK_NOISE = 0.3;
/**
 * Slope of r(u) = RATE * (u - u_fork): r crosses zero at the fork step. Growth away from 0 takes
 * about sqrt(2 ln(10) / RATE) in u, so branches are visible ~1 unit of log-step after the fork.
 */
export const PITCHFORK_RATE = 4;
/** Size of the per-element bias h that nudges each element towards a branch. */
export const PITCHFORK_BIAS = 0.05;

/** Position on the log-step time axis. */
export function logStep(step: number): number {
  return Math.log1p(step);
}

export interface PitchforkSpec {
  n: number;
  seed: number;
  /** true: pitchfork with r crossing zero at forkStep; false: a widening unimodal (null) process. */
  fork: boolean;
  /** The fork step; for the null process, where its spread grows like the fork's would. */
  forkStep: number;
  steps: readonly number[];
}

/**
 * Simulates n independent elements and returns y at each requested step (rows follow `steps`).
 * The integration grid starts at u = 0 with a fixed du, so a given seed gives the same path
 * whichever steps are sampled.
 */
export function simulatePitchfork(spec: PitchforkSpec): Float64Array[] {
  const rng = new Rng(spec.seed);
  const bias = balancedSigns(spec.n, rng).map((s) => s * PITCHFORK_BIAS);
  const targets = spec.steps.map((s) => Math.round(logStep(s) / PITCHFORK_DU));
  const order = targets.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
  const out: Float64Array[] = spec.steps.map(() => new Float64Array(spec.n));
  const y = new Float64Array(spec.n);
  const uFork = logStep(spec.forkStep);
  const sqrtDu = Math.sqrt(PITCHFORK_DU);
  const rOf = (u: number): number => PITCHFORK_RATE * (u - uFork);
  let k = 0;
  for (const [target, row] of order) {
    if (spec.fork && target > k) {
      const from = k;
      advancePitchfork(y, { count: target - k, h: PITCHFORK_DU, timeOf: (m) => (from + m) * PITCHFORK_DU, rOf, noise: PITCHFORK_NOISE, rng, bias });
      k = target;
    }
    for (; k < target; k++) {
      // The null process: unit-variance Ornstein-Uhlenbeck z; y = envelope(u) * z is sampled below.
      for (let i = 0; i < spec.n; i++) y[i] = y[i]! - y[i]! * PITCHFORK_DU + Math.SQRT2 * sqrtDu * rng.normal();
    }
    const scale = spec.fork ? 1 : nullEnvelope(target * PITCHFORK_DU, uFork);
    for (let i = 0; i < spec.n; i++) out[row]![i] = scale * y[i]!;
  }
  return out;
}

/**
 * Spread of the no-fork process: a smooth version of the fork's spread, sqrt(max(r, 0)) after
 * the fork plus the pre-fork noise level, so fork and null runs widen alike but only one splits.
 */
export function nullEnvelope(u: number, uFork: number): number {
  const x = u - uFork;
  const softplus = x > 30 ? x : Math.log1p(Math.exp(x));
  const base = PITCHFORK_NOISE / Math.sqrt(2 * PITCHFORK_RATE);
  return u === 0 ? 0 : Math.sqrt(base * base + PITCHFORK_RATE * softplus);
}

/** n values of +1/-1, half each (the extra one +1), in seeded random order. */
function balancedSigns(n: number, rng: Rng): number[] {
  const signs: number[] = Array.from({ length: n }, (_, i) => (i < Math.ceil(n / 2) ? 1 : -1));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [signs[i], signs[j]] = [signs[j]!, signs[i]!];
  }
  return signs;
}

/** Fill with std * N(0, 1). */
export function gaussian(out: Float32Array, std: number, rng: Rng): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
  return out;
}

/**
 * A Gaussian core mixed with a widening Student-t component: a fraction `tailWeight` of the
 * elements are scale * t_nu. Smaller nu and larger tailWeight give heavier tails.
 */
export function heavyTailMixture(out: Float32Array, std: number, tailWeight: number, nu: number, scale: number, rng: Rng): Float32Array {
  for (let i = 0; i < out.length; i++) {
    if (rng.uniform() < tailWeight) {
      let chi2 = 0;
      for (let k = 0; k < nu; k++) {
        const z = rng.normal();
        chi2 += z * z;
      }
      out[i] = (scale * rng.normal()) / Math.sqrt(chi2 / nu);
    } else {
      out[i] = std * rng.normal();
    }
  }
  return out;
}

/** Branch membership from final values: 1 for the upper branch, 0 for the lower. */
export function branchesFromFinal(finalValues: Float64Array): number[] {
  return Array.from(finalValues, (v) => (v > 0 ? 1 : 0));
}

/**
 * First index from which the two branches stay apart: at that and every later row, every
 * element is on its branch's side of 0 and the gap between branch means exceeds `factor` times
 * the larger within-branch standard deviation.
 */
export function firstSeparatedIndex(rows: readonly Float64Array[], branchOf: readonly number[], factor = 4): number | null {
  let first: number | null = null;
  for (let r = 0; r < rows.length; r++) {
    const separated = branchGap(rows[r]!, branchOf, factor);
    if (separated && first === null) first = r;
    if (!separated) first = null;
  }
  return first;
}

function branchGap(values: Float64Array, branchOf: readonly number[], factor: number): boolean {
  const sum = [0, 0];
  const sq = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < values.length; i++) {
    const b = branchOf[i]!;
    if ((values[i]! > 0 ? 1 : 0) !== b) return false;
    sum[b]! += values[i]!;
    sq[b]! += values[i]! * values[i]!;
    count[b]! += 1;
  }
  if (count[0] === 0 || count[1] === 0) return false;
  const mean = [sum[0]! / count[0]!, sum[1]! / count[1]!];
  const sd = [0, 1].map((b) => Math.sqrt(Math.max(0, sq[b]! / count[b]! - mean[b]! ** 2)));
  return mean[1]! - mean[0]! > factor * Math.max(sd[0]!, sd[1]!);
}
