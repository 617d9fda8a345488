// Validation of a safetensors JSON header against the data section it describes (pure: no I/O).
// The file is untrusted: every field, size and offset is checked before anything uses it.
import { DTYPES, DTYPE_ITEMSIZE, isDtype, type Dtype } from "../dtype.js";
import { SafetensorsParseError } from "../../util/errors.js";
import { MAX_TENSORS_PER_FILE, MAX_TENSOR_RANK } from "../../util/limits.js";

/** One tensor entry of a header, validated; offsets relative to the start of the data section. */
export interface SafetensorsHeaderEntry {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly numel: number;
  readonly begin: number;
  readonly end: number;
}

/** A validated header: metadata, tensors in data-offset order, and the bytes no tensor uses. */
export interface SafetensorsHeader {
  readonly metadata: Record<string, string>;
  readonly entries: SafetensorsHeaderEntry[];
  /** Bytes of the data section not covered by any tensor (gaps and trailing bytes). */
  readonly unusedDataBytes: number;
}

const METADATA_KEY = "__metadata__";
const REPAIR_HINT = "the file is corrupt or not a safetensors file; re-download or re-save it";

/**
 * Decodes and validates the header bytes (the JSON after the 8-byte length). `dataSize` is the
 * number of bytes after the header actually present in the file; a tensor ending past it means
 * the file is truncated.
 */
export function parseSafetensorsHeader(file: string, headerBytes: Uint8Array, dataSize: number): SafetensorsHeader {
  const json = decodeHeaderJson(file, headerBytes);
  const count = Object.keys(json).length;
  if (count > MAX_TENSORS_PER_FILE + 1) {
    throw new SafetensorsParseError(file, undefined, `header lists ${count} entries, over the limit of ${MAX_TENSORS_PER_FILE} tensors per file (MAX_TENSORS_PER_FILE)`,
      "split the tensors over several files (a sharded checkpoint)");
  }
  let metadata: Record<string, string> = {};
  const entries: SafetensorsHeaderEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = validateMetadata(file, value);
    else entries.push(validateEntry(file, name, value));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const used = checkLayout(file, entries, dataSize);
  return { metadata, entries, unusedDataBytes: dataSize - used };
}

function decodeHeaderJson(file: string, headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsParseError(file, undefined, "header is not valid UTF-8", REPAIR_HINT);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new SafetensorsParseError(file, undefined, `header is not valid JSON (${detail})`, REPAIR_HINT);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    const kind = json === null ? "null" : Array.isArray(json) ? "an array" : `a ${typeof json}`;
    throw new SafetensorsParseError(file, undefined, `header JSON is ${kind}, expected an object of tensors`, REPAIR_HINT);
  }
  return json as Record<string, unknown>;
}

function validateMetadata(file: string, value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SafetensorsParseError(file, undefined, `"${METADATA_KEY}" is not an object of string values`, REPAIR_HINT);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw new SafetensorsParseError(file, undefined, `"${METADATA_KEY}" entry "${key}" is ${describe(v)}, expected a string`, REPAIR_HINT);
    }
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function validateEntry(file: string, name: string, value: unknown): SafetensorsHeaderEntry {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SafetensorsParseError(file, name, `header entry is ${describe(value)}, expected {dtype, shape, data_offsets}`, REPAIR_HINT);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string") {
    throw new SafetensorsParseError(file, name, `dtype is ${describe(dtype)}, expected a string`, REPAIR_HINT);
  }
  if (!isDtype(dtype)) {
    throw new SafetensorsParseError(
      file,
      name,
      `unsupported dtype "${dtype}" (supported: ${DTYPES.join(", ")})`,
      "convert the checkpoint to a supported dtype (e.g. save it as float32 or bfloat16)",
    );
  }
  const dims = validateShape(file, name, shape);
  const numel = dims.reduce((n, d) => n * d, 1);
  if (!Number.isSafeInteger(numel * DTYPE_ITEMSIZE[dtype])) {
    throw new SafetensorsParseError(file, name, `shape [${dims.join(", ")}] has too many elements`, REPAIR_HINT);
  }
  const [begin, end] = validateOffsets(file, name, offsets);
  const expected = numel * DTYPE_ITEMSIZE[dtype];
  if (end - begin !== expected) {
    throw new SafetensorsParseError(
      file,
      name,
      `data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} shape [${dims.join(", ")}] needs ${numel} x ${DTYPE_ITEMSIZE[dtype]} = ${expected} bytes`,
      REPAIR_HINT,
    );
  }
  return { name, dtype, shape: dims, numel, begin, end };
}

function validateShape(file: string, name: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw new SafetensorsParseError(file, name, `shape is ${describe(shape)}, expected an array of non-negative integers`, REPAIR_HINT);
  }
  if (shape.length > MAX_TENSOR_RANK) {
    throw new SafetensorsParseError(file, name, `shape has rank ${shape.length}, more than the limit of ${MAX_TENSOR_RANK}`, REPAIR_HINT);
  }
  for (const [i, d] of shape.entries()) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsParseError(
        file,
        name,
        `shape [${shape.map((x) => JSON.stringify(x)).join(", ")}] has entry ${i} = ${JSON.stringify(d)}, expected a non-negative integer`,
        REPAIR_HINT,
      );
    }
  }
  return shape as number[];
}

function validateOffsets(file: string, name: string, offsets: unknown): [number, number] {
  const ok =
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0);
  if (!ok) {
    throw new SafetensorsParseError(file, name, `data_offsets is ${JSON.stringify(offsets) ?? "missing"}, expected [begin, end] of non-negative integers`, REPAIR_HINT);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    throw new SafetensorsParseError(file, name, `data_offsets [${begin}, ${end}] has begin after end`, REPAIR_HINT);
  }
  return [begin, end];
}

/** Checks bounds, truncation and overlaps of entries sorted by offset; returns the bytes used. */
function checkLayout(file: string, entries: readonly SafetensorsHeaderEntry[], dataSize: number): number {
  let used = 0;
  let previous: SafetensorsHeaderEntry | undefined;
  for (const e of entries) {
    if (e.end > dataSize) {
      const last = entries.reduce((m, x) => Math.max(m, x.end), 0);
      throw new SafetensorsParseError(
        file,
        e.name,
        `data_offsets [${e.begin}, ${e.end}] lie outside the ${dataSize}-byte data section (the tensors need ${last} bytes): the file is truncated or the header is wrong`,
        "the download or save was probably interrupted; fetch the file again",
      );
    }
    if (e.begin === e.end) continue; // empty tensors occupy no bytes and overlap nothing
    if (previous !== undefined && e.begin < previous.end) {
      throw new SafetensorsParseError(
        file,
        e.name,
        `data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous.name}" at [${previous.begin}, ${previous.end}]`,
        REPAIR_HINT,
      );
    }
    used += e.end - e.begin;
    previous = e;
  }
  return used;
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `${typeof v === "object" ? "an" : "a"} ${typeof v} (${JSON.stringify(v)})`.slice(0, 120);
}
