export type { ByteSource, CountingByteSource } from "./byte-source.js";
export { MemorySource } from "./memory-source.js";
export { FileSource } from "./file-source.js";
export { checkRange } from "./range.js";
