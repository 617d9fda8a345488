// Ridge regression in closed form on standardised features with an unpenalised intercept,
// and the choice of lambda by exact leave-one-out (PRESS: e_i / (1 - h_ii)). Pure.
import { NotEnoughPointsError, UsageError } from "../util/errors.js";

/** Lambda grid (on standardised features): log-spaced 1e-4 .. 1e4. */
export const DEFAULT_RIDGE_LAMBDAS: readonly number[] = Array.from({ length: 33 }, (_, i) => Math.pow(10, -4 + i * 0.25));

export interface RidgeModel {
  mean: Float64Array;
  /** Feature scale (std with ddof 0; 1 for constant features, whose standardised value is 0). */
  scale: Float64Array;
  coef: Float64Array;
  intercept: number;
  lambda: number;
  /** Mean squared leave-one-out error at the chosen lambda. */
  looMse: number;
}

/** Cholesky factor L (lower, row-major) of the SPD matrix a (p x p). */
export function cholesky(a: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = i === j ? Math.sqrt(s) : s / l[j * p + j]!;
    }
  }
  return l;
}

/** Solves L L^T x = b. */
export function choleskySolve(l: Float64Array, b: ArrayLike<number>, p: number): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) { let s = b[i]!; for (let k = 0; k < i; k++) s -= l[i * p + k]! * y[k]!; y[i] = s / l[i * p + i]!; }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) { let s = y[i]!; for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k]!; x[i] = s / l[i * p + i]!; }
  return x;
}

function standardise(x: readonly (readonly number[])[], p: number): { z: Float64Array; mean: Float64Array; scale: Float64Array } {
  const n = x.length;
  const mean = new Float64Array(p), scale = new Float64Array(p);
  for (const row of x) for (let j = 0; j < p; j++) mean[j]! += row[j]! / n;
  for (const row of x) for (let j = 0; j < p; j++) scale[j]! += (row[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < p; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]!) : 1;
  const z = new Float64Array(n * p);
  x.forEach((row, i) => { for (let j = 0; j < p; j++) z[i * p + j] = (row[j]! - mean[j]!) / scale[j]!; });
  return { z, mean, scale };
}

/** Fits ridge at each lambda, keeps the one with the smallest exact leave-one-out MSE. */
export function fitRidge(x: readonly (readonly number[])[], y: readonly number[], lambdas: readonly number[] = DEFAULT_RIDGE_LAMBDAS): RidgeModel {
  const n = x.length;
  if (n !== y.length) throw new UsageError(`fitRidge: ${n} rows but ${y.length} targets`);
  if (n < 3) throw new NotEnoughPointsError("fitRidge", 3, n);
  if (lambdas.length === 0 || lambdas.some((l) => !(l > 0))) throw new UsageError("fitRidge: lambdas must be a non-empty list of positive numbers");
  const p = x[0]!.length;
  const { z, mean, scale } = standardise(x, p);
  const ym = y.reduce((s, v) => s + v, 0) / n;
  const gram = new Float64Array(p * p), zty = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) { zty[j]! += z[i * p + j]! * (y[i]! - ym); for (let k = 0; k < p; k++) gram[j * p + k]! += z[i * p + j]! * z[i * p + k]!; }
  let best: RidgeModel | undefined;
  for (const lambda of lambdas) {
    const a = Float64Array.from(gram);
    for (let j = 0; j < p; j++) a[j * p + j]! += lambda;
    const chol = cholesky(a, p);
    const coef = choleskySolve(chol, zty, p);
    let press = 0;
    for (let i = 0; i < n; i++) {
      const zi = z.subarray(i * p, (i + 1) * p);
      // h_ii = 1/n + z_i^T (Z^T Z + lambda I)^-1 z_i  (the intercept column is orthogonal to centred Z)
      const u = choleskySolve(chol, zi, p);
      let h = 1 / n, fit = ym;
      for (let j = 0; j < p; j++) { h += zi[j]! * u[j]!; fit += zi[j]! * coef[j]!; }
      press += ((y[i]! - fit) / (1 - h)) ** 2;
    }
    const looMse = press / n;
    if (best === undefined || looMse < best.looMse) best = { mean, scale, coef, intercept: ym, lambda, looMse };
  }
  return best!;
}

export function predictRidge(model: RidgeModel, x: readonly (readonly number[])[]): number[] {
  return x.map((row) => {
    let s = model.intercept;
    for (let j = 0; j < model.coef.length; j++) s += model.coef[j]! * ((row[j]! - model.mean[j]!) / model.scale[j]!);
    return s;
  });
}
