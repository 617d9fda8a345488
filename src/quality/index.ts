// Quality: metric ingestion and alignment, correlations, lead/lag, spectral alpha, learning-curve
// extrapolation, budgeted evaluation, and the data-free predictor's leave-one-run-out scaffolding.
export * from "./errors.js";
export * from "./metrics-parse.js";
export * from "./metrics-io.js";
export * from "./align.js";
export { logGamma, incompleteBeta, studentTSf } from "./special.js";
export * from "./bootstrap.js";
export * from "./correlation.js";
export * from "./leadlag.js";
export * from "./eigen.js";
export * from "./spectral.js";
export * from "./extrapolate.js";
export * from "./budget.js";
export * from "./ridge.js";
export * from "./predict.js";
export * from "./store-features.js";
export * from "./early-stop.js";
export * from "./correlate-run.js";
export * from "./transition.js";
export * from "./task-metrics.js";
export * from "./run-transition.js";
