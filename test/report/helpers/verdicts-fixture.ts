// A small hand-made VerdictsFile (the verdicts.json a study writes) for the report's verdict
// tests: three claims (one per verdict label, one without baseline), two runs, tolerance curves
// before and after a fork. Made-up numbers: they test the page, not a study.
import type { VerdictsFile } from "../../../src/experiments/verdict-types.js";

export function fixtureVerdicts(): VerdictsFile {
  const ci = "95% percentile bootstrap over runs, 1000 resamples, seed 7";
  const curve = (run: string, step: number, position: string, method: "magnitude" | "random", slope: number) => ({
    run, step, position, fork_step: 512, method, scope: "global" as const, base_loss: 3.1, near_zero_mass: position === "after_fork" ? 0.21 : 0.08,
    points: [0, 0.25, 0.5, 0.75, 0.9].map((s) => ({ sparsity: s, loss: 3.1 + slope * s * s, loss_increase: slope * s * s })),
  });
  return {
    version: 1,
    created_at: "2026-11-29T22:00:00.000Z",
    preset: "tiny",
    plan_sha256: "3f5a0c9e1b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
    wall_seconds: { train: 812.4, analyze: 95.2, pruning: 41.7, experiments: 12.9, total: 962.2 },
    runs: [
      { name: "lr3e-3-w64-s1", lr: 0.003, width: 64, weight_decay: 0.1, seed: 1, steps: 2000, checkpoints: 24, final_val_loss: 3.412, train_seconds: 400, analyze_seconds: 47, events: { mode_split: 2, population_fork: 1, change_point: 0 } },
      { name: "lr1e-3-w32-s2", lr: 0.001, width: 32, weight_decay: 0, seed: 2, steps: 2000, checkpoints: 24, final_val_loss: null, train_seconds: 412, analyze_seconds: 48, events: {} },
    ],
    verdicts: [
      {
        claim: "events_precede_quality_changes", question: "Do distribution events come before changes in held-out loss?",
        measure: "median lead of events over loss change points (checkpoints; higher is better)",
        ours: { value: 2.5, ci_low: 1, ci_high: 4, ci_method: ci, n: 8 },
        baseline: { name: "shuffled event times", estimate: { value: 0.2, ci_low: -0.5, ci_high: 1.1, ci_method: ci, n: 8 } },
        verdict: "supported", reason: "Lead 2.5 [1, 4] checkpoints against 0.2 [-0.5, 1.1] for shuffled times.", details: {},
      },
      {
        claim: "early_stopping", question: "Does stopping at the first fork save compute at little loss?",
        measure: "loss penalty of stopping at the fork (nats; lower is better)",
        ours: { value: 0.31, ci_low: 0.12, ci_high: 0.55, ci_method: ci, n: 8 },
        baseline: { name: "patience-5 early stopping", estimate: { value: 0.04, ci_low: 0.01, ci_high: 0.08, ci_method: ci, n: 8 } },
        verdict: "not supported", reason: "Penalty 0.31 nats against 0.04 for patience-based stopping.", details: {},
      },
      {
        claim: "sparsification", question: "Is the model more prunable after the fork?",
        measure: "loss increase at 50% magnitude sparsity, after minus before the fork",
        ours: { value: -0.02, ci_low: null, ci_high: null, ci_method: null, n: 2 },
        baseline: null,
        verdict: "inconclusive", reason: "Two runs only; no interval.", details: {},
      },
    ],
    tolerance_curves: [
      curve("lr3e-3-w64-s1", 256, "before_fork", "magnitude", 0.8),
      curve("lr3e-3-w64-s1", 256, "before_fork", "random", 2.4),
      curve("lr3e-3-w64-s1", 2000, "after_fork", "magnitude", 0.5),
      curve("lr3e-3-w64-s1", 2000, "after_fork", "random", 2.6),
    ],
    pythia: null,
  };
}
