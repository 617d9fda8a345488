// TFRecord framing, the container of TensorBoard event files: each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | payload | uint32 masked CRC-32C of the payload.
// Pure computation: frame records into bytes, and split bytes back into checked records.
import { ForkingPathsError } from "../../util/errors.js";
import { crc32c, maskCrc } from "./crc32c.js";

/** Bytes of framing around each payload (8 length + 4 + 4 CRCs). */
export const TFRECORD_OVERHEAD_BYTES = 16;

/** A TFRecord stream is truncated or a CRC does not match. */
export class TfRecordError extends ForkingPathsError {
  constructor(readonly source: string, message: string) {
    super("TFRECORD", `${source}: ${message}`);
  }
}

/** One framed record holding `payload`. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + TFRECORD_OVERHEAD_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskCrc(crc32c(payload)), true);
  return out;
}

/** Splits a TFRecord stream into its payloads, checking both CRCs of every record. */
export function readRecords(bytes: Uint8Array, source = "TFRecord data"): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const at = `record ${records.length} at byte ${offset}`;
    if (bytes.length - offset < 12) throw new TfRecordError(source, `${at}: truncated header`);
    if (view.getUint32(offset + 8, true) !== maskCrc(crc32c(bytes.subarray(offset, offset + 8)))) {
      throw new TfRecordError(source, `${at}: length CRC mismatch`);
    }
    const length = Number(view.getBigUint64(offset, true));
    const end = offset + 12 + length;
    if (end + 4 > bytes.length) throw new TfRecordError(source, `${at}: ${length}-byte payload runs past the end`);
    const payload = bytes.subarray(offset + 12, end);
    if (view.getUint32(end, true) !== maskCrc(crc32c(payload))) throw new TfRecordError(source, `${at}: payload CRC mismatch`);
    records.push(payload);
    offset = end + 4;
  }
  return records;
}
