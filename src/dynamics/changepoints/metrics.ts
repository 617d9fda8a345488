// Accuracy of detected breakpoints against known ones (as ruptures' precision_recall).

export interface PrecisionRecall {
  /** True changes matched by a prediction within the margin. */
  truePositives: number;
  /** Number of predicted changes (bkps without the final n). */
  predicted: number;
  /** Number of true changes (bkps without the final n). */
  actual: number;
  /** truePositives / predicted (0 when nothing is predicted, as ruptures). */
  precision: number;
  /** truePositives / actual (1 when there is nothing to find). */
  recall: number;
}

/**
 * A true change b is detected by a predicted change p when |p - b| < margin (strict, as
 * ruptures). Matching is greedy in index order; each true change and each prediction is
 * used at most once (ruptures lets one true change consume several predictions). Both
 * lists follow the convention of costs/cost.ts: sorted, last element n, which is ignored.
 */
export function precisionRecall(trueBkps: readonly number[], predictedBkps: readonly number[], margin: number): PrecisionRecall {
  const truth = trueBkps.slice(0, -1);
  const predicted = predictedBkps.slice(0, -1);
  const used = new Array<boolean>(predicted.length).fill(false);
  let truePositives = 0;
  for (const b of truth) {
    for (let j = 0; j < predicted.length; j++) {
      if (!used[j] && Math.abs(predicted[j]! - b) < margin) {
        used[j] = true;
        truePositives++;
        break;
      }
    }
  }
  return {
    truePositives,
    predicted: predicted.length,
    actual: truth.length,
    precision: predicted.length === 0 ? 0 : truePositives / predicted.length,
    recall: truth.length === 0 ? 1 : truePositives / truth.length,
  };
}
