export type { ByteSource, CountingByteSource } from "./byte-source.js";
export { MemorySource } from "./memory-source.js";
export { FileSource } from "./file-source.js";
export { checkRange } from "./range.js";
export { HttpRangeSource, type HttpRangeSourceOptions, type RemoteFileInfo } from "./http-source.js";
export { HttpSourceError, RemoteChangedError } from "./http-errors.js";
export { DEFAULT_READ_AHEAD_BYTES, DEFAULT_READ_CACHE_BYTES } from "./read-ahead.js";
