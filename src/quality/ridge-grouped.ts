// Ridge regression with lambda chosen by cross-validation grouped by run: rows of one run are
// autocorrelated checkpoints, so leaving one row out (PRESS) leaks its neighbours into the fit;
// leaving a whole run out does not. One Gram matrix per fold, one Cholesky per lambda. Pure.
import { NotEnoughPointsError, UsageError } from "../util/errors.js";
import type { RidgeModel } from "./ridge.js";
import { cholesky, choleskySolve } from "./ridge.js";

/** Half-decade lambda grid on standardised features: 1e-4 .. 1e4. */
export const GROUPED_RIDGE_LAMBDAS: readonly number[] = Array.from({ length: 17 }, (_, i) => Math.pow(10, -4 + i * 0.5));

interface Fitted { mean: Float64Array; scale: Float64Array; intercept: number; coefs: Float64Array[] }

/** Ridge on standardised features with an unpenalised intercept, at every lambda. */
function fitAll(x: readonly (readonly number[])[], y: readonly number[], lambdas: readonly number[]): Fitted {
  const n = x.length, p = x[0]!.length;
  const mean = new Float64Array(p), scale = new Float64Array(p);
  for (const row of x) for (let j = 0; j < p; j++) mean[j]! += row[j]! / n;
  for (const row of x) for (let j = 0; j < p; j++) scale[j]! += (row[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < p; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]!) : 1;
  const ym = y.reduce((s, v) => s + v, 0) / n;
  const gram = new Float64Array(p * p), zty = new Float64Array(p), z = new Float64Array(p);
  x.forEach((row, i) => {
    for (let j = 0; j < p; j++) z[j] = (row[j]! - mean[j]!) / scale[j]!;
    for (let j = 0; j < p; j++) { zty[j]! += z[j]! * (y[i]! - ym); const zj = z[j]!; if (zj === 0) continue; for (let k = 0; k <= j; k++) gram[j * p + k]! += zj * z[k]!; }
  });
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) gram[k * p + j] = gram[j * p + k]!;
  const coefs = lambdas.map((lambda) => {
    const a = Float64Array.from(gram);
    for (let j = 0; j < p; j++) a[j * p + j]! += lambda;
    return choleskySolve(cholesky(a, p), zty, p);
  });
  return { mean, scale, intercept: ym, coefs };
}

function predictWith(f: Fitted, coef: Float64Array, row: readonly number[]): number {
  let s = f.intercept;
  for (let j = 0; j < coef.length; j++) s += coef[j]! * ((row[j]! - f.mean[j]!) / f.scale[j]!);
  return s;
}

export interface GroupedRidgeModel extends RidgeModel {
  /** Mean absolute error of the held-out groups at each lambda (same order as the grid). */
  cvMae: number[];
}

/**
 * Fits ridge with lambda minimising the mean absolute error on left-out groups (each group left
 * out once, scored on its rows with `scored[i]` true). Needs >= 2 groups.
 */
export function fitRidgeGroupedCv(x: readonly (readonly number[])[], y: readonly number[], groups: readonly string[], scored: readonly boolean[], lambdas: readonly number[] = GROUPED_RIDGE_LAMBDAS): GroupedRidgeModel {
  const n = x.length;
  if (n !== y.length || n !== groups.length || n !== scored.length) throw new UsageError(`fitRidgeGroupedCv: ${n} rows, ${y.length} targets, ${groups.length} groups, ${scored.length} scored flags`);
  if (n < 3) throw new NotEnoughPointsError("fitRidgeGroupedCv", 3, n);
  const names = [...new Set(groups)];
  if (names.length < 2) throw new UsageError(`fitRidgeGroupedCv: needs rows of at least 2 groups, got ${names.length}`);
  const err = lambdas.map(() => 0);
  let count = 0;
  for (const g of names) {
    const tr = [...Array(n).keys()].filter((i) => groups[i] !== g);
    const te = [...Array(n).keys()].filter((i) => groups[i] === g && scored[i]);
    if (tr.length < 3 || te.length === 0) continue;
    const f = fitAll(tr.map((i) => x[i]!), tr.map((i) => y[i]!), lambdas);
    f.coefs.forEach((c, l) => { for (const i of te) err[l]! += Math.abs(predictWith(f, c, x[i]!) - y[i]!); });
    count += te.length;
  }
  const cvMae = err.map((e) => (count > 0 ? e / count : Number.NaN));
  let best = 0;
  cvMae.forEach((v, l) => { if (v < cvMae[best]!) best = l; });
  const all = fitAll(x, y, [lambdas[best]!]);
  return { mean: all.mean, scale: all.scale, coef: all.coefs[0]!, intercept: all.intercept, lambda: lambdas[best]!, looMse: Number.NaN, cvMae };
}
