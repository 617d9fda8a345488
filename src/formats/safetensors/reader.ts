// safetensors reader: reads the 8-byte header length and the JSON header through a ByteSource
// (never the tensor data) and returns TensorRefs locating every tensor's bytes.
import type { ByteSource } from "../../io/byte-source.js";
import { SafetensorsParseError } from "../../util/errors.js";
import { MAX_SAFETENSORS_HEADER_BYTES } from "../../util/limits.js";
import type { TensorRef } from "../tensor-ref.js";
import { parseSafetensorsHeader } from "./validate.js";

/** Size of the little-endian u64 header length that starts every safetensors file. */
export const SAFETENSORS_PREFIX_BYTES = 8;

export interface SafetensorsFile {
  /** The source's name (path or URL). */
  readonly file: string;
  /** The `__metadata__` string map ({} when absent). */
  readonly metadata: Record<string, string>;
  /** Tensors in data-offset order (the order their bytes appear in the file). */
  readonly tensors: TensorRef[];
  /** Absolute byte offset of the data section (8 + header length). */
  readonly dataStart: number;
  /** Bytes of the data section not covered by any tensor (gaps, trailing bytes); usually 0. */
  readonly unusedDataBytes: number;
}

/** Reads and validates the header of a safetensors file. Throws SafetensorsParseError. */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsFile> {
  const file = source.name;
  const headerLength = await readHeaderLength(source);
  const dataStart = SAFETENSORS_PREFIX_BYTES + headerLength;
  const headerBytes = await source.read(SAFETENSORS_PREFIX_BYTES, headerLength);
  const header = parseSafetensorsHeader(file, headerBytes, source.size - dataStart);
  const tensors: TensorRef[] = header.entries.map((e) => ({
    name: e.name,
    dtype: e.dtype,
    shape: e.shape,
    numel: e.numel,
    file,
    source,
    byteOffset: dataStart + e.begin,
    byteLength: e.end - e.begin,
  }));
  return { file, metadata: header.metadata, tensors, dataStart, unusedDataBytes: header.unusedDataBytes };
}

async function readHeaderLength(source: ByteSource): Promise<number> {
  const file = source.name;
  if (source.size < SAFETENSORS_PREFIX_BYTES) {
    throw new SafetensorsParseError(
      file,
      undefined,
      `file is ${source.size} bytes, too short for the 8-byte header length of a safetensors file`,
      "the file is empty or truncated; fetch it again",
    );
  }
  const prefix = await source.read(0, SAFETENSORS_PREFIX_BYTES);
  const length = new DataView(prefix.buffer, prefix.byteOffset, SAFETENSORS_PREFIX_BYTES).getBigUint64(0, true);
  if (length > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new SafetensorsParseError(
      file,
      undefined,
      `header length ${length} bytes is over the limit of ${MAX_SAFETENSORS_HEADER_BYTES} bytes`,
      "this is not a safetensors file, or it is corrupt",
    );
  }
  const n = Number(length);
  if (SAFETENSORS_PREFIX_BYTES + n > source.size) {
    throw new SafetensorsParseError(
      file,
      undefined,
      `header length ${n} bytes runs past the end of the ${source.size}-byte file`,
      "the file is truncated or not a safetensors file; fetch it again",
    );
  }
  return n;
}
