// Quality metrics of the synthetic tasks computed from a model's logits, pure: modular addition's
// loss and accuracy on the answer token; induction's loss on the first occurrence vs the repeat of the
// segment (per-sequence positions) and the in-context score. Logits are (N, V) row-major, one row per input position (as
// GPTNeoX.forward returns them); it does not run the model.
import { UsageError } from "../../util/errors.js";
import { MODULAR_ADDITION_SEQUENCE_LENGTH, MODULAR_ADDITION_ANSWER_POSITION } from "./modular-addition.js";
import { inductionScoredRows, inductionSequenceLength } from "./induction.js";
import type { InductionOptions, InductionBatch } from "./induction.js";

/** Cross-entropy (nats) of one logits row against a target, and whether the target is the argmax (first maximum on ties). */
function scoreRow(logits: Float32Array, row: number, V: number, target: number): { loss: number; correct: boolean } {
  const x = row * V;
  let max = -Infinity, argmax = 0;
  for (let v = 0; v < V; v++) {
    if (logits[x + v]! > max) {
      max = logits[x + v]!;
      argmax = v;
    }
  }
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[x + v]! - max);
  return { loss: Math.log(sum) + max - logits[x + target]!, correct: argmax === target };
}

function checkShapes(logits: Float32Array, targets: Int32Array, V: number, T: number, what: string): number {
  if (!(Number.isInteger(V) && V >= 2)) throw new UsageError(`${what}: vocabulary size must be an integer >= 2, got ${V}`);
  if (targets.length % T !== 0) throw new UsageError(`${what}: ${targets.length} targets are not whole sequences of ${T}`);
  if (logits.length < targets.length * V) throw new UsageError(`${what}: ${logits.length} logits, need ${targets.length} positions x ${V} vocabulary = ${targets.length * V}`);
  return targets.length / T;
}

function checkTarget(target: number, V: number, what: string, row: number): void {
  if (!(target >= 0 && target < V)) throw new UsageError(`${what}: target ${target} at position ${row} is outside the vocabulary [0, ${V})`);
}

export interface AnswerMetrics {
  /** Mean cross-entropy (nats) on the answer token. */
  loss: number;
  /** Fraction of examples whose answer is the argmax of the logits over the whole vocabulary. */
  accuracy: number;
  /** Examples scored. */
  count: number;
}

/**
 * Loss and accuracy on the answer of modular-addition sequences: logits (N*3, V) from inputs
 * [a, b, =], targets (N*3) as modularAdditionBatch makes them (the answer at position 2). Call it
 * once on the train split and once on the test split.
 */
export function modularAdditionMetrics(logits: Float32Array, targets: Int32Array, V: number): AnswerMetrics {
  const T = MODULAR_ADDITION_SEQUENCE_LENGTH, what = "modular addition metrics";
  const N = checkShapes(logits, targets, V, T, what);
  let loss = 0, correct = 0;
  for (let r = 0; r < N; r++) {
    const row = r * T + MODULAR_ADDITION_ANSWER_POSITION, target = targets[row]!;
    checkTarget(target, V, what, row);
    const s = scoreRow(logits, row, V, target);
    loss += s.loss;
    if (s.correct) correct++;
  }
  return { loss: N > 0 ? loss / N : NaN, accuracy: N > 0 ? correct / N : NaN, count: N };
}

export interface InductionMetrics {
  /** Mean loss (nats) over the predictions inside the segment's first occurrence (unpredictable tokens; ln V at best). */
  firstHalfLoss: number;
  /** Mean loss over the predictions inside its repeat (copyable from the earlier occurrence). */
  repeatedHalfLoss: number;
  /** Mean loss at the early scored position (inductionScoredRows), over the sequences. */
  earlyTokenLoss: number;
  /** Mean loss at the late scored position. */
  lateTokenLoss: number;
  /**
   * Olsson et al.'s in-context learning score: lateTokenLoss - earlyTokenLoss. About 0 before
   * induction heads form, about -ln V when the copy is perfect (negative = the context helps).
   */
  inContextScore: number;
  /** Accuracy of the argmax on the repeat. */
  repeatedHalfAccuracy: number;
  /** Predictions scored per occurrence (B x (L-1)). */
  countPerHalf: number;
}

/**
 * The induction metrics over B sequences: logits (B*T, V), next-token targets (B*T) and each
 * sequence's layout, as inductionBatch makes them. The scored rows depend on the layout of each
 * sequence (inductionScoredRows): first occurrence t = r + i, repeat t = r + L + g + i (i = 0..L-2);
 * the in-context score is the loss at r + L + g + e minus the loss at r + e, e = floor((L-1)/2) (both
 * predict the segment's token e+1; Olsson et al. use the 50th and the 500th token of natural text).
 * A layout that does not match the targets (a repeat target differing from its first occurrence's)
 * is a usage error.
 */
export function inductionMetrics(logits: Float32Array, batch: Pick<InductionBatch, "targets" | "segmentStart" | "repeatStart">, options: InductionOptions, V: number): InductionMetrics {
  const T = inductionSequenceLength(options), what = "induction metrics", targets = batch.targets;
  const B = checkShapes(logits, targets, V, T, what);
  if (batch.segmentStart.length !== B) throw new UsageError(`${what}: ${batch.segmentStart.length} layouts for ${B} sequences`);
  const rows = inductionScoredRows(options, batch);
  for (let i = 0; i < rows.first.length; i++) {
    if (targets[rows.first[i]!] !== targets[rows.repeated[i]!]) {
      throw new UsageError(`${what}: the target at row ${rows.repeated[i]} differs from its first occurrence at row ${rows.first[i]}; pass the layout these sequences were built with`);
    }
  }
  const score = (positions: Int32Array): { loss: number; accuracy: number } => {
    let loss = 0, correct = 0;
    for (const row of positions) {
      const target = targets[row]!;
      checkTarget(target, V, what, row);
      const s = scoreRow(logits, row, V, target);
      loss += s.loss;
      if (s.correct) correct++;
    }
    const n = positions.length;
    return { loss: n > 0 ? loss / n : NaN, accuracy: n > 0 ? correct / n : NaN };
  };
  const f = score(rows.first), r = score(rows.repeated), e = score(rows.early), l = score(rows.late);
  return {
    firstHalfLoss: f.loss, repeatedHalfLoss: r.loss, earlyTokenLoss: e.loss, lateTokenLoss: l.loss, inContextScore: l.loss - e.loss,
    repeatedHalfAccuracy: r.accuracy, countPerHalf: rows.first.length,
  };
}
