// The unit of work of an analysis: (checkpoint, selection, options) -> a typed batch of rows.
// It opens the checkpoint (whatever holds its files: the RunCheckpoint decides), sketches every
// selected float tensor on the worker pool, computes summaries, shape and spectral extras on the
// workers too (overlapped with the sketching of the next tensors), merges group sketches, and
// returns a CheckpointBatch. It never touches the store: a writer (pipeline/batch-writer.ts)
// commits batches. The local executor (analyzeRun), a shard of a cluster job and a BullMQ child
// job all run this same function; runCheckpointJob (pipeline/checkpoint-job.ts) does it from a
// serializable CheckpointJob (run source + step + options).
//
// Pipelining: up to TENSORS_IN_FLIGHT tensors are under way at once, each (up to 16 MiB in a local
// file, 4 MiB elsewhere, and every kept or spectral tensor) done by one worker in one message:
// tensors in local files (or the Hub cache) are read by the workers themselves, into wasm memory
// (or into a buffer when their values are needed); other sources are read here and their bytes
// transferred once. Larger tensors are split in STATS_CHUNK_BYTES chunks (file ranges: 16 MiB)
// over the workers. The pool queues up to 64 requests (128 MiB of tensor data) per worker, of which
// at most 2 carry bytes (kernels/stats-pool.ts: MAX_QUEUED_PER_WORKER, QUEUED_WORK_PER_WORKER,
// MAX_CARRYING_PER_WORKER), and bytes are read
// here only once such a slot is free. Tensors needed in full (kept, spectral) are small
// (DEFAULT_KEEP_FULL_MAX_ELEMENTS, spectral max dim). Memory held in bytes is therefore bounded
// whatever the checkpoint size: workers x 2 x max(4 MiB, largest kept/spectral tensor), plus
// one file range per worker being read into wasm memory, plus each checkpoint's kept values.
import { DTYPE_IS_FLOAT, DTYPE_ITEMSIZE } from "../formats/dtype.js";
import type { CheckpointFormat } from "../formats/checkpoint-files.js";
import type { TensorRef } from "../formats/tensor-ref.js";
import type { StatsPool } from "../kernels/stats-pool.js";
import type { RunCheckpoint } from "../runs/discovery.js";
import { unpackSketch, type PackedSketch } from "../kernels/packed-sketch.js";
import type { CheckpointStage } from "../store/staging.js";
import type { BufferInput, CheckpointResult, GroupStatsInput, TensorStatsInput, TrajectoryInput } from "../store/types.js";
import { classifyTensor, isNonParameterBuffer, isSpectralTarget } from "../tensor/names.js";
import { nameFilter } from "../util/glob.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS, EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES } from "../util/limits.js";
import { CheckpointGroupsBuilder, type PackedGroupSketch } from "./groups.js";
import type { EncodedRowStats, GroupRowSpec, RowStats, TensorRowSpec } from "./row-tasks.js";
import { ROW_TASKS_URL } from "./row-tasks-url.js";
import type { EncodedTensorRow } from "../store/codec.js";
import type { EventStatValues } from "../store/event-queries.js";
import type { HeldHistogramMasses } from "../dynamics/modes/snapshots.js";
import { eventStatValuesOf } from "../store/event-values.js";
import { DEFAULT_SHAPE_SAMPLE_SIZE, DEFAULT_SPECTRAL_MAX_DIM } from "../util/limits.js";
import { stamp } from "../util/timeline.js";

/**
 * Tensors under way at once per checkpoint: enough to fill the workers' queues (2 workers x
 * MAX_QUEUED_PER_WORKER), so they keep busy between small tensors and while this thread writes
 * (with 32, the queues held ~50 ms of work on 160m and the workers went idle during each write).
 */
export const TENSORS_IN_FLIGHT = 128;

/** Which tensors of a checkpoint are analyzed. Serializable. */
export interface TensorSelection {
  /** Tensor-name globs to include (all when empty) and to exclude. */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Key of the model's state dict inside nested PyTorch checkpoints. */
  readonly key?: string;
}

/** What is computed for each tensor. Serializable. */
export interface CheckpointStatsOptions {
  /** LayerNorm parameters and biases with at most this many elements are kept in full (trajectories, exact shape). */
  readonly keepFullMaxElements?: number;
  /** Shape statistics of every tensor and group (default true). */
  readonly shape?: boolean;
  /** Values drawn from the histogram for the shape of large tensors and groups (default DEFAULT_SHAPE_SAMPLE_SIZE); 0: kept tensors only. */
  readonly shapeSampleSize?: number;
  /** Spectral summary of attention/MLP matrices with min(rows, cols) up to this; 0 disables (default DEFAULT_SPECTRAL_MAX_DIM). */
  readonly spectralMaxDim?: number;
  /** Collect what event detection reads of the rows (CheckpointBatch.eventRows) while this budget lasts; default: none collected. */
  readonly eventRows?: EventRowBudget;
}

/**
 * Tensor rows and bytes of kept values an analysis holds for event detection (pipeline/event-held.ts):
 * one detection batch's (events.ts reads at most EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES
 * at once; test/pipeline/event-held.test.ts). Beyond them the events are read from the store.
 */
export const EVENT_ROWS_HELD_MAX = EVENT_BATCH_MAX_ROWS;
export const EVENT_VALUES_HELD_MAX_BYTES = EVENT_BATCH_MAX_TRAJECTORY_BYTES;

/**
 * What is left of an analysis' budget of rows held for event detection, shared by its checkpoints
 * (several under way at once); once passed, no checkpoint collects any more, so the rows held do
 * not grow with the tensor count (20,000 one-element tensors per checkpoint: none held).
 */
export class EventRowBudget {
  private passed = false;

  constructor(private rows = EVENT_ROWS_HELD_MAX, private bytes = EVENT_VALUES_HELD_MAX_BYTES) {}

  /** Takes one row and its kept values' bytes; false once the budget is passed (then always). */
  take(bytes: number): boolean {
    if (this.passed) return false;
    this.rows -= 1;
    this.bytes -= bytes;
    if (this.rows < 0 || this.bytes < 0) this.passed = true;
    return !this.passed;
  }

  get exhausted(): boolean {
    return this.passed;
  }
}

export interface NonFiniteReport {
  step: number;
  tensor: string;
  nan: number;
  inf: number;
}

/**
 * Rows per chunk handed to a stage as they come (in tensor order): the stage encodes them at once
 * (store/staging.ts; it batches its own DuckDB appends), so small chunks spread the encoding over
 * the checkpoint's analysis instead of leaving it to its end (the last checkpoint's is on the
 * critical path), each a short pause between worker replies.
 */
export const STAGE_CHUNK_ROWS = 32;
/**
 * Rows handed to a stage and not yet appended above which the tensor whose row filled a chunk
 * waits for the appends (and with it, through TENSOR_REORDER_WINDOW, every later tensor): the
 * rows of a checkpoint then never pile up in JS while the store is busy (a previous checkpoint's
 * write, or appends slower than the workers), yet a checkpoint of up to this many tensors never
 * waits on the store.
 */
export const STAGE_PENDING_ROWS = 1024;
/**
 * Tensors that may finish ahead of the first unfinished one (mapInOrder's reorderWindow): their
 * results (rows, sketches, kept values) wait, in JS, for it. Unbounded, one slow tensor let the
 * others run ahead by hundreds (486-651 results held at once in a checkpoint of 20,000
 * one-element tensors), and a checkpoint's kept values could all wait behind one large tensor.
 */
export const TENSOR_REORDER_WINDOW = 2 * TENSORS_IN_FLIGHT;

/**
 * The rows of one checkpoint (what the store writes in one transaction) and what was seen doing
 * it. Analyzed with a stage, the per-tensor rows (tensors, trajectories) are in the stage, not
 * in `tensors` and `trajectories`, which are then empty.
 */
export interface CheckpointBatch extends CheckpointResult {
  /** Tensor rows of the checkpoint, staged or in `tensors`. */
  readonly tensorCount: number;
  readonly groups: GroupStatsInput[];
  readonly buffers: BufferInput[];
  readonly trajectories: TrajectoryInput[];
  /** Tensors with NaN or Inf values (counted, not an error). */
  readonly nonFinite: NonFiniteReport[];
  /** Bytes fetched over the network (0 for local files) and the total size of the checkpoint's files. */
  readonly bytesTransferred: number;
  readonly filesBytes: number;
  /**
   * What event detection reads of each tensor row (in tensor order) and the kept values, whether
   * staged or in `tensors` (pipeline/event-held.ts); null when not collected (no budget, or it was passed).
   */
  readonly eventRows: readonly EventRowSource[] | null;
  readonly eventTrajectories: readonly TrajectoryInput[];
}

/** A tensor row as event detection reads it once stored: its key, EventStatValues, and its histogram (the stored one). */
export interface EventRowSource {
  readonly tensor: string;
  readonly layer: number | null;
  readonly role: TensorStatsInput["role"];
  readonly kind: TensorStatsInput["kind"];
  readonly values: EventStatValues;
  readonly histogram: TensorStatsInput["histogram"];
  /** The histogram's masses and whether its snapshot needs its buckets, when the worker worked them out (else event-held.ts does). */
  readonly masses?: HeldHistogramMasses;
}

/** Kept in full at every checkpoint: LayerNorm parameters and biases up to the size limit. */
export function isKeptTensor(ref: TensorRef, maxElements: number): boolean {
  const cls = classifyTensor(ref.name);
  return ref.numel <= maxElements && (cls.kind === "bias" || cls.role.startsWith("ln."));
}

/** What analyzeCheckpoint tells its caller as it goes (a scheduler of several checkpoints). */
export interface CheckpointEvents {
  /** The checkpoint is opened: the number of selected tensors (parameters and buffers), before any is read. */
  opened?(tensors: number): void;
  /** Every tensor's work has started (queued on the workers); what remains is finishing it and the groups. */
  allStarted?(): void;
}

/**
 * Analyzes one checkpoint into a batch of rows, on `pool`'s workers. `onBytes(done, total)`
 * reports sketched bytes of the selected float tensors; `events` when it is opened and when all
 * its tensors are under way. With a `stage` (Store.stageCheckpoint, of the store that will write
 * the batch), the per-tensor rows go there in chunks as they come instead of into the batch, so
 * memory does not grow with the tensor count; the batch names the stage. On failure the caller
 * discards the stage. `priority`: its requests' place among those waiting for the pool's workers
 * (lower first; StatsPool's queue): an analysis gives each checkpoint its index, so that of
 * several under way the earliest gets the workers first and finishes (is written) first.
 */
export async function analyzeCheckpoint(
  checkpoint: RunCheckpoint,
  selection: TensorSelection,
  options: CheckpointStatsOptions,
  pool: StatsPool,
  onBytes?: (done: number, total: number) => void,
  events: CheckpointEvents = {},
  stage?: CheckpointStage,
  priority = 0,
): Promise<CheckpointBatch> {
  const keep = nameFilter(selection.include ?? [], selection.exclude ?? []);
  const open = await checkpoint.open({ ...(selection.key !== undefined && { key: selection.key }), select: keep });
  try {
    const selected = open.tensors.filter((t) => keep(t.name)).sort((a, b) => a.name.localeCompare(b.name));
    events.opened?.(selected.length);
    stamp(`checkpoint ${checkpoint.step}: opened`);
    const isParam = (t: TensorRef) => DTYPE_IS_FLOAT[t.dtype] && !isNonParameterBuffer(t.name, t.dtype);
    const params = selected.filter(isParam);
    const total = params.reduce((s, t) => s + t.numel * DTYPE_ITEMSIZE[t.dtype], 0);
    const buffers: BufferInput[] = selected.filter((t) => !isParam(t)).map((t) => ({
      tensor: t.name, dtype: t.quantized ?? t.dtype, shape: [...t.shape], numel: t.numel, role: classifyTensor(t.name).role,
    }));
    let done = 0;
    const progress = (n: number) => onBytes?.((done += n), total);
    const rows = new TensorRowCollector(checkpoint.step, stage, options.eventRows);
    const encode = stage !== undefined; // staged rows are only written: their JSON columns come encoded
    await mapInOrder(params.map((ref, i) => ({ ref, i })), TENSORS_IN_FLIGHT, async ({ ref, i }) => rows.put(i, await analyzeTensor(ref, checkpoint.step, options, pool, progress, encode, priority)),
      () => { stamp(`checkpoint ${checkpoint.step}: all started`); events.allStarted?.(); }, TENSOR_REORDER_WINDOW);
    stamp(`checkpoint ${checkpoint.step}: tensors done`);
    await rows.finish();
    stamp(`checkpoint ${checkpoint.step}: rows staged`);
    const groups = await groupRowsOnPool(rows.groups.groups(), checkpoint.step, options, pool, priority);
    stamp(`checkpoint ${checkpoint.step}: groups done`);
    return {
      checkpoint: { step: checkpoint.step, label: checkpoint.label, path: checkpoint.path, format: open.format as CheckpointFormat, n_tensors: selected.length, total_bytes: total },
      tensors: rows.tensors,
      tensorCount: rows.groups.tensorCount,
      groups,
      buffers,
      trajectories: rows.trajectories,
      nonFinite: rows.nonFinite,
      eventRows: rows.eventRows,
      eventTrajectories: rows.eventTrajectories,
      bytesTransferred: open.bytesTransferred(),
      filesBytes: open.filesBytes,
      ...(stage !== undefined && { stage }),
    };
  } finally {
    await open.close();
  }
}

interface TensorResult {
  /** Encoded when it goes to a stage. */
  row: TensorStatsInput | EncodedTensorRow;
  /** What event detection reads of the row once stored, when asked for (TensorRowSpec.event; computed here for rows not encoded). */
  event: EventStatValues | undefined;
  /** With `event` from the worker: its histogram's masses (EventRowSource.masses). */
  masses?: HeldHistogramMasses | undefined;
  /** Its histogram in typed arrays, as the worker sent it (merged into the groups as it is). */
  sketch: PackedSketch;
  trajectory: TrajectoryInput | null;
}

/**
 * Takes tensor results as they complete and uses them in tensor order: merges each one's sketch
 * into its groups, and either keeps its rows (no stage) or hands them to the stage a chunk at a
 * time, holding only the chunk being filled, the chunks being appended and the results that came
 * before their turn (at most TENSOR_REORDER_WINDOW).
 */
class TensorRowCollector {
  readonly groups = new CheckpointGroupsBuilder();
  readonly tensors: TensorStatsInput[] = [];
  readonly trajectories: TrajectoryInput[] = [];
  readonly nonFinite: NonFiniteReport[] = [];
  eventRows: EventRowSource[] | null;
  eventTrajectories: TrajectoryInput[] = [];
  private readonly early = new Map<number, TensorResult>();
  private next = 0;
  private chunk: TensorResult[] = [];
  private appending: Promise<void> = Promise.resolve();
  /** Rows handed to append() (or queued for it) and not yet appended. */
  private pendingRows = 0;
  private failure: { error: unknown } | null = null;

  constructor(private readonly step: number, private readonly stage: CheckpointStage | undefined, private readonly eventBudget: EventRowBudget | undefined) {
    this.eventRows = eventBudget === undefined || eventBudget.exhausted ? null : [];
  }

  /**
   * Result `i` (0-based, tensor order); throws a failed append's error (no new tensor then
   * starts). Resolves at once, unless it filled a chunk while more than STAGE_PENDING_ROWS rows
   * wait to be appended: then once the appends caught up.
   */
  async put(i: number, result: TensorResult): Promise<void> {
    this.throwIfFailed();
    this.early.set(i, result);
    for (let r = this.early.get(this.next); r !== undefined; r = this.early.get(this.next)) {
      this.early.delete(this.next++);
      this.take(r);
    }
    if (this.chunk.length < STAGE_CHUNK_ROWS) return;
    this.send();
    if (this.pendingRows <= STAGE_PENDING_ROWS) return;
    await this.appending;
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }

  /** Hands the last chunk over and waits for every append. */
  async finish(): Promise<void> {
    if (this.chunk.length > 0) this.send();
    await this.appending;
    if (this.failure !== null) throw this.failure.error;
  }

  private take({ row, sketch, trajectory, event, masses }: TensorResult): void {
    this.groups.add(row, sketch);
    if (this.eventRows !== null) {
      const values = event ?? ("json" in row ? undefined : eventStatValuesOf(row));
      if (values !== undefined && this.eventBudget!.take(trajectory?.values.byteLength ?? 0)) {
        // the worker's masses belong to its event values only (not to values derived here)
        this.eventRows.push({ tensor: row.tensor, layer: row.layer, role: row.role, kind: row.kind, values, histogram: row.histogram, ...(masses !== undefined && values === event && { masses }) });
        if (trajectory !== null) this.eventTrajectories.push(trajectory);
      } else {
        this.eventRows = null; // not all of them: none
        this.eventTrajectories = [];
      }
    }
    if (sketch.nan + sketch.posinf + sketch.neginf > 0) this.nonFinite.push({ step: this.step, tensor: row.tensor, nan: sketch.nan, inf: sketch.posinf + sketch.neginf });
    if (this.stage !== undefined) {
      this.chunk.push({ row, sketch, trajectory, event });
      return;
    }
    this.tensors.push(row as TensorStatsInput); // not encoded without a stage
    if (trajectory !== null) this.trajectories.push(trajectory);
  }

  private send(): void {
    const stage = this.stage!;
    const chunk = this.chunk;
    this.chunk = [];
    const trajectories = chunk.flatMap((r) => (r.trajectory !== null ? [r.trajectory] : []));
    this.pendingRows += chunk.length;
    this.appending = this.appending.then(() => (this.failure === null ? stage.append(chunk.map((r) => r.row), trajectories) : undefined))
      .catch((error: unknown) => { this.failure ??= { error }; })
      .finally(() => { this.pendingRows -= chunk.length; });
  }
}

/**
 * Sketch, summary and extras of one tensor, in one worker task (StatsPool.sketchAndCall): the
 * worker reads the tensor's bytes (or is handed them once), so values needed in full (kept,
 * spectral) cross threads at most once, and kept values come back transferred.
 */
async function analyzeTensor(ref: TensorRef, step: number, options: CheckpointStatsOptions, pool: StatsPool, progress: (n: number) => void, encode: boolean, priority: number): Promise<TensorResult> {
  const kept = isKeptTensor(ref, options.keepFullMaxElements ?? DEFAULT_KEEP_FULL_MAX_ELEMENTS);
  const cls = classifyTensor(ref.name);
  const spectral = isSpectralTarget(cls, ref.shape, options.spectralMaxDim ?? DEFAULT_SPECTRAL_MAX_DIM);
  const task: TensorRowSpec = {
    name: ref.name, step, kept,
    spectral: spectral ? { rows: ref.shape[0]!, cols: ref.shape[1]! } : null,
    shapeSampleSize: (options.shape ?? true) ? options.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE : null,
    ...(encode && { encode }),
    ...(encode && options.eventRows !== undefined && !options.eventRows.exhausted && { event: true }),
  };
  const { sketch, value, values } = await pool.sketchAndCallPacked<RowStats | EncodedRowStats>(ref, ROW_TASKS_URL, "tensorRowStatsOf", [task],
    { values: kept ? "return" : spectral ? "use" : "none", onBytes: progress, priority });
  const trajectory = kept ? { tensor: ref.name, values: values! } : null;
  if ("json" in value) {
    const encoded: EncodedTensorRow = {
      tensor: ref.name, layer: cls.layer, role: cls.role, kind: cls.kind, dtype: ref.dtype, shape: [...ref.shape],
      histogram: { keys: sketch.histKeys, counts: sketch.histCounts }, stats: value.stats, json: value.json,
    };
    return { row: encoded, sketch, trajectory, event: value.event, masses: value.masses };
  }
  const stats = value;
  // rows kept whole store their sketch as JSON (plain arrays, as before); the groups take the typed one
  const plain = unpackSketch(sketch);
  // Object.assign onto one literal, not a spread: rows then share V8 hidden classes (spreading
  // the summaries that arrive from the workers gave each row its own, ~1.7 KB per tensor).
  const row: TensorStatsInput = Object.assign({
    tensor: ref.name, layer: cls.layer, role: cls.role, kind: cls.kind, dtype: ref.dtype, shape: [...ref.shape],
    histogram: { keys: plain.histKeys, counts: plain.histCounts },
    sketch: plain,
  }, stats.summary, stats.extra !== undefined ? { extra: stats.extra } : null);
  return { row, sketch, trajectory, event: undefined };
}

/** Group rows (model, roles, layers) from merged sketches; summaries and shapes on the workers. */
async function groupRowsOnPool(groups: readonly PackedGroupSketch[], step: number, options: CheckpointStatsOptions, pool: StatsPool, priority: number): Promise<GroupStatsInput[]> {
  const size = (options.shape ?? true) ? options.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE : null;
  return Promise.all(groups.map(async (g) => {
    const spec: GroupRowSpec = { name: g.name, step, shapeSampleSize: size };
    // lent: the group's histogram goes to the worker and back without a copy (read again below, once back)
    const stats = await pool.callOnSketch<RowStats>(g.sketch, ROW_TASKS_URL, "groupRowStatsOf", [spec], priority, { lend: true });
    return {
      ...stats.summary, group_kind: g.kind, group_name: g.name, n_tensors: g.nTensors,
      histogram: { keys: g.sketch.histKeys, counts: g.sketch.histCounts },
      ...(stats.extra !== undefined && { extra: stats.extra }),
    };
  }));
}

/**
 * fn over items with at most `limit` under way at once; results in the items' order. After a
 * failure no new item starts, and the first error is thrown once every started item settled.
 * `allStarted` is called once fn has been called on the last item. With a `reorderWindow`, item
 * i starts only once every item before i - reorderWindow has finished: one slow item then holds
 * back the others instead of letting them run ahead (whose results a caller that uses them in
 * order must hold meanwhile); it must be at least 1, and `limit` or more keeps `limit` under way.
 */
export async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, allStarted?: () => void, reorderWindow = Infinity): Promise<R[]> {
  const out = new Array<R>(items.length);
  const finished = new Uint8Array(items.length);
  let next = 0, firstOpen = 0;
  let failed = false;
  let waiting: (() => void)[] = [];
  const wakeAll = () => {
    const w = waiting;
    waiting = [];
    for (const resolve of w) resolve();
  };
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed) {
      // firstOpen < next here (it started and has not finished): it finishes without this lane
      if (next - firstOpen >= reorderWindow) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      const i = next++;
      try {
        const result = fn(items[i]!);
        if (next === items.length) allStarted?.();
        out[i] = await result;
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        finished[i] = 1;
        while (firstOpen < items.length && finished[firstOpen] === 1) firstOpen++;
        wakeAll();
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure !== undefined) throw failure.reason;
  return out;
}
