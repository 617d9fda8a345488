// Conversion between the store's row types and table columns: inputs -> column records for
// the appender, result rows -> typed records. JSON columns keep NaN and +-Infinity.
// No DuckDB import here: statistics workers encode rows with this module (pipeline/row-tasks.ts).
import { StoreError } from "../util/errors.js";
import type {
  BufferInput, GroupStatsInput, HistogramData, StatValues, TensorStatsInput, CheckpointInfo, EventInput, OnlineEventInput, MetricInput, TransitionInput,
} from "./types.js";

export type ColumnRecord = Record<string, unknown>;

/**
 * A LIST(INTEGER) or LIST(BIGINT) cell of checked integers (histogram keys and counts), written
 * into the appender's data chunk with one typed-array copy per chunk (store/append.ts) instead of
 * node-api's per-item conversion (which cost the main thread ~0.2 us an item: 100 ms per 160m analysis).
 */
export class NumberList {
  constructor(readonly items: ArrayLike<number>) {}
}

/** JSON that round-trips NaN and +-Infinity (encoded as the strings "NaN", "Infinity", "-Infinity"). */
export function encodeJson(value: unknown): string {
  // A replacer runs a JS callback per key (850 ms for the rows of 20 k one-element tensors); the
  // native stringify is used unless a non-finite number is present (rare). Native stringify
  // writes NaN and +-Infinity as null, so text without "null" had none and is the answer; only
  // text with one (a null value, a non-finite number, a string holding "null") is scanned.
  const plain = JSON.stringify(value);
  if (plain === undefined || !plain.includes("null") || !hasNonFinite(value, 0)) return plain;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    return v;
  });
}

/** Whether a JSON-bound value holds NaN or +-Infinity (deeper than 64 levels: assumed so, the replacer then decides). */
function hasNonFinite(v: unknown, depth: number): boolean {
  if (typeof v === "number") return !Number.isFinite(v);
  if (typeof v !== "object" || v === null) return false;
  if (depth > 64) return true;
  if (Array.isArray(v)) {
    for (const item of v) if (hasNonFinite(item, depth + 1)) return true;
    return false;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return true;
  for (const key in v) if (Object.prototype.hasOwnProperty.call(v, key) && hasNonFinite((v as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}


export function decodeJson(text: string): unknown {
  // The reviver only rewrites the strings "NaN", "Infinity" and "-Infinity": text without one
  // parses the same without it, natively (8x faster on the shape summaries of many tensors).
  if (!text.includes('NaN"') && !text.includes('Infinity"')) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    return v;
  });
}

/**
 * decodeJson(encodeJson(value)) without the text, for data made of plain objects, arrays,
 * strings, numbers, booleans and null (what the shape summaries hold): -0 becomes 0, members
 * that JSON drops (undefined, functions, symbols) are dropped, array items it writes as null
 * become null, and the strings "NaN", "Infinity" and "-Infinity" become numbers, as decodeJson
 * reads them. Anything else (class instances, typed arrays, toJSON, bigint, "__proto__" keys,
 * nesting deeper than JSON_COPY_MAX_DEPTH) goes through the text itself.
 */
export function jsonRoundTrip(value: unknown): unknown {
  const copied = jsonCopy(value, 0);
  return copied === NOT_PLAIN ? decodeJson(encodeJson(value)) : copied;
}

/** Nesting copied by jsonRoundTrip without the text (deeper: through it, which also catches cycles). */
export const JSON_COPY_MAX_DEPTH = 64;
const NOT_PLAIN = Symbol("not plain JSON data");

function jsonCopy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case "number": return v === 0 ? 0 : v;
    case "string": return v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v;
    case "boolean": return v;
    case "object": break;
    default: return NOT_PLAIN; // undefined, function, symbol, bigint at this level: the caller decides
  }
  if (v === null) return null;
  if (depth >= JSON_COPY_MAX_DEPTH) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const t = typeof item;
      if (t === "undefined" || t === "function" || t === "symbol") out[i] = null;
      else if ((out[i] = jsonCopy(item, depth + 1)) === NOT_PLAIN) return NOT_PLAIN;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    if (key === "__proto__") return NOT_PLAIN;
    const item = (v as Record<string, unknown>)[key];
    const t = typeof item;
    if (t === "undefined" || t === "function" || t === "symbol") continue;
    if (key === "toJSON" || (out[key] = jsonCopy(item, depth + 1)) === NOT_PLAIN) return NOT_PLAIN;
  }
  return out;
}

/** The statistics of a row that are stored as JSON text. */
type JsonStatKey = "quantiles" | "frac_abs_le" | "frac_abs_le_rel_std" | "frac_abs_le_rel_std_bounds" | "extra";
/** A row's statistics stored as numbers. */
export type ScalarStats = Omit<StatValues, JsonStatKey>;

/** A row's JSON columns, encoded. */
export interface StatJsonColumns {
  quantiles_json: string;
  frac_abs_le_json: string;
  frac_abs_le_rel_std_json: string;
  frac_abs_le_rel_std_bounds_json: string | null;
  extra_json: string | null;
}

/** The JSON columns of `s` (the text statColumns stores). */
export function statJsonColumns(s: StatValues): StatJsonColumns {
  return {
    quantiles_json: encodeJson(s.quantiles),
    frac_abs_le_json: encodeJson(s.frac_abs_le),
    frac_abs_le_rel_std_json: encodeJson(s.frac_abs_le_rel_std),
    frac_abs_le_rel_std_bounds_json: s.frac_abs_le_rel_std_bounds === undefined ? null : encodeJson(s.frac_abs_le_rel_std_bounds),
    extra_json: s.extra === undefined ? null : encodeJson(s.extra),
  };
}

/** The numbers of `s` without its JSON-bound statistics (what crosses threads beside statJsonColumns). */
export function scalarStats(s: StatValues): ScalarStats {
  return {
    numel: s.numel, nan_count: s.nan_count, posinf_count: s.posinf_count, neginf_count: s.neginf_count, zero_count: s.zero_count,
    ...(s.finite_count !== undefined && { finite_count: s.finite_count }),
    mean: s.mean, std: s.std, variance: s.variance, skewness: s.skewness, excess_kurtosis: s.excess_kurtosis,
    min: s.min, max: s.max, l1: s.l1, l2: s.l2, linf: s.linf,
    ...(s.quantile_rel_error_bound !== undefined && { quantile_rel_error_bound: s.quantile_rel_error_bound }),
  };
}

function statColumns(s: StatValues): ColumnRecord {
  return statColumnsOf(s, statJsonColumns(s));
}

function statColumnsOf(s: ScalarStats, j: StatJsonColumns): ColumnRecord {
  return {
    numel: s.numel,
    nan_count: s.nan_count,
    posinf_count: s.posinf_count,
    neginf_count: s.neginf_count,
    zero_count: s.zero_count,
    finite_count: s.finite_count ?? s.numel - s.nan_count - s.posinf_count - s.neginf_count,
    mean: s.mean,
    std: s.std,
    variance: s.variance,
    skewness: s.skewness,
    excess_kurtosis: s.excess_kurtosis,
    min: s.min,
    max: s.max,
    l1: s.l1,
    l2: s.l2,
    linf: s.linf,
    quantiles_json: j.quantiles_json,
    frac_abs_le_json: j.frac_abs_le_json,
    frac_abs_le_rel_std_json: j.frac_abs_le_rel_std_json,
    frac_abs_le_rel_std_bounds_json: j.frac_abs_le_rel_std_bounds_json,
    quantile_rel_error_bound: s.quantile_rel_error_bound ?? null,
    extra_json: j.extra_json,
  };
}

export function tensorStatsColumns(run: string, step: number, t: TensorStatsInput): ColumnRecord {
  return tensorColumnsOf(run, step, t, t, statJsonColumns(t), t.sketch === undefined ? null : encodeJson(sketchToStore(t.sketch, t.histogram)));
}

/**
 * A tensor row whose JSON columns were encoded where its statistics were computed (a statistics
 * worker: pipeline/row-tasks.ts), so that the thread writing it only copies text. Its sketch is
 * stored with its histogram in the histograms table (storedSketchJson).
 */
export interface EncodedTensorRow {
  tensor: string;
  layer: number | null;
  role: TensorStatsInput["role"];
  kind: TensorStatsInput["kind"];
  dtype: TensorStatsInput["dtype"];
  shape: readonly number[];
  histogram: HistogramData;
  stats: ScalarStats;
  json: StatJsonColumns & { sketch_json: string };
}

/** tensorStatsColumns of an EncodedTensorRow: the same record as for the TensorStatsInput it encodes. */
export function encodedTensorStatsColumns(run: string, step: number, t: EncodedTensorRow): ColumnRecord {
  return tensorColumnsOf(run, step, t, t.stats, t.json, t.json.sketch_json);
}

function tensorColumnsOf(run: string, step: number, t: Pick<TensorStatsInput, "tensor" | "layer" | "role" | "kind" | "dtype" | "shape">, s: ScalarStats, j: StatJsonColumns, sketchJson: string | null): ColumnRecord {
  const record = statColumnsOf(s, j);
  record.run_id = run;
  record.step = step;
  record.tensor = t.tensor;
  record.layer = t.layer;
  record.role = t.role;
  record.kind = t.kind;
  record.dtype = t.dtype;
  record.shape_json = JSON.stringify(t.shape);
  record.sketch_json = sketchJson;
  return record;
}

/**
 * The stored text of a sketch whose histogram is its row's histogram (sketchToStore's marker in
 * place of histKeys and histCounts, which may be plain or typed arrays here).
 */
export function storedSketchJson(sketch: object): string {
  const { histKeys: _keys, histCounts: _counts, ...rest } = sketch as { histKeys?: unknown; histCounts?: unknown };
  return encodeJson({ ...rest, [SKETCH_HISTOGRAM_KEY]: SKETCH_HISTOGRAM_ELSEWHERE });
}

/** Key that marks a stored sketch whose histogram lives in the histograms table (its value: SKETCH_HISTOGRAM_ELSEWHERE). */
export const SKETCH_HISTOGRAM_KEY = "$histogram";
export const SKETCH_HISTOGRAM_ELSEWHERE = "histograms";

/**
 * The sketch as stored: its histogram (histKeys, histCounts) replaced by a marker when it is the
 * row's histogram, which the histograms table holds; reads put it back (sketchFromStore). Storing
 * it twice cost ~1 MB per Pythia-70m checkpoint.
 */
export function sketchToStore(sketch: unknown, histogram: HistogramData | undefined): unknown {
  if (histogram === undefined || typeof sketch !== "object" || sketch === null) return sketch;
  const { histKeys, histCounts, ...rest } = sketch as { histKeys?: unknown; histCounts?: unknown };
  if (!sameNumbers(histKeys, histogram.keys) || !sameNumbers(histCounts, histogram.counts)) return sketch;
  return { ...rest, [SKETCH_HISTOGRAM_KEY]: SKETCH_HISTOGRAM_ELSEWHERE };
}

function sameNumbers(a: unknown, b: ArrayLike<number>): boolean {
  if (a === b) return Array.isArray(a); // the row's histogram is usually the sketch's own arrays
  if (!Array.isArray(a) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A stored sketch with its histogram put back from the row's histograms entry (`keys`, `counts`); sketches stored whole are returned as they are. */
export function sketchFromStore(stored: unknown, keys: unknown, counts: unknown, where: string): unknown {
  if (typeof stored !== "object" || stored === null || !(SKETCH_HISTOGRAM_KEY in stored)) return stored;
  if (!Array.isArray(keys) || !Array.isArray(counts)) {
    throw new StoreError(where, "has a sketch whose histogram should be in the histograms table, but that row is missing: the store is damaged ---> HINT: re-analyze this checkpoint with --reanalyze");
  }
  const { [SKETCH_HISTOGRAM_KEY]: _marker, ...rest } = stored as Record<string, unknown>;
  return { ...rest, histKeys: keys.map((k) => num(k)), histCounts: counts.map((c) => num(c)) };
}

export function groupStatsColumns(run: string, step: number, g: GroupStatsInput): ColumnRecord {
  return { run_id: run, step, group_kind: g.group_kind, group_name: g.group_name, n_tensors: g.n_tensors, ...statColumns(g) };
}

/**
 * Histogram lists (INTEGER keys, BIGINT counts) as NumberLists, checked here and copied into the
 * appender's vectors as typed arrays (append.ts), not converted item by item.
 */
export function histogramColumns(h: HistogramData): ColumnRecord {
  if (h.keys.length !== h.counts.length) {
    throw new TypeError(`histogram has ${h.keys.length} keys but ${h.counts.length} counts`);
  }
  // An Int32Array and a Float64Array each time (exact copies once checked): the appender's copy
  // (append.ts writeNumberLists) and these checks see one array kind each, not plain arrays
  // (group histograms) beside typed ones (tensor histograms from the workers). Int32Array keys
  // are int32 by construction: only their counts are checked.
  if (h.keys instanceof Int32Array && h.counts instanceof Float64Array) {
    checkCounts(h.counts);
    return { keys: new NumberList(h.keys), counts: new NumberList(h.counts) };
  }
  for (let i = 0; i < h.keys.length; i++) {
    const k = h.keys[i]!;
    const c = h.counts[i]!;
    if (!Number.isInteger(k) || k < -0x80000000 || k > 0x7fffffff) throw new TypeError(`histogram key ${k} is not an int32`);
    if (!Number.isSafeInteger(c) || c < 0) throw new TypeError(`histogram count ${c} is not a non-negative integer`);
  }
  return { keys: new NumberList(Int32Array.from(h.keys)), counts: new NumberList(Float64Array.from(h.counts)) };
}

function checkCounts(counts: Float64Array): void {
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isSafeInteger(c) || c < 0) throw new TypeError(`histogram count ${c} is not a non-negative integer`);
  }
}

export function bufferColumns(run: string, step: number, b: BufferInput): ColumnRecord {
  return { run_id: run, step, tensor: b.tensor, dtype: b.dtype, shape_json: JSON.stringify(b.shape), numel: b.numel, role: b.role };
}

export function trajectoryColumns(run: string, step: number, tensor: string, values: Float32Array): ColumnRecord {
  return { run_id: run, step, tensor, values: float32ToBytes(values) };
}

export function checkpointColumns(run: string, c: CheckpointInfo, complete: boolean, analyzedAt: Date | null): ColumnRecord {
  return {
    run_id: run, step: c.step, label: c.label, path: c.path, format: c.format,
    n_tensors: c.n_tensors, total_bytes: c.total_bytes, complete, analyzed_at: analyzedAt,
  };
}

export function eventColumns(run: string, e: EventInput): ColumnRecord {
  return {
    run_id: run, kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low, step_high: e.step_high,
    strength: e.strength, evidence_json: encodeJson(e.evidence ?? null), detector_json: encodeJson(e.detector ?? null),
    artefact: e.artefact ?? null,
  };
}

export function onlineEventColumns(run: string, e: OnlineEventInput): ColumnRecord {
  return { run_id: run, kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low, strength: e.strength, known_at: e.known_at, artefact: e.artefact };
}

export function transitionColumns(run: string, t: TransitionInput): ColumnRecord {
  return {
    run_id: run, metric: t.metric, source: t.source, chosen_by: t.chosen_by, found: t.found, step: t.step, step_low: t.step_low, step_high: t.step_high,
    before: t.before, after: t.after, noise: t.noise, n_points: t.n_points, detail_json: encodeJson(t.detail),
  };
}

export function metricColumns(run: string, source: string, m: MetricInput): ColumnRecord {
  return { run_id: run, step: m.step, source, name: m.name, value: m.value };
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * float32 values as little-endian bytes: on a little-endian machine a view of the values' own
 * bytes (the appender copies them into the store; a copy here cost every kept tensor a fresh
 * buffer on the writing thread), else a converted copy.
 */
export function float32ToBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >>> 2);
  // a byte copy on a little-endian machine (every one Node runs on today), element by element otherwise
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

// ---- decoding result rows ----

/**
 * A text column read back into its vocabulary (vocabulary.ts). A word this version does not know
 * (a store written by another version) is a StoreError naming the column, never a silent string.
 */
export function wordOf<T extends string>(column: string, value: unknown, known: readonly T[]): T {
  const word = known.find((w) => w === value);
  if (word === undefined) {
    throw new StoreError(column, `holds ${JSON.stringify(value)}, not one of ${known.join(", ")}: the store was written by another version of forking-paths; analyze into a new folder with this one`);
  }
  return word;
}

/** DuckDB BIGINT arrives as bigint; the store's integers fit in doubles. */
export function num(v: unknown): number {
  return typeof v === "bigint" ? Number(v) : (v as number);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function isoOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

export function statValuesFrom(r: Record<string, unknown>): StatValues & { inf_count: number } {
  const s: StatValues & { inf_count: number } = {
    numel: num(r.numel),
    nan_count: num(r.nan_count),
    posinf_count: num(r.posinf_count),
    neginf_count: num(r.neginf_count),
    inf_count: num(r.posinf_count) + num(r.neginf_count),
    zero_count: num(r.zero_count),
    finite_count: num(r.finite_count),
    mean: numOrNull(r.mean),
    std: numOrNull(r.std),
    variance: numOrNull(r.variance),
    skewness: numOrNull(r.skewness),
    excess_kurtosis: numOrNull(r.excess_kurtosis),
    min: numOrNull(r.min),
    max: numOrNull(r.max),
    l1: numOrNull(r.l1),
    l2: numOrNull(r.l2),
    linf: numOrNull(r.linf),
    quantiles: decodeJson(r.quantiles_json as string) as Record<string, number | null>,
    frac_abs_le: decodeJson(r.frac_abs_le_json as string) as Record<string, number | null>,
    frac_abs_le_rel_std: decodeJson(r.frac_abs_le_rel_std_json as string) as Record<string, number | null>,
    quantile_rel_error_bound: numOrNull(r.quantile_rel_error_bound),
  };
  if (r.frac_abs_le_rel_std_bounds_json !== null && r.frac_abs_le_rel_std_bounds_json !== undefined) {
    s.frac_abs_le_rel_std_bounds = decodeJson(r.frac_abs_le_rel_std_bounds_json as string) as Record<string, [number, number] | null>;
  }
  if (r.extra_json !== null && r.extra_json !== undefined) s.extra = decodeJson(r.extra_json as string) as Record<string, unknown>;
  return s;
}
