// Local-file ByteSource over a file handle: positional reads, no whole-file loads.
import { readSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { ByteSourceError } from "../util/errors.js";
import type { ByteSource } from "./byte-source.js";
import { checkRange } from "./range.js";

/**
 * Reads up to this many bytes are done in the calling thread (readSync) instead of on libuv's
 * thread pool: copying a few KiB from the page cache costs microseconds, less than the hop to a
 * pool thread and back (two wake-ups and context switches). Parsers make many such reads: a
 * PyTorch .bin costs two per tensor (zip local header, name), ~1,100 pool hops for the three
 * 160m checkpoints; safetensors headers a few per file. Larger reads (tensor chunks read by this
 * thread) stay asynchronous, so the thread keeps dispatching work while they are read.
 */
export const FILE_SYNC_READ_MAX_BYTES = 64 * 1024;

export class FileSource implements ByteSource {
  private constructor(
    private handle: FileHandle | undefined,
    readonly name: string,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ByteSourceError(path, code === "ENOENT" ? "file not found" : `cannot open file (${code ?? String(err)})`, { cause: err });
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new ByteSourceError(path, "not a regular file");
    }
    return new FileSource(handle, path, stat.size);
  }

  /** The file's path: workers may read its ranges themselves. */
  get localPath(): string {
    return this.name;
  }

  /** The open file's descriptor (undefined once closed): workers pread it without opening the file again. */
  get localFd(): number | undefined {
    return this.handle?.fd;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const out = new Uint8Array(length);
    await this.readInto(offset, out);
    return out;
  }

  /** Reads `target.byteLength` bytes at `offset` straight into `target` (no copy); small reads in this thread (FILE_SYNC_READ_MAX_BYTES). */
  async readInto(offset: number, target: Uint8Array): Promise<void> {
    checkRange(this, offset, target.byteLength);
    if (this.handle === undefined) throw new ByteSourceError(this.name, "read after close");
    const sync = target.byteLength <= FILE_SYNC_READ_MAX_BYTES;
    let done = 0;
    while (done < target.byteLength) {
      const bytesRead = sync
        ? readSync(this.handle.fd, target, done, target.byteLength - done, offset + done)
        : (await this.handle.read(target, done, target.byteLength - done, offset + done)).bytesRead;
      if (bytesRead === 0) {
        throw new ByteSourceError(this.name, `short read at offset ${offset + done}: file shrank while reading?`);
      }
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await h.close();
  }
}
