// Induction sequences (Olsson et al. 2022, "In-context learning and induction heads"): random
// tokens with a repeated segment. Layout of one sequence of T = 2L tokens:
//   positions 0..L-1   : L tokens drawn uniformly from [0, V)          (the first half)
//   positions L..2L-1  : the same L tokens again, in the same order    (the repeated half)
// Next-token prediction at position t targets token t+1. The first half is unpredictable (best
// loss ln V); in the repeated half, token t+1 follows the earlier copy of token t, which is what an
// induction head ([A][B] ... [A] -> [B]) exploits, so the loss there drops when the heads form.
// Caveat: L is fixed, so a head attending at the fixed relative offset L-1 could also copy; the
// in-context score cannot tell the two mechanisms apart. This file builds the data only
// (`train --task induction` runs it: tasks/training.ts).
import { Rng } from "../../util/rng.js";
import { UsageError } from "../../util/errors.js";
import { batchSeed } from "../data.js";
import type { Batch } from "../data.js";
import { IGNORE_INDEX } from "../loss.js";

/** Largest vocabulary and segment length accepted (the tensors are materialised per batch). */
export const MAX_INDUCTION_VOCAB = 65_536;
export const MAX_INDUCTION_SEGMENT = 4_096;

export interface InductionOptions {
  /** Vocabulary size V: tokens are uniform in [0, V). */
  readonly vocabSize: number;
  /** Segment length L: the sequence is L random tokens then the same L again (T = 2L). */
  readonly segmentLength: number;
}

/**
 * Scaled-down defaults of `train --task induction`: V = 64 keeps the unembedding
 * small while a chance guess of the copied token stays unlikely (1/64); L = 32 gives T = 64 and 31
 * scored predictions per half. Olsson et al.'s small models are 2-layer attention-only; the
 * phase change needs two layers (previous-token head, then induction head).
 */
export const DEFAULT_INDUCTION: InductionOptions = { vocabSize: 64, segmentLength: 32 };

function checkOptions(o: InductionOptions): void {
  if (!(Number.isInteger(o.vocabSize) && o.vocabSize >= 2 && o.vocabSize <= MAX_INDUCTION_VOCAB)) {
    throw new UsageError(`induction task: vocabulary size must be an integer in [2, ${MAX_INDUCTION_VOCAB}], got ${o.vocabSize}`);
  }
  if (!(Number.isInteger(o.segmentLength) && o.segmentLength >= 2 && o.segmentLength <= MAX_INDUCTION_SEGMENT)) {
    throw new UsageError(`induction task: segment length must be an integer in [2, ${MAX_INDUCTION_SEGMENT}], got ${o.segmentLength}`);
  }
}

/** Sequence length T = 2L. */
export function inductionSequenceLength(o: InductionOptions): number {
  return 2 * o.segmentLength;
}

/**
 * The scored prediction positions of each half (0-based positions t whose prediction targets token t+1):
 * first half t = 0..L-2 (targets tokens 1..L-1); repeated half t = L..2L-2 (targets L+1..2L-1).
 * Position L-1 (predicting the first repeated token, guessable only from position) and 2L-1 (no
 * target) are in neither. Both halves have L-1 positions.
 */
export function inductionHalves(o: InductionOptions): { first: Int32Array; repeated: Int32Array } {
  checkOptions(o);
  const L = o.segmentLength;
  const first = new Int32Array(L - 1), repeated = new Int32Array(L - 1);
  for (let i = 0; i < L - 1; i++) {
    first[i] = i;
    repeated[i] = L + i;
  }
  return { first, repeated };
}

/** B sequences (B, 2L) row-major from Rng(seed): each row draws L tokens and writes them twice. */
export function inductionSequences(o: InductionOptions, B: number, seed: number): Int32Array {
  checkOptions(o);
  if (!(Number.isInteger(B) && B >= 1)) throw new UsageError(`induction task: batch size must be a positive integer, got ${B}`);
  const L = o.segmentLength, T = 2 * L, rng = new Rng(seed);
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < L; i++) {
      const tok = rng.int(o.vocabSize);
      out[b * T + i] = tok;
      out[b * T + L + i] = tok;
    }
  }
  return out;
}

/**
 * The training batch of 0-based step `step`: B fresh sequences from Rng(batchSeed(seed, step)), so a
 * resumed run draws what an uninterrupted one would. Inputs (B, T) are the sequences; targets (B, T)
 * are the next tokens, IGNORE_INDEX at the last position.
 */
export function inductionBatch(o: InductionOptions, B: number, seed: number, step: number): Batch {
  const T = inductionSequenceLength(o);
  const inputs = inductionSequences(o, B, batchSeed(seed, step));
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) targets[b * T + t] = t + 1 < T ? inputs[b * T + t + 1]! : IGNORE_INDEX;
  }
  return { inputs, targets };
}
