// A bump allocator over one shared WebAssembly.Memory: every buffer the WASM kernels touch
// lives here, so the main thread and the workers see the same bytes without copying.
import { KernelError, UsageError } from "../../util/errors.js";

/** Bytes below this offset belong to the kernel module's static data. */
export const HEAP_START = 65536;
const PAGE = 65536;
/** Largest memory in pages (4 GiB): the module's declared maximum. */
export const MAX_PAGES = 65536;
const ALIGN = 64;

export class WasmArena {
  readonly memory: WebAssembly.Memory;
  private top = HEAP_START;
  private readonly buffers = new Set<ArrayBufferLike>();

  constructor(initialBytes = 16 * 1024 * 1024) {
    const pages = Math.ceil((HEAP_START + initialBytes) / PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.buffers.add(this.memory.buffer);
  }

  /** Reserves `bytes` (64-byte aligned, zero-filled as fresh memory is) and returns the byte offset. */
  reserve(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new KernelError(`WASM model memory: cannot grow to ${end} bytes (limit 4 GiB) ---> HINT: use a smaller batch or model`);
      this.memory.grow(pages);
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return ptr;
  }

  f32(n: number): Float32Array {
    const ptr = this.reserve(n * 4);
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  i32(n: number): Int32Array {
    const ptr = this.reserve(n * 4);
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  /** Byte offset of a view allocated here (throws for foreign buffers). */
  ptr(view: Float32Array | Int32Array): number {
    if (!this.buffers.has(view.buffer)) throw new UsageError("WASM kernels: buffer was not allocated by this backend (use kernels.allocF32)");
    return view.byteOffset;
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }
}
