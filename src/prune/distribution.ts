// How much of the prunable weights' distribution sits near zero (pure, no I/O): the near-zero
// fraction |w| <= 0.1 std, and per sparsity the global magnitude threshold and the L1 / L2 mass
// that magnitude pruning removes, to relate pruning tolerance to the shape of the distribution.
import { checkSparsity, kthSmallestKey, prunedCount, type PrunableValues } from "./masks.js";

/** Relative threshold of the near-zero fraction: |w| <= NEAR_ZERO_RELATIVE * std. */
export const NEAR_ZERO_RELATIVE = 0.1;

export interface NearZeroMass {
  /** Prunable weights pooled. */
  numel: number;
  mean: number;
  /** Population standard deviation of the pooled weights (float64). */
  std: number;
  /** Fraction of weights with |w| <= 0.1 * std. */
  nearZeroFraction: number;
  /** Fraction of exact zeros. */
  zeroFraction: number;
}

/** One sparsity level of global magnitude pruning, described by what it removes. */
export interface MagnitudeCut {
  sparsity: number;
  /** Weights pruned: floor(s * n + 0.5). */
  pruned: number;
  /** |w| of the largest pruned weight (0 when nothing is pruned). */
  threshold: number;
  /** threshold / std of the pooled weights. */
  thresholdOverStd: number;
  /** Share of sum |w| removed. */
  l1MassFraction: number;
  /** Share of sum w^2 removed. */
  l2MassFraction: number;
}

/** Near-zero mass of the pooled values (non-finite values are skipped in mean/std). */
export function nearZeroMass(tensors: readonly PrunableValues[]): NearZeroMass {
  let n = 0, finite = 0, mean = 0, m2 = 0, zeros = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.values.length; i++) {
      const x = t.values[i]!;
      n++;
      if (x === 0) zeros++;
      if (!Number.isFinite(x)) continue;
      finite++;
      const d = x - mean;
      mean += d / finite;
      m2 += d * (x - mean);
    }
  }
  const std = finite > 0 ? Math.sqrt(m2 / finite) : NaN;
  const cut = NEAR_ZERO_RELATIVE * std;
  let near = 0;
  for (const t of tensors) for (let i = 0; i < t.values.length; i++) if (Math.abs(t.values[i]!) <= cut) near++;
  return { numel: n, mean, std, nearZeroFraction: n > 0 ? near / n : NaN, zeroFraction: n > 0 ? zeros / n : NaN };
}

/** For each sparsity, the global magnitude threshold and the mass below it (ties at the threshold have equal |w|, so the masses are exact). */
export function magnitudeCuts(tensors: readonly PrunableValues[], sparsities: readonly number[], std: number): MagnitudeCut[] {
  const keys = tensors.map((t) => {
    const k = new Uint32Array(t.values.length);
    const bits = new Uint32Array(t.values.buffer, t.values.byteOffset, t.values.length);
    for (let i = 0; i < k.length; i++) k[i] = bits[i]! & 0x7fffffff;
    return k;
  });
  const total = keys.reduce((n, k) => n + k.length, 0);
  let l1 = 0, l2 = 0;
  for (const t of tensors) for (let i = 0; i < t.values.length; i++) {
    const a = Math.abs(t.values[i]!);
    if (Number.isFinite(a)) { l1 += a; l2 += a * a; }
  }
  return sparsities.map((s) => {
    checkSparsity(s);
    const k = prunedCount(total, s);
    if (k === 0) return { sparsity: s, pruned: 0, threshold: 0, thresholdOverStd: 0, l1MassFraction: 0, l2MassFraction: 0 };
    const { key, below } = kthSmallestKey(keys, k);
    const threshold = new Float32Array(new Uint32Array([key]).buffer)[0]!;
    let c1 = 0, c2 = 0;
    for (const t of tensors) for (let i = 0; i < t.values.length; i++) {
      const a = Math.abs(t.values[i]!);
      if (a < threshold) { c1 += a; c2 += a * a; }
    }
    const ties = k - below;
    c1 += ties * threshold;
    c2 += ties * threshold * threshold;
    return { sparsity: s, pruned: k, threshold, thresholdOverStd: threshold / std, l1MassFraction: l1 > 0 ? c1 / l1 : 0, l2MassFraction: l2 > 0 ? c2 / l2 : 0 };
  });
}
