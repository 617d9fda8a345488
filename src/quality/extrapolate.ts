// Learning-curve extrapolation baseline: fit L(t) = a + b t^(-c), c > 0, by least squares on
// the early part of training and predict the later losses. For fixed c the model is linear in
// (a, b), so the fit minimises the profile SSE(c): a log-spaced grid, then golden section.
import { NotEnoughPointsError, UsageError } from "../util/errors.js";

/** Search range of the exponent c (log-spaced grid), wide enough for learning curves. */
export const EXPONENT_RANGE: readonly [number, number] = [1e-4, 20];
export const EXPONENT_GRID_POINTS = 400;
/** Golden-section stopping width on ln c. */
const GOLDEN_TOLERANCE = 1e-13;
/** Default share of the checkpoints (in order) used for fitting in extrapolateLoss. */
export const DEFAULT_FIT_FRACTION = 0.5;

export interface PowerLawCurve {
  a: number;
  b: number;
  c: number;
  /** Sum of squared residuals on the fitted points. */
  sse: number;
  n: number;
}

/** Best (a, b) for fixed c by linear least squares on basis [1, t^-c], and its SSE. */
function linearFit(t: readonly number[], y: readonly number[], c: number): PowerLawCurve {
  const n = t.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.pow(t[i]!, -c);
    sx += x; sy += y[i]!; sxx += x * x; sxy += x * y[i]!;
  }
  const mx = sx / n, my = sy / n;
  const vxx = sxx - n * mx * mx, vxy = sxy - n * mx * my;
  const b = vxx > 0 ? vxy / vxx : 0;
  const a = my - b * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i]! - (a + b * Math.pow(t[i]!, -c));
    sse += r * r;
  }
  return { a, b, c, sse, n };
}

/** Least-squares fit of y = a + b t^(-c) with c in EXPONENT_RANGE; t > 0, at least 3 points. */
export function fitPowerLawCurve(t: readonly number[], y: readonly number[]): PowerLawCurve {
  if (t.length !== y.length) throw new UsageError(`fitPowerLawCurve: ${t.length} steps but ${y.length} values`);
  if (t.length < 3) throw new NotEnoughPointsError("fitPowerLawCurve", 3, t.length);
  t.forEach((v, i) => {
    if (!(v > 0) || !Number.isFinite(v) || !Number.isFinite(y[i]!)) throw new UsageError(`fitPowerLawCurve: need finite t > 0 and finite y, got t=${v}, y=${y[i]} at index ${i}; drop step 0 and missing values`);
  });
  const [lo, hi] = EXPONENT_RANGE.map(Math.log) as [number, number];
  const h = (hi - lo) / (EXPONENT_GRID_POINTS - 1);
  let bestK = 0, bestSse = Infinity;
  for (let k = 0; k < EXPONENT_GRID_POINTS; k++) {
    const sse = linearFit(t, y, Math.exp(lo + k * h)).sse;
    if (sse < bestSse) { bestSse = sse; bestK = k; }
  }
  // Golden section on ln c in the bracket around the best grid point.
  let a = lo + Math.max(0, bestK - 1) * h, b = lo + Math.min(EXPONENT_GRID_POINTS - 1, bestK + 1) * h;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a), x2 = a + g * (b - a);
  let f1 = linearFit(t, y, Math.exp(x1)).sse, f2 = linearFit(t, y, Math.exp(x2)).sse;
  while (b - a > GOLDEN_TOLERANCE) {
    if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = linearFit(t, y, Math.exp(x1)).sse; }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = linearFit(t, y, Math.exp(x2)).sse; }
  }
  return linearFit(t, y, Math.exp(0.5 * (a + b)));
}

export function predictPowerLawCurve(fit: PowerLawCurve, t: readonly number[]): number[] {
  return t.map((v) => fit.a + fit.b * Math.pow(v, -fit.c));
}

export interface ExtrapolationResult {
  fit: PowerLawCurve;
  /** Steps used for the fit (> 0, finite loss, within the fitted prefix). */
  fitSteps: number[];
  /** Every later step with a finite loss, its prediction and observed value. */
  heldOut: { step: number; predicted: number; observed: number }[];
  /** Mean absolute error on the held-out steps (NaN when none). */
  mae: number;
}

/**
 * Fits on the first fitFraction of the checkpoints (or on steps <= fitUntilStep) and predicts
 * the rest. Step 0 and null losses are skipped.
 */
export function extrapolateLoss(steps: readonly number[], loss: readonly (number | null)[], options: { fitFraction?: number; fitUntilStep?: number } = {}): ExtrapolationResult {
  if (steps.length !== loss.length) throw new UsageError(`extrapolateLoss: ${steps.length} steps but ${loss.length} losses`);
  const frac = options.fitFraction ?? DEFAULT_FIT_FRACTION;
  if (!(frac > 0 && frac <= 1)) throw new UsageError(`extrapolateLoss: fitFraction must be in (0, 1], got ${frac}`);
  const cut = options.fitUntilStep ?? steps[Math.max(0, Math.ceil(frac * steps.length) - 1)]!;
  const fitT: number[] = [], fitY: number[] = [];
  const later: { step: number; observed: number }[] = [];
  steps.forEach((s, i) => {
    const v = loss[i];
    if (s <= 0 || v === null || v === undefined || !Number.isFinite(v)) return;
    if (s <= cut) { fitT.push(s); fitY.push(v); } else later.push({ step: s, observed: v });
  });
  const fit = fitPowerLawCurve(fitT, fitY);
  const pred = predictPowerLawCurve(fit, later.map((p) => p.step));
  const heldOut = later.map((p, i) => ({ step: p.step, predicted: pred[i]!, observed: p.observed }));
  const mae = heldOut.length === 0 ? Number.NaN : heldOut.reduce((s, p) => s + Math.abs(p.predicted - p.observed), 0) / heldOut.length;
  return { fit, fitSteps: fitT, heldOut, mae };
}
