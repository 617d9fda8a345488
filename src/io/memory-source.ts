// In-memory ByteSource: for tests, crafted files and data already held in memory.
import type { ByteSource } from "./byte-source.js";
import { checkRange } from "./range.js";

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array, readonly name = "<memory>") {
    this.size = bytes.byteLength;
  }

  /** A copy: the caller owns what read returns (it may transfer it to a worker), as for every ByteSource. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  async close(): Promise<void> {}
}

