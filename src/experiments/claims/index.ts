// The claims of the study, each a pure function of the runs' data returning a Verdict,
// and the pooled feature/validation-loss correlations (descriptive, no verdict).
export * from "./events-precede.js";
export * from "./predict-loss.js";
export * from "./budget.js";
export * from "./early-stop.js";
export * from "./sparsification.js";
export * from "./correlations.js";
// Runs with a known phase transition (grokking, induction heads): lead time and transition-step prediction.
export * from "./lead-time.js";
export * from "./predict-transition.js";
export * from "./transition-study.js";
