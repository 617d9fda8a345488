// Sarle's bimodality coefficient from the finite-sample-adjusted skewness G1 and excess
// kurtosis G2 (the SAS / Joanes & Gill "type 2" estimators; scipy's skew and kurtosis with
// bias=False). Pure; no I/O.
import { DegenerateSampleError } from "./bandwidth.js";
import { centralSums, sortedFinite, type Values } from "./sample.js";

export const BC_METHOD = "Sarle BC = (G1^2 + 1) / (G2 + 3(n-1)^2/((n-2)(n-3))), adjusted G1, G2" as const;
/** BC of the uniform distribution; larger values suggest bimodality (Pfister et al. 2013). */
export const BC_THRESHOLD = 5 / 9;

export interface BimodalityResult {
  method: typeof BC_METHOD;
  n: number;
  coefficient: number;
  /** Adjusted sample skewness G1 = sqrt(n(n-1))/(n-2) * g1. */
  skewness: number;
  /** Adjusted sample excess kurtosis G2 = (n-1)/((n-2)(n-3)) * ((n+1) g2 + 6). */
  excessKurtosis: number;
  /** coefficient > 5/9. */
  suggestsBimodality: boolean;
}

export function bimodalityCoefficient(x: Values): BimodalityResult {
  const s = sortedFinite(x, 4, "bimodalityCoefficient");
  const n = s.length;
  const c = centralSums(s);
  const m2 = c.s2 / n, m3 = c.s3 / n, m4 = c.s4 / n;
  if (!(m2 > 0)) throw new DegenerateSampleError("bimodalityCoefficient", "variance is zero");
  const g1 = m3 / Math.pow(m2, 1.5);
  const g2 = m4 / (m2 * m2) - 3;
  const skewness = (Math.sqrt(n * (n - 1)) / (n - 2)) * g1;
  const excessKurtosis = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  const coefficient = (skewness * skewness + 1) / (excessKurtosis + (3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3)));
  return { method: BC_METHOD, n, coefficient, skewness, excessKurtosis, suggestsBimodality: coefficient > BC_THRESHOLD };
}
