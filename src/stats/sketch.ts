// TensorSketch: the streaming, mergeable summary of a tensor (or of a group of tensors):
// exact counts, float64 central moments merged with Chan/Pebay, norms, exact small-|w|
// counts and the sparse log-linear histogram. Pure data; JSON-serializable (no NaN/Infinity).
// Power sums of float64 data beyond 2^200 (or all below 2^-200) are kept scaled by a power of
// two (see momentScaleExp), so std, l2 and the shape moments survive values up to float64's max.
import { mergeSparseHistograms } from "./histogram.js";
import { ldexp, momentScaleExp } from "./moment-scale.js";

/** Absolute thresholds t of the exact sparsity counts |w| <= t (compared in float64). */
export const ABS_THRESHOLDS: readonly number[] = [1e-4, 1e-3, 1e-2];
/** Keys of ABS_THRESHOLDS in summaries. */
export const ABS_THRESHOLD_KEYS: readonly string[] = ["0.0001", "0.001", "0.01"];

/**
 * Mergeable summary of the values of one tensor (or a union of tensors). Moments and norms are
 * over the FINITE values only; NaN and +-Inf are only counted. `mean` is the mean and `m2..m4`
 * the central sums sum((x - mean)^k) of the finite values divided by 2^(k scaleExp), `l2sq`
 * the sum of x^2 divided by 2^(2 scaleExp) (all 0 when n = 0). scaleExp = momentScaleExp(linf):
 * 0 for every float32/float16/bfloat16 tensor and for float64 data with 2^-200 <= max|x| < 2^200.
 */
export interface TensorSketch {
  /** Elements seen, finite or not. */
  numel: number;
  nan: number;
  posinf: number;
  neginf: number;
  /** Exact zeros (+0 and -0). */
  zero: number;
  /** Finite elements (the n of the moments). */
  n: number;
  mean: number;
  m2: number;
  m3: number;
  m4: number;
  /** Smallest / largest finite value; null when n = 0. */
  min: number | null;
  max: number | null;
  /** Sum of |x|, sum of x^2, max |x| over finite values (0 when n = 0). */
  l1: number;
  l2sq: number;
  linf: number;
  /** Power-of-two exponent the power sums m2..m4 and l2sq are scaled by (see above). */
  scaleExp: number;
  /** Exact counts of finite values with |x| <= ABS_THRESHOLDS[i]. */
  absLe: number[];
  /** True when every finite value lies exactly on its bucket's lower edge (e.g. bf16 data). */
  keysExact: boolean;
  /** Sparse histogram: ascending bucket keys (see histogram.ts) and their counts (all > 0). */
  histKeys: number[];
  histCounts: number[];
}

/** A sketch without its histogram: what mergeSketchCountsInto folds (the histogram is merged apart). */
export type SketchCounts = Omit<TensorSketch, "histKeys" | "histCounts">;

/** The sketch of zero elements: the identity of mergeSketches. */
export function emptySketch(): TensorSketch {
  return {
    numel: 0, nan: 0, posinf: 0, neginf: 0, zero: 0,
    n: 0, mean: 0, m2: 0, m3: 0, m4: 0,
    min: null, max: null, l1: 0, l2sq: 0, linf: 0, scaleExp: 0,
    absLe: ABS_THRESHOLDS.map(() => 0),
    keysExact: true,
    histKeys: [], histCounts: [],
  };
}

/**
 * A sketch with `s`'s fields and the histogram given, built by one object literal in
 * emptySketch()'s field order (the order stored sketches keep): sketches that come apart (a
 * worker's reply unpacked, parts merged) share one hidden class, so the code that merges them
 * (pipeline/groups.ts) is not deoptimised and compiled again for each new class it meets.
 */
export function sketchWithHistogram(s: Omit<TensorSketch, "histKeys" | "histCounts">, histKeys: number[], histCounts: number[]): TensorSketch {
  return {
    numel: s.numel, nan: s.nan, posinf: s.posinf, neginf: s.neginf, zero: s.zero,
    n: s.n, mean: s.mean, m2: s.m2, m3: s.m3, m4: s.m4,
    min: s.min, max: s.max, l1: s.l1, l2sq: s.l2sq, linf: s.linf, scaleExp: s.scaleExp,
    absLe: s.absLe,
    keysExact: s.keysExact,
    histKeys, histCounts,
  };
}

/** Central moments of a set of values: count, mean and the central sums of powers 2..4. */
export interface Moments {
  n: number;
  mean: number;
  m2: number;
  m3: number;
  m4: number;
}

/**
 * Chan/Pebay pairwise merge of central moments: the moments of the union of two disjoint sets.
 * Stable for any split (terms are scaled by the mean difference over n before multiplying).
 */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { n: b.n, mean: b.mean, m2: b.m2, m3: b.m3, m4: b.m4 };
  if (b.n === 0) return { n: a.n, mean: a.mean, m2: a.m2, m3: a.m3, m4: a.m4 };
  const na = a.n, nb = b.n, n = na + nb;
  const delta = b.mean - a.mean;
  const dn = delta / n;
  const dn2 = dn * dn;
  const t = delta * dn * na * nb; // delta^2 na nb / n
  const mean = a.mean + dn * nb;
  const m2 = a.m2 + b.m2 + t;
  const m3 = a.m3 + b.m3 + t * dn * (na - nb) + 3 * dn * (na * b.m2 - nb * a.m2);
  const m4 = a.m4 + b.m4 + t * dn2 * (na * na - na * nb + nb * nb)
    + 6 * dn2 * (na * na * b.m2 + nb * nb * a.m2) + 4 * dn * (na * b.m3 - nb * a.m3);
  return { n, mean, m2, m3, m4 };
}

/**
 * Moments about the true mean from power sums of d = x - c about a pilot value c
 * (s1 = sum d, s2 = sum d^2, ...). Accurate when c is close to the mean.
 */
export function momentsFromShiftedSums(n: number, c: number, s1: number, s2: number, s3: number, s4: number): Moments {
  if (n === 0) return { n: 0, mean: 0, m2: 0, m3: 0, m4: 0 };
  const d = s1 / n; // mean - c
  const m2 = Math.max(0, s2 - s1 * d);
  const m3 = s3 - 3 * d * s2 + 2 * d * d * s1;
  const m4 = s4 - 4 * d * s3 + 6 * d * d * s2 - 3 * d * d * d * s1;
  return { n, mean: c + d, m2, m3, m4 };
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** The sketch's scale exponent (0 for sketches stored before the field existed). */
export function scaleExpOf(s: Pick<TensorSketch, "scaleExp">): number {
  return s.scaleExp ?? 0;
}

/**
 * The moments of a sketch expressed at scale exponent e (mean divided by 2^e, m_k by 2^(k e)):
 * exact power-of-two rescaling (only values negligible against 2^e can round to subnormals).
 */
function scaledMoments(s: SketchCounts, e: number): Moments {
  const k = scaleExpOf(s) - e;
  return { n: s.n, mean: ldexp(s.mean, -e), m2: ldexp(s.m2, 2 * k), m3: ldexp(s.m3, 3 * k), m4: ldexp(s.m4, 4 * k) };
}

/** mergeMoments of two sketches at the scale of their union; the mean comes back unscaled. */
function mergeSketchMoments(a: SketchCounts, b: SketchCounts, e: number): Moments {
  // An empty side leaves the other as it is (e is its exponent); all-zero exponents: no scaling.
  if (a.n === 0 || b.n === 0 || (scaleExpOf(a) === 0 && scaleExpOf(b) === 0 && e === 0)) return mergeMoments(a, b);
  const m = mergeMoments(scaledMoments(a, e), scaledMoments(b, e));
  return { ...m, mean: ldexp(m.mean, e) };
}

/** The sketch of the union of the two sketched sets (exact counts, moments to rounding). */
export function mergeSketches(a: TensorSketch, b: TensorSketch): TensorSketch {
  const linf = Math.max(a.linf, b.linf);
  const e = a.n === 0 ? scaleExpOf(b) : b.n === 0 ? scaleExpOf(a) : momentScaleExp(linf);
  const m = mergeSketchMoments(a, b, e);
  const hist = mergeSparseHistograms(a.histKeys, a.histCounts, b.histKeys, b.histCounts);
  return {
    numel: a.numel + b.numel,
    nan: a.nan + b.nan,
    posinf: a.posinf + b.posinf,
    neginf: a.neginf + b.neginf,
    zero: a.zero + b.zero,
    n: m.n, mean: m.mean, m2: m.m2, m3: m.m3, m4: m.m4,
    min: minOrNull(a.min, b.min),
    max: maxOrNull(a.max, b.max),
    l1: a.l1 + b.l1,
    l2sq: ldexp(a.l2sq, 2 * (scaleExpOf(a) - e)) + ldexp(b.l2sq, 2 * (scaleExpOf(b) - e)),
    linf,
    scaleExp: e,
    absLe: a.absLe.map((c, i) => c + (b.absLe[i] ?? 0)),
    keysExact: a.keysExact && b.keysExact,
    histKeys: hist.keys,
    histCounts: hist.counts,
  };
}

/**
 * Merges `b`'s counts, moments and norms into `into` in place: afterwards `into` holds what
 * mergeSketches(into, b) gives, bit for bit, except the histogram (histKeys / histCounts are left
 * as they are; the caller sums bucket counts its own way). For accumulating many sketches (a
 * group's) without a new sketch object and histogram arrays per merge.
 */
export function mergeSketchCountsInto(into: SketchCounts, b: SketchCounts): void {
  const a = into;
  const linf = Math.max(a.linf, b.linf);
  const e = a.n === 0 ? scaleExpOf(b) : b.n === 0 ? scaleExpOf(a) : momentScaleExp(linf);
  const m = mergeSketchMoments(a, b, e);
  const l2sq = ldexp(a.l2sq, 2 * (scaleExpOf(a) - e)) + ldexp(b.l2sq, 2 * (scaleExpOf(b) - e));
  a.numel += b.numel;
  a.nan += b.nan;
  a.posinf += b.posinf;
  a.neginf += b.neginf;
  a.zero += b.zero;
  a.n = m.n; a.mean = m.mean; a.m2 = m.m2; a.m3 = m.m3; a.m4 = m.m4;
  a.min = minOrNull(a.min, b.min);
  a.max = maxOrNull(a.max, b.max);
  a.l1 += b.l1;
  a.l2sq = l2sq;
  a.linf = linf;
  a.scaleExp = e;
  for (let i = 0; i < a.absLe.length; i++) a.absLe[i] = a.absLe[i]! + (b.absLe[i] ?? 0);
  a.keysExact = a.keysExact && b.keysExact;
}

/**
 * Folds mergeSketches over a list (the empty list gives emptySketch()): the same sketch, with the
 * counts and moments folded in place and the histograms merged in one pass over all the lists
 * (the fold's intermediate histograms were garbage: ~10 MB per 160m-shaped analysis, whose large
 * tensors are sketched in parts).
 */
export function mergeAllSketches(sketches: Iterable<TensorSketch>): TensorSketch {
  const list = [...sketches];
  const acc = emptySketch();
  for (const s of list) mergeSketchCountsInto(acc, s);
  const merged = mergeAscendingHistograms(list);
  if (merged !== null) return sketchWithHistogram(acc, merged.keys, merged.counts);
  let folded: { keys: number[]; counts: number[] } = { keys: [], counts: [] };
  for (const s of list) folded = mergeSparseHistograms(folded.keys, folded.counts, s.histKeys, s.histCounts);
  return sketchWithHistogram(acc, folded.keys, folded.counts);
}

/**
 * The histograms' union with counts summed (what folding mergeSparseHistograms gives), merged
 * k ways at once; null when some list's keys are not strictly ascending (the fold then decides).
 */
function mergeAscendingHistograms(list: readonly TensorSketch[]): { keys: number[]; counts: number[] } | null {
  // each list's arrays read once (the loops below index them, not the sketches)
  const lk: (readonly number[])[] = [], lc: (readonly number[])[] = [];
  let total = 0;
  for (const s of list) {
    const keys = s.histKeys;
    for (let i = 1; i < keys.length; i++) if (!(keys[i]! > keys[i - 1]!)) return null;
    total += keys.length;
    lk.push(keys);
    lc.push(s.histCounts);
  }
  const m = lk.length;
  const at = new Int32Array(m);
  const keys: number[] = [], counts: number[] = [];
  for (let done = 0; done < total;) {
    let key = Infinity;
    for (let j = 0; j < m; j++) {
      const kj = lk[j]!, p = at[j]!;
      if (p < kj.length && kj[p]! < key) key = kj[p]!;
    }
    let count = 0;
    for (let j = 0; j < m; j++) {
      const kj = lk[j]!, p = at[j]!;
      if (p < kj.length && kj[p] === key) {
        count += lc[j]![p]!;
        at[j] = p + 1;
        done++;
      }
    }
    keys.push(key);
    counts.push(count);
  }
  return { keys, counts };
}
