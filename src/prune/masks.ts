// Pruning masks over float32 values (pure, no I/O): by magnitude or at random (the control), with
// global scope (all prunable tensors ranked together) or per-tensor scope, at an exact count.
//
// Conventions (stated once; tools/reference/prune_reference.py implements them independently):
// - k = floor(s * n + 0.5) weights are pruned: n is the number of prunable weights (global scope)
//   or of one tensor (tensor scope); s in [0, 1).
// - Magnitude ranking: by |w| ascending; ties by tensor name (code-point order), then row-major
//   index. Existing zeros (+0 and -0) have |w| = 0 and so are pruned first; NaN ranks above +Inf
//   (never pruned before a number). Output zeros = max(k, existing zeros).
// - Random: existing zeros count towards k (they are kept, and are part of the mask); the other
//   k - z0 are drawn uniformly without replacement among the non-zero weights, in the same
//   (name, index) order, by selection sampling with the seeded Rng. Output zeros = max(k, z0).
import { UsageError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { addAt } from "../util/typed.js";

export type PruneMethod = "magnitude" | "random";
export type PruneScope = "global" | "tensor";

export const PRUNE_METHODS: readonly PruneMethod[] = ["magnitude", "random"];
export const PRUNE_SCOPES: readonly PruneScope[] = ["global", "tensor"];

/** One prunable tensor's values (float32; F16/BF16 decode to it exactly). */
export interface PrunableValues {
  readonly name: string;
  readonly values: Float32Array;
}

/** Which elements of one tensor a mask sets to zero (1 = pruned). */
export interface PruneMask {
  readonly name: string;
  readonly pruned: Uint8Array;
  /** Number of 1s in `pruned`. */
  readonly count: number;
}

export interface MaskOptions {
  sparsity: number;
  method: PruneMethod;
  scope: PruneScope;
  /** Seed of the random method (default 0). */
  seed?: number;
}

/** Default seed of random masks. */
export const DEFAULT_PRUNE_SEED = 0;

/** Checks s is a number in [0, 1). */
export function checkSparsity(sparsity: number): void {
  if (!(Number.isFinite(sparsity) && sparsity >= 0 && sparsity < 1)) {
    throw new UsageError(`sparsity must be a number in [0, 1) (e.g. 0.5 for 50%), got ${sparsity}`);
  }
}

/** Number of weights pruned out of n at sparsity s: floor(s * n + 0.5). */
export function prunedCount(numel: number, sparsity: number): number {
  checkSparsity(sparsity);
  return Math.min(numel, Math.floor(sparsity * numel + 0.5));
}

/** Masks for `tensors` (returned in the same order) under the method and scope. */
export function pruneMasks(tensors: readonly PrunableValues[], o: MaskOptions): PruneMask[] {
  checkSparsity(o.sparsity);
  const groups: PrunableValues[][] = o.scope === "global" ? [[...tensors]] : tensors.map((t) => [t]);
  const byName = new Map<string, PruneMask>();
  let seed = o.seed ?? DEFAULT_PRUNE_SEED;
  for (const group of groups) {
    const ordered = sortByName(group);
    const total = ordered.reduce((n, t) => n + t.values.length, 0);
    const k = prunedCount(total, o.sparsity);
    const masks = o.method === "magnitude" ? magnitudeGroupMasks(ordered, k) : randomGroupMasks(ordered, k, new Rng(seed));
    // Each tensor of the per-tensor scope gets its own stream, derived from the seed.
    seed = (seed + 0x9e3779b9) >>> 0;
    for (const m of masks) byName.set(m.name, m);
  }
  return tensors.map((t) => byName.get(t.name)!);
}

function sortByName(group: readonly PrunableValues[]): PrunableValues[] {
  const sorted = [...group].sort((a, b) => Buffer.compare(Buffer.from(a.name, "utf8"), Buffer.from(b.name, "utf8")));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new UsageError(`pruning: tensor "${sorted[i]!.name}" is listed twice`);
  }
  return sorted;
}

/** Sort key of |w|: the float32 bits with the sign cleared (monotone in |w|; NaN above +Inf). */
function magnitudeKeys(values: Float32Array): Uint32Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const keys = new Uint32Array(values.length);
  for (let i = 0; i < bits.length; i++) keys[i] = bits[i]! & 0x7fffffff;
  return keys;
}

/** The key of the k-th smallest element (1-based) and how many keys are strictly below it. */
export interface KeyThreshold {
  key: number;
  below: number;
}

/** Radix select over 32-bit keys in two 16-bit passes (exact, O(n), no sorting). Needs 1 <= k <= n. */
export function kthSmallestKey(keyArrays: readonly Uint32Array[], k: number): KeyThreshold {
  const high = new Float64Array(65536);
  for (const keys of keyArrays) for (const key of keys) addAt(high, key >>> 16, 1);
  const [hi, belowHi] = findBin(high, k);
  const low = new Float64Array(65536);
  for (const keys of keyArrays) {
    for (const key of keys) if (key >>> 16 === hi) addAt(low, key & 0xffff, 1);
  }
  const [lo, belowLo] = findBin(low, k - belowHi);
  return { key: ((hi << 16) | lo) >>> 0, below: belowHi + belowLo };
}

/** First bin where the running count reaches `rank`, and the count before it. */
function findBin(counts: Float64Array, rank: number): [number, number] {
  let before = 0;
  for (let b = 0; b < counts.length; b++) {
    if (before + counts[b]! >= rank) return [b, before];
    before += counts[b]!;
  }
  throw new UsageError(`kthSmallestKey: rank ${rank} is beyond the ${before} keys`);
}

/** Magnitude masks of name-sorted tensors pruning exactly k elements in total. */
function magnitudeGroupMasks(ordered: readonly PrunableValues[], k: number): PruneMask[] {
  const keys = ordered.map((t) => magnitudeKeys(t.values));
  if (k === 0) return ordered.map((t) => ({ name: t.name, pruned: new Uint8Array(t.values.length), count: 0 }));
  const { key: threshold, below } = kthSmallestKey(keys, k);
  let ties = k - below;
  return ordered.map((t, j) => {
    const kk = keys[j]!;
    const pruned = new Uint8Array(kk.length);
    let count = 0;
    for (let i = 0; i < kk.length; i++) {
      const key = kk[i]!;
      if (key < threshold || (key === threshold && ties > 0)) {
        if (key === threshold) ties--;
        pruned[i] = 1;
        count++;
      }
    }
    return { name: t.name, pruned, count };
  });
}

/** Random masks: existing zeros plus max(0, k - z0) uniformly chosen non-zero elements. */
function randomGroupMasks(ordered: readonly PrunableValues[], k: number, rng: Rng): PruneMask[] {
  let zeros = 0;
  for (const t of ordered) for (let i = 0; i < t.values.length; i++) if (t.values[i] === 0) zeros++;
  const total = ordered.reduce((n, t) => n + t.values.length, 0);
  let need = Math.max(0, k - zeros);
  let remaining = total - zeros;
  return ordered.map((t) => {
    const v = t.values;
    const pruned = new Uint8Array(v.length);
    let count = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) {
        pruned[i] = 1;
        count++;
        continue;
      }
      // Selection sampling (Knuth's Algorithm S): exactly `need` of the `remaining` are chosen.
      if (need > 0 && rng.uniform() * remaining < need) {
        pruned[i] = 1;
        count++;
        need--;
      }
      remaining--;
    }
    return { name: t.name, pruned, count };
  });
}

/** Zeros the masked elements of raw little-endian tensor bytes in place (all-zero bytes = +0.0). */
export function applyMaskToBytes(bytes: Uint8Array, itemsize: number, mask: PruneMask): void {
  if (bytes.byteLength !== mask.pruned.length * itemsize) {
    throw new UsageError(`pruning "${mask.name}": ${bytes.byteLength} bytes do not hold ${mask.pruned.length} elements of ${itemsize} bytes`);
  }
  const p = mask.pruned;
  for (let i = 0; i < p.length; i++) if (p[i] === 1) bytes.fill(0, i * itemsize, (i + 1) * itemsize);
}

/** Zeros the masked elements of float32 values in place. */
export function applyMask(values: Float32Array, mask: PruneMask): void {
  if (values.length !== mask.pruned.length) throw new UsageError(`pruning "${mask.name}": ${values.length} values, mask of ${mask.pruned.length}`);
  const p = mask.pruned;
  for (let i = 0; i < p.length; i++) if (p[i] === 1) values[i] = 0;
}

/** Number of exact zeros (+0 and -0). */
export function countZeros(values: Float32Array): number {
  let z = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) z++;
  return z;
}
