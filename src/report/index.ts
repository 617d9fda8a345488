// Report and dashboard: ReportData, density grids from bucket histograms, mode tracks, pruning
// curves and study verdicts, the self-contained HTML page and the local live server.
export * from "./data.js";
export {
  densityGridFromBuckets, encodeDensity, encodeArray, decodeArrayBytes, decodeDensityCounts,
  DEFAULT_DENSITY_BINS, MAX_DENSITY_BINS, DEFAULT_TAIL_MASS,
  type BucketHistogram, type DensityGrid, type DensityGridOptions, type EncodeDensityOptions,
} from "./density.js";
export { renderReport, renderReportParts, REPORT_CSP, type RenderReportOptions } from "./render.js";
export {
  startReportServer, routeOf, ReportServerError, DEFAULT_REPORT_PORT, LOOPBACK_HOSTS, PROGRESS_POLL_MS,
  type ReportServer, type ReportServerOptions, type ReportUpdate, type ReportWatcher, type ReportProgress,
} from "./server.js";
export { renderProgressPage, type QueueProgress, type ProgressPageOptions } from "./progress-page.js";
export { syntheticReportData, pythiaSteps, type SyntheticReportOptions } from "./synthetic.js";
export { reportDataFromStore, DEFAULT_MAX_TRAJECTORY_ELEMENTS, type ReportFromStoreOptions } from "./from-store.js";
export { modeTracks } from "./mode-tracks.js";
export { pruningCurves, PRUNING_CURVE_METRIC } from "./pruning-curves.js";
export { parseVerdictsFile, VerdictsFileError, VERDICTS_FILE_NAME } from "./verdicts.js";
export { reportWatcher, reportUpdates, failureUpdate } from "./watch.js";
export { phaseView, reportTransition, eventCounts, metricKey, TOTAL_NORM_FEATURE, EVENT_COUNT_FEATURE } from "./phase.js";
