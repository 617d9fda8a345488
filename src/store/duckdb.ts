// The DuckDB client (@duckdb/node-api), loaded with require instead of an ESM import, and only when
// first used (duckdb()). The package is CommonJS: importing it from ESM makes Node pre-parse its
// ~120 re-exported files for their export names (cjs-module-lexer) before it runs any of them,
// about 40% of the package's load time, which every command paid at start-up. Loading it runs its
// ~180 modules and maps its native library (~70 MB: ~40-60 ms of CPU): an analysis into a new
// store sends its first checkpoint's tasks before it opens the store (pipeline/analyze.ts), so
// that load is off the path to the first task. The store's modules take its values from here.
import { createRequire } from "node:module";
import type * as DuckDB from "@duckdb/node-api";
import { stamp } from "../util/timeline.js";

let client: typeof DuckDB | undefined;

/** DuckDB's client, loaded on the first call (the store's opening, a schema type, an append). */
export function duckdb(): typeof DuckDB {
  if (client === undefined) {
    client = createRequire(import.meta.url)("@duckdb/node-api") as typeof DuckDB;
    stamp("store: DuckDB loaded");
  }
  return client;
}

/** Whether DuckDB's client is loaded (duckdb() was called). */
export function duckdbLoaded(): boolean {
  return client !== undefined;
}

export type DuckDBInstance = DuckDB.DuckDBInstance;
export type DuckDBDataChunk = DuckDB.DuckDBDataChunk;
export type DuckDBListValue = DuckDB.DuckDBListValue;
export type DuckDBTypeId = DuckDB.DuckDBTypeId;
export type { DuckDBConnection, DuckDBType, DuckDBValue } from "@duckdb/node-api";
