export { analyzeRun, isKeptTensor, DEFAULT_ANALYZE_WORKERS, type AnalyzeOptions, type AnalyzeProgress, type AnalyzeSummary, type NonFiniteReport } from "./analyze.js";
export {
  analyzeCheckpoint, mapInOrder, TENSORS_IN_FLIGHT, type CheckpointBatch, type CheckpointStatsOptions, type TensorSelection,
} from "./checkpoint-batch.js";
export { runCheckpointJob, type CheckpointJob } from "./checkpoint-job.js";
export { BatchWriter } from "./batch-writer.js";
export { checkpointGroups, roleGroupName, type GroupSketch } from "./groups.js";
export { groupRows, type GroupShapeOptions } from "./group-rows.js";
export {
  detectRunEvents, storeRunEvents, recomputeRunEvents, countEventsByKind, detectorRecord, EVENT_KINDS, EVENT_DETECTION_VERSION,
  MIN_CHANGE_POINT_CHECKPOINTS, MIN_CHANGE_POINT_SEGMENT, MIN_LAYER_FORK_CHECKPOINTS, DEFAULT_CHANGE_POINT_STATISTICS, DEFAULT_LAYER_FORK_STATISTICS, DEFAULT_CHANGE_POINT_COST,
  type EventDetectionOptions, type DynamicsEvent, type DynamicsEventKind,
} from "./events.js";
export { labelOptimizerArtefacts, initialStatesOf, artefactLabel, type InitialStates } from "./event-artefacts.js";
export { statisticOf, type SeriesStatistic } from "./event-inputs.js";
export {
  RunWatcher, WATCH_POLL_MS, WATCH_DEBOUNCE_MS, WATCH_SETTLED_AGE_MS,
  type ScanResult, type WatchAnalyzeOptions, type RunWatcherOptions, type CheckpointFailure, type WatchEvent,
} from "./watch.js";
export { importTrainerStateMetrics, TRAINER_STATE_METRICS_SOURCE, type TrainerMetricsImport } from "./run-metrics.js";
