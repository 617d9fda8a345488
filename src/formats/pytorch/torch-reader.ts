// Reads a torch.save zip archive: locates `<archive>/data.pkl`, unpickles it with the allow-list,
// and turns tensor descriptors into TensorRefs over the stored `<archive>/data/<key>` entries.
import type { QuantizedDtype } from "../../store/vocabulary.js";
import type { ByteSource } from "../../io/byte-source.js";
import { ForkingPathsError, PytorchFormatError } from "../../util/errors.js";
import {
  MAX_PICKLE_BYTES, MAX_PICKLE_EXPANSION_RATIO, MAX_TENSOR_RANK, MAX_BROADCAST_VIEW_ELEMENTS, PICKLE_EXPANSION_FLOOR_BYTES,
} from "../../util/limits.js";
import { DTYPE_ITEMSIZE, type Dtype } from "../dtype.js";
import type { StridedView, TensorRef } from "../tensor-ref.js";
import { unpickle, type PickleValue } from "./pickle.js";
import { TensorDescriptor, torchPickleHooks } from "./torch-globals.js";
import { ZIP_METHOD_STORED, ZipArchive, type ZipEntry } from "./zip.js";

/**
 * Quantized storages whose codes are one integer per element: listed (dtype of the codes, the
 * torch dtype in TensorRef.quantized) instead of failing the file; their values are not analyzed.
 * Packed 4- and 2-bit storages (QUInt4x2, QUInt2x4) stay unsupported.
 */
const QUANTIZED_STORAGES: ReadonlyMap<string, { codes: Dtype; torchDtype: QuantizedDtype }> = new Map([
  ["QInt8Storage", { codes: "I8", torchDtype: "qint8" }], ["QUInt8Storage", { codes: "U8", torchDtype: "quint8" }], ["QInt32Storage", { codes: "I32", torchDtype: "qint32" }],
]);

/** Largest `byteorder` entry read (it holds "little" or "big"). */
const MAX_BYTEORDER_BYTES = 16;

/** An opened torch.save archive and its unpickled top-level object. */
export interface TorchArchive {
  readonly zip: ZipArchive;
  /** Top folder of the archive's entries ("archive" for torch >= 2, the file stem before). */
  readonly prefix: string;
  readonly root: PickleValue;
}

/** Opens the zip, checks the layout and unpickles data.pkl (no tensor data is read). */
export async function openTorchArchive(source: ByteSource): Promise<TorchArchive> {
  const zip = await openZipOrExplain(source);
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new PytorchFormatError(source.name, undefined,
      pickles.length === 0 ? "zip archive has no <archive>/data.pkl entry" : `zip archive has ${pickles.length} data.pkl entries`,
      "this is not a checkpoint written by torch.save (a TorchScript or other zip file?)");
  }
  const prefix = pickles[0]!.slice(0, -"/data.pkl".length);
  await checkByteOrder(zip, prefix);
  const pickleEntry = zip.entry(pickles[0]!);
  checkExpansion(source.name, pickleEntry);
  const data = await zip.readSmallEntry(pickleEntry, MAX_PICKLE_BYTES);
  const root = unpickle(source.name, data, torchPickleHooks(source.name));
  return { zip, prefix, root };
}

/** A compressed data.pkl may not inflate beyond MAX_PICKLE_EXPANSION_RATIO x its size (zip bombs). */
function checkExpansion(file: string, entry: ZipEntry): void {
  if (entry.method === ZIP_METHOD_STORED) return;
  const allowed = Math.max(PICKLE_EXPANSION_FLOOR_BYTES, MAX_PICKLE_EXPANSION_RATIO * entry.compressedSize);
  if (entry.uncompressedSize > allowed) {
    throw new PytorchFormatError(file, undefined,
      `zip entry "${entry.name}" inflates ${entry.compressedSize} bytes to ${entry.uncompressedSize}, over ${MAX_PICKLE_EXPANSION_RATIO}x (MAX_PICKLE_EXPANSION_RATIO)`,
      "torch.save stores data.pkl uncompressed; this archive was re-packed or crafted, refusing it");
  }
}

async function openZipOrExplain(source: ByteSource): Promise<ZipArchive> {
  try {
    return await ZipArchive.open(source);
  } catch (err) {
    if (!(err instanceof ForkingPathsError) || source.size < 2) throw err;
    const head = await source.read(0, 2);
    if (head[0] === 0x80 && head[1]! <= 5) {
      throw new PytorchFormatError(source.name, undefined, "this is a legacy (pre-1.6, non-zip) torch.save file, which is not supported",
        "re-save it with a recent torch (torch.save(torch.load(path), path)) or convert it to safetensors");
    }
    throw err;
  }
}

async function checkByteOrder(zip: ZipArchive, prefix: string): Promise<void> {
  const entry = zip.entries.get(`${prefix}/byteorder`);
  if (entry === undefined) return; // torch < 2.1 writes none: always little-endian
  const text = new TextDecoder().decode(await zip.readSmallEntry(entry, MAX_BYTEORDER_BYTES)).trim();
  if (text !== "little") {
    throw new PytorchFormatError(zip.source.name, undefined, `tensor data are stored ${text}-endian; only little-endian is supported`,
      "re-save the checkpoint on a little-endian machine");
  }
}

/** Builds the TensorRef of one tensor, checking its storage entry and its view bounds. */
export async function tensorRefOf(archive: TorchArchive, name: string, t: TensorDescriptor): Promise<TensorRef> {
  const { zip } = archive;
  const file = zip.source.name;
  const fail = (problem: string, hint?: string): PytorchFormatError => new PytorchFormatError(file, name, problem, hint);
  const quantized = QUANTIZED_STORAGES.get(t.storage.storageType);
  const dtype = t.storage.dtype ?? quantized?.codes;
  if (dtype === undefined) throw fail(`storage type ${t.storage.storageType} is not supported`, "only real floating, integer, bool, complex and 8/32-bit quantized tensors are read");
  if (t.size.length > MAX_TENSOR_RANK) throw fail(`has ${t.size.length} dimensions, over the limit of ${MAX_TENSOR_RANK}`);
  const itemsize = DTYPE_ITEMSIZE[dtype];
  const entry = zip.entry(`${archive.prefix}/data/${t.storage.key}`, name);
  const range = await zip.storedRange(entry, name);
  const storageBytes = t.storage.numel * itemsize;
  if (range.length !== storageBytes || entry.uncompressedSize !== storageBytes) {
    throw fail(`storage entry "${entry.name}" holds ${range.length} bytes but its ${t.storage.storageType} of ${t.storage.numel} elements needs ${storageBytes}`,
      "the checkpoint is damaged: download or save it again");
  }
  const numel = t.size.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(numel)) throw fail(`shape [${t.size.join(", ")}] has too many elements`);
  const base = { name, dtype, shape: [...t.size], numel, file, source: zip.source, ...(quantized !== undefined && { quantized: quantized.torchDtype }) };
  if (numel === 0) return { ...base, byteOffset: range.offset, byteLength: 0 };
  // Work is bounded by the file: a view with more elements than its storage (a broadcast view,
  // strides 0 as torch.expand saves) is streamed element by element, so its size is capped.
  if (numel > t.storage.numel && numel > MAX_BROADCAST_VIEW_ELEMENTS) {
    throw fail(`view of shape [${t.size.join(", ")}] (strides [${t.stride.join(", ")}]) has ${numel} elements but its storage holds only ${t.storage.numel}: a broadcast (expanded) view this large is refused (limit MAX_BROADCAST_VIEW_ELEMENTS = ${MAX_BROADCAST_VIEW_ELEMENTS})`,
      "save a materialized tensor (t.contiguous() or t.clone()) instead of an expanded view");
  }
  let last = t.storageOffset;
  for (let d = 0; d < t.size.length; d++) last += (t.size[d]! - 1) * t.stride[d]!;
  if (!Number.isSafeInteger(last) || last >= t.storage.numel) {
    throw fail(`view (offset ${t.storageOffset}, shape [${t.size.join(", ")}], strides [${t.stride.join(", ")}]) reaches element ${last} of a ${t.storage.numel}-element storage`,
      "the checkpoint is damaged or inconsistent: download or save it again");
  }
  const byteOffset = range.offset + t.storageOffset * itemsize;
  if (isRowMajor(t.size, t.stride)) return { ...base, byteOffset, byteLength: numel * itemsize };
  const view: StridedView = {
    storageByteOffset: range.offset, storageByteLength: range.length, storageOffset: t.storageOffset, strides: [...t.stride],
  };
  return { ...base, byteOffset, byteLength: (last - t.storageOffset + 1) * itemsize, view };
}

/** Strides of a row-major layout without gaps (dimensions of size 1 may have any stride). */
function isRowMajor(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}
