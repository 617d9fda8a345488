// The results store's tables, declared once: DDL and appender column order both come from
// these lists. Bump STORE_SCHEMA_VERSION on any incompatible change; a new table is additive
// (ADDED_TABLES: created on open in older stores, see migrate.ts) and keeps the version.
import type * as DuckDB from "@duckdb/node-api";
import { duckdb, type DuckDBType } from "./duckdb.js";

/**
 * Version of the table layout; stores written with another version are refused on open.
 * Still 1 after the `pruning` table was added: existing tables and columns are unchanged, so a
 * version-1 store from before gains the table on open with its data untouched, and an older
 * forking-paths still reads a newer store (it ignores the extra table). Bumping would have made
 * every existing store unreadable for no change in what it holds.
 */
export const STORE_SCHEMA_VERSION = 1;
/**
 * meta key present once sketch_json no longer repeats the histograms table (a sketch's histogram
 * is a marker there, codec.ts); new stores have it from creation, older ones on their first
 * writable open (migrate.ts moveSketchHistograms).
 */
export const META_SKETCH_HISTOGRAMS = "sketch_histograms";
export const SKETCH_HISTOGRAMS_SEPARATE = "histograms-table";
/** Written into the meta table so a foreign DuckDB file is never taken for a store. */
export const STORE_APPLICATION = "forking-paths";

export interface ColumnSpec {
  readonly name: string;
  /** The column's DuckDB type (for appenders); reading it loads DuckDB's client (duckdb.ts). */
  readonly type: DuckDBType;
  /** SQL type (and constraint) used in CREATE TABLE. */
  readonly sql: string;
}

/**
 * A column type named without loading DuckDB's client (declaring the tables is not using the store:
 * the analysis's modules are loaded before its first tasks, the client after them, duckdb.ts).
 */
type LazyType = (client: typeof DuckDB) => DuckDBType;
const BIGINT: LazyType = (d) => d.BIGINT;
const BLOB: LazyType = (d) => d.BLOB;
const BOOLEAN: LazyType = (d) => d.BOOLEAN;
const DOUBLE: LazyType = (d) => d.DOUBLE;
const INTEGER: LazyType = (d) => d.INTEGER;
const TIMESTAMP: LazyType = (d) => d.TIMESTAMP;
const VARCHAR: LazyType = (d) => d.VARCHAR;
const LIST = (item: LazyType): LazyType => (d) => d.LIST(item(d));

function col(name: string, lazyType: LazyType, sql: string): ColumnSpec {
  let type: DuckDBType | undefined;
  return {
    name,
    get type() {
      return (type ??= lazyType(duckdb()));
    },
    sql,
  };
}

/** Distribution statistics shared by tensor_stats and group_stats (names as TensorSummary's). */
const STAT_COLUMNS: readonly ColumnSpec[] = [
  col("numel", BIGINT, "BIGINT NOT NULL"),
  col("nan_count", BIGINT, "BIGINT NOT NULL"),
  col("posinf_count", BIGINT, "BIGINT NOT NULL"),
  col("neginf_count", BIGINT, "BIGINT NOT NULL"),
  col("zero_count", BIGINT, "BIGINT NOT NULL"),
  col("finite_count", BIGINT, "BIGINT"),
  ...["mean", "std", "variance", "skewness", "excess_kurtosis", "min", "max", "l1", "l2", "linf"].map((n) => col(n, DOUBLE, "DOUBLE")),
  col("quantiles_json", VARCHAR, "VARCHAR NOT NULL"),
  col("frac_abs_le_json", VARCHAR, "VARCHAR NOT NULL"),
  col("frac_abs_le_rel_std_json", VARCHAR, "VARCHAR NOT NULL"),
  col("frac_abs_le_rel_std_bounds_json", VARCHAR, "VARCHAR"),
  col("quantile_rel_error_bound", DOUBLE, "DOUBLE"),
  // Statistics added later (shape tests, spectra) go here as JSON without a schema change.
  col("extra_json", VARCHAR, "VARCHAR"),
];

const RUN_STEP: readonly ColumnSpec[] = [col("run_id", VARCHAR, "VARCHAR NOT NULL"), col("step", BIGINT, "BIGINT NOT NULL")];

export const TABLES = {
  runs: [
    col("run_id", VARCHAR, "VARCHAR PRIMARY KEY"),
    col("source", VARCHAR, "VARCHAR NOT NULL"),
    col("created_at", TIMESTAMP, "TIMESTAMP NOT NULL"),
    col("options_json", VARCHAR, "VARCHAR NOT NULL"),
  ],
  checkpoints: [
    ...RUN_STEP,
    col("label", VARCHAR, "VARCHAR NOT NULL"),
    col("path", VARCHAR, "VARCHAR NOT NULL"),
    col("format", VARCHAR, "VARCHAR NOT NULL"),
    col("n_tensors", INTEGER, "INTEGER NOT NULL"),
    col("total_bytes", BIGINT, "BIGINT NOT NULL"),
    col("complete", BOOLEAN, "BOOLEAN NOT NULL"),
    col("analyzed_at", TIMESTAMP, "TIMESTAMP"),
  ],
  tensor_stats: [
    ...RUN_STEP,
    col("tensor", VARCHAR, "VARCHAR NOT NULL"),
    col("layer", INTEGER, "INTEGER"),
    col("role", VARCHAR, "VARCHAR NOT NULL"),
    col("kind", VARCHAR, "VARCHAR NOT NULL"),
    col("dtype", VARCHAR, "VARCHAR NOT NULL"),
    col("shape_json", VARCHAR, "VARCHAR NOT NULL"),
    ...STAT_COLUMNS,
    col("sketch_json", VARCHAR, "VARCHAR"),
  ],
  histograms: [
    ...RUN_STEP,
    col("tensor", VARCHAR, "VARCHAR NOT NULL"),
    col("keys", LIST(INTEGER), "INTEGER[] NOT NULL"),
    col("counts", LIST(BIGINT), "BIGINT[] NOT NULL"),
  ],
  group_stats: [
    ...RUN_STEP,
    col("group_kind", VARCHAR, "VARCHAR NOT NULL"),
    col("group_name", VARCHAR, "VARCHAR NOT NULL"),
    col("n_tensors", INTEGER, "INTEGER NOT NULL"),
    ...STAT_COLUMNS,
  ],
  group_histograms: [
    ...RUN_STEP,
    col("group_kind", VARCHAR, "VARCHAR NOT NULL"),
    col("group_name", VARCHAR, "VARCHAR NOT NULL"),
    col("keys", LIST(INTEGER), "INTEGER[] NOT NULL"),
    col("counts", LIST(BIGINT), "BIGINT[] NOT NULL"),
  ],
  buffers: [
    ...RUN_STEP,
    col("tensor", VARCHAR, "VARCHAR NOT NULL"),
    col("dtype", VARCHAR, "VARCHAR NOT NULL"),
    col("shape_json", VARCHAR, "VARCHAR NOT NULL"),
    col("numel", BIGINT, "BIGINT NOT NULL"),
    col("role", VARCHAR, "VARCHAR NOT NULL"),
  ],
  trajectories: [
    ...RUN_STEP,
    col("tensor", VARCHAR, "VARCHAR NOT NULL"),
    // float32 little-endian element values, numel * 4 bytes
    col("values", BLOB, "BLOB NOT NULL"),
  ],
  events: [
    col("run_id", VARCHAR, "VARCHAR NOT NULL"),
    col("kind", VARCHAR, "VARCHAR NOT NULL"),
    col("tensor", VARCHAR, "VARCHAR"),
    col("step", BIGINT, "BIGINT"),
    col("step_low", BIGINT, "BIGINT"),
    col("step_high", BIGINT, "BIGINT"),
    col("strength", DOUBLE, "DOUBLE"),
    col("evidence_json", VARCHAR, "VARCHAR NOT NULL"),
    col("detector_json", VARCHAR, "VARCHAR NOT NULL"),
    // name of the optimizer-artefact rule the event meets (dynamics/artefacts.ts), null when none;
    // last, because older stores gain it by ALTER TABLE ADD COLUMN (ADDED_COLUMNS)
    col("artefact", VARCHAR, "VARCHAR"),
  ],
  metrics: [
    ...RUN_STEP,
    col("source", VARCHAR, "VARCHAR NOT NULL"),
    col("name", VARCHAR, "VARCHAR NOT NULL"),
    col("value", DOUBLE, "DOUBLE"),
  ],
  pruning: [
    ...RUN_STEP,
    col("method", VARCHAR, "VARCHAR NOT NULL"),
    col("scope", VARCHAR, "VARCHAR NOT NULL"),
    col("sparsity", DOUBLE, "DOUBLE NOT NULL"),
    col("seed", INTEGER, "INTEGER NOT NULL"),
    col("base_loss", DOUBLE, "DOUBLE NOT NULL"),
    col("loss", DOUBLE, "DOUBLE NOT NULL"),
    col("loss_increase", DOUBLE, "DOUBLE NOT NULL"),
    col("eval_predictions", BIGINT, "BIGINT NOT NULL"),
    // achieved fraction of exact zeros in the pruned tensors (existing zeros included)
    col("zeros_fraction", DOUBLE, "DOUBLE NOT NULL"),
    // fraction of the prunable weights with |w| <= 0.1 std before pruning (null when not measured)
    col("near_zero_mass", DOUBLE, "DOUBLE"),
    col("detail_json", VARCHAR, "VARCHAR NOT NULL"),
  ],
  // Events as an online (causal) detector knows them: each with the checkpoint at which it became
  // known from checkpoints up to that one only (experiments/online-events.ts). Derived from the
  // stored statistics and events: replacing a run's events drops them.
  online_events: [
    col("run_id", VARCHAR, "VARCHAR NOT NULL"),
    col("kind", VARCHAR, "VARCHAR NOT NULL"),
    col("tensor", VARCHAR, "VARCHAR"),
    col("step", BIGINT, "BIGINT NOT NULL"),
    col("step_low", BIGINT, "BIGINT NOT NULL"),
    col("strength", DOUBLE, "DOUBLE NOT NULL"),
    col("known_at", BIGINT, "BIGINT NOT NULL"),
    // the optimizer-artefact rule of the offline event it comes from (dynamics/artefacts.ts), null when none
    col("artefact", VARCHAR, "VARCHAR"),
  ],
  // The run's transition in one quality metric (quality/transition.ts), at most one row per run.
  transitions: [
    col("run_id", VARCHAR, "VARCHAR NOT NULL"),
    col("metric", VARCHAR, "VARCHAR NOT NULL"),
    col("source", VARCHAR, "VARCHAR NOT NULL"),
    // "default order" or "explicit" (--transition-metric): an explicit choice is kept on recompute
    col("chosen_by", VARCHAR, "VARCHAR NOT NULL"),
    col("found", BOOLEAN, "BOOLEAN NOT NULL"),
    // interpolated step of the halfway crossing and the checkpoints bracketing it (null when not found)
    col("step", DOUBLE, "DOUBLE"),
    col("step_low", BIGINT, "BIGINT"),
    col("step_high", BIGINT, "BIGINT"),
    col("before", DOUBLE, "DOUBLE"),
    col("after", DOUBLE, "DOUBLE"),
    col("noise", DOUBLE, "DOUBLE"),
    col("n_points", INTEGER, "INTEGER NOT NULL"),
    // direction, halfway, misplaced points, plateau points, the reason when not found, the rule's options
    col("detail_json", VARCHAR, "VARCHAR NOT NULL"),
  ],
} as const satisfies Record<string, readonly ColumnSpec[]>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** Tables whose rows belong to one (run, step) and are replaced when that checkpoint is rewritten. */
export const PER_CHECKPOINT_TABLES: readonly TableName[] = [
  "tensor_stats", "histograms", "group_stats", "group_histograms", "buffers", "trajectories",
];

/** Sort order used for exports and comparisons, per table. */
export const TABLE_ORDER: Record<TableName, string> = {
  runs: "run_id",
  checkpoints: "run_id, step",
  tensor_stats: "run_id, step, tensor",
  histograms: "run_id, step, tensor",
  group_stats: "run_id, step, group_kind, group_name",
  group_histograms: "run_id, step, group_kind, group_name",
  buffers: "run_id, step, tensor",
  trajectories: "run_id, tensor, step",
  events: "run_id, kind, tensor, step",
  metrics: "run_id, source, name, step",
  pruning: "run_id, step, method, scope, sparsity, seed",
  transitions: "run_id",
  online_events: "run_id, known_at, step, kind, tensor",
};

/**
 * Tables added after STORE_SCHEMA_VERSION 1 was first released, in the order they were added.
 * A store that lacks one gets it created on open (additive migration, migrate.ts).
 */
export const ADDED_TABLES: readonly TableName[] = ["pruning", "transitions", "online_events"];

/**
 * Nullable columns added to existing tables after version 1, each the last column of its table
 * (appends follow TABLES' order). A writable store lacking one gets it by ALTER TABLE ADD COLUMN
 * with NULL in every stored row; readers treat a column missing from a read-only store as NULL.
 */
export const ADDED_COLUMNS: ReadonlyArray<{ table: TableName; column: string }> = [{ table: "events", column: "artefact" }];

const PRIMARY_KEYS: Partial<Record<TableName, string>> = {
  checkpoints: "run_id, step",
  transitions: "run_id",
};

/** CREATE TABLE for one table (TEMP: a session-only empty stand-in, for read-only old stores). */
export function createTableStatement(name: TableName, options: { temp?: boolean } = {}): string {
  const cols = TABLES[name].map((c) => `"${c.name}" ${c.sql}`);
  const pk = PRIMARY_KEYS[name];
  if (pk !== undefined) cols.push(`PRIMARY KEY (${pk})`);
  return `CREATE ${options.temp === true ? "TEMP " : ""}TABLE ${name} (${cols.join(", ")})`;
}

/** DDL for the whole store, including the meta table holding the schema version. */
export function schemaStatements(): string[] {
  const out = ["CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"];
  for (const name of TABLE_NAMES) out.push(createTableStatement(name));
  out.push(
    `INSERT INTO meta VALUES ('schema_version', '${STORE_SCHEMA_VERSION}'), ('application', '${STORE_APPLICATION}'), ('${META_SKETCH_HISTOGRAMS}', '${SKETCH_HISTOGRAMS_SEPARATE}')`,
  );
  return out;
}
