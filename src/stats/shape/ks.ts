// Kolmogorov-Smirnov distance between a sample and the normal distribution fitted to it (mean
// and sample std). The distance only: with fitted parameters the KS p-value would be wrong
// (that is Lilliefors' test). Pure; no I/O.
import { DegenerateSampleError } from "./bandwidth.js";
import { normalCdf } from "../../util/special.js";
import { centralSums, sortedFinite, type Values } from "./sample.js";
import { shapeKernels } from "./kernels.js";

export const KS_METHOD = "sup |F_n - Phi((x - mean) / std)|, std with ddof 1" as const;

export interface KsNormalResult {
  method: typeof KS_METHOD;
  n: number;
  /** sup_x |F_n(x) - Phi((x - mean) / std)|; equals scipy.stats.kstest(x, "norm", args=(mean, std)).statistic. */
  d: number;
  mean: number;
  /** Sample standard deviation, ddof = 1 (as Lilliefors' test and statsmodels' lilliefors). */
  std: number;
}

export function ksToNormal(x: Values): KsNormalResult {
  const s = sortedFinite(x, 2, "ksToNormal");
  const n = s.length;
  const c = centralSums(s);
  const std = Math.sqrt(c.s2 / (n - 1));
  if (!(std > 0)) throw new DegenerateSampleError("ksToNormal", "standard deviation is zero");
  const kernels = shapeKernels();
  const d = kernels !== null ? kernels.ksDistance(s, c.mean, std) : ksDistance(s, c.mean, std);
  return { method: KS_METHOD, n, d, mean: c.mean, std };
}

/** sup |F_n - Phi((x - mean) / std)| over sorted values (the WASM kernel's oracle: kernels.ts ksDistance). */
export function ksDistance(s: Float64Array, mean: number, std: number): number {
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf((s[i]! - mean) / std);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}
