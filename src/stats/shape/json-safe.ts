// A deep copy of a statistics result as JSON would give it back (JSON.parse(JSON.stringify(x))),
// with every non-finite number replaced by null, built directly instead of through a string: the
// shape summaries are copied once per tensor, and the round trip through text cost more than the
// cheaper statistics themselves. Pure.

/**
 * JSON.parse(JSON.stringify(value, replacer)) where the replacer turns NaN and +-Infinity into
 * null: -0 becomes 0, undefined, function and symbol properties are dropped (null in arrays),
 * typed arrays become index-keyed objects, toJSON is honoured. Plain data only (no cycles).
 * A value the round trip would not change is returned as it is (not copied).
 */
export function finiteJsonCopy<T>(value: T): T {
  return jsonUnchanged(value) ? value : (copy(value) as T);
}

/**
 * True when the JSON round trip would give `v` back unchanged: finite numbers other than -0,
 * strings, booleans, null, and plain objects (prototype Object.prototype, no toJSON)
 * and arrays (no holes) holding only such values. Then finiteJsonCopy gives `v` itself: a shape
 * summary is built fresh for the caller, and copying its ~150 values property by property cost
 * more than the cheaper statistics (~25-50 us per summary in the statistics workers). Like the
 * copy, it reads enumerable string keys (statistics results have no accessors or symbols).
 */
function jsonUnchanged(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v) && (v !== 0 || 1 / v > 0);
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v !== "object") return false;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!jsonUnchanged(v[i])) return false; // a hole reads as undefined
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype || typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  // for-in (no key array; 1.5x faster than Object.keys here): also any enumerable key inherited from Object.prototype, which JSON ignores
  for (const key in v) if (!jsonUnchanged((v as Record<string, unknown>)[key])) return false;
  return true;
}

function copy(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v !== "object") return undefined; // undefined, function, symbol, bigint (JSON throws on bigint; not produced here)
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return copy(withJson.toJSON());
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = copy(v[i]);
      out[i] = c === undefined ? null : c;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const c = copy((v as Record<string, unknown>)[key]);
    if (c !== undefined) out[key] = c;
  }
  return out;
}
