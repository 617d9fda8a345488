// Induction sequences (Olsson et al. 2022, "In-context learning and induction heads"): random
// tokens with a segment that recurs at a distance that varies per sequence. Layout of one sequence
// of T = 2L + R tokens (L = segmentLength, R = offsetMax), all tokens uniform in [0, V):
//   positions 0 .. r-1                 : r random tokens                  (the prefix)
//   positions r .. r+L-1               : the segment S of L random tokens (its first occurrence)
//   positions r+L .. r+L+g-1           : g random tokens                  (the gap)
//   positions r+L+g .. r+2L+g-1        : S again, in the same order       (the repeat)
//   positions r+2L+g .. T-1            : R - r - g random tokens          (the padding)
// Per sequence, g is uniform in [0, R], then r uniform in [0, R - g] (drawn before the tokens from
// the same Rng). The repeat starts at r + L + g: the distance between the two copies, L + g, is
// uniform over R + 1 values, so no fixed relative offset copies the next token (with R = 0 the
// layout is the fixed-offset one, which a single attention layer solves by copying from L - 1
// positions back: docs/results/grokking-probes.md, probe I2). A head that only uses positions can
// at best spread its attention over the R + 1 candidate sources (loss about ln(R + 1) when
// R + 1 << V); an induction head ([A][B] ... [A] -> [B]: a previous-token head composed with a
// content match) predicts the repeat exactly. Next-token prediction at position t targets token
// t+1. This file builds the data and states where each sequence's scored positions are
// (`train --task induction` runs it: tasks/training.ts; the metrics: tasks/metrics.ts).
import { Rng } from "../../util/rng.js";
import { UsageError } from "../../util/errors.js";
import { batchSeed } from "../data.js";
import type { Batch } from "../data.js";
import { IGNORE_INDEX } from "../loss.js";

/** Largest vocabulary, segment length and offset range accepted (the tensors are materialised per batch). */
export const MAX_INDUCTION_VOCAB = 65_536;
export const MAX_INDUCTION_SEGMENT = 4_096;
export const MAX_INDUCTION_OFFSET = 4_096;

export interface InductionOptions {
  /** Vocabulary size V: tokens are uniform in [0, V). */
  readonly vocabSize: number;
  /** Segment length L: the segment that occurs twice. */
  readonly segmentLength: number;
  /**
   * Offset range R: the prefix r and the gap g between the copies satisfy r + g <= R (sequence
   * length T = 2L + R). 0 = the fixed layout (S then S again), solvable by a positional copy.
   */
  readonly offsetMax: number;
}

/**
 * Scaled-down defaults of `train --task induction`: V = 64 keeps the unembedding small while a
 * chance guess of the copied token stays unlikely (1/64); L = 32 gives 31 scored predictions per
 * occurrence; R = L = 32 (T = 96) spreads the distance between the copies over 33 values, so a
 * positional-only head is held near ln 33 = 3.50 nats on the repeat (ln 64 = 4.16 without any help,
 * about 0 for an induction head). Olsson et al.'s small models are 2-layer attention-only; the
 * phase change needs two layers (previous-token head, then induction head).
 */
export const DEFAULT_INDUCTION: InductionOptions = { vocabSize: 64, segmentLength: 32, offsetMax: 32 };

function checkOptions(o: InductionOptions): void {
  if (!(Number.isInteger(o.vocabSize) && o.vocabSize >= 2 && o.vocabSize <= MAX_INDUCTION_VOCAB)) {
    throw new UsageError(`induction task: vocabulary size must be an integer in [2, ${MAX_INDUCTION_VOCAB}], got ${o.vocabSize}`);
  }
  if (!(Number.isInteger(o.segmentLength) && o.segmentLength >= 2 && o.segmentLength <= MAX_INDUCTION_SEGMENT)) {
    throw new UsageError(`induction task: segment length must be an integer in [2, ${MAX_INDUCTION_SEGMENT}], got ${o.segmentLength}`);
  }
  if (!(Number.isInteger(o.offsetMax) && o.offsetMax >= 0 && o.offsetMax <= MAX_INDUCTION_OFFSET)) {
    throw new UsageError(`induction task: offset range must be an integer in [0, ${MAX_INDUCTION_OFFSET}], got ${o.offsetMax}`);
  }
}

/** Sequence length T = 2L + R (fixed per run). */
export function inductionSequenceLength(o: InductionOptions): number {
  checkOptions(o);
  return 2 * o.segmentLength + o.offsetMax;
}

/** Sequences with where their segment occurs: segmentStart[b] = r, repeatStart[b] = r + L + g. */
export interface InductionSequences {
  /** (B, T) row-major tokens. */
  readonly tokens: Int32Array;
  /** Per sequence: position of the segment's first occurrence (r). */
  readonly segmentStart: Int32Array;
  /** Per sequence: position of its repeat (r + L + g). */
  readonly repeatStart: Int32Array;
}

/** A training or evaluation batch with its per-sequence layout. */
export interface InductionBatch extends Batch, Omit<InductionSequences, "tokens"> {}

/**
 * B sequences (B, T) from Rng(seed), row by row: g = rng.int(R + 1), r = rng.int(R - g + 1), then the
 * T tokens left to right (prefix, segment, gap, padding drawn; the repeat copied), so one seed gives
 * one exact set of sequences and layouts.
 */
export function inductionSequences(o: InductionOptions, B: number, seed: number): InductionSequences {
  const T = inductionSequenceLength(o);
  if (!(Number.isInteger(B) && B >= 1)) throw new UsageError(`induction task: batch size must be a positive integer, got ${B}`);
  const L = o.segmentLength, R = o.offsetMax, rng = new Rng(seed);
  const tokens = new Int32Array(B * T), segmentStart = new Int32Array(B), repeatStart = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const g = rng.int(R + 1), r = rng.int(R - g + 1), rep = r + L + g, row = b * T;
    segmentStart[b] = r;
    repeatStart[b] = rep;
    for (let t = 0; t < T; t++) tokens[row + t] = t >= rep && t < rep + L ? tokens[row + r + t - rep]! : rng.int(o.vocabSize);
  }
  return { tokens, segmentStart, repeatStart };
}

/** Inputs and next-token targets (IGNORE_INDEX at the last position) of sequences. */
export function inductionBatchOf(o: InductionOptions, s: InductionSequences): InductionBatch {
  const T = inductionSequenceLength(o), inputs = s.tokens, targets = new Int32Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) targets[i] = (i + 1) % T === 0 ? IGNORE_INDEX : inputs[i + 1]!;
  return { inputs, targets, segmentStart: s.segmentStart, repeatStart: s.repeatStart };
}

/**
 * The training batch of 0-based step `step`: B fresh sequences from Rng(batchSeed(seed, step)), so a
 * resumed run draws what an uninterrupted one would. Inputs (B, T) are the sequences; targets (B, T)
 * are the next tokens, IGNORE_INDEX at the last position; with each sequence's layout.
 */
export function inductionBatch(o: InductionOptions, B: number, seed: number, step: number): InductionBatch {
  return inductionBatchOf(o, inductionSequences(o, B, batchSeed(seed, step)));
}

/**
 * The scored prediction rows (flat indices b*T + t; the prediction at t targets token t+1), per
 * sequence from its layout:
 * - first: t = r + i, i = 0..L-2 (targets S[1..L-1] at their first occurrence: unpredictable);
 * - repeated: t = r + L + g + i, i = 0..L-2 (predicts S[i+1] from S[i], whose earlier copy is in
 *   context);
 * both (B, L-1). The prediction of S[0] (at t = start - 1) is in neither: nothing in context gives it.
 * - early / late (B): the in-context score's positions, relative to the segment start:
 *   early = r + e in the first occurrence, late = r + L + g + e in the repeat, e = floor((L-1)/2);
 *   both predict S[e+1], without and with its earlier copy in context.
 */
export function inductionScoredRows(o: InductionOptions, layout: Omit<InductionSequences, "tokens">): { first: Int32Array; repeated: Int32Array; early: Int32Array; late: Int32Array } {
  const T = inductionSequenceLength(o), L = o.segmentLength, B = layout.segmentStart.length, e = inductionScoreOffset(o);
  if (layout.repeatStart.length !== B) throw new UsageError(`induction layout: ${B} segment starts but ${layout.repeatStart.length} repeat starts`);
  const first = new Int32Array(B * (L - 1)), repeated = new Int32Array(B * (L - 1)), early = new Int32Array(B), late = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const r = layout.segmentStart[b]!, rep = layout.repeatStart[b]!;
    if (!(Number.isInteger(r) && Number.isInteger(rep) && r >= 0 && rep >= r + L && rep + L <= T)) {
      throw new UsageError(`induction layout: sequence ${b} has segment at ${r} and repeat at ${rep}, outside a sequence of ${T} with segments of ${L}`);
    }
    for (let i = 0; i < L - 1; i++) {
      first[b * (L - 1) + i] = b * T + r + i;
      repeated[b * (L - 1) + i] = b * T + rep + i;
    }
    early[b] = b * T + r + e;
    late[b] = b * T + rep + e;
  }
  return { first, repeated, early, late };
}

/** e = floor((L-1)/2): the in-context score compares the predictions at segment offset e of both occurrences (L = 32: e = 15, predicting the 17th segment token). */
export function inductionScoreOffset(o: InductionOptions): number {
  return Math.floor((o.segmentLength - 1) / 2);
}
