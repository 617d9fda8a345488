// The pruning table's rows: an evaluated pruned checkpoint gives one row (an unevaluated one is a
// UsageError, not a row with undefined losses); a tolerance curve gives one row per point with the
// caller's context leading its detail; an unmeasurable near-zero mass is stored as null.
import { test } from "node:test";
import assert from "node:assert/strict";
import { prunedCheckpointRow, toleranceCurveRows, type NearZeroMass, type PruneResult, type ToleranceCurve } from "../../src/prune/index.js";
import { UsageError } from "../../src/util/errors.js";

const nearZero: NearZeroMass = { numel: 10, mean: 0, std: 1, nearZeroFraction: 0.2, zeroFraction: 0.1 };
const pruned: PruneResult = {
  checkpoint: "/c/step8", out: "/c/out", sparsity: 0.5, method: "magnitude", scope: "global", seed: 0,
  prunedTensors: [{ name: "w", dtype: "F32", numel: 10, masked: 5, zerosBefore: 1, zeros: 5 }], numel: 10, zeros: 5, zerosFraction: 0.5,
  lossBefore: 2, lossAfter: 2.5, lossIncrease: 0.5, predictions: 31,
};

test("prunedCheckpointRow: the evaluated result as a row; without an evaluation a UsageError", () => {
  assert.deepEqual(prunedCheckpointRow(pruned, 8, nearZero, ["*.x"]), {
    step: 8, method: "magnitude", scope: "global", sparsity: 0.5, seed: 0, base_loss: 2, loss: 2.5, eval_predictions: 31, zeros_fraction: 0.5, near_zero_mass: 0.2,
    detail: { checkpoint: "/c/step8", out: "/c/out", include: ["*.x"], pruned_tensors: ["w"], numel: 10, zeros: 5, near_zero: nearZero },
  });
  const { lossBefore: _b, lossAfter: _a, lossIncrease: _i, predictions: _p, ...unevaluated } = pruned;
  assert.throws(() => prunedCheckpointRow(unevaluated, 8, nearZero, []), UsageError);
});

test("toleranceCurveRows: one row per point, context first in the detail, NaN near-zero mass stored as null", () => {
  const curve: ToleranceCurve = {
    checkpoint: "/c/step8", scope: "global", seed: 2, baseLoss: 3, predictions: 7, prunable: ["w"], numel: 10,
    points: [{ method: "magnitude", sparsity: 0.1, loss: 3.1, lossIncrease: 0.1, zerosFraction: 0.1 }, { method: "random", sparsity: 0.1, loss: 3.3, lossIncrease: 0.3, zerosFraction: 0.1 }],
    nearZero: { ...nearZero, nearZeroFraction: NaN }, cuts: [],
  };
  const rows = toleranceCurveRows(curve, 8, { position: "before", fork_step: 16 });
  assert.deepEqual(rows.map((r) => [r.method, r.loss, r.base_loss, r.seed, r.near_zero_mass]), [["magnitude", 3.1, 3, 2, null], ["random", 3.3, 3, 2, null]]);
  assert.deepEqual(Object.keys(rows[0]?.detail ?? {}), ["position", "fork_step", "checkpoint", "prunable_numel"]);
  assert.deepEqual(rows[1]?.detail, { position: "before", fork_step: 16, checkpoint: "/c/step8", prunable_numel: 10 });
});
