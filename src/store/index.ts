// Results store: one DuckDB file per analysis, resumable idempotent writes, Parquet export.
export { Store, STORE_FILE_NAME, type StoreOpenOptions } from "./store.js";
export { STORE_SCHEMA_VERSION, TABLE_NAMES, ADDED_TABLES, type TableName } from "./schema.js";
export { encodeJson, decodeJson } from "./codec.js";
export { PRUNING_METHODS, PRUNING_SCOPES } from "./pruning.js";
export type * from "./types.js";
export * from "./tensorboard/index.js";
export { claimRun, optionDifferences, RunClaim, type ClaimOptions } from "./identity.js";
export { statsJson, eventJson, transitionJson, summarizeMetrics, type MetricSeriesSummary } from "./views.js";
