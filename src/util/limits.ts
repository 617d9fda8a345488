// Named limits. Untrusted files are checked against these before anything is allocated.

/** Largest safetensors JSON header accepted (bytes). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100 * 1024 * 1024;
/** Largest pickle (`data.pkl`) accepted from a PyTorch archive (bytes). */
export const MAX_PICKLE_BYTES = 256 * 1024 * 1024;
/** Largest zip central directory accepted (bytes). */
export const MAX_ZIP_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;
/** Largest number of dimensions of a tensor. */
export const MAX_TENSOR_RANK = 16;
/** Chunk size (bytes) for streaming a tensor through the statistics pass. */
export const STATS_CHUNK_BYTES = 4 * 1024 * 1024;
/** Tensors up to this many elements are kept in full at every checkpoint (trajectories). */
export const DEFAULT_KEEP_FULL_MAX_ELEMENTS = 65_536;
/** Largest sharded-checkpoint index file accepted (bytes). */
export const MAX_INDEX_JSON_BYTES = 64 * 1024 * 1024;
