// SQUAREM acceleration of an EM map for 1-D Gaussian mixtures (Varadhan & Roland 2008, scheme
// S3), shared by the per-value EM (gmm.ts) and the histogram-cell EM (gmm-binned.ts). Pure.

export interface MixtureParams {
  weights: Float64Array;
  means: Float64Array;
  variances: Float64Array;
}

/** One EM step: the mean log-likelihood per value at `p` and the parameters after the step. */
export type EmStep = (p: MixtureParams) => { meanLogLik: number; next: MixtureParams };

export interface EmRun {
  params: MixtureParams;
  meanLogLik: number;
  converged: boolean;
  iterations: number;
}

/**
 * EM accelerated by SQUAREM: from p, two EM steps p1, p2; r = p1 - p, v = p2 - p1 - r,
 * alpha = -max(1, |r| / |v|), p' = p - 2 alpha r + alpha^2 v, then an EM step from p'. When p' is
 * not a valid mixture or its log-likelihood falls below p1's, the plain step p2 is taken instead,
 * so the log-likelihood never decreases. Stops, as plain EM, when an EM step changes the mean
 * log-likelihood by less than tol; `iterations` counts EM steps. A fixed point of the EM map is
 * a fixed point of the scheme, so it converges to what plain EM converges to (faster).
 */
export function runSquarem(step: EmStep, start: MixtureParams, cfg: { maxIter: number; tol: number; regCovar: number }): EmRun {
  let p = start, prevLogLik = -Infinity, steps = 0;
  const counted = (q: MixtureParams) => {
    steps++;
    return step(q);
  };
  const done = (q: MixtureParams, converged: boolean): EmRun => ({ params: q, meanLogLik: step(q).meanLogLik, converged, iterations: steps });
  while (steps < cfg.maxIter) {
    const a = counted(p);
    if (Math.abs(a.meanLogLik - prevLogLik) < cfg.tol) return done(a.next, true);
    const b = counted(a.next);
    if (Math.abs(b.meanLogLik - a.meanLogLik) < cfg.tol) return done(b.next, true);
    const jump = extrapolate(p, a.next, b.next, cfg.regCovar);
    let c = jump === null ? null : counted(jump);
    if (c === null || !(c.meanLogLik >= b.meanLogLik)) c = counted(b.next);
    prevLogLik = c.meanLogLik;
    p = c.next;
  }
  return done(p, false);
}

/** The SQUAREM point from p, F(p), F(F(p)); null when it is not a valid mixture. */
function extrapolate(p: MixtureParams, p1: MixtureParams, p2: MixtureParams, regCovar: number): MixtureParams | null {
  const k = p.means.length;
  let rr = 0, vv = 0;
  const fields = ["weights", "means", "variances"] as const;
  for (const f of fields) {
    for (let c = 0; c < k; c++) {
      const r = p1[f][c]! - p[f][c]!, v = p2[f][c]! - 2 * p1[f][c]! + p[f][c]!;
      rr += r * r;
      vv += v * v;
    }
  }
  if (!(vv > 0)) return null;
  const alpha = -Math.max(1, Math.sqrt(rr / vv));
  const out: MixtureParams = { weights: new Float64Array(k), means: new Float64Array(k), variances: new Float64Array(k) };
  for (const f of fields) {
    for (let c = 0; c < k; c++) {
      const r = p1[f][c]! - p[f][c]!, v = p2[f][c]! - 2 * p1[f][c]! + p[f][c]!;
      out[f][c] = p[f][c]! - 2 * alpha * r + alpha * alpha * v;
    }
  }
  let total = 0;
  for (let c = 0; c < k; c++) {
    if (!(out.weights[c]! > 0) || !(out.variances[c]! >= regCovar)) return null;
    total += out.weights[c]!;
  }
  for (let c = 0; c < k; c++) out.weights[c]! /= total;
  return out;
}
