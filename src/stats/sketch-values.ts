// Plain (scalar) construction of a TensorSketch from decoded values: the reference the WASM
// kernel is tested against, and the path for small in-memory arrays. Pure computation.
import { bucketMagnitudeLo, histKeyOf, HIST_KEY_COUNT, sparseFromDense } from "./histogram.js";
import { ldexp, momentScaleExp } from "./moment-scale.js";
import { ABS_THRESHOLDS, emptySketch, momentsFromShiftedSums, type TensorSketch } from "./sketch.js";

/** Counts, extremes, norms and the histogram of one pass; moments are done in a second pass. */
function firstPass(values: ArrayLike<number>, s: TensorSketch, dense: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    s.numel++;
    if (Number.isNaN(x)) { s.nan++; continue; }
    if (x === Infinity) { s.posinf++; continue; }
    if (x === -Infinity) { s.neginf++; continue; }
    const a = Math.abs(x);
    s.n++;
    sum += x;
    if (x === 0) s.zero++;
    // -0 orders below +0, as WASM f32x4.min/max and Math.min/max do.
    if (s.min === null || x < s.min || (x === s.min && Object.is(x, -0))) s.min = x;
    if (s.max === null || x > s.max || (x === s.max && Object.is(s.max, -0))) s.max = x;
    s.l1 += a;
    if (a > s.linf) s.linf = a;
    for (let t = 0; t < ABS_THRESHOLDS.length; t++) if (a <= ABS_THRESHOLDS[t]!) s.absLe[t]!++;
    const key = histKeyOf(x);
    dense[key]!++;
    if (s.keysExact && a !== bucketMagnitudeLo(key)) s.keysExact = false;
  }
  return sum;
}

/** Sum of the finite values times f. */
function scaledSum(values: ArrayLike<number>, f: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) sum += x * f;
  }
  return sum;
}

/** Sketch of a list of numbers (float64; F32/F16/BF16 data decoded exactly). */
export function sketchOfValues(values: ArrayLike<number>): TensorSketch {
  const s = emptySketch();
  const dense = new Uint32Array(HIST_KEY_COUNT);
  const sum = firstPass(values, s, dense);
  // Values scaled by 2^-e (e = 0 for all but extreme float64 data): the power sums stay finite.
  const e = momentScaleExp(s.linf);
  const f = ldexp(1, -e);
  s.scaleExp = e;
  const c = s.n === 0 ? 0 : e === 0 ? sum / s.n : scaledSum(values, f) / s.n;
  // Second pass: power sums about the pilot mean, corrected to the exact mean.
  let s1 = 0, s2 = 0, s3 = 0, s4 = 0, l2sq = 0;
  for (let i = 0; i < values.length; i++) {
    let x = values[i]!;
    if (!Number.isFinite(x)) continue;
    if (e !== 0) x *= f;
    const d = x - c, d2 = d * d;
    s1 += d; s2 += d2; s3 += d2 * d; s4 += d2 * d2; l2sq += x * x;
  }
  const m = momentsFromShiftedSums(s.n, c, s1, s2, s3, s4);
  s.mean = ldexp(m.mean, e); s.m2 = m.m2; s.m3 = m.m3; s.m4 = m.m4; s.l2sq = l2sq;
  const hist = sparseFromDense(dense);
  s.histKeys = hist.keys;
  s.histCounts = hist.counts;
  return s;
}
