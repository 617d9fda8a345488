// The statistics rows of a run as the report draws them (report/from-store.ts): identity, numel
// and the scalar statistics, without the columns it does not show (quantiles, bounds, sketch),
// and without decoding a row's `extra` when none of its members can be a scalar. Streamed.
import type { DuckDBConnection } from "@duckdb/node-api";
import { decodeJson, num, numOrNull, wordOf } from "./codec.js";
import { forEachRecord, where, type Row } from "./sql.js";
import type { GroupKind, StatValues } from "./types.js";
import { GROUP_KINDS, TENSOR_ROLES } from "./vocabulary.js";

/** What the report reads of a row's statistics: the page's series. */
export type SeriesStatValues = Pick<StatValues, "mean" | "std" | "skewness" | "excess_kurtosis" | "min" | "max" | "l2" | "frac_abs_le" | "frac_abs_le_rel_std" | "extra">;

/** A statistics row of a tensor (groupKind null) or a group, as the report reads it. */
export interface SeriesStatRecord {
  step: number;
  /** Tensor name, or the group's name. */
  name: string;
  groupKind: GroupKind | null;
  /** Tensors only (null for groups). */
  layer: number | null;
  /** Tensors only ("" for groups). */
  role: string;
  /** Tensors only (empty for groups). */
  shape: number[];
  numel: number;
  values: SeriesStatValues;
}

const SERIES_COLUMNS = "step, numel, mean, std, skewness, excess_kurtosis, min, max, l2, frac_abs_le_json, frac_abs_le_rel_std_json, extra_json";

/**
 * A run's tensor statistics (or group statistics with `groups`), chunk by chunk, unordered, each
 * row's values those statValuesFrom gives for the report's fields, except that `extra` is `{}`
 * when the stored text is an object whose every member is an object or array (jsonMembersAreContainers):
 * it then has no number or null entry, the only ones the page takes (the shape summaries: ~46 MB
 * of JSON at 154 Pythia-70m checkpoints, parsed for nothing).
 */
export async function forEachSeriesStatRow(c: DuckDBConnection, f: { run: string; groups: boolean }, onRows: (rows: SeriesStatRecord[]) => void): Promise<void> {
  const w = where({ run_id: f.run });
  const sql = f.groups
    ? `SELECT group_kind, group_name, ${SERIES_COLUMNS} FROM group_stats ${w.sql}`
    : `SELECT tensor, layer, role, shape_json, ${SERIES_COLUMNS} FROM tensor_stats ${w.sql}`;
  await forEachRecord(c, sql, w.params, f.groups ? groupRowOf : tensorRowOf, onRows);
}

function tensorRowOf(r: Row): SeriesStatRecord {
  return {
    step: num(r.step), name: String(r.tensor), groupKind: null, layer: numOrNull(r.layer),
    role: wordOf("tensor_stats.role", r.role, TENSOR_ROLES), shape: JSON.parse(String(r.shape_json)) as number[], numel: num(r.numel), values: valuesOf(r),
  };
}

function groupRowOf(r: Row): SeriesStatRecord {
  return {
    step: num(r.step), name: String(r.group_name), groupKind: wordOf("group_stats.group_kind", r.group_kind, GROUP_KINDS), layer: null,
    role: "", shape: [], numel: num(r.numel), values: valuesOf(r),
  };
}

function valuesOf(r: Row): SeriesStatValues {
  const v: SeriesStatValues = {
    mean: numOrNull(r.mean), std: numOrNull(r.std), skewness: numOrNull(r.skewness), excess_kurtosis: numOrNull(r.excess_kurtosis),
    min: numOrNull(r.min), max: numOrNull(r.max), l2: numOrNull(r.l2),
    frac_abs_le: decodeJson(r.frac_abs_le_json as string) as Record<string, number | null>,
    frac_abs_le_rel_std: decodeJson(r.frac_abs_le_rel_std_json as string) as Record<string, number | null>,
  };
  if (r.extra_json !== null && r.extra_json !== undefined) {
    const text = r.extra_json as string;
    v.extra = jsonMembersAreContainers(text) ? {} : decodeJson(text) as Record<string, unknown>;
  }
  return v;
}

/**
 * Whether `text` is a JSON object whose every member's value is an object or an array (`{}`
 * included), judged by its top level only: nested text is skipped by bracket depth, honouring
 * strings and their escapes. False whenever the top level is not so (or is malformed), so a
 * caller then parses the whole text as before (a malformed nested value is not detected).
 */
export function jsonMembersAreContainers(text: string): boolean {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return false; // {
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return skipSpace(text, i + 1) === text.length; // }
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) return false; // a key's "
    i = afterString(text, i);
    if (i < 0) return false;
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== 0x3a) return false; // :
    i = skipSpace(text, i + 1);
    const open = text.charCodeAt(i);
    if (open !== 0x7b && open !== 0x5b) return false; // { or [
    i = afterContainer(text, i);
    if (i < 0) return false;
    i = skipSpace(text, i);
    const next = text.charCodeAt(i);
    if (next === 0x7d) return skipSpace(text, i + 1) === text.length; // }
    if (next !== 0x2c) return false; // ,
    i = skipSpace(text, i + 1);
  }
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Index after the string starting at i (its opening quote); -1 when it does not end. */
function afterString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++; // \ escapes the next character
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** Index after the object or array starting at i; -1 when its brackets do not close. */
function afterContainer(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      j = afterString(text, j) - 1;
      if (j < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}
