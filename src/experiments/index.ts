// Experiments: the study's sweep, its resumable phases, the five claims as pure verdict
// computations, the Pythia metric side, and the verdicts.json types.
export * from "./sweep.js";
export * from "./verdict-types.js";
export * from "./verdict-rule.js";
export * from "./run-data.js";
export * from "./claims/index.js";
export * from "./verdicts.js";
export * from "./pythia.js";
export * from "./pythia-io.js";
export * from "./study-data.js";
export { recomputeOnlineEvents, onlineEventRows } from "./online-store.js";
export { trainPhase, analyzePhase, pruningPhase, runDirOf, type Log, type PhaseOptions, type PruningPhaseOptions } from "./study-phases.js";
export * from "./study.js";
export * from "./study-table.js";
export * from "./inference.js";
export * from "./calibration.js";
export * from "./plan.js";
export * from "./plan-io.js";
export * from "./plan-tasks.js";
