export { analyzeRun, isKeptTensor, DEFAULT_ANALYZE_WORKERS, type AnalyzeOptions, type AnalyzeProgress, type AnalyzeSummary, type NonFiniteReport } from "./analyze.js";
export { groupRows, roleGroupName } from "./groups.js";
