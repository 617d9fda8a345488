// Chunked reads of a tensor's raw bytes in element (row-major) order, through its ByteSource.
// Contiguous tensors are plain range reads; strided PyTorch views are gathered from bounded spans.
import type { ByteSource } from "../io/byte-source.js";
import { DTYPE_ITEMSIZE } from "../formats/dtype.js";
import type { TensorRef } from "../formats/tensor-ref.js";
import { UsageError } from "../util/errors.js";
import { STATS_CHUNK_BYTES } from "../util/limits.js";

/**
 * Largest storage span read at once to gather a strided view. A view whose span is larger is
 * gathered sub-view by sub-view (outermost dimension first), so memory stays bounded.
 */
const MAX_STRIDED_SPAN_BYTES = 64 * 1024 * 1024;

/**
 * Yields the tensor's raw little-endian bytes in row-major element order, in chunks of at most
 * `maxChunkBytes` (rounded down to whole elements). Every chunk is a fresh buffer.
 */
export async function* readTensorChunks(ref: TensorRef, maxChunkBytes = STATS_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  const itemsize = DTYPE_ITEMSIZE[ref.dtype];
  const chunk = Math.max(itemsize, Math.floor(maxChunkBytes / itemsize) * itemsize);
  if (ref.numel === 0) return;
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

/** Collects gathered bytes into fresh chunks of exactly `chunk` bytes (the last may be shorter). */
class ChunkWriter {
  private out: Uint8Array;
  private filled = 0;
  private readonly ready: Uint8Array[] = [];

  constructor(private readonly chunk: number, private remaining: number) {
    this.out = new Uint8Array(Math.min(chunk, remaining));
  }

  write(src: Uint8Array, start: number, length: number): void {
    while (length > 0) {
      const n = Math.min(length, this.out.byteLength - this.filled);
      this.out.set(src.subarray(start, start + n), this.filled);
      this.filled += n;
      start += n;
      length -= n;
      if (this.filled === this.out.byteLength) {
        this.ready.push(this.out);
        this.remaining -= this.filled;
        this.filled = 0;
        this.out = new Uint8Array(Math.min(this.chunk, this.remaining));
      }
    }
  }

  hasReady(): boolean { return this.ready.length > 0; }

  takeReady(): Uint8Array[] { return this.ready.splice(0, this.ready.length); }
}

function readStridedChunks(ref: TensorRef, chunk: number): AsyncGenerator<Uint8Array> {
  return readViewChunks(ref, chunk, MAX_STRIDED_SPAN_BYTES);
}

/**
 * Gathers a strided view (`ref.view` required) in row-major order, reading storage spans of at
 * most `maxSpanBytes` where the layout allows (a single element is always one read). Exposed for
 * tests of the bounded-memory path; readTensorChunks is the normal entry.
 */
export async function* readViewChunks(ref: TensorRef, maxChunkBytes: number, maxSpanBytes: number): AsyncGenerator<Uint8Array> {
  const v = ref.view;
  if (v === undefined) throw new UsageError(`readViewChunks: tensor "${ref.name}" has no strided view`);
  const itemsize = DTYPE_ITEMSIZE[ref.dtype];
  if (ref.numel === 0) return;
  const chunk = Math.max(itemsize, Math.floor(maxChunkBytes / itemsize) * itemsize);
  const writer = new ChunkWriter(chunk, ref.numel * itemsize);
  const gather = { source: ref.source, base: v.storageByteOffset, itemsize, writer, maxSpanBytes, chunkBytes: chunk };
  yield* gatherView(gather, ref.shape, v.strides, v.storageOffset);
}

interface Gather {
  readonly source: ByteSource;
  /** Byte offset of storage element 0 in `source`. */
  readonly base: number;
  readonly itemsize: number;
  readonly writer: ChunkWriter;
  readonly maxSpanBytes: number;
  /** Output chunk size in bytes (whole elements). */
  readonly chunkBytes: number;
}

/** Gathers the view (shape, strides, element offset) in row-major order into the writer. */
async function* gatherView(g: Gather, shape: readonly number[], strides: readonly number[], offset: number): AsyncGenerator<Uint8Array> {
  let lo = offset, hi = offset;
  for (let d = 0; d < shape.length; d++) {
    const extent = (shape[d]! - 1) * strides[d]!;
    if (extent > 0) hi += extent; else lo += extent;
  }
  const spanBytes = (hi - lo + 1) * g.itemsize;
  if (spanBytes <= g.maxSpanBytes || shape.length === 0) {
    const span = await g.source.read(g.base + lo * g.itemsize, spanBytes);
    yield* gatherFromSpan(g, span, shape, strides, offset - lo);
    return;
  }
  const innerShape = shape.slice(1), innerStrides = strides.slice(1);
  for (let i = 0; i < shape[0]!; i++) yield* gatherView(g, innerShape, innerStrides, offset + i * strides[0]!);
}

/** Copies the view's elements out of `span` (where element `rel` is the view's first element). */
function* gatherFromSpan(g: Gather, span: Uint8Array, shape: readonly number[], strides: readonly number[], rel: number): Generator<Uint8Array> {
  const { itemsize, writer } = g;
  const rank = shape.length;
  if (rank === 0) {
    writer.write(span, rel * itemsize, itemsize);
    yield* writer.takeReady();
    return;
  }
  const rowLength = shape[rank - 1]!, rowStride = strides[rank - 1]!;
  const outer = shape.slice(0, rank - 1);
  const index = new Array<number>(outer.length).fill(0);
  let rows = 1;
  for (const s of outer) rows *= s;
  // Non-unit inner strides are gathered in blocks of at most one output chunk (bounded memory).
  const blockLength = Math.max(1, Math.min(rowLength, Math.floor(g.chunkBytes / itemsize)));
  const block = rowStride === 1 ? span : new Uint8Array(blockLength * itemsize);
  for (let r = 0; r < rows; r++) {
    let start = rel;
    for (let d = 0; d < outer.length; d++) start += index[d]! * strides[d]!;
    if (rowStride === 1) {
      writer.write(span, start * itemsize, rowLength * itemsize);
    } else {
      for (let first = 0; first < rowLength; first += blockLength) {
        const count = Math.min(blockLength, rowLength - first);
        for (let e = first, to = 0; e < first + count; e++) {
          const from = (start + e * rowStride) * itemsize;
          for (let b = 0; b < itemsize; b++) block[to++] = span[from + b]!;
        }
        writer.write(block, 0, count * itemsize);
        if (writer.hasReady()) yield* writer.takeReady();
      }
    }
    if (writer.hasReady()) yield* writer.takeReady();
    for (let d = outer.length - 1; d >= 0; d--) {
      if (++index[d]! < outer[d]!) break;
      index[d] = 0;
    }
  }
}
