// Pruning: masks (magnitude / random, global / per tensor), the prunable set, pruned checkpoints
// written as complete folders, and pruning-tolerance curves related to the near-zero mass.
export * from "./masks.js";
export * from "./prunable.js";
export * from "./distribution.js";
export * from "./checkpoint.js";
export * from "./tolerance.js";
export * from "./record.js";
