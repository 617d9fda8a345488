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
/**
 * Default of the CLI's --shape-sample (stats/extras.ts): positive turns the histogram shapes of
 * large tensors and groups on; stored with a run's options. Here, not in stats/extras.ts, so the
 * main thread does not load the shape statistics (~40 modules, the workers' work) for it.
 */
export const DEFAULT_SHAPE_SAMPLE_SIZE = 4096;
/** Matrices with min(rows, cols) up to this get a spectral summary by default (stats/extras.ts). */
export const DEFAULT_SPECTRAL_MAX_DIM = 256;
/** Largest sharded-checkpoint index file accepted (bytes). */
export const MAX_INDEX_JSON_BYTES = 64 * 1024 * 1024;

// ---- Untrusted pickles (data.pkl of torch.save archives) ----
/** Most values a pickle may push onto its stack over its whole run (each costs memory until it is dropped). */
export const MAX_PICKLE_VALUES = 16_000_000;
/** Most containers (dict, list, tuple, set, MARK frame) a pickle may create; a container costs ~100-200 bytes. */
export const MAX_PICKLE_CONTAINERS = 2_000_000;
/** Largest integer literal accepted (LONG4, INT, LONG), in bytes or digits: torch pickles hold small integers only. */
export const MAX_PICKLE_INT_BYTES = 4096;
/** A deflated data.pkl may inflate to at most this many times its compressed size (beyond the floor below). */
export const MAX_PICKLE_EXPANSION_RATIO = 64;
/** Inflated pickles up to this size pass whatever their compression ratio. */
export const PICKLE_EXPANSION_FLOOR_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of dicts followed in an unpickled checkpoint while looking for tensors. */
export const MAX_STATE_DICT_NESTING = 64;
/**
 * A strided view with more elements than its storage repeats elements (a broadcast view, strides
 * 0, as torch.expand saves). Such views are read (element by element) up to this many elements;
 * beyond it they are refused, so the work stays bounded by the file size plus this constant.
 */
export const MAX_BROADCAST_VIEW_ELEMENTS = 16 * 1024 * 1024;

// ---- Many tensors ----
/**
 * Most tensors in one weight file (safetensors header entries, PyTorch state-dict entries).
 * Analysis costs a few milliseconds per tensor and step (statistics, shape, store rows, events),
 * and memory grows with the tensors of a checkpoint (its one store transaction, the events'
 * series): 3 checkpoints of 20,000 one-element tensors peak at 445-504 MB RSS and 15-16 CPU s
 * (5 runs); a file of 99,999 peaked at 930-950 MB before this limit, and is now refused in
 * 0.9 CPU s at 185 MB (issue 13 item 6). Real shards hold at most a few thousand. Beyond it the
 * file is refused with a typed error; MAX_TENSORS_PER_CHECKPOINT bounds a checkpoint's files together.
 */
export const MAX_TENSORS_PER_FILE = 20_000;
/**
 * Most selected tensors in one checkpoint, whatever its files (shards of an index, or several
 * *.safetensors): what one checkpoint's analysis holds (its staged rows in the store's native
 * memory until its one transaction, its groups, the events' per-tensor series) grows with it.
 * 3 checkpoints of 20,000 one-element tensors are held to the issue's 500 MB (issue 13 item 6);
 * real models have hundreds to a few thousand tensors (a mixture of experts tens of thousands:
 * analyzed a part at a time with --include/--exclude). Beyond it the checkpoint is refused before
 * any tensor is read.
 */
export const MAX_TENSORS_PER_CHECKPOINT = 20_000;

/**
 * Most statistic rows (tensor x checkpoint) of tensors event detection holds at once: tensors are
 * read and detected in batches of contiguous names (DuckDB's byte order) of at most this many
 * rows, each batch's rows, histogram snapshots and trajectories dropped before the next is read.
 * A row held costs about 1-2 KB (its decoded shape extract and snapshot): 20,000 one-element
 * tensors x 3 checkpoints held at once were ~97 MB of the events phase's heap (issue 13 item 6).
 * A run of up to this many rows (160m: 444, the 154-checkpoint 70m series: ~11,000) is one batch:
 * one scan of each table.
 */
export const EVENT_BATCH_MAX_ROWS = 16_384;
/** Most bytes of kept tensors' trajectories (float32 values) a batch holds; a tensor above it is a batch of its own. */
export const EVENT_BATCH_MAX_TRAJECTORY_BYTES = 64 * 1024 * 1024;
