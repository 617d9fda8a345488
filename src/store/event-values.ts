// What event detection reads of a statistics row (EventStatValues), taken from the row's objects
// before they are stored, in the values forEachEventStatRow (event-queries.ts) reads back: the
// same parts, each through the store's JSON encoding and back (NaN and +-Infinity kept, -0 read
// as 0, undefined members dropped), so that an analysis can hand its own rows to the detectors
// instead of reading them from the store. No DuckDB import: statistics workers call it
// (pipeline/row-tasks.ts).
import { jsonRoundTrip } from "./codec.js";
import type { EventStatValues } from "./event-queries.js";

/** The frac_abs_le entries event detection reads (SeriesStatistic "frac_abs_le:0.001", "frac_abs_le_rel_std:0.1"). */
export const EVENT_FRAC_ABS_LE_KEY = "0.001";
export const EVENT_FRAC_ABS_LE_REL_STD_KEY = "0.1";

/** The row fields eventStatValuesOf reads (StatValues has them): EventStatValues' fields, `extra` whole and possibly undefined. */
export type EventStatSource = Omit<EventStatValues, "extra"> & { extra?: Record<string, unknown> | undefined };

/** Marks a JSON path that does not resolve (DuckDB's json_extract gives NULL there). */
const ABSENT = Symbol("absent");
type Part = unknown;

/** A member of a JSON object as the stored text holds it: ABSENT when `parent` is no object (or an array) or the member would not be written. */
function member(parent: Part, key: string): Part {
  if (parent === ABSENT || typeof parent !== "object" || parent === null || Array.isArray(parent)) return ABSENT;
  if (!Object.prototype.hasOwnProperty.call(parent, key)) return ABSENT;
  const v = (parent as Record<string, unknown>)[key];
  return v === undefined || typeof v === "function" || typeof v === "symbol" ? ABSENT : v;
}

/** A resolved part as decodeJson reads its fragment of the stored text (without the text: jsonRoundTrip). */
function stored(v: Part): unknown {
  return jsonRoundTrip(v);
}

function fracMapOf(key: string, map: Record<string, number | null>): Record<string, number | null> {
  const v = member(map, key);
  return v === ABSENT ? {} : { [key]: stored(v) as number | null };
}

/** A DOUBLE column's value read back (undefined is stored as NULL). */
function double(v: number | null | undefined): number | null {
  return v ?? null;
}

/**
 * EventStatValues.extra from its parts (extra.shape_method.method, and of extra.shape: dip.pValue,
 * mixtures.fits, kde, weibull.k), each `absent` where the stored extra lacks it, else given by
 * `value`; extra.shape is there when one of its parts is. Built alike from a row about to be stored
 * (eventStatValuesOf) and from the parts DuckDB cuts out of a stored one (forEachEventStatRow).
 */
export function eventExtraFrom(method: unknown, dipP: unknown, fits: unknown, kde: unknown, weibullK: unknown, absent: unknown, value: (part: unknown) => unknown): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (method !== absent) extra.shape_method = { method: value(method) };
  if (dipP !== absent || fits !== absent || kde !== absent || weibullK !== absent) {
    const shape: Record<string, unknown> = {};
    if (dipP !== absent) shape.dip = { pValue: value(dipP) };
    if (fits !== absent) shape.mixtures = { fits: value(fits) };
    if (kde !== absent) shape.kde = value(kde);
    if (weibullK !== absent) shape.weibull = { k: value(weibullK) };
    extra.shape = shape;
  }
  return extra;
}

/**
 * EventStatValues of a row about to be stored, equal to what forEachEventStatRow reads of it
 * once stored (test/store/event-values.test.ts).
 */
export function eventStatValuesOf(s: EventStatSource): EventStatValues {
  const root: Part = s.extra === undefined ? ABSENT : s.extra;
  const method = member(member(root, "shape_method"), "method");
  const shapeObject = member(root, "shape");
  const dipP = member(member(shapeObject, "dip"), "pValue"), fits = member(member(shapeObject, "mixtures"), "fits");
  const kde = member(shapeObject, "kde"), weibullK = member(member(shapeObject, "weibull"), "k");
  return {
    std: double(s.std), mean: double(s.mean), excess_kurtosis: double(s.excess_kurtosis),
    frac_abs_le: fracMapOf(EVENT_FRAC_ABS_LE_KEY, s.frac_abs_le), frac_abs_le_rel_std: fracMapOf(EVENT_FRAC_ABS_LE_REL_STD_KEY, s.frac_abs_le_rel_std),
    extra: eventExtraFrom(method, dipP, fits, kde, weibullK, ABSENT, stored),
  };
}
