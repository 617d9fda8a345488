// Runs: ordered checkpoint series found on disk, and synthetic runs with known answers.
export { discoverRun, describeRunLayouts, isCheckpointFileName, localCheckpoint, naturalCompare, trainerStateStep, type RunCheckpoint, type DiscoverOptions } from "./discovery.js";
export { discoverRunSource, type RunSource, type RunSourceOptions } from "./run-source.js";
export { writeSyntheticRun, syntheticLoss, type SyntheticRunOptions, type SyntheticRunInfo } from "./synth.js";
export { simulatePitchfork, nullEnvelope, type PitchforkSpec } from "./synth-process.js";
export { openHubFile, listRevisionFiles, listBranches, revisionCommit, parseHubUrl, isHubUrl, hubSettings, HubError, CachedFileSource, type HubFileSource, type OpenHubFileOptions, type HubOptions } from "./hub.js";
export { pythiaSchedule, pythiaRevisions, parseRevisionStep, selectRevisions, type RevisionStep } from "./revisions.js";
export { findCachedFile, cachedCommit, hfCacheDir } from "./hf-cache.js";
export { discoverHubRun, hubRunId, isHubRunCheckpoint, HUB_READ_AHEAD_BYTES, type HubRunCheckpoint, type HubRunOptions, type HubRunHubOptions } from "./hub-run.js";
