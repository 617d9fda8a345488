// Shared range validation for ByteSource implementations.
import { ByteSourceError } from "../util/errors.js";

export function checkRange(source: { name: string; size: number }, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ByteSourceError(source.name, `invalid byte range offset=${offset} length=${length}`);
  }
  if (offset + length > source.size) {
    throw new ByteSourceError(
      source.name,
      `byte range [${offset}, ${offset + length}) is outside the ${source.size}-byte file (truncated file?)`,
    );
  }
}
