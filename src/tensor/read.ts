// Chunked reads of a tensor's raw bytes in element (row-major) order, through its ByteSource.
// Contiguous tensors are plain range reads; strided PyTorch views are gathered element-wise.
import { DTYPE_ITEMSIZE } from "../formats/dtype.js";
import type { TensorRef } from "../formats/tensor-ref.js";
import { STATS_CHUNK_BYTES } from "../util/limits.js";

/**
 * Yields the tensor's raw little-endian bytes in row-major element order, in chunks of at most
 * `maxChunkBytes` (rounded down to whole elements). Every chunk is a fresh buffer.
 */
export async function* readTensorChunks(ref: TensorRef, maxChunkBytes = STATS_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  const itemsize = DTYPE_ITEMSIZE[ref.dtype];
  const chunk = Math.max(itemsize, Math.floor(maxChunkBytes / itemsize) * itemsize);
  if (ref.view !== undefined && !isContiguousView(ref)) {
    yield* readStridedChunks(ref, chunk);
    return;
  }
  const start = ref.view ? ref.view.storageByteOffset + ref.view.storageOffset * itemsize : ref.byteOffset;
  const total = ref.numel * itemsize;
  for (let done = 0; done < total; done += chunk) {
    yield await ref.source.read(start + done, Math.min(chunk, total - done));
  }
}

/** Reads the whole tensor's raw bytes (row-major). Use only for tensors known to be small. */
export async function readTensorBytes(ref: TensorRef): Promise<Uint8Array> {
  const out = new Uint8Array(ref.numel * DTYPE_ITEMSIZE[ref.dtype]);
  let at = 0;
  for await (const part of readTensorChunks(ref)) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** True when a strided view's elements are laid out row-major without gaps. */
export function isContiguousView(ref: TensorRef): boolean {
  const v = ref.view;
  if (v === undefined) return true;
  let expected = 1;
  for (let d = ref.shape.length - 1; d >= 0; d--) {
    const size = ref.shape[d]!;
    if (size !== 1 && v.strides[d] !== expected) return false;
    expected *= size;
  }
  return true;
}

async function* readStridedChunks(ref: TensorRef, chunk: number): AsyncGenerator<Uint8Array> {
  const v = ref.view!;
  const itemsize = DTYPE_ITEMSIZE[ref.dtype];
  // Read the span of the storage the view touches once (views of checkpoints are at most a
  // storage in size), then gather.
  let lo = v.storageOffset, hi = v.storageOffset;
  for (let d = 0; d < ref.shape.length; d++) {
    const extent = (ref.shape[d]! - 1) * v.strides[d]!;
    if (extent > 0) hi += extent; else lo += extent;
  }
  const span = await ref.source.read(v.storageByteOffset + lo * itemsize, (hi - lo + 1) * itemsize);
  const rank = ref.shape.length;
  const index = new Array<number>(rank).fill(0);
  const perChunk = chunk / itemsize;
  let out = new Uint8Array(Math.min(perChunk, ref.numel) * itemsize);
  let filled = 0;
  for (let e = 0; e < ref.numel; e++) {
    let elem = v.storageOffset - lo;
    for (let d = 0; d < rank; d++) elem += index[d]! * v.strides[d]!;
    out.set(span.subarray(elem * itemsize, (elem + 1) * itemsize), filled * itemsize);
    filled++;
    if (filled * itemsize === out.byteLength) {
      yield out;
      filled = 0;
      const left = ref.numel - e - 1;
      out = new Uint8Array(Math.min(perChunk, left) * itemsize);
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < ref.shape[d]!) break;
      index[d] = 0;
    }
  }
}
