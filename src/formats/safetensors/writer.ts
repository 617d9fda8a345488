// safetensors writer, laid out as the reference (Rust/Python) writer does: tensors sorted by
// descending dtype alignment then name, compact JSON header in that order padded with spaces to
// a multiple of 8 bytes; in memory, or streamed to a file that appears atomically.
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DTYPE_ITEMSIZE, isDtype, type Dtype } from "../dtype.js";
import { ByteSourceError, UsageError } from "../../util/errors.js";
import { MAX_SAFETENSORS_HEADER_BYTES, MAX_TENSOR_RANK } from "../../util/limits.js";
import { SAFETENSORS_PREFIX_BYTES } from "./reader.js";

/** Typed arrays accepted as tensor data; Uint8Array is always taken as raw little-endian bytes. */
export type SafetensorsData =
  | Uint8Array
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Raw bytes, or a typed array of the dtype's element type (F16/BF16: Uint16Array of bits). */
  readonly data: SafetensorsData;
}

/** The encoded header and the tensors' bytes in file order. */
interface Layout {
  readonly head: Uint8Array;
  readonly parts: Uint8Array[];
}

/**
 * Position of each dtype in the reference writer's `Dtype` enum (increasing alignment). Sorting
 * by it, descending, starts every tensor at a multiple of its itemsize (the data section starts
 * at a multiple of 8).
 */
const DTYPE_ALIGNMENT_RANK: Record<Dtype, number> = { BOOL: 0, U8: 1, I8: 2, I16: 5, F16: 7, BF16: 8, I32: 9, F32: 11, F64: 12, I64: 13, C64: 14, C128: 15 };

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes a whole safetensors file in memory (for small files and tests). */
export function encodeSafetensors(entries: readonly SafetensorsEntry[], metadata?: Record<string, string>): Uint8Array {
  const { head, parts } = layout(entries, metadata);
  const out = new Uint8Array(head.byteLength + parts.reduce((n, p) => n + p.byteLength, 0));
  out.set(head, 0);
  let at = head.byteLength;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Writes a safetensors file tensor by tensor (no whole-file buffer). The file appears only when
 * complete: data goes to a temporary file in the same folder, is flushed, then renamed.
 */
export async function writeSafetensorsFile(
  path: string,
  entries: readonly SafetensorsEntry[],
  metadata?: Record<string, string>,
): Promise<void> {
  const { head, parts } = layout(entries, metadata);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomSuffix()}.tmp`);
  let handle;
  try {
    handle = await open(temp, "wx");
  } catch (err) {
    throw new ByteSourceError(path, `cannot create ${temp} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  try {
    await writeAll(handle, head);
    for (const p of parts) await writeAll(handle, p);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw new ByteSourceError(path, `writing safetensors file failed (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

async function writeAll(handle: { write(b: Uint8Array, o: number, l: number): Promise<{ bytesWritten: number }> }, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

function layout(entries: readonly SafetensorsEntry[], metadata: Record<string, string> | undefined): Layout {
  const sorted = [...entries].sort(
    (a, b) => (DTYPE_ALIGNMENT_RANK[b.dtype] ?? 0) - (DTYPE_ALIGNMENT_RANK[a.dtype] ?? 0) || compareCodePoints(a.name, b.name),
  );
  checkUniqueNames(sorted);
  // JSON text is assembled by hand so keys keep this order (JS objects put integer-like keys first).
  const fields: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    fields.push(`"__metadata__":${JSON.stringify(checkedMetadata(metadata))}`);
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const e of sorted) {
    const bytes = entryBytes(e);
    const info = { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes.byteLength] };
    fields.push(`${JSON.stringify(e.name)}:${JSON.stringify(info)}`);
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded > MAX_SAFETENSORS_HEADER_BYTES) {
    throw new UsageError(`safetensors writer: header of ${padded} bytes is over the limit of ${MAX_SAFETENSORS_HEADER_BYTES} bytes`);
  }
  const head = new Uint8Array(SAFETENSORS_PREFIX_BYTES + padded).fill(0x20, SAFETENSORS_PREFIX_BYTES + json.byteLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, SAFETENSORS_PREFIX_BYTES);
  return { head, parts };
}

function checkUniqueNames(entries: readonly SafetensorsEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new UsageError(`safetensors writer: tensor name "${e.name}" appears twice`);
    seen.add(e.name);
  }
}

function checkedMetadata(metadata: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new UsageError(`safetensors writer: metadata "${k}" must be a string, got ${typeof v}`);
  }
  return metadata;
}

/** Validates one entry and returns its bytes as little-endian raw bytes (a view, no copy on LE hosts). */
function entryBytes(e: SafetensorsEntry): Uint8Array {
  const where = `safetensors writer: tensor "${e.name}"`;
  if (e.name === "__metadata__" || e.name.length === 0) throw new UsageError(`${where}: invalid tensor name`);
  if (!isDtype(e.dtype)) throw new UsageError(`${where}: unsupported dtype "${String(e.dtype)}"`);
  if (e.shape.length > MAX_TENSOR_RANK || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new UsageError(`${where}: shape [${e.shape.join(", ")}] must be at most ${MAX_TENSOR_RANK} non-negative integers`);
  }
  const expectedType = dataTypeFor(e.dtype);
  const data = e.data;
  if (!(data instanceof Uint8Array) && !(data instanceof expectedType)) {
    throw new UsageError(`${where}: ${data.constructor.name} data does not match dtype ${e.dtype} (give ${expectedType.name} or raw bytes as Uint8Array)`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const expected = e.shape.reduce((n, d) => n * d, 1) * DTYPE_ITEMSIZE[e.dtype];
  if (bytes.byteLength !== expected) {
    throw new UsageError(`${where}: data has ${bytes.byteLength} bytes but ${e.dtype} shape [${e.shape.join(", ")}] needs ${expected}`);
  }
  return HOST_IS_LITTLE_ENDIAN || data instanceof Uint8Array ? bytes : swapBytes(bytes, DTYPE_ITEMSIZE[e.dtype]);
}

type TypedArrayConstructor = { readonly name: string; new (n: number): SafetensorsData };

function dataTypeFor(dtype: Dtype): TypedArrayConstructor {
  switch (dtype) {
    case "F64": return Float64Array;
    case "F32": return Float32Array;
    case "F16": case "BF16": return Uint16Array;
    case "I64": return BigInt64Array;
    case "I32": return Int32Array;
    case "I16": return Int16Array;
    case "I8": return Int8Array;
    case "U8": case "BOOL": return Uint8Array;
    case "C64": return Float32Array; // interleaved (real, imaginary)
    case "C128": return Float64Array;
  }
}

function swapBytes(bytes: Uint8Array, itemsize: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += itemsize) {
    for (let j = 0; j < itemsize; j++) out[i + j] = bytes[i + itemsize - 1 - j]!;
  }
  return out;
}

/** Orders names by UTF-8 bytes (= Unicode code points), as the reference writer's String order. */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * 12 random hex digits for a temporary file's name, from the global Web Crypto (loaded when first
 * used): a static import of node:crypto cost every command that loads the formats ~8 ms of
 * start-up CPU (the analyze command loads them; it never writes a checkpoint).
 */
function randomSuffix(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString("hex");
}
