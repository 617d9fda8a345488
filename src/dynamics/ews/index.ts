// Early-warning signals: detrending, rolling statistics, Kendall trend tests, and the
// announced / lead-time decision before an event.

export { erfc, normalCdf, normalSf } from "../../util/special.js";
export { kendallTau, ExpandingKendall } from "./kendall.js";
export type { Alternative, KendallResult } from "./kendall.js";
export { detrend, gaussianKernel, DEFAULT_GAUSSIAN_BANDWIDTH, DEFAULT_MOVING_AVERAGE_SPAN } from "./detrend.js";
export type { DetrendOptions, Detrended } from "./detrend.js";
export { rollingStatistics, windowLength, DEFAULT_ROLLING_WINDOW, MIN_ROLLING_POINTS } from "./rolling.js";
export type { IndicatorName, RollingStatistics } from "./rolling.js";
export { earlyWarning, DEFAULT_TAU_THRESHOLD, DEFAULT_ALPHA, DEFAULT_MIN_TREND_POINTS } from "./early-warning.js";
export type { EarlyWarningOptions, EarlyWarningResult, IndicatorTrend } from "./early-warning.js";
export { earlyWarningShort, MIN_SHORT_EWS_POINTS, DEFAULT_SURROGATES, DEFAULT_SURROGATE_ALPHA, DEFAULT_SHORT_MIN_TREND_POINTS } from "./surrogate.js";
export type { ShortEarlyWarningOptions, ShortEarlyWarningResult } from "./surrogate.js";
