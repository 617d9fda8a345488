// Synthetic training tasks with known phase transitions: modular addition (grokking) and
// induction sequences (in-context copying).
export * from "./modular-addition.js";
export * from "./induction.js";
export * from "./metrics.js";
export * from "./training.js";
