// The tasks the trainer runs, behind one interface: the language-model corpus, modular addition
// and induction. A task gives its sequence length and vocabulary, the seeded training batch of a
// step (a pure function of seed and step, so a resumed run draws what an uninterrupted one would),
// and its evaluation at a checkpoint: the held-out loss and the task's quality metrics, named as
// quality/task-metrics.ts says. It does not train and does not touch files.
import { Rng } from "../../util/rng.js";
import { UsageError } from "../../util/errors.js";
import { MODULAR_ADDITION_METRIC_NAMES as MA, INDUCTION_METRIC_NAMES as IND } from "../../quality/task-metrics.js";
import type { GPTNeoX } from "../gpt-neox.js";
import { batchSeed, sampleBatch } from "../data.js";
import type { Batch, TokenStreams } from "../data.js";
import { evaluateModel } from "../evaluate.js";
import { IGNORE_INDEX } from "../loss.js";
import { modularAdditionSplit, modularAdditionBatch, MODULAR_ADDITION_SEQUENCE_LENGTH } from "./modular-addition.js";
import type { ModularAdditionData } from "./modular-addition.js";
import { inductionBatch, inductionBatchOf, inductionSequences, inductionSequenceLength } from "./induction.js";
import type { InductionOptions } from "./induction.js";
import { modularAdditionMetrics, inductionMetrics } from "./metrics.js";

export type TaskName = "lm" | "modular-addition" | "induction";
export const TASK_NAMES: readonly TaskName[] = ["lm", "modular-addition", "induction"];

/** Modular addition as trained: the split of the p^2 pairs and its seed. */
export interface ModularAdditionTaskSettings {
  name: "modular-addition";
  /** The prime modulus p (vocabulary p + 1: the residues and "="). */
  modulus: number;
  trainFraction: number;
  pairing: "ordered" | "unordered";
  /** Seed of the train/test split (default: the run's seed). */
  splitSeed: number;
}

/** Induction as trained: a random segment of segmentLength tokens from [0, vocabSize) repeated once, at per-sequence offsets within offsetMax (tasks/induction.ts). */
export interface InductionTaskSettings {
  name: "induction";
  vocabSize: number;
  segmentLength: number;
  /** R: prefix + gap <= R per sequence; sequence length 2L + R (0 = the fixed-offset layout). */
  offsetMax: number;
  /** Sequences of the fixed evaluation set. */
  evalSequences: number;
  /** Seed of the evaluation set (the same for every run, so runs are scored on the same sequences). */
  evalSeed: number;
}

export type SyntheticTaskSettings = ModularAdditionTaskSettings | InductionTaskSettings;

/** Seed of the induction evaluation set. Training batches use batchSeed(seed, step), a hash that equals it with probability 2^-32 per step. */
export const INDUCTION_EVAL_SEED = 0x1d0c7e57;
/** Default size of the induction evaluation set: 256 sequences (31 predictions per half each at L = 32). */
export const DEFAULT_INDUCTION_EVAL_SEQUENCES = 256;
/** Largest evaluation set accepted (its logits are held at once). */
export const MAX_INDUCTION_EVAL_SEQUENCES = 65_536;

/** A checkpoint's evaluation: the held-out loss (logged as eval_loss) and the task's metrics by stored name. */
export interface TaskEvaluation {
  loss: number;
  /** Predictions averaged in `loss`. */
  predictions: number;
  metrics: Record<string, number>;
}

export interface TrainingTask {
  /** Tokens per sequence (the model's context). */
  readonly sequenceLength: number;
  /** Token ids used: [0, vocabSize). */
  readonly vocabSize: number;
  /** Distinct training tokens, for the HF `epoch` field; Infinity when every batch is fresh. */
  readonly trainTokens: number;
  /** The training batch of 0-based step `step`: inputs and targets, (B, sequenceLength). */
  batch(B: number, seed: number, step: number): Batch;
  /** Evaluates the model (in chunks of its allocated batch size). */
  evaluate(model: GPTNeoX): TaskEvaluation;
}

/** The language-model corpus: random windows of the training stream; validation loss on the first evalTokens of the validation stream. */
export function languageModelTask(data: TokenStreams, sequenceLength: number, vocabSize: number, evalTokens: number): TrainingTask {
  return {
    sequenceLength, vocabSize, trainTokens: data.train.length,
    batch: (B, seed, step) => sampleBatch(data.train, B, sequenceLength, seed, step),
    evaluate: (model) => ({ ...evaluateModel(model, data.validation.subarray(0, evalTokens)), metrics: {} }),
  };
}

/** Runs the model over `rows` sequences of T tokens in chunks of its allocated B; returns all logits (rows*T, V) and the count-weighted mean loss. */
function forwardAll(model: GPTNeoX, batch: Batch, rows: number, T: number): { logits: Float32Array; loss: number; predictions: number } {
  const V = model.config.vocab_size, chunk = model.options.B;
  const logits = new Float32Array(rows * T * V);
  let sum = 0, predictions = 0;
  for (let r = 0; r < rows; r += chunk) {
    const b = Math.min(chunk, rows - r);
    const targets = batch.targets.subarray(r * T, (r + b) * T);
    let count = 0;
    for (const t of targets) if (t !== IGNORE_INDEX) count++;
    const out = model.forward(batch.inputs.subarray(r * T, (r + b) * T), b, T, targets);
    logits.set(out.logits.subarray(0, b * T * V), r * T * V);
    if (count > 0) sum += out.loss * count;
    predictions += count;
  }
  return { logits, loss: predictions > 0 ? sum / predictions : NaN, predictions };
}

/** B distinct indices of `pool` drawn by Rng(batchSeed(seed, step)) (a partial Fisher-Yates); the whole pool when B >= its size. */
function sampleIndices(pool: Int32Array, B: number, seed: number, step: number): Int32Array {
  if (B >= pool.length) return pool;
  const order = pool.slice(), rng = new Rng(batchSeed(seed, step));
  for (let i = 0; i < B; i++) {
    const j = i + rng.int(order.length - i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order.subarray(0, B);
}

/**
 * Modular addition: a batch of B >= the training split is the whole split (full-batch training, as
 * Nanda et al.); a smaller B draws B distinct training pairs per step. Evaluation is on the full
 * train and test splits; eval_loss is the test loss.
 */
export function modularAdditionTask(s: ModularAdditionTaskSettings): TrainingTask & { data: ModularAdditionData } {
  const data = modularAdditionSplit({ p: s.modulus, trainFraction: s.trainFraction, seed: s.splitSeed, pairing: s.pairing });
  const T = MODULAR_ADDITION_SEQUENCE_LENGTH;
  const trainBatch = modularAdditionBatch(data, data.train), testBatch = modularAdditionBatch(data, data.test);
  return {
    data, sequenceLength: T, vocabSize: data.vocabSize, trainTokens: data.train.length * T,
    batch: (B, seed, step) => (B >= data.train.length ? trainBatch : modularAdditionBatch(data, sampleIndices(data.train, B, seed, step))),
    evaluate: (model) => {
      const V = model.config.vocab_size;
      const tr = modularAdditionMetrics(forwardAll(model, trainBatch, data.train.length, T).logits, trainBatch.targets, V);
      const te = modularAdditionMetrics(forwardAll(model, testBatch, data.test.length, T).logits, testBatch.targets, V);
      return { loss: te.loss, predictions: te.count, metrics: { [MA.trainLoss]: tr.loss, [MA.trainAccuracy]: tr.accuracy, [MA.testLoss]: te.loss, [MA.testAccuracy]: te.accuracy } };
    },
  };
}

/** Induction: fresh sequences every step; evaluation on a fixed set of evalSequences sequences; eval_loss is the mean over all its next-token predictions. */
export function inductionTask(s: InductionTaskSettings): TrainingTask {
  const o: InductionOptions = { vocabSize: s.vocabSize, segmentLength: s.segmentLength, offsetMax: s.offsetMax };
  const T = inductionSequenceLength(o);
  if (!(Number.isInteger(s.evalSequences) && s.evalSequences >= 1 && s.evalSequences <= MAX_INDUCTION_EVAL_SEQUENCES)) {
    throw new UsageError(`induction task: evaluation sequences must be an integer in [1, ${MAX_INDUCTION_EVAL_SEQUENCES}], got ${s.evalSequences}`);
  }
  const evalSet = inductionBatchOf(o, inductionSequences(o, s.evalSequences, s.evalSeed));
  return {
    sequenceLength: T, vocabSize: s.vocabSize, trainTokens: Infinity,
    batch: (B, seed, step) => inductionBatch(o, B, seed, step),
    evaluate: (model) => {
      const all = forwardAll(model, evalSet, s.evalSequences, T);
      const m = inductionMetrics(all.logits, evalSet, o, model.config.vocab_size);
      return { loss: all.loss, predictions: all.predictions, metrics: { [IND.firstHalfLoss]: m.firstHalfLoss, [IND.repeatedHalfLoss]: m.repeatedHalfLoss, [IND.inContextScore]: m.inContextScore } };
    },
  };
}

/** The task of resolved settings (the language-model task is built by the trainer, which loads the corpus). */
export function syntheticTask(s: SyntheticTaskSettings): TrainingTask {
  return s.name === "modular-addition" ? modularAdditionTask(s) : inductionTask(s);
}
