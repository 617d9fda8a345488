// Runs several tensors' statistics passes on one StatsKernel: chunks of interleaved jobs are
// accumulated by saving and restoring each job's running totals. Used in workers and in-thread.
// A job's bytes come as chunks (from any ByteSource) or as file ranges read into wasm memory,
// through a descriptor the main thread keeps open (ByteSource.localFd) or the file opened here.
import { closeSync, openSync, readSync } from "node:fs";
import type { Dtype } from "../formats/dtype.js";
import { ByteSourceError } from "../util/errors.js";
import { emptySketch, type TensorSketch } from "../stats/sketch.js";
import { packSketch, type PackedSketch } from "./packed-sketch.js";
import { StatsKernel, type StatsKernelSnapshot } from "./stats-wasm.js";

/**
 * Bytes of a file range read into wasm memory and sketched at a time (instead of the kernel's
 * whole 8 MiB input area): a piece that stays in the core's L2 cache (1 MiB here, with the
 * kernel's 256 KiB counters) between the kernel's copy into it and the pass that reads it. 160m
 * safetensors, perf samples over 4-6 runs each: page-cache copies (pread) 511 -> 404 per run (1 MiB
 * pieces 435, 512 KiB 416, 128 KiB 432); the wasm input area faulted in once is 32x smaller.
 * Same values: a multiple of the kernel's 4096-value block for every dtype (4096 x 8 bytes), so
 * the pass sees the same blocks, and file ranges (<= FILE_RANGE_BYTES) are far below the 2^30
 * values at which 16-bit counts are folded.
 */
export const FILE_READ_PIECE_BYTES = 256 * 1024;

export class StatsJobHost {
  private readonly kernel = StatsKernel.create();
  /** Job whose totals are live in the kernel (null: none). */
  private current: number | null = null;
  private readonly saved = new Map<number, StatsKernelSnapshot>();

  /** Accumulates one chunk of job `job`. */
  chunk(job: number, dtype: Dtype, bytes: Uint8Array): void {
    this.switchTo(job);
    this.kernel.accumulate(dtype, bytes);
  }

  /**
   * Accumulates `length` bytes of file `path` at `offset` for job `job`, read straight into wasm
   * memory FILE_READ_PIECE_BYTES at a time; through `openFd` (a descriptor of `path` the caller
   * keeps open) when given, else through the file opened here.
   */
  fileRange(job: number, dtype: Dtype, path: string, offset: number, length: number, openFd?: number): void {
    this.switchTo(job);
    const fd = openFd ?? openForRead(path);
    try {
      this.kernel.accumulateFilled(dtype, length, (target, at) => readFully(fd, path, target, offset + at), FILE_READ_PIECE_BYTES);
    } finally {
      if (openFd === undefined) closeSync(fd);
    }
  }

  /**
   * fileRange of F16/BF16 bytes that also returns them decoded to float32 (as decodeToFloat32
   * gives them: StatsKernel.accumulateDecoded), for a tensor whose values are needed.
   */
  fileRangeValues(job: number, dtype: "F16" | "BF16", path: string, offset: number, length: number, openFd?: number): Float32Array {
    this.switchTo(job);
    const fd = openFd ?? openForRead(path);
    try {
      return this.kernel.accumulateDecoded(dtype, length, (target, at) => readFully(fd, path, target, offset + at), FILE_READ_PIECE_BYTES);
    } finally {
      if (openFd === undefined) closeSync(fd);
    }
  }

  /** The partial sketch of everything this host saw of `job`; forgets the job. */
  finish(job: number): TensorSketch {
    if (this.current !== job && !this.saved.has(job)) return emptySketch();
    this.switchTo(job);
    const s = this.kernel.sketch();
    this.current = null;
    return s;
  }

  /** finish() with the histogram in typed arrays, as it crosses threads (the workers' form). */
  finishPacked(job: number): PackedSketch {
    if (this.current !== job && !this.saved.has(job)) return packSketch(emptySketch());
    this.switchTo(job);
    const s = this.kernel.packedSketch();
    this.current = null;
    return s;
  }

  /** Forgets a job without producing its sketch (after a failed read). */
  discard(job: number): void {
    this.saved.delete(job);
    if (this.current === job) this.current = null;
  }

  private switchTo(job: number): void {
    if (this.current === job) return;
    if (this.current !== null) this.saved.set(this.current, this.kernel.snapshot());
    const snap = this.saved.get(job);
    if (snap !== undefined) {
      this.kernel.restore(snap);
      this.saved.delete(job);
    } else {
      this.kernel.reset();
    }
    this.current = job;
  }
}

/** A file descriptor of `path` for reading; a typed error naming the file when it cannot be opened. */
function openForRead(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    throw new ByteSourceError(path, `cannot open file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** `length` bytes of file `path` at `offset`, in a fresh buffer (the caller owns it); `openFd` as in fileRange. */
export function readFileRange(path: string, offset: number, length: number, openFd?: number): Uint8Array {
  return readFileRangeInto(path, offset, new Uint8Array(length), openFd);
}

/** Fills `target` with the bytes of file `path` at `offset`; returns it. `openFd` as in StatsJobHost.fileRange. */
export function readFileRangeInto(path: string, offset: number, target: Uint8Array, openFd?: number): Uint8Array {
  const fd = openFd ?? openForRead(path);
  try {
    readFully(fd, path, target, offset);
  } finally {
    if (openFd === undefined) closeSync(fd);
  }
  return target;
}

/** Fills `target` from `fd` at `position`; a short read (file shrank) is a ByteSourceError. */
function readFully(fd: number, path: string, target: Uint8Array, position: number): void {
  for (let done = 0; done < target.byteLength;) {
    const n = readSync(fd, target, done, target.byteLength - done, position + done);
    if (n === 0) throw new ByteSourceError(path, `short read at offset ${position + done}: file shrank while reading?`);
    done += n;
  }
}
