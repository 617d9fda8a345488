// Names of the quality metrics of the synthetic tasks (modular addition, induction) as the trainer
// writes them into trainer_state.json's log_history and as they are stored in the `metrics`
// table: verbatim, without the `train/` / `eval/` prefix other log_history keys get. One place,
// so the trainer, the store import, the studies and the report agree.

/** Modular addition (grokking): loss (nats) and accuracy on the answer token over the full train / test split. */
export const MODULAR_ADDITION_METRIC_NAMES = {
  trainLoss: "train_loss",
  trainAccuracy: "train_accuracy",
  testLoss: "test_loss",
  testAccuracy: "test_accuracy",
} as const;

/**
 * Induction (in-context copying) on a fixed seeded eval set: mean loss over the first-half and the
 * repeated-half predictions, and Olsson et al.'s in-context score (loss at a late token minus loss
 * at an early token; negative when the context helps). The positions are stated at
 * inductionScoredRows (model/tasks/induction.ts), per sequence relative to the segment start.
 */
export const INDUCTION_METRIC_NAMES = {
  firstHalfLoss: "loss_first_half",
  repeatedHalfLoss: "loss_repeated_half",
  inContextScore: "in_context_score",
} as const;

/** Every task metric name (kept verbatim when read from a trainer_state.json log entry). */
export const TASK_METRIC_NAMES: ReadonlySet<string> = new Set<string>([...Object.values(MODULAR_ADDITION_METRIC_NAMES), ...Object.values(INDUCTION_METRIC_NAMES)]);
