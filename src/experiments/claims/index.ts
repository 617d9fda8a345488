// The five claims of the study, each a pure function of the runs' data returning a Verdict.
export * from "./events-precede.js";
export * from "./predict-loss.js";
export * from "./budget.js";
export * from "./early-stop.js";
export * from "./sparsification.js";
