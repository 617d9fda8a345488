// Modular addition as a training task (Power et al. 2022, arXiv 2201.02177; Nanda et al. 2023,
// arXiv 2301.05217): the sequence `a b =` is followed by c = (a + b) mod p. Every one of the p^2
// ordered pairs is an example; a seeded split puts an exact fraction of them in the training set
// and the rest in the test set. This file builds the data only; `train --task modular-addition`
// trains on it (tasks/training.ts).
import { Rng } from "../../util/rng.js";
import { UsageError } from "../../util/errors.js";
import { IGNORE_INDEX } from "../loss.js";
import type { Batch } from "../data.js";

/** Tokens 0..p-1 are the residues; token p is "=". Each example is 3 input tokens. */
export const MODULAR_ADDITION_SEQUENCE_LENGTH = 3;
/** Position (0-based) whose prediction is the answer: the "=" token predicts c. */
export const MODULAR_ADDITION_ANSWER_POSITION = 2;
/** Largest modulus accepted (p^2 examples are materialised; 1009^2 is about a million). */
export const MAX_MODULUS = 1009;

export interface ModularAdditionOptions {
  /** The modulus, a prime >= 3 (Nanda et al. use 113). */
  readonly p: number;
  /** Fraction of the p^2 pairs used for training, in (0, 1); the count is round(fraction * p^2). */
  readonly trainFraction: number;
  /** Seed of the split (a Fisher-Yates shuffle of the pair indices by Rng(seed)). */
  readonly seed: number;
  /**
   * "ordered" (default, as in both papers): the p^2 ordered pairs are shuffled independently, so
   * about trainFraction of the test pairs have their swap (b, a) in the training set and a model
   * that learns only commutativity scores that much test accuracy before it generalises (measured:
   * 837 of 2,089 test pairs = 0.401 for p = 59, fraction 0.4, seed 0). "unordered": (a, b) and
   * (b, a) always fall in the same split, which removes that shortcut.
   */
  readonly pairing?: "ordered" | "unordered";
}

/**
 * Scaled-down defaults that grok within a few minutes of one CPU core (docs/results/grokking-probes.md,
 * "The recipe that groks"): with TASK_TRAIN_DEFAULTS (no LayerNorm, sequential residual, init std
 * 1/sqrt(64), lr 1e-3, wd 3), seed 0 memorises by step 200 and test accuracy passes 0.95 around step
 * 1,000. The trainer is not at fault for probes 0-14: PyTorch with the same block, split and initial
 * weights follows it to 1e-6 in loss over 100 full-batch steps (tools/reference/grokking_torch.py).
 * What changed against probes 7-14 (p = 31, unordered, wd 5, init scale 4, GPT-NeoX's parallel
 * block) is the sequential residual (in a 1-layer parallel block the MLP at the answer position reads
 * only the "=" token's embedding, so only attention can combine a and b; in PyTorch the parallel block
 * generalised later than the sequential one), p = 47, ordered pairs, wd 3 and init scale 6.25; which of
 * these mattered most is not isolated. Reasons for the choices, from the papers:
 * - p = 47 instead of 113: 2,209 pairs instead of 12,769, so a full-batch step costs ~6x less;
 *   a prime keeps the group cyclic with no sub-structure (Power et al. use primes).
 * - trainFraction 0.4 instead of 0.3: Power et al. (Fig. 1 right) find the steps needed to
 *   generalise grow steeply as the training fraction falls toward ~0.25-0.3; with a smaller p the
 *   same fraction is also fewer absolute examples, so a slightly larger fraction keeps the run short
 *   while leaving a clear memorise-then-generalise gap (ordered pairs: test accuracy sits at the
 *   commutativity plateau, ~0.4, for several hundred steps before it jumps).
 */
export const DEFAULT_MODULAR_ADDITION: Omit<ModularAdditionOptions, "seed"> = { p: 47, trainFraction: 0.4 };

/**
 * The training recipe that goes with the defaults (the defaults of `train --task modular-addition`,
 * TASK_TRAIN_DEFAULTS in trainer-options.ts, which also set no LayerNorm, the sequential residual
 * and init scale 6.25): Nanda et al.'s 1-layer transformer (d_model 128, 4 heads, d_mlp 512)
 * narrowed to width 64 (heads 4, d_mlp 256) for CPU; AdamW lr 1e-3, betas (0.9, 0.98), weight decay
 * 3 (theirs is 1; lr x wd sets the pace of the generalisation) — weight decay is the intervention
 * Power et al. found most effective for generalisation, and Nanda et al.'s progress measures
 * (weight norm, Fourier sparsity) rest on it; full-batch training on the train split, as Nanda et al. do.
 */
export const GROKKING_RECIPE = {
  layers: 1, hiddenSize: 64, heads: 4, intermediateSize: 256,
  learningRate: 1e-3, beta1: 0.9, beta2: 0.98, weightDecay: 3.0, fullBatch: true,
} as const;

/** The split: pair indices i = a * p + b, each ascending; train and test are disjoint and cover 0..p^2-1. */
export interface ModularAdditionData {
  readonly p: number;
  /** p + 1: the residues and "=". */
  readonly vocabSize: number;
  /** The "=" token id (= p). */
  readonly equalsToken: number;
  readonly train: Int32Array;
  readonly test: Int32Array;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Fisher-Yates shuffle in place by rng; returns the array. */
function shuffled(order: Int32Array, rng: Rng): Int32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * nTrain ordered pairs made of whole classes {(a, b), (b, a)}: d diagonal pairs (a, a) and m
 * off-diagonal classes of two, d = round(fraction x p) moved by one when needed so that d + 2m = nTrain.
 */
function unorderedTrainPairs(p: number, nTrain: number, rng: Rng): Int32Array {
  let d = Math.round((nTrain / (p * p)) * p);
  if ((nTrain - d) % 2 !== 0) d += d < p ? 1 : -1;
  const m = (nTrain - d) / 2;
  if (m < 0 || m > (p * (p - 1)) / 2) throw new UsageError(`modular addition: ${nTrain} training pairs cannot be made of whole (a, b)/(b, a) classes for p = ${p} ---> HINT: use a train fraction further from 0 and 1`);
  const diagonal = shuffled(Int32Array.from({ length: p }, (_, a) => a * p + a), rng);
  const upper: number[] = [];
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) upper.push(a * p + b);
  const classes = shuffled(Int32Array.from(upper), rng);
  const out = new Int32Array(nTrain);
  out.set(diagonal.subarray(0, d));
  for (let k = 0; k < m; k++) {
    const i = classes[k]!, a = Math.floor(i / p), b = i % p;
    out[d + 2 * k] = i;
    out[d + 2 * k + 1] = b * p + a;
  }
  return out;
}

/** The number of training pairs for modulus p and a fraction: round(fraction * p^2). */
export function modularAdditionTrainCount(p: number, trainFraction: number): number {
  return Math.round(trainFraction * p * p);
}

/** Builds the seeded train/test split of all p^2 pairs. */
export function modularAdditionSplit(options: ModularAdditionOptions): ModularAdditionData {
  const { p, trainFraction, seed } = options;
  if (!(Number.isInteger(p) && p >= 3 && p <= MAX_MODULUS && isPrime(p))) {
    throw new UsageError(`modular addition: p must be a prime in [3, ${MAX_MODULUS}], got ${p} ---> HINT: use e.g. 59, 97 or 113`);
  }
  const n = p * p, nTrain = modularAdditionTrainCount(p, trainFraction);
  if (!(trainFraction > 0 && trainFraction < 1) || nTrain < 1 || nTrain > n - 1) {
    throw new UsageError(`modular addition: train fraction ${trainFraction} leaves ${nTrain} of ${n} pairs for training ---> HINT: use a fraction in (0, 1) that leaves both splits non-empty, e.g. 0.3`);
  }
  const rng = new Rng(seed);
  const train = options.pairing === "unordered" ? unorderedTrainPairs(p, nTrain, rng) : shuffled(Int32Array.from({ length: n }, (_, i) => i), rng).slice(0, nTrain);
  train.sort();
  const inTrain = new Uint8Array(n);
  for (const i of train) inTrain[i] = 1;
  const test = Int32Array.from({ length: n - nTrain });
  for (let i = 0, at = 0; i < n; i++) if (inTrain[i] === 0) test[at++] = i;
  return { p, vocabSize: p + 1, equalsToken: p, train, test };
}

/** The example of pair index i: a = floor(i / p), b = i mod p, c = (a + b) mod p. */
export function modularAdditionExample(p: number, index: number): { a: number; b: number; c: number } {
  const a = Math.floor(index / p), b = index % p;
  return { a, b, c: (a + b) % p };
}

/**
 * The batch of the given pair indices: inputs (N, 3) = [a, b, "="]; targets (N, 3) ignore every
 * position except the answer position 2, whose target is c. Loss over the batch = loss on the answer.
 */
export function modularAdditionBatch(data: ModularAdditionData, indices: Int32Array): Batch {
  const T = MODULAR_ADDITION_SEQUENCE_LENGTH, N = indices.length, p = data.p;
  const inputs = new Int32Array(N * T), targets = new Int32Array(N * T).fill(IGNORE_INDEX);
  for (let r = 0; r < N; r++) {
    const i = indices[r]!;
    if (!(Number.isInteger(i) && i >= 0 && i < p * p)) throw new UsageError(`modular addition: pair index ${i} is outside [0, ${p * p}) for p = ${p}`);
    const { a, b, c } = modularAdditionExample(p, i);
    inputs[r * T] = a;
    inputs[r * T + 1] = b;
    inputs[r * T + 2] = data.equalsToken;
    targets[r * T + MODULAR_ADDITION_ANSWER_POSITION] = c;
  }
  return { inputs, targets };
}
