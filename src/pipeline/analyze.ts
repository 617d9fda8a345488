// The analysis pipeline: discover a run's checkpoints, compute the statistics of every selected
// tensor with the WASM worker pool, merge group sketches, and write one transaction per
// checkpoint into the store. Checkpoints already complete in the store are skipped, so an
// interrupted analysis resumes where it stopped.
import { resolve, basename } from "node:path";
import { DTYPE_IS_FLOAT, DTYPE_ITEMSIZE, decodeToFloat32 } from "../formats/dtype.js";
import type { TensorRef } from "../formats/tensor-ref.js";
import { openCheckpoint } from "../formats/checkpoint.js";
import { readTensorBytes } from "../tensor/read.js";
import { MemorySource } from "../io/memory-source.js";
import { classifyTensor, isNonParameterBuffer } from "../tensor/names.js";
import { StatsPool } from "../kernels/stats-pool.js";
import type { TensorSketch } from "../stats/sketch.js";
import { summarizeSketch } from "../stats/summary.js";
import { discoverRun, type RunCheckpoint } from "../runs/discovery.js";
import { discoverHubRun, hubRunId, isHubRunCheckpoint, type HubRunHubOptions, type HubRunOptions } from "../runs/hub-run.js";
import { isHubUrl } from "../runs/hub-url.js";
import { Store } from "../store/store.js";
import { claimRun } from "../store/identity.js";
import type { BufferInput, CheckpointResult, TensorStatsInput, TrajectoryInput } from "../store/types.js";
import { nameFilter } from "../util/glob.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS } from "../util/limits.js";
import { UsageError } from "../util/errors.js";
import { groupRows, type GroupShapeOptions } from "./groups.js";
import { DEFAULT_SHAPE_SAMPLE_SIZE, DEFAULT_SPECTRAL_MAX_DIM, exactShapeExtra, histogramShapeExtra, isSpectralTarget, shapeSeed, spectralExtra } from "./shape-rows.js";
import { countEventsByKind, recomputeRunEvents, type DynamicsEventKind, type EventDetectionOptions } from "./events.js";

export interface AnalyzeOptions {
  /** Output folder; the store is `<out>/analysis.duckdb`. */
  out: string;
  /** Name of the run in the store (default: the run folder's name). */
  runId?: string;
  /** Tensor-name globs to include (all when empty) and to exclude. */
  include?: readonly string[];
  exclude?: readonly string[];
  /** Statistics worker threads (0 = in-thread). Default: 2. */
  workers?: number;
  /** Explicit steps, mapped in order onto the checkpoints found (fallback layout). */
  steps?: readonly number[];
  /** Key of the model's state dict inside nested PyTorch checkpoints. */
  key?: string;
  /** LayerNorm parameters and biases with at most this many elements are kept in full (trajectories, exact shape). */
  keepFullMaxElements?: number;
  /**
   * Shape statistics (dip test, mixtures, KDE modes, Weibull, KS) of every tensor and group, in
   * `extra.shape` with `extra.shape_method`: exact values for kept tensors, a seeded histogram
   * sample otherwise. Default true.
   */
  shape?: boolean;
  /** Values drawn from the histogram for the shape of large tensors and groups (default DEFAULT_SHAPE_SAMPLE_SIZE = 4096); 0: kept tensors only. */
  shapeSampleSize?: number;
  /** Spectral summary (`extra.spectral`, power-law alpha) of attention/MLP weight matrices with min(rows, cols) up to this; 0 disables. Default DEFAULT_SPECTRAL_MAX_DIM. */
  spectralMaxDim?: number;
  /** Detect and store events after the statistics (default true; an object sets the detectors). */
  events?: boolean | EventDetectionOptions;
  onProgress?: (p: AnalyzeProgress) => void;
  /** hf:// runs only: revisions to analyze ("pythia", "step1000,step2000", globs); default: the URL's revision alone. */
  revisions?: string;
  /** hf:// runs only: Hub endpoint, token, cache and HTTP tuning (default: from HF_ENDPOINT, HF_TOKEN...). */
  hub?: HubRunHubOptions;
  /** An already open, writable store of `out` to write into (it is left open); default: open and close `<out>/analysis.duckdb`. */
  store?: Store;
  /** Replace the run's stored rows (its source or options changed) instead of refusing to mix them. */
  reanalyze?: boolean;
  /** Analyze only the discovered checkpoints this accepts (the others are not counted); default: all. */
  checkpointFilter?: (checkpoint: RunCheckpoint) => boolean;
}

export interface AnalyzeProgress {
  checkpointsDone: number;
  checkpointsTotal: number;
  step: number;
  bytesDone: number;
  /** Bytes of the current checkpoint's selected tensors. */
  checkpointBytes: number;
  checkpointBytesDone: number;
}

export interface NonFiniteReport {
  step: number;
  tensor: string;
  nan: number;
  inf: number;
}

export interface AnalyzeSummary {
  runId: string;
  storePath: string;
  checkpoints: number;
  analyzed: number;
  skipped: number;
  steps: number[];
  tensors: number;
  buffers: number;
  bytes: number;
  seconds: number;
  nonFinite: NonFiniteReport[];
  /** Events stored for the run, by kind; null when event detection was skipped (--no-events). */
  events: Record<DynamicsEventKind, number> | null;
  /** Seconds spent detecting events (included in `seconds`). */
  eventSeconds: number;
  /** hf:// runs: bytes fetched over HTTP, and the total size of the analyzed checkpoints' files. */
  remote?: { bytesTransferred: number; filesBytes: number };
}

export const DEFAULT_ANALYZE_WORKERS = 2;

export async function analyzeRun(runPath: string, options: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = Date.now();
  const hub = isHubUrl(runPath);
  const source = hub ? runPath : resolve(runPath);
  const runId = options.runId ?? (hub ? hubRunId(runPath) : basename(source));
  if (runId.length === 0) throw new UsageError(`cannot derive a run name from "${runPath}": pass a run name`);
  if (!hub && options.revisions !== undefined) throw new UsageError(`--revisions applies to hf:// runs only, not to the folder "${runPath}"`);
  checkShapeOptions(options);
  const discovered = hub
    ? await discoverHubRun(runPath, hubRunOptions(options))
    : await discoverRun(source, options.steps ? { steps: [...options.steps] } : {});
  const checkpoints = options.checkpointFilter ? discovered.filter(options.checkpointFilter) : discovered;
  const store = options.store ?? (await Store.openDir(options.out));
  const pool = await StatsPool.create(options.workers ?? DEFAULT_ANALYZE_WORKERS);
  const summary: AnalyzeSummary = {
    runId, storePath: store.path, checkpoints: checkpoints.length, analyzed: 0, skipped: 0,
    steps: checkpoints.map((c) => c.step), tensors: 0, buffers: 0, bytes: 0, seconds: 0, nonFinite: [], events: null, eventSeconds: 0,
    ...(hub && { remote: { bytesTransferred: 0, filesBytes: 0 } }),
  };
  try {
    const claim = await claimRun(store, { run_id: runId, source, options: storedOptions(options) }, { reanalyze: options.reanalyze === true });
    for (let i = 0; i < checkpoints.length; i++) {
      const cp = checkpoints[i]!;
      if (await claim.isCheckpointComplete(cp.step)) {
        summary.skipped++;
        continue;
      }
      const result = await analyzeCheckpoint(cp, pool, options, summary, (done, total) =>
        options.onProgress?.({ checkpointsDone: i, checkpointsTotal: checkpoints.length, step: cp.step, bytesDone: summary.bytes + done, checkpointBytes: total, checkpointBytesDone: done }));
      await claim.writeCheckpoint(result);
      summary.analyzed++;
      summary.bytes += result.checkpoint.total_bytes;
      options.onProgress?.({ checkpointsDone: i + 1, checkpointsTotal: checkpoints.length, step: cp.step, bytesDone: summary.bytes, checkpointBytes: 0, checkpointBytesDone: 0 });
    }
    // A run analyzed before and unchanged now keeps its stored events (a no-op leaves the store's bytes alone).
    if (options.events !== false && claim.registered && summary.analyzed === 0 && claim.existing) {
      summary.events = countEventsByKind(await store.events({ run: runId }));
    } else if (options.events !== false && claim.registered) {
      const eventsStarted = Date.now();
      summary.events = countEventsByKind(await recomputeRunEvents(store, runId, options.events === true ? {} : options.events ?? {}));
      summary.eventSeconds = (Date.now() - eventsStarted) / 1000;
    }
  } finally {
    await pool.close();
    if (options.store === undefined) await store.close();
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

function checkShapeOptions(o: AnalyzeOptions): void {
  if (o.shapeSampleSize !== undefined && !(Number.isInteger(o.shapeSampleSize) && (o.shapeSampleSize >= 8 || o.shapeSampleSize === 0))) {
    throw new UsageError(`shape sample size must be 0 (kept tensors only) or an integer >= 8, got ${o.shapeSampleSize} (default ${DEFAULT_SHAPE_SAMPLE_SIZE})`);
  }
  if (o.spectralMaxDim !== undefined && !(Number.isInteger(o.spectralMaxDim) && o.spectralMaxDim >= 0)) {
    throw new UsageError(`spectral max dim must be a non-negative integer (0 disables), got ${o.spectralMaxDim} (default ${DEFAULT_SPECTRAL_MAX_DIM})`);
  }
}

function hubRunOptions(o: AnalyzeOptions): HubRunOptions {
  if (o.steps !== undefined) throw new UsageError("--steps does not apply to hf:// runs: steps come from the revision names (use --revisions)");
  return { ...(o.revisions !== undefined && { revisions: o.revisions }), ...(o.hub !== undefined && { hub: o.hub }) };
}

function storedOptions(o: AnalyzeOptions): Record<string, unknown> {
  return {
    include: o.include ?? [], exclude: o.exclude ?? [], key: o.key ?? null,
    keepFullMaxElements: o.keepFullMaxElements ?? DEFAULT_KEEP_FULL_MAX_ELEMENTS, shape: o.shape ?? true,
    shapeSampleSize: o.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE, spectralMaxDim: o.spectralMaxDim ?? DEFAULT_SPECTRAL_MAX_DIM,
  };
}

async function analyzeCheckpoint(
  cp: RunCheckpoint,
  pool: StatsPool,
  options: AnalyzeOptions,
  summary: AnalyzeSummary,
  progress: (done: number, total: number) => void,
): Promise<CheckpointResult> {
  const keep = nameFilter(options.include ?? [], options.exclude ?? []);
  const keyOption = options.key !== undefined ? { key: options.key } : {};
  // Hub checkpoints locate (and fetch) only the selected tensors.
  const remote = isHubRunCheckpoint(cp) ? await cp.open({ ...keyOption, select: keep }) : undefined;
  const open = remote ?? (await openCheckpoint(cp.path, keyOption));
  try {
    const selected = open.tensors.filter((t) => keep(t.name)).sort((a, b) => a.name.localeCompare(b.name));
    const isParam = (t: TensorRef) => DTYPE_IS_FLOAT[t.dtype] && !isNonParameterBuffer(t.name, t.dtype);
    const params = selected.filter(isParam);
    const total = params.reduce((s, t) => s + t.numel * DTYPE_ITEMSIZE[t.dtype], 0);
    const buffers: BufferInput[] = selected.filter((t) => !isParam(t)).map((t) => ({
      tensor: t.name, dtype: t.dtype, shape: [...t.shape], numel: t.numel, role: classifyTensor(t.name).role,
    }));
    const tensors: TensorStatsInput[] = [];
    const trajectories: TrajectoryInput[] = [];
    const sketched: { row: TensorStatsInput; sketch: TensorSketch }[] = [];
    let done = 0;
    for (const ref of params) {
      const kept = isKeptTensor(ref, options.keepFullMaxElements ?? DEFAULT_KEEP_FULL_MAX_ELEMENTS);
      // Remote tensors whose values are needed in full are fetched once and sketched from memory.
      const spectral = isSpectralTarget(classifyTensor(ref.name), ref.shape, options.spectralMaxDim ?? DEFAULT_SPECTRAL_MAX_DIM);
      const bytes = remote !== undefined && (kept || spectral) ? await readTensorBytes(ref) : undefined;
      // Decoded before sketching: the pool transfers (detaches) the buffer of an in-memory tensor to a worker.
      const decoded = bytes ? decodeToFloat32(ref.dtype, bytes) : undefined;
      const sketch = await pool.sketchTensor(bytes ? inMemory(ref, bytes) : ref, { onBytes: (n) => progress((done += n), total) });
      const row = tensorRow(ref, sketch);
      const { values, extra } = await tensorExtra(ref, row, { kept, spectral }, cp.step, options, decoded);
      if (kept) trajectories.push({ tensor: ref.name, values: values! });
      if (extra !== undefined) row.extra = extra;
      tensors.push(row);
      sketched.push({ row, sketch });
      if (sketch.nan + sketch.posinf + sketch.neginf > 0) {
        summary.nonFinite.push({ step: cp.step, tensor: ref.name, nan: sketch.nan, inf: sketch.posinf + sketch.neginf });
      }
    }
    summary.tensors += tensors.length;
    summary.buffers += buffers.length;
    return {
      checkpoint: { step: cp.step, label: cp.label, path: cp.path, format: open.format, n_tensors: selected.length, total_bytes: total },
      tensors, groups: groupRows(sketched, groupShape(options, cp.step)), buffers, trajectories,
    };
  } finally {
    if (remote !== undefined && summary.remote !== undefined) {
      summary.remote.bytesTransferred += remote.bytesTransferred();
      summary.remote.filesBytes += remote.filesBytes;
    }
    await open.close();
  }
}

function groupShape(options: AnalyzeOptions, step: number): GroupShapeOptions | null {
  const sampleSize = options.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE;
  return (options.shape ?? true) && sampleSize > 0 ? { step, sampleSize } : null;
}

/**
 * A tensor's values when it is kept or gets a spectrum, and its extras: the shape (exact values
 * when kept, else a seeded sample of its histogram) and the spectral summary of a weight matrix.
 */
async function tensorExtra(
  ref: TensorRef, row: TensorStatsInput, { kept, spectral }: { kept: boolean; spectral: boolean }, step: number, options: AnalyzeOptions, decoded?: Float32Array,
): Promise<{ values: Float32Array | null; extra?: Record<string, unknown> }> {
  const values = kept || spectral ? decoded ?? decodeToFloat32(ref.dtype, await readTensorBytes(ref)) : null;
  const sampleSize = options.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE;
  const shape = !(options.shape ?? true) ? null
    : kept ? exactShapeExtra(values!)
    : sampleSize > 0 ? histogramShapeExtra(row.histogram!, shapeSeed("tensor", ref.name, step), sampleSize) : null;
  const extra = { ...shape, ...(spectral && spectralExtra(values!, ref.shape[0]!, ref.shape[1]!)) };
  return Object.keys(extra).length > 0 ? { values, extra } : { values };
}

/** The same tensor, its contiguous bytes already in memory. */
function inMemory(ref: TensorRef, bytes: Uint8Array): TensorRef {
  return { name: ref.name, dtype: ref.dtype, shape: ref.shape, numel: ref.numel, file: ref.file, source: new MemorySource(bytes, ref.file), byteOffset: 0, byteLength: bytes.byteLength };
}

/** Kept in full at every checkpoint: LayerNorm parameters and biases up to the size limit. */
export function isKeptTensor(ref: TensorRef, maxElements: number): boolean {
  const cls = classifyTensor(ref.name);
  return ref.numel <= maxElements && (cls.kind === "bias" || cls.role.startsWith("ln."));
}

function tensorRow(ref: TensorRef, sketch: TensorSketch): TensorStatsInput {
  const cls = classifyTensor(ref.name);
  return {
    ...summarizeSketch(sketch),
    tensor: ref.name, layer: cls.layer, role: cls.role, kind: cls.kind, dtype: ref.dtype, shape: [...ref.shape],
    histogram: { keys: sketch.histKeys, counts: sketch.histCounts },
    sketch,
  };
}
