// Read-ahead for remote sources: small reads are served from aligned blocks of `blockBytes`, kept
// in a bounded LRU, so parsing a header or a zip directory costs a few requests, not hundreds.

/** Smallest amount fetched for a small read (the block size). */
export const DEFAULT_READ_AHEAD_BYTES = 1024 * 1024;
/**
 * Reads at least this long (tensor data) are fetched exactly, reusing cached blocks at their ends;
 * shorter ones (headers, zip local headers, tiny tensors) go through blocks. Keeps the bytes of a
 * selective analysis at the selected tensors plus headers.
 */
export const EXACT_READ_MIN_BYTES = 4 * 1024;
/** Bytes of blocks kept per source. */
export const DEFAULT_READ_CACHE_BYTES = 16 * 1024 * 1024;

/** A run of consecutive blocks [first, last] to fetch with one request. */
export interface BlockRun {
  readonly first: number;
  readonly last: number;
}

/** Indices of the blocks covering [offset, offset + length) (length > 0). */
export function blocksCovering(offset: number, length: number, blockBytes: number): BlockRun {
  return { first: Math.floor(offset / blockBytes), last: Math.floor((offset + length - 1) / blockBytes) };
}

/** Groups the blocks of `span` that `isMissing` into maximal runs of consecutive indices. */
export function missingRuns(span: BlockRun, isMissing: (index: number) => boolean): BlockRun[] {
  const runs: BlockRun[] = [];
  let start = -1;
  for (let i = span.first; i <= span.last + 1; i++) {
    const missing = i <= span.last && isMissing(i);
    if (missing && start < 0) start = i;
    if (!missing && start >= 0) {
      runs.push({ first: start, last: i - 1 });
      start = -1;
    }
  }
  return runs;
}

/** Least-recently-used cache of blocks, bounded by total bytes (at least one block is kept). */
export class BlockCache {
  private readonly blocks = new Map<number, Uint8Array>();
  private bytes = 0;

  constructor(private readonly capacityBytes: number) {}

  get cachedBytes(): number {
    return this.bytes;
  }

  has(index: number): boolean {
    return this.blocks.has(index);
  }

  /** The block, marked as most recently used; undefined when absent. */
  get(index: number): Uint8Array | undefined {
    const block = this.blocks.get(index);
    if (block !== undefined) {
      this.blocks.delete(index);
      this.blocks.set(index, block);
    }
    return block;
  }

  set(index: number, block: Uint8Array): void {
    const old = this.blocks.get(index);
    if (old !== undefined) {
      this.bytes -= old.byteLength;
      this.blocks.delete(index);
    }
    this.blocks.set(index, block);
    this.bytes += block.byteLength;
    // Map iteration order is insertion order: the first key is the least recently used.
    for (const [key, value] of this.blocks) {
      if (this.bytes <= this.capacityBytes || this.blocks.size <= 1) break;
      this.blocks.delete(key);
      this.bytes -= value.byteLength;
    }
  }

  clear(): void {
    this.blocks.clear();
    this.bytes = 0;
  }
}
