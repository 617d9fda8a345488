// The DuckDB client (@duckdb/node-api), loaded with require instead of an ESM import. The package
// is CommonJS: importing it from ESM makes Node pre-parse its ~120 re-exported files for their
// export names (cjs-module-lexer) before it runs any of them, about 40% of the package's load
// time, which every command paid at start-up. The store's modules take its values from here.
import { createRequire } from "node:module";
import type * as DuckDB from "@duckdb/node-api";

const duckdb = createRequire(import.meta.url)("@duckdb/node-api") as typeof DuckDB;

export const { DuckDBInstance, DuckDBDataChunk, DuckDBListValue, DuckDBTypeId, jsToDuckDBValue, BIGINT, BLOB, BOOLEAN, DOUBLE, INTEGER, LIST, TIMESTAMP, VARCHAR } = duckdb;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export type DuckDBDataChunk = DuckDB.DuckDBDataChunk;
export type DuckDBListValue = DuckDB.DuckDBListValue;
export type DuckDBTypeId = DuckDB.DuckDBTypeId;
export type { DuckDBConnection, DuckDBType, DuckDBValue } from "@duckdb/node-api";
