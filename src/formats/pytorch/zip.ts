// Zip archive reader over a ByteSource: End Of Central Directory (+ zip64), central directory,
// local headers of the entries actually used. Never reads the whole file; entry data are ranges.
import { createRequire } from "node:module";
import type * as Zlib from "node:zlib";
import type { ByteSource } from "../../io/byte-source.js";
import { PytorchFormatError } from "../../util/errors.js";
import { MAX_ZIP_CENTRAL_DIRECTORY_BYTES } from "../../util/limits.js";

/**
 * node:zlib, loaded when an entry is first checked or inflated: a static import cost every command
 * that loads the formats ~4 ms of start-up CPU, safetensors-only analyses included.
 */
let zlibModule: typeof Zlib | undefined;
const zlib = (): typeof Zlib => (zlibModule ??= createRequire(import.meta.url)("node:zlib") as typeof Zlib);

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_MIN_BYTES = 22;
/** First tail read: EOCD + zip64 locator + zip64 record with room to spare. */
const FIRST_TAIL_BYTES = 1024;
const MAX_ZIP_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_MIN_BYTES = 56;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

export const ZIP_METHOD_STORED = 0;
export const ZIP_METHOD_DEFLATE = 8;

/** One central-directory entry. Offsets and sizes are resolved through zip64 extras. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

/** Byte range of an entry's (compressed) data inside the archive. */
export interface ZipDataRange {
  readonly offset: number;
  readonly length: number;
}

interface CentralDirectoryLocation {
  readonly offset: number;
  readonly size: number;
  readonly entryCount: number;
}

/** A zip archive opened through a ByteSource; entry data are read on demand. */
export class ZipArchive {
  private readonly dataRanges = new Map<string, Promise<ZipDataRange>>();

  private constructor(
    readonly source: ByteSource,
    readonly entries: ReadonlyMap<string, ZipEntry>,
    /** Offset of the central directory: every entry's data must end before it. */
    private readonly centralDirectoryOffset: number,
  ) {}

  /** Reads the EOCD (zip64 if present) and the central directory. */
  static async open(source: ByteSource): Promise<ZipArchive> {
    const location = await findCentralDirectory(source);
    const bytes = await source.read(location.offset, location.size);
    const entries = parseCentralDirectory(source.name, bytes, location, source.size);
    return new ZipArchive(source, entries, location.offset);
  }

  /** Throws a PytorchFormatError naming the missing entry when `name` is absent. */
  entry(name: string, tensor?: string): ZipEntry {
    const found = this.entries.get(name);
    if (found === undefined) {
      throw new PytorchFormatError(this.source.name, tensor, `zip entry "${name}" is missing from the archive`,
        "the checkpoint is incomplete or damaged: download or save it again");
    }
    return found;
  }

  /** Where the entry's stored bytes are, from its local header (checked against the file). */
  dataRange(entry: ZipEntry): Promise<ZipDataRange> {
    let range = this.dataRanges.get(entry.name);
    if (range === undefined) {
      range = readLocalHeader(this.source, entry, this.centralDirectoryOffset);
      this.dataRanges.set(entry.name, range);
    }
    return range;
  }

  /** Reads a small entry fully (STORED or DEFLATE), checking its size limit and CRC-32. */
  async readSmallEntry(entry: ZipEntry, maxBytes: number): Promise<Uint8Array> {
    const file = this.source.name;
    if (entry.uncompressedSize > maxBytes || entry.compressedSize > maxBytes) {
      throw new PytorchFormatError(file, undefined, `zip entry "${entry.name}" is ${entry.uncompressedSize} bytes, over the ${maxBytes}-byte limit`,
        "this is not a checkpoint forking-paths can read safely");
    }
    const range = await this.dataRange(entry);
    const raw = await this.source.read(range.offset, range.length);
    let data: Uint8Array;
    if (entry.method === ZIP_METHOD_STORED) data = raw;
    else if (entry.method === ZIP_METHOD_DEFLATE) data = inflateEntry(file, entry, raw, maxBytes);
    else throw unsupportedMethod(file, entry);
    if (data.byteLength !== entry.uncompressedSize) {
      throw new PytorchFormatError(file, undefined, `zip entry "${entry.name}" inflates to ${data.byteLength} bytes, the directory says ${entry.uncompressedSize}`);
    }
    if ((zlib().crc32(data) >>> 0) !== entry.crc32) {
      throw new PytorchFormatError(file, undefined, `zip entry "${entry.name}" fails its CRC-32 check (corrupted file)`,
        "download or save the checkpoint again");
    }
    return data;
  }

  /** Byte range of a STORED entry's content, for tensor data read in place. */
  async storedRange(entry: ZipEntry, tensor?: string): Promise<ZipDataRange> {
    if (entry.method !== ZIP_METHOD_STORED) throw unsupportedMethod(this.source.name, entry, tensor);
    return this.dataRange(entry);
  }
}

function unsupportedMethod(file: string, entry: ZipEntry, tensor?: string): PytorchFormatError {
  const what = entry.method === ZIP_METHOD_DEFLATE ? "compressed (DEFLATE)" : `compressed with zip method ${entry.method}`;
  return new PytorchFormatError(file, tensor, `zip entry "${entry.name}" is ${what}; tensor data must be stored uncompressed to be read in place`,
    "re-save the checkpoint with torch.save (it stores entries uncompressed), or do not re-zip it with compression");
}

function inflateEntry(file: string, entry: ZipEntry, raw: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return zlib().inflateRawSync(raw, { maxOutputLength: Math.max(1, Math.min(maxBytes, entry.uncompressedSize + 1)) });
  } catch (err) {
    throw new PytorchFormatError(file, undefined, `zip entry "${entry.name}" cannot be inflated (${(err as Error).message})`,
      "the archive is damaged: download or save it again");
  }
}

function badZip(file: string, problem: string): PytorchFormatError {
  return new PytorchFormatError(file, undefined, problem, "the file is not a complete zip archive (truncated download or not a torch.save file?)");
}

/** Reads a little-endian u64 as a safe integer, or throws. */
function u64(file: string, view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw badZip(file, `${what} ${v} is too large`);
  return Number(v);
}

/** Finds the EOCD record: first in a short tail (torch writes no comment), then in the longest one. */
async function locateEocd(source: ByteSource): Promise<{ tail: Uint8Array; tailStart: number; at: number }> {
  for (const want of [FIRST_TAIL_BYTES, EOCD_MIN_BYTES + MAX_ZIP_COMMENT_BYTES + ZIP64_LOCATOR_BYTES]) {
    const tailLength = Math.min(source.size, want);
    const tailStart = source.size - tailLength;
    const tail = await source.read(tailStart, tailLength);
    const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    // Keep room before the EOCD for a zip64 locator unless the tail is the whole file.
    const lowest = tailStart === 0 ? 0 : ZIP64_LOCATOR_BYTES;
    for (let i = tailLength - EOCD_MIN_BYTES; i >= lowest; i--) {
      // The comment length must reach exactly the end of the file: rejects signatures inside comments.
      if (view.getUint32(i, true) === EOCD_SIGNATURE && i + EOCD_MIN_BYTES + view.getUint16(i + 20, true) === tailLength) {
        return { tail, tailStart, at: i };
      }
    }
    if (tailLength === source.size) break;
  }
  throw badZip(source.name, "no End Of Central Directory record found at the end of the file");
}

async function findCentralDirectory(source: ByteSource): Promise<CentralDirectoryLocation> {
  const file = source.name;
  if (source.size < EOCD_MIN_BYTES) throw badZip(file, `file of ${source.size} bytes is too short to be a zip archive`);
  const { tail, tailStart, at } = await locateEocd(source);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const entryCount = view.getUint16(at + 10, true);
  const size = view.getUint32(at + 12, true);
  const offset = view.getUint32(at + 16, true);
  const eocdOffset = tailStart + at;
  const needsZip64 = entryCount === U16_MAX || size === U32_MAX || offset === U32_MAX;
  const hasLocator = at >= ZIP64_LOCATOR_BYTES && view.getUint32(at - ZIP64_LOCATOR_BYTES, true) === ZIP64_LOCATOR_SIGNATURE;
  if (hasLocator) {
    const recordOffset = u64(file, view, at - ZIP64_LOCATOR_BYTES + 8, "zip64 EOCD offset");
    const loc = await readZip64Eocd(source, recordOffset, eocdOffset - ZIP64_LOCATOR_BYTES);
    // torch (miniz) always writes both records: where the classic one has real values they must agree.
    if ((entryCount !== U16_MAX && entryCount !== loc.entryCount) || (size !== U32_MAX && size !== loc.size) || (offset !== U32_MAX && offset !== loc.offset)) {
      throw badZip(file, `the End Of Central Directory (${entryCount} entries, ${size} bytes at ${offset}) disagrees with the zip64 record (${loc.entryCount} entries, ${loc.size} bytes at ${loc.offset})`);
    }
    return loc;
  }
  if (needsZip64) throw badZip(file, "the End Of Central Directory needs zip64 values but the zip64 locator is missing");
  return checkLocation(file, { offset, size, entryCount }, eocdOffset);
}

async function readZip64Eocd(source: ByteSource, recordOffset: number, locatorOffset: number): Promise<CentralDirectoryLocation> {
  const file = source.name;
  if (recordOffset + ZIP64_EOCD_MIN_BYTES > locatorOffset) {
    throw badZip(file, `zip64 End Of Central Directory offset ${recordOffset} is not before its locator at ${locatorOffset}`);
  }
  const bytes = await source.read(recordOffset, ZIP64_EOCD_MIN_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
    throw badZip(file, `no zip64 End Of Central Directory record at offset ${recordOffset}`);
  }
  const entryCount = u64(file, view, 32, "zip64 entry count");
  const size = u64(file, view, 40, "zip64 central directory size");
  const offset = u64(file, view, 48, "zip64 central directory offset");
  return checkLocation(file, { offset, size, entryCount }, recordOffset);
}

function checkLocation(file: string, loc: CentralDirectoryLocation, end: number): CentralDirectoryLocation {
  if (loc.size > MAX_ZIP_CENTRAL_DIRECTORY_BYTES) {
    throw new PytorchFormatError(file, undefined, `zip central directory of ${loc.size} bytes is over the ${MAX_ZIP_CENTRAL_DIRECTORY_BYTES}-byte limit`,
      "this is not a checkpoint forking-paths can read safely");
  }
  if (loc.offset + loc.size > end) {
    throw badZip(file, `central directory [${loc.offset}, ${loc.offset + loc.size}) runs past its end record at ${end}`);
  }
  if (loc.entryCount * CENTRAL_HEADER_BYTES > loc.size) {
    throw badZip(file, `${loc.entryCount} entries cannot fit in a ${loc.size}-byte central directory`);
  }
  return loc;
}

function parseCentralDirectory(file: string, bytes: Uint8Array, loc: CentralDirectoryLocation, fileSize: number): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < loc.entryCount; i++) {
    if (at + CENTRAL_HEADER_BYTES > bytes.byteLength || view.getUint32(at, true) !== CENTRAL_HEADER_SIGNATURE) {
      throw badZip(file, `central directory entry ${i} at offset ${loc.offset + at} is malformed`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const end = at + CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength;
    if (end > bytes.byteLength) throw badZip(file, `central directory entry ${i} runs past the directory`);
    const flags = view.getUint16(at + 8, true);
    const nameBytes = bytes.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength);
    const name = decodeName(file, nameBytes, flags);
    const extra = bytes.subarray(at + CENTRAL_HEADER_BYTES + nameLength, at + CENTRAL_HEADER_BYTES + nameLength + extraLength);
    const entry = resolveZip64(file, name, extra, {
      name, flags,
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    }, view.getUint16(at + 34, true));
    if (entry.localHeaderOffset + LOCAL_HEADER_BYTES + entry.compressedSize > Math.min(loc.offset, fileSize)) {
      throw badZip(file, `zip entry "${name}" (${entry.compressedSize} bytes at ${entry.localHeaderOffset}) lies outside the data area [0, ${loc.offset})`);
    }
    if (entries.has(name)) throw badZip(file, `zip entry "${name}" appears twice in the central directory`);
    entries.set(name, entry);
    at = end;
  }
  return entries;
}

function decodeName(file: string, bytes: Uint8Array, flags: number): string {
  const utf8 = (flags & 0x800) !== 0;
  let name: string;
  try {
    name = new TextDecoder(utf8 ? "utf-8" : "latin1", { fatal: true }).decode(bytes);
  } catch {
    throw badZip(file, "a zip entry name is not valid UTF-8");
  }
  if (name.length === 0 || name.includes("\0")) throw badZip(file, `zip entry name ${JSON.stringify(name)} is invalid`);
  return name;
}

/** Replaces 0xFFFFFFFF fields by their values from the zip64 extended-information extra field. */
function resolveZip64(file: string, name: string, extra: Uint8Array, entry: ZipEntry, diskStart: number): ZipEntry {
  const wantUncompressed = entry.uncompressedSize === U32_MAX;
  const wantCompressed = entry.compressedSize === U32_MAX;
  const wantOffset = entry.localHeaderOffset === U32_MAX;
  if (!wantUncompressed && !wantCompressed && !wantOffset) return entry;
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let at = 0; at + 4 <= extra.byteLength;) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (at + 4 + length > extra.byteLength) break;
    if (id === ZIP64_EXTRA_ID) {
      const needed = 8 * (Number(wantUncompressed) + Number(wantCompressed) + Number(wantOffset));
      if (length < needed) throw badZip(file, `zip entry "${name}" has a zip64 extra field of ${length} bytes, needs ${needed}`);
      let p = at + 4;
      const next = (what: string): number => { const v = u64(file, view, p, `zip entry "${name}" ${what}`); p += 8; return v; };
      const uncompressedSize = wantUncompressed ? next("size") : entry.uncompressedSize;
      const compressedSize = wantCompressed ? next("compressed size") : entry.compressedSize;
      const localHeaderOffset = wantOffset ? next("offset") : entry.localHeaderOffset;
      return { ...entry, uncompressedSize, compressedSize, localHeaderOffset };
    }
    at += 4 + length;
  }
  if (diskStart === U16_MAX) throw badZip(file, `zip entry "${name}" spans disks (multi-volume archives are not supported)`);
  throw badZip(file, `zip entry "${name}" needs zip64 sizes or offset but has no zip64 extra field`);
}

async function readLocalHeader(source: ByteSource, entry: ZipEntry, dataEnd: number): Promise<ZipDataRange> {
  const file = source.name;
  const header = await source.read(entry.localHeaderOffset, LOCAL_HEADER_BYTES);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE) {
    throw badZip(file, `zip entry "${entry.name}" has no local header at offset ${entry.localHeaderOffset}`);
  }
  const nameLength = view.getUint16(26, true);
  const extraLength = view.getUint16(28, true);
  const offset = entry.localHeaderOffset + LOCAL_HEADER_BYTES + nameLength + extraLength;
  if (offset + entry.compressedSize > dataEnd) {
    throw badZip(file, `zip entry "${entry.name}" data [${offset}, ${offset + entry.compressedSize}) runs into the central directory at ${dataEnd}`);
  }
  const localName = await source.read(entry.localHeaderOffset + LOCAL_HEADER_BYTES, nameLength);
  if (decodeName(file, localName, entry.flags) !== entry.name) {
    throw badZip(file, `zip entry "${entry.name}": local header names a different file`);
  }
  return { offset, length: entry.compressedSize };
}
