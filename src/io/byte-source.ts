// ByteSource: random-access reads of a byte range. Every parser reads through this interface,
// never a whole file, so the same parser works on local files, memory and HTTP range requests.

/** A read-only random-access sequence of bytes. */
export interface ByteSource {
  /** Human-readable location (path or URL), used in every error message. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes starting at `offset`. Rejects with a ByteSourceError when the
   * range is outside [0, size) or the underlying read comes back short. The bytes belong to the
   * caller (never a view of a buffer the source keeps): it may transfer them to a worker thread.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Set when these bytes are those of a local file, at the same offsets: another thread may open
   * the file itself and read ranges straight into its own memory (the statistics workers do).
   */
  readonly localPath?: string;
  /**
   * An open descriptor of `localPath`, valid until close(): another thread of this process may
   * pread it (positional, no shared offset) instead of opening the file for every read, and reads
   * the very file this source opened, even if the path is replaced meanwhile.
   */
  readonly localFd?: number | undefined;
  /** Releases the underlying handle. Further reads reject. */
  close(): Promise<void>;
}

/** Bytes transferred so far, for sources that fetch from elsewhere (HTTP). */
export interface CountingByteSource extends ByteSource {
  readonly bytesRead: number;
}
