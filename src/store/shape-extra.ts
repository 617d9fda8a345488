// Reading back the shape statistics stored in a row's `extra`: `extra.shape` (stats/shape's
// ShapeSummary, written as stats/extras.ts's ShapeExtra) and `extra.shape_method.method`.
// The encoder is that typed ShapeExtra; this is its decoder, checked field by field, so readers
// (mode snapshots, series statistics, quality features) never cast the stored JSON. A field that
// is absent or malformed decodes to null.
import type { KdeMode } from "../stats/shape/index.js";

/** How `extra.shape` was computed (`extra.shape_method.method`). */
export type ShapeMethodKind = "histogram" | "exact";

/** The parts of a stored `extra.shape` the readers use. */
export interface DecodedShape {
  /** `extra.shape_method.method`; null when the row has no (or an unknown) method. */
  method: ShapeMethodKind | null;
  /** Hartigan's dip test p-value (`shape.dip.pValue`). */
  dipPValue: number | null;
  /** BIC of the 1- and 2-component Gaussian mixtures (`shape.mixtures.fits[].bic`). */
  bic1: number | null;
  bic2: number | null;
  /** The Silverman-bandwidth KDE modes (`shape.kde[rule = silverman].modes`), when non-empty and all finite. */
  silvermanModes: KdeMode[] | null;
  /** Weibull shape k of |w| (`shape.weibull.k`), when a number (NaN and infinities included, as stored). */
  weibullK: number | null;
}

type Json = Record<string, unknown>;

/**
 * A JSON object's own enumerable fields. A plain object (what JSON.parse gives, the usual case)
 * is read in place: the names read here are none of Object.prototype's, so reading them finds
 * the same own fields a copy would hold; other objects are copied (own enumerable fields only).
 * Event detection reads tens of thousands of rows: a copy per object was most of this decoder.
 */
function objectOf(value: unknown): Json | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? (value as Json) : Object.fromEntries(Object.entries(value));
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

function modeOf(value: unknown): KdeMode | null {
  const m = objectOf(value);
  if (m === null) return null;
  const location = finiteOrNull(m.location), height = finiteOrNull(m.height), mass = finiteOrNull(m.mass), prominence = finiteOrNull(m.prominence);
  return location === null || height === null || mass === null || prominence === null ? null : { location, height, mass, prominence };
}

function silvermanModesOf(kde: unknown): KdeMode[] | null {
  if (!Array.isArray(kde)) return null;
  const silverman = kde.map(objectOf).find((k) => k?.rule === "silverman");
  if (silverman === undefined || silverman === null || !Array.isArray(silverman.modes) || silverman.modes.length === 0) return null;
  const modes = silverman.modes.map(modeOf);
  return modes.every((m): m is KdeMode => m !== null) ? modes : null;
}

function mixtureBic(mixtures: unknown, components: number): number | null {
  const fits = objectOf(mixtures)?.fits;
  if (!Array.isArray(fits)) return null;
  return numberOrNull(fits.map(objectOf).find((f) => f?.components === components)?.bic);
}

function methodOf(extra: Json): ShapeMethodKind | null {
  const method = objectOf(extra.shape_method)?.method;
  return method === "histogram" || method === "exact" ? method : null;
}

/** The shape statistics of a row's `extra`; null when it holds no `extra.shape` object. */
export function decodeShapeExtra(extra: Record<string, unknown> | undefined): DecodedShape | null {
  if (extra === undefined) return null;
  const shape = objectOf(extra.shape);
  if (shape === null) return null;
  return {
    method: methodOf(extra),
    dipPValue: numberOrNull(objectOf(shape.dip)?.pValue),
    bic1: mixtureBic(shape.mixtures, 1),
    bic2: mixtureBic(shape.mixtures, 2),
    silvermanModes: silvermanModesOf(shape.kde),
    weibullK: numberOrNull(objectOf(shape.weibull)?.k),
  };
}
