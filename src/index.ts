// Public API of forking-paths: the functions and types a user of the library calls, grouped by
// what they are for. Everything the CLI does is one of these calls (src/cli imports only this
// file). Internals (kernels, scalar layers, histogram key helpers, detector building blocks)
// stay in their modules; import them from there when extending the library itself.

// ---- Errors: every error the library raises on purpose is a ForkingPathsError ----
export {
  ForkingPathsError, UsageError, ByteSourceError, CheckpointFormatError, SafetensorsParseError, PytorchFormatError, PickleSecurityError,
  RunDiscoveryError, StoreError, NotEnoughPointsError, KernelError,
} from "./util/errors.js";
export { HttpSourceError, RemoteChangedError } from "./io/http-errors.js";
export { HubError } from "./runs/hub-url.js";
export { MetricsFormatError } from "./quality/errors.js";
export { ShardIndexError } from "./formats/shard-index.js";
export { PartMismatchError, IncompleteMergeError } from "./cluster/errors.js";
export { VerdictsFileError } from "./report/verdicts.js";
export { ResumeError } from "./model/train-state.js";

// ---- Bytes and checkpoint files: local files, HTTP ranges, memory; safetensors and PyTorch ----
export type { ByteSource } from "./io/byte-source.js";
export { FileSource } from "./io/file-source.js";
export { HttpRangeSource, type HttpRangeSourceOptions } from "./io/http-source.js";
export { MemorySource } from "./io/memory-source.js";
export { openCheckpoint } from "./formats/checkpoint.js";
export { openCheckpointFromSources, type CheckpointFile, type OpenCheckpoint, type OpenCheckpointOptions } from "./formats/checkpoint-files.js";
export { SAFETENSORS_SINGLE, SAFETENSORS_INDEX, PYTORCH_SINGLE, PYTORCH_INDEX, CONFIG_FILE, TRAINER_STATE_FILE } from "./formats/hf-files.js";
export { readSafetensorsHeader, type SafetensorsFile } from "./formats/safetensors/reader.js";
export { encodeSafetensors, writeSafetensorsFile, type SafetensorsEntry } from "./formats/safetensors/writer.js";
export { readPytorchCheckpoint, type PytorchReadOptions } from "./formats/pytorch/index.js";
export { decodeToFloat32, decodeToFloat64, encodeFloats } from "./formats/dtype.js";
export type { TensorRef } from "./formats/tensor-ref.js";
export { readTensorBytes, readTensorChunks } from "./tensor/read.js";
export { classifyTensor, type TensorClass, type ModelFamily } from "./tensor/names.js";

// ---- The words the store holds: roles, kinds, dtypes, group and event kinds ----
export {
  TENSOR_ROLES, TENSOR_KINDS, DTYPES, EVENT_KINDS, GROUP_KINDS,
  type TensorRole, type TensorKind, type Dtype, type DynamicsEventKind, type GroupKind,
} from "./store/vocabulary.js";

// ---- Runs: a series of checkpoints from a folder, the Hub, or a synthetic generator ----
export { discoverRun, trainerStateStep, type RunCheckpoint, type DiscoverOptions } from "./runs/discovery.js";
export { isHubUrl, parseHubUrl, type HubOptions } from "./runs/hub-url.js";
export { hubRunId } from "./runs/hub-run.js";
export { pythiaSchedule, pythiaRevisions, parseRevisionStep, selectRevisions } from "./runs/revisions.js";
export { writeSyntheticRun, type SyntheticRunOptions, type SyntheticRunInfo } from "./runs/synth.js";

// ---- Statistics of one tensor: mergeable sketches, summaries, shape tests, spectra ----
export { sketchOfValues } from "./stats/sketch-values.js";
export { mergeSketches, mergeAllSketches, type TensorSketch } from "./stats/sketch.js";
export { summarizeSketch, type TensorSummary } from "./stats/summary.js";
export { sketchQuantile, sketchQuantiles, fracAbsLe } from "./stats/quantiles.js";
export { shapeSummary, type ShapeSummary, type ShapeSummaryOptions } from "./stats/shape/summary.js";
export { histogramShapeSummary } from "./stats/shape/histogram-shape.js";
export { dipTest, type DipTestResult } from "./stats/shape/dip-test.js";
export { fitGaussianMixture, selectMixtureByBic, type GaussianMixtureFit } from "./stats/shape/gmm.js";
export { gaussianKde } from "./stats/shape/kde.js";
export { kdeModes, type KdeMode } from "./stats/shape/kde-modes.js";
export { weibullFitAbs, type WeibullFit } from "./stats/shape/weibull.js";
export { spectralSummary, type SpectralSummary } from "./stats/spectral.js";
export { StatsPool, type SketchTensorOptions } from "./kernels/stats-pool.js";

// ---- Analysis: a run into the store, then events over the store ----
export { analyzeRun, createAnalyzePool, DEFAULT_ANALYZE_WORKERS, type AnalyzeOptions, type AnalyzeProgress, type AnalyzeSummary } from "./pipeline/analyze.js";
export { detectRunEvents, storeRunEvents, recomputeRunEvents, countEventsByKind, type EventDetectionOptions } from "./pipeline/events.js";
export { labelOptimizerArtefacts } from "./pipeline/event-artefacts.js";

// ---- The results store (DuckDB) and its exports ----
export { Store, STORE_FILE_NAME, type StoreOpenOptions } from "./store/store.js";
export type * from "./store/types.js";
export { decodeShapeExtra, type DecodedShape } from "./store/shape-extra.js";
export { exportTensorBoard, type TensorBoardExportOptions } from "./store/tensorboard/export.js";
// the JSON views of stored rows that `stats`, `events` and `metrics --json` print
export { statsJson, eventJson, transitionJson, summarizeMetrics, type MetricSeriesSummary } from "./store/views.js";

// ---- Dynamics on any series: change points, forks, modes, early warnings, synthetic signals ----
export { detectChangePoints, type DetectOptions, type DetectResult } from "./dynamics/changepoints/steps.js";
export { pelt } from "./dynamics/changepoints/pelt.js";
export { binarySegmentation } from "./dynamics/changepoints/binseg.js";
export { makeCost, COST_KINDS, type CostKind, type CostFunction } from "./dynamics/changepoints/costs/index.js";
export { detectPopulationFork, detectLayerFork } from "./dynamics/forks/index.js";
export { detectModeEvents, trackModes } from "./dynamics/modes/index.js";
export { earlyWarning, type EarlyWarningOptions, type EarlyWarningResult } from "./dynamics/ews/early-warning.js";
export { earlyWarningShort, type ShortEarlyWarningOptions, type ShortEarlyWarningResult } from "./dynamics/ews/surrogate.js";
export { kendallTau } from "./dynamics/ews/kendall.js";
export type { DynamicsEvent } from "./dynamics/events.js";
export { isOptimizerArtefact, withoutOptimizerArtefacts, optimizerArtefactOf, FIRST_UPDATE_SPLIT_RULE } from "./dynamics/artefacts.js";
export { pwConstant, pitchforkSeries, type PiecewiseSignal, type PitchforkSeries } from "./dynamics/synthetic.js";

// ---- Quality: metrics, correlations, budgeted evaluation, early stopping, loss prediction ----
export { readMetricsPath, readMetricsFile } from "./quality/metrics-io.js";
export { correlateRun, type CorrelateRunOptions, type MetricCorrelations, type RunCorrelationReport } from "./quality/correlate-run.js";
export type { ConfidenceInterval } from "./quality/bootstrap.js";
export { budgetedEvaluation, DEFAULT_BUDGETS, type BudgetRow } from "./quality/budget.js";
export { leadLag, type LeadLagResult } from "./quality/leadlag.js";
export { parameterDynamicsStop, patienceStop, type StopDecision } from "./quality/early-stop.js";
export { extrapolateLoss } from "./quality/extrapolate.js";
export { leaveOneRunOut } from "./quality/predict.js";
export { featuresFromStore } from "./quality/store-features.js";
export { findTransition, type Transition } from "./quality/transition.js";
export { recomputeRunTransition, TRANSITION_METRIC_ORDER } from "./quality/run-transition.js";
export { MODULAR_ADDITION_METRIC_NAMES, INDUCTION_METRIC_NAMES, TASK_METRIC_NAMES } from "./quality/task-metrics.js";

// ---- Model: train and evaluate small GPT-NeoX models on CPU ----
export { train, type TrainResult, type TrainCallbacks } from "./model/trainer.js";
export { TRAIN_DEFAULTS, TASK_TRAIN_DEFAULTS, type TrainOptions, type TaskOptions } from "./model/trainer-options.js";
export { TASK_NAMES, DEFAULT_INDUCTION_EVAL_SEQUENCES, type TaskName } from "./model/tasks/training.js";
export { DEFAULT_MODULAR_ADDITION } from "./model/tasks/modular-addition.js";
export { DEFAULT_INDUCTION } from "./model/tasks/induction.js";
export { evaluateLoss, EVAL_PROTOCOL, DEFAULT_EVAL_BATCH, type EvalResult } from "./model/evaluate.js";
export { NEOX_PRESETS, type NeoXConfig, type NeoXPresetName } from "./model/config.js";
export { loadModel, WEIGHT_DTYPES, type WeightDtype } from "./model/checkpoint-io.js";
export { ByteTokenizer, JsonTokenizer, type TextTokenizer } from "./model/tokenizer.js";
export { sotuTokenStreams, type TokenStreams } from "./model/data.js";

// ---- Pruning ----
export { pruneCheckpoint, type PruneOptions, type PruneResult } from "./prune/checkpoint.js";
export { PRUNE_METHODS, PRUNE_SCOPES, type PruneMethod, type PruneScope } from "./prune/masks.js";
export { nearZeroMass, type NearZeroMass } from "./prune/distribution.js";
export { pruningToleranceCurve, type ToleranceCurve } from "./prune/tolerance.js";
// the pruning table's rows, and a pruned checkpoint recorded in a store
export { checkpointFolder } from "./prune/checkpoint.js";
export { prunedCheckpointRow, toleranceCurveRows, checkpointFolderStep, recordPrunedCheckpoint } from "./prune/record.js";

// ---- Report and dashboard ----
export { reportDataFromStore, type ReportFromStoreOptions } from "./report/from-store.js";
export { renderReport, renderReportParts } from "./report/render.js";
export type { ReportData } from "./report/data.js";
export { startReportServer, DEFAULT_REPORT_PORT, LOOPBACK_HOSTS, type ReportServer, type ReportServerOptions } from "./report/server.js";
export { RunWatcher } from "./pipeline/watch.js";
export { reportWatcher } from "./report/watch.js";
export { parseVerdictsFile, VERDICTS_FILE_NAME } from "./report/verdicts.js";

// ---- Studies: the paper's claims as experiments ----
export { runStudy, TRANSITIONS_FILE, type StudyOptions, type StudyResult } from "./experiments/study.js";
export { STUDY_PRESETS, type StudyPreset } from "./experiments/plan.js";
export { formatVerdictTable } from "./experiments/verdicts.js";
// Every run's transition and lead time, recomputed read-only from a study folder (`study --table`).
export { studyTransitionTable, transitionsHeader, type StudyTableResult } from "./experiments/study-table.js";
export { formatTransitionTable } from "./experiments/claims/transition-study.js";
export { DEFAULT_PYTHIA_DIR } from "./experiments/pythia-io.js";
// Online (causal) events, stored beside the offline ones: what a detector knows at each checkpoint.
export { recomputeOnlineEvents } from "./experiments/online-store.js";

// ---- Cluster: the same unit of work as shards, parts and queue jobs ----
export { analyzeShard } from "./cluster/analyze-shard.js";
export { parseShardSpec, type ShardSpec } from "./cluster/shard.js";
export type { PartAnalyzeOptions } from "./cluster/unit.js";
export { mergeParts, type MergeOptions, type MergeSummary } from "./cluster/merge.js";
export { submitFlow, type SubmitOptions } from "./cluster/queue/submit.js";
export { flowStatus, openFlowStatus, type FlowStatus, type FlowStatusReader } from "./cluster/queue/status.js";
export { planPath, readClusterPlan, CLUSTER_PLAN_FILE, type ClusterPlan } from "./cluster/queue/plan.js";
export { startWorker, type WorkerOptions } from "./cluster/queue/worker.js";
export type { HubRateLimit } from "./cluster/queue/hub-rate.js";

// ---- Utilities ----
export { globToRegExp, nameFilter } from "./util/glob.js";
export { Rng, deriveSeed } from "./util/rng.js";
