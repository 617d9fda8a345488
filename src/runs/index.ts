// Runs: ordered checkpoint series found on disk, and synthetic runs with known answers.
export { discoverRun, describeRunLayouts, isCheckpointFileName, naturalCompare, trainerStateStep, type RunCheckpoint, type DiscoverOptions } from "./discovery.js";
export { writeSyntheticRun, syntheticLoss, type SyntheticRunOptions, type SyntheticRunInfo } from "./synth.js";
export { pythiaLikeSteps, simulatePitchfork, nullEnvelope, deriveSeed, type PitchforkSpec } from "./synth-process.js";
